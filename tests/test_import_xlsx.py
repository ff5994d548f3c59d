"""Workbooks in the three layouts, written with the dirt real sheets have, import to exactly the
data the seed text gives; bad files get a clear message and import nothing."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from dataclasses import replace

import pytest
from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from indicators.models import Framework
from projects.content import FormContent
from projects.layouts import framework_categories, yuan_to_wan
from projects.models import PerformanceForm
from projects.services.importing import ImportError_, commit_import, read_sources
from tests.import_helpers import (
    DONGGUAN_SEED,
    GUANGZHOU_SEED,
    SHENZHEN_SEED,
    Dirt,
    grid_workbook,
    workbook_bytes,
    write_dongguan,
    write_guangzhou,
    write_shenzhen,
)

pytestmark = pytest.mark.django_db


def seed_forms(path, year: int | None = None) -> list[FormContent]:
    plan = read_sources(paths=[path], year=year)
    assert not plan.has_errors
    return [form.data for form in plan.forms]


def categories() -> list[tuple[str, str, str, str]]:
    framework = Framework.objects.get(is_default=True)
    return [(c.level1, c.level2, c.short1, c.short2) for c in framework_categories(framework.pk)]


DIRTS = [
    Dirt(label_width=2, merged=True),
    Dirt(label_width=1, merged=False, numbers="text", stray=True),
    Dirt(label_width=2, merged=False, html=True, numbers="fullwidth", lead=2),
    Dirt(label_width=1, merged=True, html=True, hidden_junk=True, stray=True),
]


def with_hidden_column(source: Worksheet, target: Worksheet, at: int) -> None:
    """Copy ``source`` into ``target`` with a hidden junk column inserted at ``at``."""

    def moved(column: int) -> int:
        return column + 1 if column >= at else column

    for row in source.iter_rows():
        for cell in row:
            if cell.value is not None and not isinstance(cell, MergedCell):
                target.cell(cell.row, moved(cell.column), cell.value)
    for merged in source.merged_cells.ranges:
        target.merge_cells(
            start_row=merged.min_row,
            start_column=moved(merged.min_col),
            end_row=merged.max_row,
            end_column=moved(merged.max_col),
        )
    for r, dim in source.row_dimensions.items():
        target.row_dimensions[r].hidden = dim.hidden
    for r in range(1, source.max_row + 1, 4):
        if not isinstance(target.cell(r, at), MergedCell):
            target.cell(r, at, f"内部编码-{r}")
    target.column_dimensions[get_column_letter(at)].hidden = True


def test_fourteen_dongguan_forms_stacked_in_one_dirty_sheet_match_the_text() -> None:
    reference = seed_forms(DONGGUAN_SEED)
    cats = [(c[0], c[1]) for c in categories()]
    workbook = Workbook()
    scratch = workbook.active
    assert scratch is not None
    row = 1
    for index, data in enumerate(reference):
        row = write_dongguan(scratch, row, data, DIRTS[index % len(DIRTS)], cats)
    sheet = workbook.create_sheet("项目绩效目标表")
    with_hidden_column(scratch, sheet, at=3)
    workbook.remove(scratch)
    plan = read_sources(uploads=[("东莞2023.xlsx", workbook_bytes(workbook))])
    assert not plan.has_errors, [p for f in plan.forms for p in f.errors]
    assert [form.data for form in plan.forms] == reference
    assert {form.sheet for form in plan.forms} == {"项目绩效目标表"}
    assert plan.forms[0].rows[0] == 1
    # the hidden column is left out (file-level warning); the hidden row is read, and the form
    # holding it says so
    hidden = [p for p in plan.problems if "隐藏" in p.message]
    assert [(p.severity, p.message) for p in hidden] == [
        ("warning", "隐藏的列（C 列）有内容，已忽略。")
    ]
    on_forms = [p for f in plan.forms for p in f.warnings if "隐藏" in p.message]
    assert on_forms and all("已照常读取" in p.message for p in on_forms)


def test_shenzhen_forms_one_per_sheet_match_the_text() -> None:
    reference = seed_forms(SHENZHEN_SEED, 2023)
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for index, data in enumerate(reference):
        ws = workbook.create_sheet(f"表{index + 1}")
        write_shenzhen(ws, 1, data, DIRTS[index % len(DIRTS)], categories())
    plan = read_sources(uploads=[("福田.xlsx", workbook_bytes(workbook))], year=2023)
    assert not plan.has_errors, [p for f in plan.forms for p in f.errors]
    assert [form.data for form in plan.forms] == reference
    assert [form.sheet for form in plan.forms] == [f"表{i}" for i in range(1, 7)]
    amount_warning = next(p for p in plan.forms[0].warnings if "万元" in p.message)
    assert amount_warning.where.startswith("福田.xlsx › 表1 › B")


def parsed(data: FormContent) -> FormContent:
    """The content without the 广州 绩效指标 as typed (a copy of the sheet's text)."""
    details = {k: v for k, v in data.details.items() if k != "indicator_text"}
    return dataclasses.replace(data, details=details)


def test_a_guangzhou_table_with_repeated_page_headers_matches_the_text() -> None:
    reference = seed_forms(GUANGZHOU_SEED)
    units: dict[str, list[FormContent]] = {}
    for data in reference:
        units.setdefault(data.project.unit, []).append(data)
    for dirt in (
        Dirt(numbers="number"),
        Dirt(numbers="text", html=True, lead=1),
        Dirt(numbers="fullwidth", stray=True),
    ):
        workbook = Workbook()
        ws = workbook.active
        assert ws is not None
        write_guangzhou(ws, 1, "广州市财政局", 2023, list(units.items()), dirt, page_size=5)
        plan = read_sources(uploads=[("广州.xlsx", workbook_bytes(workbook))])
        assert not plan.has_errors, [p for f in plan.forms for p in f.errors]
        # the 绩效指标 as typed differs with the writing (dirt, punctuation); the indicators
        # parsed from it do not
        assert [parsed(form.data) for form in plan.forms] == [parsed(d) for d in reference]


def test_all_layouts_in_one_workbook_commit_the_same_rows_as_the_text() -> None:
    dongguan = seed_forms(DONGGUAN_SEED)[:3]
    shenzhen = seed_forms(SHENZHEN_SEED, 2023)[:2]
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    row = 1
    cats = categories()
    for data in dongguan:
        row = write_dongguan(ws, row, data, Dirt(), [(c[0], c[1]) for c in cats])
    for data in shenzhen:
        row = write_shenzhen(ws, row, data, Dirt(merged=False), cats)
    plan = read_sources(uploads=[("混合.xlsx", workbook_bytes(workbook))], year=2023)
    assert [f.data.layout for f in plan.forms] == ["dongguan"] * 3 + ["shenzhen"] * 2
    assert [f.data for f in plan.forms] == dongguan + shenzhen
    result = commit_import(plan=plan)
    assert result.created == 5


def test_what_the_layout_grid_prints_reads_back_the_same() -> None:
    framework = Framework.objects.get(is_default=True)
    for path, year in ((DONGGUAN_SEED, None), (SHENZHEN_SEED, 2023)):
        reference = seed_forms(path, year)
        plan = read_sources(
            uploads=[("导出.xlsx", grid_workbook(reference, framework.pk))], year=year
        )
        assert not plan.has_errors, [p for f in plan.forms for p in f.errors]
        got = [form.data for form in plan.forms]
        if path == SHENZHEN_SEED:
            # the 深圳 grid prints its amounts in 万元 with two decimals: they read back to the
            # nearest 100 元 (a commit over the saved form keeps its exact amount, as for 广州)
            reference = [
                replace(d, amounts={k: yuan_to_wan(v) * 10000 for k, v in d.amounts.items()})
                for d in reference
            ]
        assert got == reference


# --------------------------------------------------------------------------- bad input


def only_error(plan) -> str:  # type: ignore[no-untyped-def]
    errors = [p for p in plan.problems if p.is_error]
    assert plan.forms == [] and len(errors) == 1
    return errors[0].message


def test_a_file_that_is_not_a_workbook_is_refused_by_name() -> None:
    plan = read_sources(uploads=[("报表.xlsx", b"this is not a workbook\x00\x01")])
    assert "不是 Excel 工作簿" in only_error(plan)
    assert plan.problems[0].where == "报表.xlsx"
    plan = read_sources(uploads=[("图片.png", b"\x89PNG\r\n\x1a\n\x00\x00")])
    assert "无法读取" in only_error(plan)


def test_an_encrypted_workbook_is_refused() -> None:
    cfb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200
    encrypted = cfb + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50
    assert "已加密" in only_error(read_sources(uploads=[("加密.xlsx", encrypted)]))
    assert ".xls" in only_error(read_sources(uploads=[("旧版.xls", cfb)]))


def test_a_workbook_without_any_form_says_so() -> None:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws["A1"] = "会议纪要"
    ws["B3"] = "项目"
    assert "没有找到可识别的绩效目标表" in only_error(
        read_sources(uploads=[("纪要.xlsx", workbook_bytes(workbook))])
    )


def test_a_file_over_the_size_limit_is_refused(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    assert "超过上限" in only_error(
        read_sources(uploads=[("大.xlsx", b"PK\x03\x04" + b"0" * 2000)])
    )
    big = tmp_path / "大.txt"
    big.write_bytes(b"x" * 2000)
    assert "超过上限" in only_error(read_sources(paths=[big]))


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_opened(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    bomb = zip_with(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\0" * (3 * 1024 * 1024),
        }
    )
    assert len(bomb) < 20_000
    assert "压缩炸弹" in only_error(read_sources(uploads=[("炸弹.xlsx", bomb)]))
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
    ratio = zip_with(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/sharedStrings.xml": b"\0" * (40 * 1024 * 1024),
        }
    )
    assert "压缩" in only_error(read_sources(uploads=[("比例.xlsx", ratio)]))


def test_a_zip_that_is_no_workbook_is_refused() -> None:
    document = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    assert "不是 .xlsx" in only_error(read_sources(uploads=[("文档.docx", document)]))


def good_workbook() -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    data = seed_forms(DONGGUAN_SEED)[0]
    write_dongguan(ws, 1, data, Dirt(), [(c[0], c[1]) for c in categories()])
    return workbook_bytes(workbook)


def test_a_half_readable_workbook_imports_nothing() -> None:
    data = good_workbook()
    truncated = data[: len(data) // 2]
    assert "损坏" in only_error(read_sources(uploads=[("截断.xlsx", truncated)]))
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"][:500]
    damaged = zip_with(members)
    plan = read_sources(uploads=[("好.xlsx", data), ("坏.xlsx", damaged)])
    assert len(plan.forms) == 1 and plan.has_errors
    assert plan.problems[0].where == "坏.xlsx"
    with pytest.raises(ImportError_):
        commit_import(plan=plan)
    assert PerformanceForm.objects.count() == 0
