"""The quick scan of a plainly written sheet (``projects.importing.xlsx.quick_scan``: a few
passes over the sheet's bytes instead of an XML parser) reads every workbook exactly as the
exact scan does, and the bound it gives holds the exact data area. Workbooks it must not judge
(hidden rows, formulas, percent formats, cells written unusually) go to the exact scan:
tests/test_import_hostile.py refuses the far cell written each such way."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from indicators.models import Framework
from projects.importing import xlsx
from projects.importing.workbook import read_workbook
from projects.layouts import framework_categories
from projects.layouts.base import LabelSet, match_label
from projects.layouts.normalize import clean_text, is_plain
from projects.services.importing import read_sources
from tests.import_helpers import (
    DONGGUAN_SEED,
    GUANGZHOU_SEED,
    SHENZHEN_SEED,
    Dirt,
    hide_junk_column,
    workbook_bytes,
    write_dongguan,
    write_guangzhou,
    write_shenzhen,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures_legacy"
DIRTS = {
    "clean": Dirt(),
    "narrow labels, unmerged": Dirt(label_width=1, merged=False),
    "leading columns, markup, stray spaces": Dirt(lead=2, html=True, stray=True),
    "text and full-width numbers": Dirt(numbers="fullwidth"),
    "hidden junk": Dirt(hidden_junk=True),
}


def _dirty_workbook(dirt: Dirt) -> bytes:
    """The seed forms of the three layouts, one layout a sheet, written ``dirt``-ily."""
    framework = Framework.objects.get(is_default=True)
    refs = framework_categories(framework.pk)
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    row = 1
    for form in read_sources(paths=[DONGGUAN_SEED]).forms:
        row = write_dongguan(ws, row, form.data, dirt, [(c.level1, c.level2) for c in refs])
    ws = workbook.create_sheet("深圳")
    row = 1
    for form in read_sources(paths=[SHENZHEN_SEED]).forms:
        categories = [(c.level1, c.level2, c.short1, c.short2) for c in refs]
        row = write_shenzhen(ws, row, form.data, dirt, categories)
    ws = workbook.create_sheet("广州")
    forms = [form.data for form in read_sources(paths=[GUANGZHOU_SEED]).forms]
    units: dict[str, list[object]] = {}
    for data in forms:
        units.setdefault(data.project.unit, []).append(data)
    department = forms[0].project.department
    write_guangzhou(ws, 1, department, forms[0].fiscal_year, list(units.items()), dirt, 3)  # type: ignore[arg-type]
    if dirt.hidden_junk:
        hide_junk_column(workbook["深圳"], 2)
    return workbook_bytes(workbook)


def workbooks() -> list[tuple[str, object]]:
    """(name, how to get its bytes): the fixtures, then the dirty workbooks."""
    found: list[tuple[str, object]] = [
        (path.name, path.read_bytes) for path in sorted(FIXTURES.glob("*.xlsx"))
    ]
    found += [(f"{name}.xlsx", dirt) for name, dirt in DIRTS.items()]
    return found


def _bytes(source: object) -> bytes:
    return _dirty_workbook(source) if isinstance(source, Dirt) else source()  # type: ignore[operator]


def _read(data: bytes) -> list[tuple[object, ...]]:
    return [
        (s.name, s.rows, s.row_numbers, s.col_numbers, s.notes, s.cell_notes)
        for s in read_workbook(data, file="表.xlsx")
    ]


@pytest.mark.parametrize(("name", "source"), workbooks(), ids=[n for n, _s in workbooks()])
def test_a_workbook_reads_the_same_with_the_quick_scan_as_with_the_exact_one(
    monkeypatch, name, source
):
    data = _bytes(source)
    quickly = _read(data)
    monkeypatch.setattr(xlsx, "quick_scan", lambda *_args: False)
    assert _read(data) == quickly


@pytest.mark.parametrize(("name", "source"), workbooks(), ids=[n for n, _s in workbooks()])
def test_the_quick_bound_holds_the_exact_data_area(monkeypatch, name, source):
    data = _bytes(source)
    kind = xlsx.check_workbook(data)
    quick = xlsx.scan_workbook(data, kind).sheets
    monkeypatch.setattr(xlsx, "quick_scan", lambda *_args: False)
    exact = xlsx.scan_workbook(data, kind).sheets
    for fast, slow in zip(quick, exact, strict=True):
        assert (fast.name, fast.scanned) == (slow.name, slow.scanned)
        if fast.merges_known:
            continue  # scanned exactly
        if slow.top >= 0:
            assert fast.top <= slow.top and fast.left <= slow.left
            assert fast.bottom >= slow.bottom and fast.right >= slow.right
        assert not (slow.hidden_rows or slow.hidden_cols or slow.percent or slow.formula_count)


def test_plain_stacked_forms_are_scanned_quickly():
    data = _dirty_workbook(Dirt())
    sheets = xlsx.scan_workbook(data, xlsx.check_workbook(data)).sheets
    assert [sheet.merges_known for sheet in sheets] == [False, False, False]


def test_a_sheet_with_a_formula_a_hidden_row_or_a_percent_is_scanned_exactly():
    for name in ("features.xlsx",):  # a hidden row and column, a percent format, a merge
        data = (FIXTURES / name).read_bytes()
        sheets = xlsx.scan_workbook(data, xlsx.check_workbook(data)).sheets
        assert sheets[0].merges_known and sheets[0].hidden_rows and sheets[0].percent
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws["A1"], ws["A2"], ws["A3"] = 1, 2, "=A1+A2"
    data = workbook_bytes(workbook)
    [sheet] = xlsx.scan_workbook(data, xlsx.check_workbook(data)).sheets
    assert sheet.merges_known and sheet.formulas == [(2, 0)]


def test_a_dimension_that_lies_is_only_a_hint():
    """The far cell of a sheet whose dimension claims A1:B1 is found by the cells' own
    references (and refused by the exact scan, which names the area)."""
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws["A1"], ws["B1"] = "项目名称", "示例"
    # One write: two would differ in their timestamps when a second passes between them.
    original = zipfile.ZipFile(io.BytesIO(workbook_bytes(workbook)))
    parts = {info.filename: original.read(info) for info in original.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    far = '<row r="2000"><c r="ZZ2000" t="inlineStr"><is><t>远</t></is></c></row>'
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", far + "</sheetData>").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    data = buffer.getvalue()
    [scan] = xlsx.scan_workbook(data, xlsx.check_workbook(data)).sheets
    assert not scan.merges_known  # quick: 702 columns × 2,000 rows is within the limit
    assert (scan.bottom, scan.right) == (1999, 701)


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    "text",
    [
        "项目名称",
        "东莞市财政局信息中心",
        "≥95%",
        "一\n二",
        " 前面有空格",
        "后面有空格 ",
        "一\n\n二",
        "一 \n二",
        "一\n 二",
        "\n一",
        "一\n",
        "一\r\n二",
        "一\t二",
        "零宽\u200b空格",
        "全角\u3000空格",
        "不换行\xa0空格",
        "<b>粗</b>",
        "a &amp; b",
        "年均 $\\geq 90\\%$",
        "控制\x07字符",
        "行分隔\u2028符",
        "",
        "a | b",
    ],
)
def test_a_text_called_plain_is_what_cleaning_leaves_it(text):
    if is_plain(text):
        assert clean_text(text) == text


def test_every_label_a_text_is_is_found_at_once():
    from projects.layouts import LAYOUTS

    labels = [
        label
        for layout in LAYOUTS.values()
        for label in (*layout.header, *layout.columns, *layout.block_labels.values())
    ] + [layout.title_label for layout in LAYOUTS.values()]
    every = LabelSet(labels)
    texts = [
        spelling.format(year=2023, unit="万元", department="广州市财政局")
        for label in labels
        for spelling in label.spellings
    ] + ["项 目 名 称：", "＊项目名称", "2023年预算金额(元)", "随便什么", "", "年" * 100]
    for text in texts:
        expected = [
            (label, found) for label in labels if (found := match_label(label, text)) is not None
        ]
        assert every.find_all(text) == expected, text
