"""Published PDFs of a 广州 table import to the forms the seed text gives: a department's PDF
printed from its Excel sheet by LibreOffice, our own exporter's PDF, and a table whose rows a
word processor broke across pages. Spaces at a line end are not drawn in a PDF, so free text is
compared without its spaces; everything else (names, units, amounts, indicators) exactly."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from projects.content import FormContent
from projects.exporting.pdf import render_pdf
from projects.importing.pdf import PdfSheet, assemble
from projects.importing.pdf_extract import (
    PdfLine,
    PdfPage,
    PdfRow,
    cell_text,
    join_wrapped,
)
from projects.layouts import UnitForms, build_guangzhou_grid
from projects.models import ImportJob, Membership, Organization, PerformanceForm
from projects.services.importing import read_sources
from tests.import_helpers import GUANGZHOU_SEED

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures_pdf"
LIBREOFFICE_PDF = FIXTURES / "guangzhou_finance_2023_libreoffice.pdf"
LONG_ROW = FIXTURES / "guangzhou_long_row.txt"
LONG_PROJECT = "其他运行经费"
_SPACES = re.compile(r"\s+")


def forms_of(**sources: Any) -> list[FormContent]:
    plan = read_sources(**sources)
    assert not plan.has_errors, [p.message for p in plan.problems] + [
        p.message for f in plan.forms for p in f.problems
    ]
    return [form.data for form in plan.forms]


def comparable(data: FormContent) -> dict[str, Any]:
    """What a PDF must give back: every field, free text without its spaces."""

    def text(value: object) -> str:
        return _SPACES.sub("", str(value or ""))

    return {
        "project": (data.project.name, data.project.department, data.project.unit),
        "year": data.fiscal_year,
        "layout": data.layout,
        "amounts": data.amounts,
        "unit": data.amount_unit_label,
        "goal": text(data.goals.get("annual")),
        "content": text(data.details.get("content")),
        "indicator_text": text(data.details.get("indicator_text")),
        # an indicator's value is free text too: a space where the printer wrapped the line
        # cannot be told from none (授权支付 ≥50万笔)
        "indicators": [(i.level1, i.name, text(i.annual_value)) for i in data.indicators],
    }


def assert_same_forms(got: list[FormContent], expected: list[FormContent]) -> None:
    assert [f.project.name for f in got] == [f.project.name for f in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert comparable(mine) == comparable(theirs), mine.project.name


def exporter_pdf(forms: list[FormContent]) -> bytes:
    """Our exporter's 广州 PDF of the forms (one department), units in the order given."""
    department, year = forms[0].project.department, forms[0].fiscal_year
    units = [
        UnitForms(name=unit, forms=list(group))
        for unit, group in groupby(forms, key=lambda form: form.project.unit)
    ]
    grid = build_guangzhou_grid(department, year, units)
    return render_pdf([grid], document_title=grid.title)


def word_processor_pdf(path: Path) -> bytes:
    """The seed-format text as a word processor prints a table: title and notes as paragraphs,
    a bordered table whose header repeats on every page and whose rows break across pages
    (no border where a page cuts a row)."""
    from weasyprint import HTML

    records = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    title, department, unit = (r[0] for r in records if len(r) == 1 and r[0])
    head, *body = (r for r in records if len(r) == 8)

    def row(cells: list[str], tag: str = "td") -> str:
        return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

    widths = "".join(f'<col style="width:{w}%">' for w in (11, 22, 7, 7, 7, 6, 18, 22))
    document = f"""<html><head><meta charset="utf-8"><style>
      @page {{ size: A4 landscape; margin: 15mm;
               @bottom-center {{ content: "第 " counter(page) " 页"; font-size: 8pt }} }}
      body {{ font: 9pt "Noto Serif CJK SC" }} h1 {{ font-size: 14pt; text-align: center }}
      table {{ border-collapse: collapse; width: 100%; table-layout: fixed }}
      td, th {{ border: 0.5pt solid black; padding: 2pt 3pt; vertical-align: top }}
    </style></head><body>
      <h1>{html.escape(title)}</h1><p>{html.escape(department)}</p><p>{html.escape(unit)}</p>
      <table><colgroup>{widths}</colgroup><thead>{row(head, "th")}</thead>
      <tbody>{"".join(row(r) for r in body)}</tbody></table>
    </body></html>"""
    content: bytes = HTML(string=document).write_pdf()
    return content


@pytest.fixture
def seed_forms() -> list[FormContent]:
    return forms_of(paths=[GUANGZHOU_SEED])


@pytest.fixture
def long_row_forms() -> list[FormContent]:
    return forms_of(paths=[LONG_ROW])


