"""Every seed form, exported in its own layout, holds the seed's text cell for cell.

The seeds (fixtures/seeds/) are loaded through the importer, exported, and
the files read back: the xlsx with openpyxl, the PDF with pdftotext. Texts are compared after
the normalisation any reader of the paper form would allow: HTML tags and OCR's LaTeX of the
extraction removed, full- and half-width punctuation alike, white space ignored. Two more
allowances, both artefacts of the text extraction rather than of the forms:
- 东莞: the merged first-level labels (产出指标…) lost their row in some extracted sheets, so
  they are compared as a set and the remaining cells in order;
- 深圳: two sheets say 项目编号 where the others say 项目编码; we print 项目编码.
One difference is the point: the 深圳 sheets label their amounts 万元 while the numbers are
plainly 元 (7,567,200.00); we print what the label says, the amount in 万元 (756.72).
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from indicators.parsing import clean_ocr_math
from projects.exporting.batch import Selection, export_batch, export_form
from projects.management.commands.load_demo import SEED_DIR
from projects.models import Organization, PerformanceForm
from projects.services.importing import import_files
from tests.export_helpers import in_wan_as_labelled

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
LEVEL1 = {"产出指标", "效益指标", "满意度指标"}
_TAGS = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACE = re.compile(r"\s+")
_RULE = re.compile(r"^[\s|:-]*$")


def norm(text: object) -> str:
    text = clean_ocr_math(_TAGS.sub("", "" if text is None else str(text)))
    text = unicodedata.normalize("NFKC", text).replace("项目编号", "项目编码")
    return _SPACE.sub("", text)


def seed_blocks(name: str, title: str) -> list[list[list[str]]]:
    """The seed file's forms, each a list of rows of normalised cells (blanks kept)."""
    blocks: list[list[list[str]]] = []
    for line in (SEEDS / name).read_text(encoding="utf-8").splitlines():
        cells = [norm(cell) for cell in line.split("\t")]
        if not any(cells) or all(_RULE.match(cell) for cell in line.split("\t")):
            continue
        if cells[0] == norm(title) and not any(cells[1:]):
            blocks.append([])
        if blocks:
            blocks[-1].append(cells)
    return blocks


def flat(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell]


def shown(cell: Cell) -> str:
    """What Excel shows: numbers through their number format."""
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    if "#,##0.00" in cell.number_format:
        return f"{Decimal(str(value)):,.2f}"
    if "0.00" in cell.number_format:
        return f"{Decimal(str(value)):.2f}"
    return str(int(value)) if value == int(value) else str(value)


def xlsx_rows(content: bytes) -> list[list[list[str]]]:
    book = load_workbook(BytesIO(content))
    return [
        [[norm(shown(cell)) for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    ]


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return norm(out)


def is_subsequence(needle: str, haystack: str) -> bool:
    """Cells that wrap beside another wrapped cell come out interleaved line by line, so a
    cell's text is looked for as a subsequence; a cell alone in its row must be contiguous."""
    it = iter(haystack)
    return all(char in it for char in needle)


@pytest.fixture
def demo(db) -> None:
    """The seeds as imported (without the demo's workflow, which revises one form)."""
    import_files(paths=sorted(SEED_DIR.glob("*.txt")), year=2023)


def forms_in_seed_order(layout: str) -> list[PerformanceForm]:
    return list(PerformanceForm.objects.filter(layout=layout).order_by("id"))


@pytest.mark.parametrize(
    ("layout", "seed", "title"),
    [
        ("dongguan", "dongguan_finance_2023.txt", "项目绩效目标表"),
        ("shenzhen", "shenzhen_futian_2023.txt", "二级项目支出绩效目标申报表"),
    ],
)
def test_every_per_form_seed_matches_its_xlsx_and_pdf(demo, layout, seed, title, tmp_path):
    blocks = seed_blocks(seed, title)
    forms = forms_in_seed_order(layout)
    assert len(forms) == len(blocks)
    for form, block in zip(forms, blocks, strict=True):
        expected = flat(block)
        if layout == "shenzhen":
            expected = in_wan_as_labelled(expected)
        [sheet] = xlsx_rows(export_form(form=form, fmt="xlsx").content)
        actual = flat(sheet)
        if layout == "dongguan":
            assert {c for c in expected if c in LEVEL1} == {c for c in actual if c in LEVEL1}
            expected = [c for c in expected if c not in LEVEL1]
            actual = [c for c in actual if c not in LEVEL1]
        assert actual == expected, form.project.name

        text = pdf_text(export_form(form=form, fmt="pdf").content, tmp_path)
        for row in block:
            cells = [cell for cell in row if cell]
            if layout == "shenzhen":
                cells = in_wan_as_labelled(cells)
            for cell in cells:
                assert is_subsequence(cell, text), (form.project.name, cell)
            if len(cells) <= 2:
                assert "".join(cells) in text or all(c in text for c in cells), cells


def test_the_guangzhou_seed_matches_its_xlsx_and_pdf(demo, tmp_path):
    header = norm("项目名称（资金使用单位）")
    lines = (SEEDS / "guangzhou_finance_2023.txt").read_text(encoding="utf-8").splitlines()
    seed_rows = [
        [norm(cell) for cell in line.split("\t")]
        for line in lines
        if line.count("\t") == 7 and norm(line.split("\t")[0]) != header
    ]
    department = Organization.objects.get(kind="department", name="广州市财政局")
    selection = Selection(layout="guangzhou", format="xlsx", department_id=department.id)
    [sheet] = xlsx_rows(export_batch(actor=None, selection=selection).content)
    start = next(i for i, row in enumerate(sheet) if row[0] == header) + 1
    assert sheet[:start][0][0] == norm("广州市财政局2023年项目支出绩效目标表（含转移支付项目）")
    assert [row for row in sheet[start:] if any(row)] == seed_rows

    pdf = export_batch(
        actor=None,
        selection=Selection(layout="guangzhou", format="pdf", department_id=department.id),
    )
    text = pdf_text(pdf.content, tmp_path)
    for row in seed_rows:
        for cell in row:
            assert is_subsequence(cell, text), cell
