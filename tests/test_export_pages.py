"""Where the printed pages break: a tall 广州 project continued on the next page with its name
and （续）, and the pages of a one-form sheet broken so that no merged 一级/二级 label is cut."""

from __future__ import annotations

import io
import re
import subprocess
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from projects.content import FormContent, IndicatorContent, ProjectContent
from projects.exporting.batch import Selection, export_batch, export_form
from projects.exporting.sheet_pages import column_pixels, page_starts
from projects.layouts import Cell, Grid, Row, UnitForms, build_guangzhou_grid
from projects.models import Indicator, PerformanceForm
from tests.export_helpers import (
    category,
    has_embedded_cjk_serif,
    make_guangzhou_forms,
    make_long_form,
    needs_libreoffice,
    normalize,
    pdf_pages,
)

pytestmark = pytest.mark.django_db

LONG_PROJECT = "工作经费"
CONTENT = "\n".join(
    f"{n}. 开展第{n}阶段的信息化建设工作，包括需求调研、设计、开发、测试与上线运行维护。"
    for n in range(1, 16)
)


def make_tall_guangzhou_project(indicators: int = 60) -> PerformanceForm:
    """The 广州 forms, one of them (工作经费) with a long 项目内容 and many indicators: its row is
    several pages tall."""
    forms = make_guangzhou_forms()
    form = next(f for f in forms if f.project.name == LONG_PROJECT)
    form.content = CONTENT
    form.save()
    for number in range(1, indicators + 1):
        Indicator.objects.create(
            form=form,
            category=category("产出指标"),
            name=f"第{number}项指标：数据采集与处理的覆盖范围和完成情况",
            annual_value=f"≥{number}个",
            order=100 + number,
        )
    return form


def guangzhou_pdf(tmp_path: Path) -> Path:
    rendered = export_batch(
        actor=None, selection=Selection(layout="guangzhou", format="pdf", year=2023)
    )
    path = tmp_path / rendered.filename
    path.write_bytes(rendered.content)
    return path


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">')


