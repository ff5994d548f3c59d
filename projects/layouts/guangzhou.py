"""广州: one table a department and year, printed landscape: 合计, then each unit's subtotal and
its projects; amounts in 万元, the indicators of a project written out in one cell."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from projects.content import FormContent, IndicatorContent
from projects.layouts.base import Label, Layout
from projects.layouts.formats import format_thousands, yuan_to_wan
from projects.layouts.grid import Cell, CellRole, Grid, Row, UnitForms, column_heads

GUANGZHOU_AMOUNT_KEYS = ("annual", "fiscal", "special", "other")

# The name callers know a unit of the 广州 table by.
GuangzhouUnit = UnitForms


def indicator_cell(form: FormContent) -> str:
    """The 绩效指标 cell: the text as the sheet had it, while the indicators still say what it
    says (an import keeps ASCII colons and spaces as typed); else written from them."""
    typed = str(form.details.get("indicator_text") or "")
    if typed and _says(typed, [i for i in form.indicators if not i.not_applicable]):
        return typed
    return guangzhou_indicator_text(form.indicators)


def _says(text: str, indicators: Sequence[IndicatorContent]) -> bool:
    from projects.importing.parse import split_guangzhou_indicators

    items = split_guangzhou_indicators(text)
    if items is None or len(items) != len(indicators):
        return False
    return all(
        (name, target) == (item.name, item.target) and item.level1.startswith(level1[:2])
        for (level1, name, target), item in zip(items, indicators, strict=True)
    )


def guangzhou_indicator_text(indicators: Sequence[IndicatorContent]) -> str:
    """``1、产出指标：评审办结率，年度指标值：>80%。2、…`` (not-applicable rows left out)."""
    parts = []
    for number, item in enumerate((i for i in indicators if not i.not_applicable), start=1):
        parts.append(f"{number}、{item.level1}：{item.name}，年度指标值：{item.target}。")
    return "".join(parts)


def _sums(forms: Iterable[FormContent]) -> list[Decimal | None]:
    """Each amount column's sum, in 万元 with two decimals, of the figures as the rows print
    them (each row rounded first): the printed table adds up, though its total may differ by
    a few 元 from the exact sum of the amounts."""
    totals: list[Decimal | None] = []
    forms = list(forms)
    for key in GUANGZHOU_AMOUNT_KEYS:
        values = [yuan_to_wan(f.amounts[key]) for f in forms if f.amounts.get(key) is not None]
        totals.append(sum((v for v in values if v is not None), Decimal(0)) if values else None)
    return totals


def _wan_cells(values: Sequence[Decimal | None], role: CellRole) -> list[Cell]:
    """Figures already in 万元."""
    return [Cell(format_thousands(v), role=role) for v in values]


def _amount_cells(values: Sequence[Decimal | None], role: CellRole) -> list[Cell]:
    return [Cell(format_thousands(yuan_to_wan(v)), role=role) for v in values]


def _grid(layout: Layout, department: str, year: int, units: Sequence[UnitForms]) -> Grid:
    """The 广州 table of one department and year: 合计, then each unit's subtotal and projects.
    Totals are computed from the forms, in 万元 with two decimals."""
    title = layout.title.format(department=department, year=year)
    department_note = f"{layout.text('project.department')}：{department}"
    rows: list[Row] = [
        Row([Cell(title, colspan=8, role="title")], 0),
        Row([Cell(department_note, colspan=8, role="note")], 0),
        Row([Cell(layout.text("unit_note"), colspan=8, role="note")], 0),
        Row(column_heads(layout), 0),
    ]

    def subtotal(name: str, forms: Iterable[FormContent], group: int) -> Row:
        return Row(
            [
                Cell(name, role="subtotal"),
                Cell(role="subtotal"),
                *_wan_cells(_sums(forms), "subtotal"),
                Cell(),
                Cell(),
            ],
            group,
        )

    everything = [form for unit in units for form in unit.forms]
    rows.append(subtotal(layout.text("total"), everything, 1))
    for index, unit in enumerate(units, start=2):
        rows.append(subtotal(unit.name, unit.forms, index))
        for form in unit.forms:
            rows.append(
                Row(
                    [
                        Cell(form.project.name),
                        Cell(str(form.details.get("content") or ""), role="text"),
                        *_amount_cells(
                            [form.amounts.get(k) for k in GUANGZHOU_AMOUNT_KEYS], "number"
                        ),
                        Cell(form.goals.get("annual", ""), role="text"),
                        Cell(indicator_cell(form), role="text"),
                    ],
                    index,
                    continuation=f"{form.project.name}{layout.text('continued')}",
                )
            )
    return Grid(layout=layout, title=title, columns=8, rows=rows, header_rows=4)


GUANGZHOU = Layout(
    key="guangzhou",
    title="{department}{year}年项目支出绩效目标表（含转移支付项目）",
    title_aliases=("项目支出绩效目标表（含转移支付项目）", "项目支出绩效目标表"),
    header=(
        Label("project.department", "部门名称"),
        Label("unit_note", "单位：万元", ("单位:万元",)),
    ),
    columns=(
        Label("project.name", "项目名称（资金使用单位）", ("项目名称",)),
        Label("details.content", "项目内容"),
        Label("amounts.annual", "总计"),
        Label("amounts.fiscal", "财政拨款"),
        Label("amounts.special", "财政专户拨款"),
        Label("amounts.other", "其他资金"),
        Label("goals.annual", "绩效目标"),
        Label("indicators", "绩效指标"),
    ),
    block_labels={
        "total": Label("total", "合计"),
        # after the project name on the rows a PDF continues a tall project on
        "continued": Label("continued", "（续）"),
    },
    widths=(22, 34, 11, 11, 11, 9, 34, 48),
    carries=(
        "project.name",
        "project.department",
        "project.unit",
        "amounts.annual",
        "amounts.fiscal",
        "amounts.special",
        "amounts.other",
        "goals.annual",
        "details.content",
        "details.indicator_text",
    ),
    landscape=True,
    font_pt=8.0,
    department_builder=_grid,
)


def build_guangzhou_grid(department: str, year: int, units: Sequence[UnitForms]) -> Grid:
    """The 广州 table of one department and year (``GUANGZHOU.build_department``)."""
    return GUANGZHOU.build_department(department, year, units)