# --------------------------------------------------------------------------- real PDFs


def test_a_libreoffice_pdf_of_the_seed_sheet_imports_the_seed_forms(seed_forms):
    plan = read_sources(paths=[LIBREOFFICE_PDF])
    assert not plan.problems
    assert all(not form.problems for form in plan.forms)
    assert_same_forms([form.data for form in plan.forms], seed_forms)
    first, last = plan.forms[0], plan.forms[-1]
    assert first.source_label == f"{LIBREOFFICE_PDF.name} › 第 1 页"
    assert last.source_label == f"{LIBREOFFICE_PDF.name} › 第 5 页"
    assert first.where == f"{LIBREOFFICE_PDF.name} › 第 1 页，表格第 4 行第 1 列"


def test_most_cells_of_the_libreoffice_pdf_read_to_the_letter(seed_forms):
    """Only a space where a line wrapped is lost: the rest is exact."""
    got = forms_of(paths=[LIBREOFFICE_PDF])
    exact = sum(
        (mine.goals, mine.details) == (theirs.goals, theirs.details)
        for mine, theirs in zip(got, seed_forms, strict=True)
    )
    assert exact >= 19  # of 22


def test_our_own_pdf_of_the_seed_imports_the_seed_forms(seed_forms):
    data = exporter_pdf(seed_forms)
    assert_same_forms(forms_of(uploads=[("财政局.pdf", data)]), seed_forms)


def test_a_project_our_pdf_prints_over_two_pages_reads_as_one_row(long_row_forms):
    plan = read_sources(uploads=[("长表.pdf", exporter_pdf(long_row_forms))])
    assert not plan.has_errors
    assert_same_forms([form.data for form in plan.forms], long_row_forms)
    long = next(form for form in plan.forms if form.data.project.name == LONG_PROJECT)
    assert re.fullmatch(r"长表\.pdf › 第 (\d+)–(\d+) 页", long.source_label)


def test_a_row_a_page_break_cut_is_joined_back_into_one(long_row_forms):
    plan = read_sources(uploads=[("分页.pdf", word_processor_pdf(LONG_ROW))])
    assert not plan.has_errors
    assert_same_forms([form.data for form in plan.forms], long_row_forms)
    long = next(form for form in plan.forms if form.data.project.name == LONG_PROJECT)
    assert long.source_label == "分页.pdf › 第 1–2 页"
    assert long.data.amounts["annual"] == Decimal("2907500.00")


def test_the_command_imports_a_pdf_and_a_second_import_changes_nothing(capsys):
    call_command("import_sheets", str(LIBREOFFICE_PDF))
    assert PerformanceForm.objects.filter(layout="guangzhou").count() == 22
    call_command("import_sheets", str(LIBREOFFICE_PDF))
    assert "不变 22" in capsys.readouterr().out


def test_a_pdf_named_as_a_workbook_is_read_as_a_pdf(seed_forms):
    data = LIBREOFFICE_PDF.read_bytes()
    assert len(forms_of(uploads=[("财政局.xlsx", data)])) == len(seed_forms)


# --------------------------------------------------------------------------- cell text


def chars(lines: list[tuple[str, float]], *, size: float = 10.0, left: float = 2.0) -> list[dict]:
    """Characters one em wide (CJK) or half an em, each line from ``left``, ``size`` apart."""
    found = []
    for number, (text, _end) in enumerate(lines):
        x, top = left, number * size * 1.4
        for ch in text:
            width = size if ord(ch) > 0x2E80 else size / 2
            found.append(
                {
                    "text": ch,
                    "x0": x,
                    "x1": x + width,
                    "top": top,
                    "bottom": top + size,
                    "size": size,
                }
            )
            x += width
    return found


def test_a_line_that_wraps_joins_the_next_without_a_space():
    box = (0.0, 0.0, 64.0, 100.0)  # six characters of 10 points a line, 2 points padding
    assert cell_text(chars([("财政评审业务", 0), ("委托费", 0)]), box) == "财政评审业务委托费"


def test_a_line_ending_early_ends_a_paragraph():
    box = (0.0, 0.0, 124.0, 100.0)  # twelve characters a line
    text = cell_text(chars([("1.确保供水。", 0), ("2.招聘人员。", 0)]), box)
    assert text == "1.确保供水。\n2.招聘人员。"


def test_two_latin_words_a_wrap_separates_keep_a_space():
    assert join_wrapped("通过购买CAD", "软件") == "通过购买CAD软件"
    assert join_wrapped("Adobe", "Acrobat") == "Adobe Acrobat"
    assert join_wrapped("需求； ", "2.通过") == "需求； 2.通过"


