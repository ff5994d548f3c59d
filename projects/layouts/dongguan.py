"""东莞: one 项目绩效目标表 a form; two target values (实施周期, 当年度), amounts in plain 元."""

from __future__ import annotations

from collections.abc import Sequence

from projects.content import FormContent, IndicatorContent
from projects.layouts.base import NOT_APPLICABLE, Label, Layout
from projects.layouts.formats import format_plain_yuan
from projects.layouts.grid import (
    CategoryRef,
    Cell,
    CellRole,
    Grid,
    Row,
    arrange_indicators,
    column_heads,
    merge_repeats,
    target_hint,
)


def _grid(layout: Layout, data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    year = data.fiscal_year

    def text(key: str) -> str:
        return layout.text(key, year=year)

    def pair(key: str, value: str, role: CellRole = "value") -> Row:
        return Row([Cell(text(key), colspan=2, role="label"), Cell(value, colspan=4, role=role)], 1)

    project = data.project
    rows: list[Row] = [Row([Cell(layout.title, colspan=6, role="title")], group=0)]
    rows += [
        pair("project.name", project.name),
        pair("project.type", project.type),
        pair("project.level", project.level),
        pair("project.department", project.department),
        pair("project.unit", project.unit),
        Row(
            [
                Cell(text("project.period"), colspan=2, role="label"),
                Cell(text("project.start_year"), role="label"),
                Cell(str(project.start_year or ""), role="number"),
                Cell(text("project.end_year"), role="label"),
                Cell(str(project.end_year or ""), role="number"),
            ],
            1,
        ),
        pair("amounts.annual", format_plain_yuan(data.amounts.get("annual")), "number"),
        Row(
            [
                Cell(text("goals"), colspan=2, rowspan=4, role="label"),
                Cell(text("goals.period"), colspan=4, role="label"),
            ],
            2,
        ),
        Row([Cell(data.goals.get("period", ""), colspan=4, role="text")], 2),
        Row([Cell(text("goals.annual"), colspan=4, role="label")], 2),
        Row([Cell(data.goals.get("annual", ""), colspan=4, role="text")], 2),
    ]
    categories, by_category = arrange_indicators(data.indicators, categories)
    body: list[list[Cell]] = []
    groups: list[int] = []
    level1_order: list[str] = []
    for ref in categories:
        items = by_category.get((ref.level1, ref.level2), [])
        if not items and ref.level2 in layout.skip_empty_categories:
            continue
        if ref.level1 not in level1_order:
            level1_order.append(ref.level1)
        slots: list[IndicatorContent | None] = list(items) or [None]
        for item in slots:
            if item is None:
                texts = ["", "", ""]
            elif item.not_applicable:  # a 深圳 不适用 row, printed as that layout prints it
                texts = [item.name or NOT_APPLICABLE, item.period_value, item.target]
                texts = [value or NOT_APPLICABLE for value in texts]
            else:
                texts = [item.name, item.period_value, item.target]
            body.append(
                [
                    Cell(ref.level1, role="label"),
                    Cell(ref.level2, role="label"),
                    Cell(texts[0]),
                    Cell(texts[1], hint=target_hint(texts[1])),
                    Cell(texts[2], hint=target_hint(texts[2])),
                ]
            )
            groups.append(3 + level1_order.index(ref.level1))
    head = Row(
        [Cell(text("indicators"), rowspan=len(body) + 1, role="label"), *column_heads(layout)], 3
    )
    rows.append(head)
    head_index = len(rows) - 1
    rows += merge_repeats(body, groups, columns=(0, 1))
    return Grid(layout=layout, title=layout.title, columns=6, rows=rows, repeat_row=head_index)


DONGGUAN = Layout(
    key="dongguan",
    title="项目绩效目标表",
    header=(
        Label("project.name", "项目名称"),
        Label("project.type", "项目类型"),
        Label("project.level", "项目等级"),
        Label("project.department", "主管部门"),
        Label("project.unit", "用款单位", ("申请单位", "项目单位")),
        Label("project.period", "实施周期"),
        Label("amounts.annual", "{year}年预算金额（元）", ("年预算金额（元）", "预算金额（元）")),
    ),
    block_labels={
        "start_year": Label("project.start_year", "起始年度"),
        "end_year": Label("project.end_year", "到期年度"),
        "goals": Label("goals", "总体绩效目标"),
        "goals.period": Label("goals.period", "实施周期总目标"),
        "goals.annual": Label("goals.annual", "{year}年度目标", ("年度目标",)),
        "indicators": Label("indicators", "绩效指标"),
    },
    columns=(
        Label("level1", "一级指标"),
        Label("level2", "二级指标"),
        Label("name", "三级指标"),
        Label("period_value", "实施周期指标值"),
        Label("annual_value", "当年度指标值", ("年度指标值",)),
    ),
    widths=(10, 12, 19, 25, 17, 17),
    skip_empty_categories=frozenset({"其他满意度指标"}),
    carries=(
        "project.name",
        "project.type",
        "project.level",
        "project.department",
        "project.unit",
        "project.start_year",
        "project.end_year",
        "amounts.annual",
        "goals.period",
        "goals.annual",
    ),
    landscape=False,
    font_pt=10.0,
    form_builder=_grid,
)
