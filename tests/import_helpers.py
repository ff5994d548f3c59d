"""Workbook builders for the import tests: the three official layouts written the way real
sheets are (dirty on request), and the seed forms read from text as the reference."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projects.content import FormContent
from projects.layouts import (
    build_grid,
    framework_categories,
    guangzhou_indicator_text,
)

SEEDS = Path(settings.BASE_DIR) / "fixtures" / "seeds"
DONGGUAN_SEED = SEEDS / "dongguan_finance_2023.txt"
SHENZHEN_SEED = SEEDS / "shenzhen_futian_2023.txt"
GUANGZHOU_SEED = SEEDS / "guangzhou_finance_2023.txt"

FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@dataclass
class Dirt:
    """How messy to write a form."""

    label_width: int = 2  # label cells one or two columns wide
    merged: bool = True  # merged label cells, else the label repeated on every row
    lead: int = 0  # empty leading columns
    html: bool = False  # <b> around labels and names, <p> around goals
    numbers: str = "number"  # number | text (thousands separators) | fullwidth
    stray: bool = False  # stray spaces and line breaks inside cells
    hidden_junk: bool = False  # a hidden row and a hidden column holding junk


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _number(value: Decimal | None, dirt: Dirt, *, thousands: bool = False) -> object:
    if value is None:
        return None
    if dirt.numbers == "number":
        return float(value) if value != value.to_integral_value() else int(value)
    text = f"{value:,.2f}" if thousands or dirt.numbers == "text" else str(value)
    return text.translate(FULLWIDTH) if dirt.numbers == "fullwidth" else text


def _stray(text: str, dirt: Dirt) -> str:
    if not dirt.stray or len(text) < 4:
        return text
    middle = len(text) // 2
    return f"  {text[:middle]}\n{text[middle:]} \u3000"


def _label(text: str, dirt: Dirt) -> str:
    return f"<b>{text}</b>" if dirt.html else text


def _goal(text: str, dirt: Dirt) -> str:
    if dirt.html and text and not text.startswith("<p>"):
        return "".join(f"<p>{line}</p>" for line in text.split("\n"))
    return text.replace("\n", "</p><p>") if dirt.html and text else text


class _Writer:
    def __init__(self, ws: Worksheet, row: int, dirt: Dirt) -> None:
        self.ws, self.row, self.dirt = ws, row, dirt
        self.col0 = 1 + dirt.lead

    def put(self, col: int, value: object) -> None:
        if value not in (None, ""):
            self.ws.cell(self.row, self.col0 + col, value)

    def merge(self, col: int, width: int, height: int = 1) -> None:
        if width > 1 or height > 1:
            self.ws.merge_cells(
                start_row=self.row,
                start_column=self.col0 + col,
                end_row=self.row + height - 1,
                end_column=self.col0 + col + width - 1,
            )


def write_dongguan(
    ws: Worksheet, row: int, data: FormContent, dirt: Dirt, categories: Sequence[tuple[str, str]]
) -> int:
    """Write one 东莞 form from ``row``; return the next free row."""
    w = _Writer(ws, row, dirt)
    lw = dirt.label_width
    width = lw + 4
    w.put(0, "项目绩效目标表")
    w.merge(0, width)
    w.row += 2
    project = data.project
    year = data.fiscal_year

    def pair(label: str, value: object) -> None:
        w.put(0, _label(label, dirt))
        w.merge(0, lw)
        w.put(lw, value)
        w.merge(lw, 4)
        w.row += 1

    pair("项目名称", _stray(project.name, dirt))
    pair("项目类型", project.type)
    pair("项目等级", project.level)
    pair("主管部门", project.department)
    pair("用款单位", _stray(project.unit, dirt))
    w.put(0, _label("实施周期", dirt))
    w.merge(0, lw)
    for offset, value in enumerate(
        ("起始年度", _year(project.start_year, dirt), "到期年度", _year(project.end_year, dirt))
    ):
        w.put(lw + offset, value)
    w.row += 1
    pair(f"{year}年预算金额（元）", _number(data.amounts.get("annual"), dirt))
    goal_rows = [
        ("实施周期总目标", True),
        (data.goals.get("period", ""), False),
        (f"{year}年度目标", True),
        (data.goals.get("annual", ""), False),
    ]
    first = w.row
    for text, is_label in goal_rows:
        if not dirt.merged or w.row == first:
            w.put(0, _label("总体绩效目标", dirt))
        if not dirt.merged:
            w.merge(0, lw)
        w.put(lw, text if is_label else _goal(text, dirt))
        w.merge(lw, 4)
        w.row += 1
    if dirt.merged:
        ws.merge_cells(
            start_row=first, start_column=w.col0, end_row=w.row - 1, end_column=w.col0 + lw - 1
        )
    header = w.row
    # the indicator block: 绩效指标 | 一级 | 二级 | 三级 | 实施周期指标值 | 当年度指标值
    # (with a two-column label the 绩效指标 label spans two columns, as in the seeds)
    w.put(0, _label("绩效指标", dirt))
    base = lw - 1
    for offset, text in enumerate(
        ("一级指标", "二级指标", "三级指标", "实施周期指标值", "当年度指标值")
    ):
        w.put(base + 1 + offset, text)
    w.row += 1
    rows: list[tuple[str, str, object]] = []
    for level1, level2 in categories:
        items = [i for i in data.indicators if (i.level1, i.level2) == (level1, level2)]
        rows += [(level1, level2, item) for item in items] or [(level1, level2, None)]
    previous: tuple[str, str] = ("", "")
    spans: dict[int, list[int]] = {1: [], 2: []}
    for level1, level2, item in rows:
        if not dirt.merged:
            w.put(0, "绩效指标")
        if not dirt.merged or level1 != previous[0]:
            w.put(base + 1, level1)
            spans[1].append(w.row)
        if not dirt.merged or (level1, level2) != previous:
            w.put(base + 2, level2)
            spans[2].append(w.row)
        if item is not None:
            w.put(base + 3, _stray(item.name, dirt))  # type: ignore[attr-defined]
            w.put(base + 4, item.period_value)  # type: ignore[attr-defined]
            w.put(base + 5, item.annual_value)  # type: ignore[attr-defined]
        previous = (level1, level2)
        w.row += 1
    if dirt.merged:
        ws.merge_cells(
            start_row=header, start_column=w.col0, end_row=w.row - 1, end_column=w.col0 + base
        )
        for level, starts in spans.items():
            bounds = [*starts, w.row]
            for start, end in itertools.pairwise(bounds):
                if end - start > 1:
                    col = w.col0 + base + level
                    ws.merge_cells(
                        start_row=start, start_column=col, end_row=end - 1, end_column=col
                    )
    if dirt.hidden_junk:
        ws.cell(w.row, w.col0, "内部备注：请勿打印")
        ws.row_dimensions[w.row].hidden = True
        w.row += 1
    return w.row + 1


def _year(value: int | None, dirt: Dirt) -> object:
    if value is None:
        return None
    if dirt.numbers == "number":
        return value
    return str(value).translate(FULLWIDTH) if dirt.numbers == "fullwidth" else f"{value}年"


def write_shenzhen(
    ws: Worksheet,
    row: int,
    data: FormContent,
    dirt: Dirt,
    categories: Sequence[tuple[str, str, str, str]],
) -> int:
    """Write one 深圳 form; categories are (level1, level2, short1, short2)."""
    w = _Writer(ws, row, dirt)
    w.put(0, "二级项目支出绩效目标申报表")
    w.merge(0, 5)
    w.row += 2
    project = data.project
    details = data.details
    unit = data.amount_unit_label or "元"

    def two(l1: str, v1: object, l2: str, v2: object) -> None:
        w.put(0, _label(f"{l1}:", dirt))
        w.put(1, v1)
        w.put(2, _label(f"{l2}：", dirt))
        w.put(3, v2)
        w.merge(3, 2)
        w.row += 1

    def wide(label: str, value: str) -> None:
        w.put(0, _label(f"{label}:", dirt))
        w.put(1, value)
        w.merge(1, 4)
        w.row += 1

    amounts = data.amounts
    two("项目编码", project.code, "项目名称", _stray(project.name, dirt))
    two("申请单位", project.unit, "一级预算单位", project.department)
    two("实施期限", project.duration_years, "项目类型", project.type)
    two(
        "是否新增项目",
        {True: "是", False: "否"}.get(details.get("is_new")),  # type: ignore[arg-type]
        "分配方式",
        details.get("allocation_method"),
    )
    two(
        f"项目总金额(中期规划,{unit})",
        _number(amounts.get("total"), dirt, thousands=True),
        f"本年度项目金额（{unit}）",
        _number(amounts.get("annual"), dirt, thousands=True),
    )
    wide("政策依据", str(details.get("policy_basis") or ""))
    wide("测算依据", str(details.get("calculation_basis") or ""))
    wide("年度目标", _goal(data.goals.get("annual", ""), dirt))
    wide("长期目标（跨度多年的项目需填）", _goal(data.goals.get("period", ""), dirt))
    for offset, text in enumerate(("一级指标", "二级指标", "三级指标", "指标值", "指标解释")):
        w.put(offset, text)
    w.row += 1
    for level1, level2, short1, short2 in categories:
        items = [i for i in data.indicators if (i.level1, i.level2) == (level1, level2)]
        if not items:
            w.put(0, short1)
            w.put(1, short2)
            w.row += 1
        for index, item in enumerate(items):
            if dirt.merged and index:
                pass  # same as above: the category cells stay blank under a merge
            else:
                w.put(0, short1)
                w.put(1, ("*" if item.core else "") + short2)
            w.put(2, "不适用" if item.not_applicable and not item.name else item.name)
            w.put(3, item.value)
            w.put(4, item.explanation)
            w.row += 1
        if dirt.merged and len(items) > 1:
            for col in (0, 1):
                ws.merge_cells(
                    start_row=w.row - len(items),
                    start_column=w.col0 + col,
                    end_row=w.row - 1,
                    end_column=w.col0 + col,
                )
    return w.row + 1


def write_guangzhou(
    ws: Worksheet,
    row: int,
    department: str,
    year: int,
    units: Sequence[tuple[str, Sequence[FormContent]]],
    dirt: Dirt,
    page_size: int = 0,
) -> int:
    """Write a 广州 table; with ``page_size`` the title and header repeat every N projects."""
    w = _Writer(ws, row, dirt)
    heads = (
        "项目名称（资金使用单位）",
        "项目内容",
        "总计",
        "财政拨款",
        "财政专户拨款",
        "其他资金",
        "绩效目标",
        "绩效指标",
    )

    def page_header() -> None:
        w.put(0, f"{department}{year}年项目支出绩效目标表（含转移支付项目）")
        w.merge(0, 8)
        w.row += 2
        w.put(0, f"部门名称：{department}")
        w.row += 2
        w.put(0, "单位：万元")
        w.row += 2
        for offset, text in enumerate(heads):
            w.put(offset, _label(text, dirt))
        w.row += 1

    def wan(value: Decimal | None) -> object:
        if value is None:
            return None
        return _number((value / 10000).quantize(Decimal("0.01")), dirt, thousands=True)

    def amounts_row(forms: Sequence[FormContent]) -> None:
        for offset, key in enumerate(("annual", "fiscal", "special", "other")):
            values = [f.amounts[key] for f in forms if key in f.amounts]
            w.put(2 + offset, wan(sum(values, Decimal(0))) if values else None)

    page_header()
    everything = [form for _unit, forms in units for form in forms]
    w.put(0, "合计")
    amounts_row(everything)
    w.row += 1
    count = 0
    for unit, forms in units:
        w.put(0, _stray(unit, dirt))
        amounts_row(forms)
        w.row += 1
        for form in forms:
            if page_size and count and count % page_size == 0:
                w.row += 1
                page_header()
            count += 1
            w.put(0, _label(form.project.name, dirt) if dirt.html else form.project.name)
            w.put(1, form.details.get("content"))
            for offset, key in enumerate(("annual", "fiscal", "special", "other")):
                w.put(2 + offset, wan(form.amounts.get(key)))
            w.put(6, _goal(form.goals.get("annual", ""), dirt))
            w.put(7, guangzhou_indicator_text(form.indicators))
            w.row += 1
    return w.row + 1


def hide_junk_column(ws: Worksheet, column: int) -> None:
    """Insert a hidden column holding junk codes at ``column`` (1-based)."""
    ws.insert_cols(column)
    for r in range(1, ws.max_row + 1):
        if r % 3 == 0:
            ws.cell(r, column, f"ID-{r}")
    ws.column_dimensions[get_column_letter(column)].hidden = True


def grid_workbook(forms: Sequence[FormContent], framework_id: int) -> bytes:
    """Forms laid out by projects.layouts.build_grid (what the exporter prints), stacked."""
    categories = framework_categories(framework_id)
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    row = 1
    for data in forms:
        grid = build_grid(data.layout, data, categories)
        for r, cells in enumerate(grid.matrix()):
            for c, text in enumerate(cells):
                if text:
                    ws.cell(row + r, c + 1, text)
        for r1, c1, r2, c2 in grid.merges():
            ws.merge_cells(
                start_row=row + r1, start_column=c1 + 1, end_row=row + r2, end_column=c2 + 1
            )
        row += len(grid.rows) + 2
    return workbook_bytes(workbook)


def new_sheet(workbook: Workbook, title: str) -> Worksheet:
    return workbook.create_sheet(title)


Builder = Callable[..., int]