def lowest_text(path: Path) -> list[float]:
    """For each page, how far down its body's text reaches, as a share of the body (the
    page less its 16 mm margins, where the page number prints)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    margin = 16 / 25.4 * 72
    shares = []
    for _width, height, words in _PAGE.findall(html):
        bottom = float(height) - margin
        reach = max(float(y_max) for y_min, y_max in _WORD.findall(words) if float(y_min) < bottom)
        shares.append((reach - margin) / (bottom - margin))
    return shares


# --------------------------------------------------------------------------- 广州 PDF


def test_a_tall_guangzhou_project_continues_on_the_next_page_with_its_name_and_xu(tmp_path):
    make_tall_guangzhou_project()
    path = guangzhou_pdf(tmp_path)

    pages = [normalize(page) for page in pdf_pages(path)]
    assert len(pages) >= 3
    # it starts on page 1, amounts and all, and every page it runs on to names it, with 续
    first = pages[0].index(LONG_PROJECT)
    assert pages[0][first : first + len(LONG_PROJECT) + 3] != f"{LONG_PROJECT}(续)"
    continued = [n for n, page in enumerate(pages, start=1) if f"{LONG_PROJECT}(续)" in page]
    assert len(continued) >= 2 and continued == list(range(continued[0], continued[-1] + 1))
    assert continued[0] <= 2
    text = "".join(pages)
    assert all(text.count(f"第{n}项指标:") == 1 for n in range(1, 61))
    for page in pages:  # the header row on every page
        assert "项目名称(资金使用单位)" in page and "绩效指标" in page
    assert has_embedded_cjk_serif(path)


def test_the_pages_a_tall_guangzhou_project_runs_over_are_never_half_blank(tmp_path):
    make_tall_guangzhou_project()
    path = guangzhou_pdf(tmp_path)

    shares = lowest_text(path)
    assert len(shares) >= 3
    assert all(share > 0.5 for share in shares[:-1]), shares


def test_a_tall_guangzhou_project_keeps_its_amounts_once_and_the_totals_add_up(tmp_path):
    make_tall_guangzhou_project()
    text = normalize("".join(pdf_pages(guangzhou_pdf(tmp_path))))

    # 工作经费's 总计 and 财政拨款, on its first row only (3,058.75 is its unit's subtotal)
    assert text.count("58.75") - text.count("3,058.75") == 2
    assert text.count("3,090.20") == 2  # 合计: 总计 and 财政拨款, once
    assert text.count("3,058.75") == 2  # 广州市财政局's subtotal


def test_short_guangzhou_projects_are_never_cut(tmp_path):
    forms = make_guangzhou_forms()
    for form in forms:  # a few lines each: far shorter than a third of a page
        for number in range(1, 6):
            Indicator.objects.create(
                form=form,
                category=category("效益指标"),
                name=f"补充指标{number}",
                annual_value="≥1次",
                order=100 + number,
            )
    text = normalize("".join(pdf_pages(guangzhou_pdf(tmp_path))))

    assert "续" not in text
    for form in forms:
        assert text.count(form.project.name) == 1


def _tall_row_grid(indicators: int) -> Grid:
    """A 广州 table of one project whose 绩效指标 cell lists ``indicators`` items."""
    content = FormContent(
        project=ProjectContent(name="长项目"),
        fiscal_year=2023,
        layout="guangzhou",
        amounts={"annual": Decimal("1000000"), "fiscal": Decimal("1000000")},
        goals={"annual": "完成建设。"},
        details={"content": "用于建设。"},
        indicators=[
            IndicatorContent("产出指标", name=f"第{n}项指标", annual_value=f"≥{n}个")
            for n in range(1, indicators + 1)
        ],
    )
    return build_guangzhou_grid("广州市财政局", 2023, [UnitForms("广州市信息中心", [content])])


# --------------------------------------------------------------------------- xlsx, one form


def sheet_of(form: PerformanceForm) -> Worksheet:
    rendered = export_form(form=form, fmt="xlsx")
    return load_workbook(io.BytesIO(rendered.content)).active


def label_at(ws: Worksheet, row: int, column: int) -> str:
    """The text a (possibly merged) cell shows: its merged range's top-left value."""
    for merged in ws.merged_cells.ranges:
        if merged.min_col <= column <= merged.max_col and merged.min_row <= row <= merged.max_row:
            return str(ws.cell(row=merged.min_row, column=merged.min_col).value or "")
    return str(ws.cell(row=row, column=column).value or "")


def page_rows(ws: Worksheet) -> list[range]:
    bounds = [0, *(brk.id for brk in ws.row_breaks.brk), ws.max_row]
    return [range(a + 1, b + 1) for a, b in pairwise(bounds)]


def is_head(ws: Worksheet, row: int) -> bool:
    return ws.cell(row=row, column=2).value == "一级指标"


def indicator_rows(ws: Worksheet, rows: range) -> range:
    """The page's rows below the indicator head printed again at its top."""
    return rows[1:] if is_head(ws, rows[0]) else rows


def printed_height(ws: Worksheet, rows: range) -> float:
    """The rows' height on paper: the sheet fitted to the A4 width less 1″ of margins."""
    sheet_px = sum(column_pixels(ws.column_dimensions[c].width) for c in "ABCDEF")
    scale = min(1.0, (8.27 - 1.0) * 72 / (sheet_px * 0.75))
    return sum(ws.row_dimensions[r].height for r in rows) * scale


def short_rows_form(indicators: int = 40) -> PerformanceForm:
    """A long 东莞 form whose 二级 groups each fit easily on a page (one line a row)."""
    form = make_long_form(indicators)
    for number, row in enumerate(form.indicators.order_by("order"), start=1):
        row.name = f"第{number}项指标"
        row.save()
    return form


def test_a_long_dongguan_sheet_breaks_its_pages_between_second_level_groups():
    ws = sheet_of(short_rows_form(40))

    pages = page_rows(ws)
    assert len(pages) >= 2
    # the indicator head is printed again at the top of each page (no print titles: its
    # 绩效指标 spans the page's rows, which a print-title row cannot)
    head = next(r for r in range(1, ws.max_row) if is_head(ws, r))
    for before, after in pairwise(pages):
        last, first = before[-1], indicator_rows(ws, after)[0]
        assert is_head(ws, after[0]) and label_at(ws, after[0], 1) == "绩效指标"
        assert first > head + 1  # the indicator head never ends a page
        # a new 二级 group begins each page: no 二级 label is cut
        assert label_at(ws, first, 3) != label_at(ws, last, 3)
        assert ws.cell(row=first, column=3).value  # its label is on the page
    for rows in pages:  # every page's rows, the head printed again with them, fit on A4
        assert printed_height(ws, rows) <= (11.69 - 1.4) * 72


