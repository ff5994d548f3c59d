"""The exported files themselves: read back with openpyxl, pdftotext and pdffonts, and compared
with the seed forms cell for cell."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from projects.content import load_content
from projects.exporting import Rendered
from projects.exporting.batch import Selection, export_batch, export_form
from projects.exporting.paging import place, slice_rows
from projects.exporting.xlsx import write_text
from projects.layouts import build_grid, framework_categories
from projects.models import Indicator
from tests.export_helpers import (
    category,
    has_embedded_cjk_serif,
    in_wan_as_labelled,
    make_dongguan_form,
    make_guangzhou_forms,
    make_long_form,
    make_shenzhen_form,
    nonempty,
    normalize,
    pdf_pages,
    pdf_text,
    seed_forms,
    xlsx_merges,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db


def save(tmp_path: Path, rendered: Rendered) -> Path:
    path = tmp_path / rendered.filename
    path.write_bytes(rendered.content)
    return path


def seed_rows(filename: str, title: str) -> list[list[str]]:
    return nonempty(seed_forms(filename, title)[0])


def in_order(needles: list[str], haystack: str) -> list[str]:
    """The needles not found in the haystack in the given order (an empty list: all found)."""
    missing, position = [], 0
    for needle in needles:
        found = haystack.find(needle, position)
        if found < 0:
            missing.append(needle)
        else:
            position = found + len(needle)
    return missing


# --------------------------------------------------------------------------- 东莞


def test_dongguan_xlsx_holds_the_seed_form_cell_for_cell():
    rendered = export_form(form=make_dongguan_form(), fmt="xlsx")

    assert nonempty(xlsx_rows(rendered.content)) == seed_rows(
        "dongguan_finance_2023.txt", "项目绩效目标表"
    )


def test_dongguan_xlsx_merges_cells_where_the_seed_has_merged_cells():
    rendered = export_form(form=make_dongguan_form(), fmt="xlsx")

    merges = xlsx_merges(rendered.content)
    assert {"A1:F1", "A2:B2", "C2:F2", "A7:B7", "A8:B8", "C8:F8"} <= merges  # labels over 2 cols
    assert "A9:B12" in merges  # 总体绩效目标 spans the four goal rows
    assert "A13:A22" in merges  # 绩效指标 spans its head row and the nine category rows
    assert {"B14:B17", "B18:B21"} <= merges  # 产出指标 and 效益指标 over their categories
    assert "B22" not in merges and not any(m.startswith("B22:") for m in merges)


def test_dongguan_xlsx_is_printable_on_a4_fitting_the_width():
    ws = load_workbook(
        io.BytesIO(export_form(form=make_dongguan_form(), fmt="xlsx").content)
    ).active

    assert ws.page_setup.paperSize == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # the indicator table's head repeats on the pages it runs on to
    head = int(ws.print_title_rows.split(":")[0].strip("$"))
    assert ws.print_title_rows == f"${head}:${head}"
    assert [ws.cell(row=head, column=c).value for c in range(2, 7)] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "实施周期指标值",
        "当年度指标值",
    ]
    assert ws.column_dimensions["B"].width == 12  # 满意度指标 on one line
    assert ws.column_dimensions["C"].width == 19  # 服务对象满意度指标 on one line
    assert ws.page_margins.bottom - ws.page_margins.footer >= 0.5  # room for the page number
    goal = ws.cell(row=10, column=3)
    assert goal.alignment.wrap_text and goal.border.left.style == "thin"
    assert ws.row_dimensions[10].height >= 40  # the long goal text needs several lines


def test_dongguan_pdf_holds_the_seed_text_with_an_embedded_cjk_font(tmp_path):
    path = save(tmp_path, export_form(form=make_dongguan_form(), fmt="pdf"))

    text = normalize(pdf_text(path))
    cells = [
        cell for row in seed_rows("dongguan_finance_2023.txt", "项目绩效目标表") for cell in row
    ]
    assert in_order(cells, text) == []
    assert has_embedded_cjk_serif(path)


# --------------------------------------------------------------------------- 深圳


def test_shenzhen_xlsx_holds_the_seed_form_cell_for_cell():
    rendered = export_form(form=make_shenzhen_form(), fmt="xlsx")

    # cell for cell, the amounts in the 万元 their labels state (the seed's are plainly 元)
    assert nonempty(xlsx_rows(rendered.content)) == [
        in_wan_as_labelled(row)
        for row in seed_rows("shenzhen_futian_2023.txt", "二级项目支出绩效目标申报表")
    ]


def test_shenzhen_pdf_holds_the_seed_text_with_core_marks_and_not_applicable_rows(tmp_path):
    path = save(tmp_path, export_form(form=make_shenzhen_form(), fmt="pdf"))

    text = normalize(pdf_text(path))
    cells = [
        cell
        for row in seed_rows("shenzhen_futian_2023.txt", "二级项目支出绩效目标申报表")
        for cell in in_wan_as_labelled(row)
    ]
    assert in_order(cells, text) == []
    assert "*数量" in text and "不适用" in text
    assert has_embedded_cjk_serif(path)


def test_a_form_can_be_printed_in_the_other_per_form_layout():
    rendered = export_form(form=make_dongguan_form(), fmt="xlsx", layout="shenzhen")

    rows = nonempty(xlsx_rows(rendered.content))
    assert rows[0] == ["二级项目支出绩效目标申报表"]
    assert rows[-2][:3] == ["满意度", "*服务对象满意度", "委托方的满意度"] or any(
        row[:2] == ["满意度", "服务对象满意度"] for row in rows
    )


def test_a_dongguan_form_printed_as_shenzhen_states_its_years_as_its_duration():
    rows = nonempty(
        xlsx_rows(export_form(form=make_dongguan_form(), fmt="xlsx", layout="shenzhen").content)
    )
    [row] = [row for row in rows if "实施期限:" in row]
    assert row[row.index("实施期限:") + 1] == "4"  # 2021 to 2024


def test_a_shenzhen_form_printed_as_dongguan_has_no_row_for_a_category_dongguan_lacks():
    form = make_shenzhen_form()
    form.indicators.create(  # 深圳 marks the category it does not use 不适用
        category=category("满意度指标", "其他满意度指标"), not_applicable=True, order=99
    )
    rows = nonempty(xlsx_rows(export_form(form=form, fmt="xlsx", layout="dongguan").content))
    assert not any("其他满意度指标" in cell for row in rows for cell in row)


# --------------------------------------------------------------------------- 广州


def test_guangzhou_xlsx_computes_the_totals_per_unit_and_department():
    make_guangzhou_forms()
    selection = Selection(layout="guangzhou", format="xlsx", year=2023)

    rows = nonempty(xlsx_rows(export_batch(actor=None, selection=selection).content))

    assert rows[0] == ["广州市财政局2023年项目支出绩效目标表(含转移支付项目)"]
    assert rows[1:3] == [["部门名称:广州市财政局"], ["单位:万元"]]
    assert rows[3] == [
        "项目名称(资金使用单位)",
        "项目内容",
        "总计",
        "财政拨款",
        "财政专户拨款",
        "其他资金",
        "绩效目标",
        "绩效指标",
    ]
    by_name = {row[0]: row for row in rows}
    assert by_name["合计"][1:] == ["3,090.20", "3,090.20"]
    assert by_name["广州市财政局"][1:] == ["3,058.75", "3,058.75"]
    assert by_name["广州市预算评审保障中心"][1:] == ["31.45", "31.45"]
    total = Decimal("3058.75") + Decimal("31.45")
    assert f"{total:,}" == by_name["合计"][1]
    assert [row[0] for row in rows[4:]] == [
        "合计",
        "广州市财政局",
        "财政评审业务委托费",
        "工作经费",
        "广州市预算评审保障中心",
        "购置经费",
        "机构运行辅助经费",
    ]
    assert by_name["财政评审业务委托费"][-1] == normalize(
        "1、产出指标：评审办结率，年度指标值：>80%。2、满意度指标：建设单位对评审工作投诉率，年度指标值：≤3%。"
    )


def test_guangzhou_pdf_repeats_title_and_header_on_every_page(tmp_path):
    forms = make_guangzhou_forms()
    for form in forms:  # long enough for several landscape pages
        for number in range(40):
            Indicator.objects.create(
                form=form,
                category=Indicator.objects.filter(form=form).first().category,
                name=f"补充指标{number}",
                annual_value="≥1次",
                order=100 + number,
            )
    path = save(
        tmp_path,
        export_batch(actor=None, selection=Selection(layout="guangzhou", format="pdf", year=2023)),
    )

    pages = pdf_pages(path)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        flat = normalize(page)
        assert "广州市财政局2023年项目支出绩效目标表" in flat
        assert "项目名称(资金使用单位)" in flat and "绩效指标" in flat
        assert f"第{number}页,共{len(pages)}页" in flat


# --------------------------------------------------------------------------- long forms, text


def test_a_long_form_prints_on_several_pages_each_with_header_and_page_number(tmp_path):
    path = save(tmp_path, export_form(form=make_long_form(60), fmt="pdf"))

    pages = pdf_pages(path)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        flat = normalize(page)
        assert "一级指标" in flat and "三级指标" in flat and "当年度指标值" in flat
        assert f"第{number}页,共{len(pages)}页" in flat
        if number > 1:
            assert "多指标测试项目" in flat  # running title on continuation pages
            # the labels of the spans cut at the page break are repeated, not lost: 绩效指标
            # once, one cell beside the head printed again and the page's rows
            assert flat.count("绩效指标") == 1
            assert any(label in flat for label in ("产出指标", "效益指标", "满意度指标"))
    text = normalize("".join(pages))
    assert all(f"第{n}项指标" in text for n in range(1, 61))


@pytest.mark.parametrize("value", ["=1+1", "+86", "-1", "@SUM(A1)", '=HYPERLINK("x")'])
def test_formula_looking_text_is_stored_as_text(value):
    form = make_dongguan_form()
    Indicator.objects.filter(form=form, name="服务时限").update(annual_value=value, name=value)

    ws = load_workbook(io.BytesIO(export_form(form=form, fmt="xlsx").content)).active

    cells = [cell for row in ws.iter_rows() for cell in row if cell.value == value]
    assert len(cells) == 2
    assert all(cell.data_type == "s" for cell in cells)


@pytest.mark.parametrize(
    ("typed", "kept", "quoted"),
    [("=1+1", "=1+1", True), ("@SUM(A1)", "@SUM(A1)", True), ("年度\x01目标", "年度目标", False)],
)
def test_write_text_keeps_text_as_text(typed, kept, quoted):
    cell = Workbook().active.cell(row=1, column=1)
    write_text(cell, typed)
    assert (cell.value, cell.data_type, bool(cell.quotePrefix)) == (kept, "s", quoted)


def test_a_block_cut_below_a_span_repeats_the_span_labels():
    form = make_long_form(12)
    data = load_content(form)
    grid = build_grid("dongguan", data, framework_categories(form.framework_id))
    placed = place(grid)
    head = next(i for i, row in enumerate(grid.rows) if row.cells[-1].text == "当年度指标值")

    rows = slice_rows(placed, head + 2, head + 4)  # inside 数量指标, below its first row

    first = [(cell.text, cell.rowspan, cell.repeated) for cell in rows[0][:3]]
    assert first == [("绩效指标", 2, True), ("产出指标", 2, True), ("数量指标", 2, True)]
    assert len(rows[1]) == 3  # 三级指标 and the two values; the labels span from above


def test_a_form_one_page_too_long_starts_its_indicator_table_on_the_first_page(tmp_path):
    """19 indicators with long goals: the table no longer leaves page 1 half blank."""
    form = make_long_form(19)
    for number, row in enumerate(form.indicators.order_by("order"), start=1):
        row.name = f"第{number}项指标"  # one line each: the 19 rows fit on one page together
        row.save()
    form.period_goal = form.annual_goal = "通过建立集中运维外包体系，提升服务水平。" * 12
    form.save()
    path = save(tmp_path, export_form(form=form, fmt="pdf"))

    pages = pdf_pages(path)
    assert len(pages) == 2
    first = normalize(pages[0])
    assert "一级指标" in first and "第1项指标" in first
    text = normalize("".join(pages))
    assert all(f"第{n}项指标" in text for n in range(1, 20))


def test_a_goal_label_never_ends_a_page_without_its_text(tmp_path):
    """Goals long enough to break the project part across pages: each goal's label prints on
    the page that holds the start of its text."""
    form = make_long_form(4)
    form.period_goal = "实施周期内完成系统升级。" * 140
    form.annual_goal = "年度内完成以下工作：" + "运维与保障服务。" * 160
    form.save()
    path = save(tmp_path, export_form(form=form, fmt="pdf"))

    for page in pdf_pages(path):
        flat = normalize(page)
        if "2023年度目标" in flat:
            assert "年度内完成以下工作" in flat, flat[-200:]


def test_a_text_over_the_excel_cell_limit_runs_on_over_rows_and_keeps_every_character():
    form = make_dongguan_form()
    form.annual_goal = "很长的年度目标。" * 5000  # 40,000 characters: older data, or the admin
    form.save()
    ws = load_workbook(io.BytesIO(export_form(form=form, fmt="xlsx").content)).active
    cells = [c.value for row in ws.iter_rows(min_col=3, max_col=3) for c in row]
    parts = [value for value in cells if isinstance(value, str) and "很长的年度目标" in value]
    assert len(parts) > 1 and "".join(parts) == form.annual_goal
    assert not any("超过 Excel 单元格上限" in str(value) for value in cells)
    assert all(ws.row_dimensions[r].height <= 409 for r in range(1, ws.max_row + 1))
