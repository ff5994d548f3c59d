"""Legacy formats import like the xlsx: the seed forms exported by our exporter and converted by
LibreOffice to Excel 97-2003 (.xls) and OpenDocument (.ods) (tests/fixtures_legacy/, see its
README) give the same forms, field for field, with the same problems at the same cells, and read
"unchanged" against the seeds loaded by load_demo."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from projects.importing.plan import ImportPlan
from projects.importing.workbook import read_workbook
from projects.services.importing import read_sources

FIXTURES = Path(__file__).resolve().parent / "fixtures_legacy"


@pytest.fixture
def demo(db) -> None:
    call_command("load_demo", stdout=StringIO())


def read(name: str) -> ImportPlan:
    return read_sources(uploads=[(name, (FIXTURES / name).read_bytes())], year=2023)


def problems(plan: ImportPlan, name: str) -> list[tuple[str, str, str]]:
    found = list(plan.problems) + [p for form in plan.forms for p in form.problems]
    return [(p.severity, p.where.removeprefix(name), p.message) for p in found]


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
@pytest.mark.parametrize(
    ("stem", "count"), [("dongguan", 14), ("shenzhen_stacked", 6), ("guangzhou", 22)]
)
def test_a_legacy_workbook_imports_exactly_like_its_xlsx(demo, stem, count, suffix):
    reference = read(f"{stem}.xlsx")
    legacy = read(f"{stem}{suffix}")
    assert len(legacy.forms) == len(reference.forms) == count
    assert [f.data for f in legacy.forms] == [f.data for f in reference.forms]
    assert [(f.sheet, f.rows) for f in legacy.forms] == [(f.sheet, f.rows) for f in reference.forms]
    assert problems(legacy, f"{stem}{suffix}") == problems(reference, f"{stem}.xlsx")
    assert not legacy.has_errors
    assert [f.action for f in legacy.forms] == ["unchanged"] * count


@pytest.mark.parametrize("name", ["features.xlsx", "features.xls", "features.ods"])
def test_merges_formats_and_hidden_cells_read_the_same_in_every_format(db, name):
    # 样表: A1:A3 merged (标题); B1 0.95 as 0%; C1 2023-01-02; B2 699000; C2 0.125 (general);
    # B3 正文; row 4 hidden (A4 隐藏行); column D hidden (D1 隐藏列); E5 末尾.
    # 隐藏表: a hidden sheet (A1 不读).
    sheet, hidden_sheet = read_workbook((FIXTURES / name).read_bytes(), file=name)
    assert sheet.rows == [
        ["标题", "95%", "2023-01-02", ""],
        ["标题", "699000", "0.125", ""],
        ["标题", "正文", "", ""],
        ["隐藏行", "", "", ""],
        ["", "", "", "末尾"],
    ]
    assert (sheet.row_numbers, sheet.col_numbers) == ([1, 2, 3, 4, 5], [1, 2, 3, 5])
    assert [note for _row, note in sheet.notes] == ["隐藏的列（D 列）有内容，已忽略。"]
    assert (3, 0, "这一行在原表中是隐藏的，已照常读取，请核对。") in sheet.cell_notes
    assert sheet.where(4, 3) == f"{name} › 样表 › E5"
    assert (hidden_sheet.name, hidden_sheet.rows) == ("隐藏表", [])