def test_no_merged_label_crosses_a_page_break():
    ws = sheet_of(make_long_form(40))

    breaks = [brk.id for brk in ws.row_breaks.brk]
    assert breaks
    for merged in ws.merged_cells.ranges:
        assert not any(merged.min_row <= b < merged.max_row for b in breaks), merged.coord


def test_a_group_taller_than_a_page_is_cut_between_rows_and_its_labels_repeat():
    ws = sheet_of(make_long_form(60))  # 15 indicators of four lines each a 二级 group

    pages = page_rows(ws)
    cut = [
        indicator_rows(ws, after)[0]
        for before, after in pairwise(pages)
        if label_at(ws, indicator_rows(ws, after)[0], 3) == label_at(ws, before[-1], 3)
    ]
    assert cut  # some 二级 group runs over two pages
    for row in cut:  # … with its labels printed again at the top of the next page
        assert label_at(ws, row, 1) == "绩效指标"  # one cell with the head printed again
        assert ws.cell(row=row, column=2).value in ("产出指标", "效益指标", "满意度指标")
        assert ws.cell(row=row, column=3).value


def test_a_form_that_fits_on_one_page_gets_no_page_break():
    form = make_long_form(4)
    ws = sheet_of(form)

    assert list(ws.row_breaks.brk) == []


def test_a_long_form_cut_across_pages_reads_back_unchanged():
    from projects.services.importing import read_sources

    form = make_long_form(60)
    form.period_goal = form.annual_goal = "完成系统运维，保障业务连续。"  # not a label's words
    form.amount_unit_label = "元"
    form.save()
    rendered = export_form(form=form, fmt="xlsx")
    assert load_workbook(io.BytesIO(rendered.content)).active.row_breaks.brk

    plan = read_sources(uploads=[(rendered.filename, rendered.content)], year=2023)

    assert [p for f in plan.forms for p in f.errors] + list(plan.problems) == []
    assert [f.action for f in plan.forms] == ["unchanged"]


def test_page_starts_moves_a_group_that_fits_and_cuts_one_that_does_not():
    from projects.exporting.sheet_pages import PageBody
    from projects.layouts import DONGGUAN

    def grid(groups: list[int]) -> Grid:
        rows = []
        for size in groups:
            rows.append(Row([Cell("组", rowspan=size, role="label"), Cell("行")]))
            rows += [Row([Cell("行")]) for _ in range(size - 1)]
        return Grid(layout=DONGGUAN, title="", columns=2, rows=rows)

    page = PageBody(150.0)  # ten rows of 15 pt (20 pixels)
    # 7 rows, then a group of 5 moves whole to the next page (3 rows left blank)
    assert page_starts(grid([7, 5]), [15.0] * 12, page) == [7]
    # 3 rows, then a group of 9 is cut rather than leave 7 rows blank
    assert page_starts(grid([3, 9]), [15.0] * 12, page) == [10]
    # a group taller than a page is cut between its rows
    assert page_starts(grid([25]), [15.0] * 25, page) == [10, 20]


@needs_libreoffice
def test_libreoffice_prints_the_long_sheet_on_the_pages_computed(tmp_path):
    form = make_long_form(40)
    rendered = export_form(form=form, fmt="xlsx")
    source = tmp_path / "long.xlsx"
    source.write_bytes(rendered.content)
    ws = load_workbook(source).active
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: never a running office's

    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )

    pages = [normalize(page) for page in pdf_pages(tmp_path / "long.pdf")]
    # no page LibreOffice broke on its own: each page is one of ours, labels and all
    assert len(pages) == len(ws.row_breaks.brk) + 1
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页,共{len(pages)}页" in page  # the page number prints whole
        assert "一级指标" in page and "绩效指标" in page