# --------------------------------------------------------------------------- pages → one grid

HEAD = [
    "项目名称（资金使用单位）",
    "项目内容",
    "总计",
    "财政拨款",
    "财政专户拨款",
    "其他资金",
    "绩效目标",
    "绩效指标",
]
TITLE = "广州市财政局2023年项目支出绩效目标表（含转移支付项目）"


def page(number: int, *items: PdfLine | list[str]) -> PdfPage:
    found: list[PdfLine | PdfRow] = []
    rows = 0
    for index, item in enumerate(items):
        if isinstance(item, PdfLine):
            found.append(item)
        else:
            rows += 1
            found.append(PdfRow(item, float(index), 0, rows))
    return PdfPage(number, found, chars=100)


def project(name: str, content: str = "", total: str = "") -> list[str]:
    return [name, content, total, total, "", "", "目标" if total else "", ""]


def test_pages_become_one_grid_with_the_header_and_title_lines_once_each():
    sheet = assemble(
        [
            page(
                1, PdfLine(TITLE, 0), PdfLine("单位：万元", 1), HEAD, project("甲", "内容", "1.00")
            ),
            page(
                2, PdfLine(TITLE, 0), PdfLine("单位：万元", 1), HEAD, project("乙", "内容", "2.00")
            ),
        ],
        "表.pdf",
    )
    assert [row[0] for row in sheet.rows] == [TITLE, "单位：万元", HEAD[0], "甲", HEAD[0], "乙"]
    assert isinstance(sheet, PdfSheet)
    assert sheet.where(5, 2) == "表.pdf › 第 2 页，表格第 2 行第 3 列"
    assert sheet.where(0) == "表.pdf › 第 1 页"


def test_a_row_continued_at_the_top_of_the_next_page_is_joined_into_it():
    sheet = assemble(
        [
            page(1, HEAD, project("甲", "前半段", "1.00")),
            page(
                2, HEAD, ["", "后半段", "", "", "", "", "续目标", ""], project("乙", "内容", "2.00")
            ),
        ],
        "表.pdf",
    )
    assert sheet.rows[1][:3] == ["甲", "前半段后半段", "1.00"]
    assert sheet.rows[1][6] == "目标续目标"
    assert sheet.part((2, 2)) == "第 1–2 页"
    assert [row[0] for row in sheet.rows] == [HEAD[0], "甲", HEAD[0], "乙"]


def test_a_row_marked_continued_is_joined_into_the_project_it_continues():
    sheet = assemble(
        [
            page(
                1, HEAD, project("甲", "一，", "1.00"), ["甲（续）", "二。", "", "", "", "", "", ""]
            )
        ],
        "表.pdf",
    )
    assert sheet.rows[1][:3] == ["甲", "一，二。", "1.00"]
    assert len(sheet.rows) == 2


def test_an_empty_first_cell_in_the_middle_of_a_page_is_not_a_continuation():
    sheet = assemble(
        [page(1, HEAD, project("甲", "内容", "1.00"), ["", "注", "", "", "", "", "", ""])], "表.pdf"
    )
    assert len(sheet.rows) == 3


def test_page_numbers_are_left_out_and_text_below_the_table_is_named_in_a_warning():
    sheet = assemble(
        [
            page(
                1,
                HEAD,
                project("甲", "内容", "1.00"),
                PdfLine("第 1 页，共 1 页", 9),
                PdfLine("注：单位自填", 10),
            )
        ],
        "表.pdf",
    )
    assert [row[0] for row in sheet.rows] == [HEAD[0], "甲"]
    assert [note for _row, note in sheet.notes] == [
        "第 1 页表格下方的文字“注：单位自填”不在表格中，未导入。"
    ]


def test_the_upload_page_previews_a_pdf_by_its_pages(client, django_capture_on_commit_callbacks):
    """However small, a PDF is read by the worker (once: not again on every view of the
    preview)."""
    admin = get_user_model().objects.create_user("admin", password="x", is_staff=True)
    finance = Organization.objects.get_or_create(kind="finance", name="财政局")[0]
    Membership.objects.create(user=admin, organization=finance, role=Membership.Role.ADMINISTRATOR)
    client.force_login(admin)
    files = [SimpleUploadedFile("财政局.pdf", LIBREOFFICE_PDF.read_bytes())]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:import_upload"), {"files": files, "text": "", "year": ""}
        )
    assert response["Location"] == reverse("projects:import_preview")
    assert ImportJob.objects.get().status == "done"
    page = client.get(reverse("projects:import_preview")).content.decode()
    assert "财政评审业务委托费" in page and "财政局.pdf › 第 5 页" in page
