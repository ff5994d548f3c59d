"""A fourth layout, made up for the tests: 佛山 项目绩效目标申报表, one table a form.

It is what a new official layout takes: one module with its labels, a grid builder and a
reader, registered with ``projects.layouts.register``. Nothing else in the project names it;
``tests/test_layout_registry.py`` checks that it then appears wherever layouts are offered,
printed or read.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from projects.content import FormContent, IndicatorContent, ProjectContent
from projects.layouts import Label, Layout, find_header_label, match_label
from projects.layouts.formats import format_plain_yuan
from projects.layouts.grid import CategoryRef, Cell, Grid, Row, arrange_indicators, column_heads
from projects.layouts.normalize import CategoryNames, clean_line, clean_text
from projects.layouts.reading import FormReader, ReadForm, Segment
from projects.layouts.sheet import Sheet


def _grid(layout: Layout, data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    def pair(key: str, value: str) -> Row:
        text = layout.text(key, year=data.fiscal_year)
        return Row([Cell(text, role="label"), Cell(value, colspan=3)], 1)

    rows = [
        Row([Cell(layout.title, colspan=4, role="title")], 0),
        pair("project.name", data.project.name),
        pair("project.unit", data.project.unit),
        pair("project.department", data.project.department),
        pair("amounts.annual", format_plain_yuan(data.amounts.get("annual"))),
        pair("goals.annual", data.goals.get("annual", "")),
        Row(column_heads(layout), 2),
    ]
    head = len(rows) - 1
    ordered, by_category = arrange_indicators(data.indicators, categories)
    for ref in ordered:
        for item in by_category.get((ref.level1, ref.level2), []):
            rows.append(
                Row([Cell(ref.level1), Cell(ref.level2), Cell(item.name), Cell(item.target)], 3)
            )
    return Grid(layout=layout, title=layout.title, columns=4, rows=rows, repeat_row=head)


def _read(
    layout: Layout, sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
) -> list[ReadForm]:
    reader = FormReader(sheet, segment, names, year)
    project = ProjectContent(name="")
    amounts: dict[str, Decimal] = {}
    goals: dict[str, str] = {}
    indicators: list[IndicatorContent] = []
    for r in range(segment.first, segment.last + 1):
        cells = reader.cells(r)
        if not cells or match_label(layout.title_label, cells[0][1]) is not None:
            continue
        columns = reader.indicator_header(r, layout)
        if columns is not None:
            rows = range(r + 1, segment.last + 1)
            indicators = reader.indicators(rows, columns, layout, None)
            break
        found = find_header_label(layout, cells[0][1])
        if found is None:
            reader.warning(r, cells[0][0], f"无法识别的行“{cells[0][1][:30]}”，已忽略。")
            continue
        label, placeholders = found
        reader.label_year(placeholders, r)
        c, value = reader.value_after(cells, 0, label)
        if label.key == "amounts.annual":
            amount = reader.amount(value, r, c)
            if amount is not None:
                amounts["annual"] = amount
        elif label.key == "goals.annual":
            goals["annual"] = clean_text(value)
        else:
            setattr(project, label.key.split(".")[1], clean_line(value))
    data = FormContent(
        project=project,
        fiscal_year=reader.fiscal_year(),
        layout=layout.key,
        amounts=amounts,
        goals=goals,
        indicators=indicators,
        amount_unit_label="元",
    )
    return [reader.result(data)]


FOSHAN = Layout(
    key="foshan",
    name="佛山",
    label="佛山 项目绩效目标申报表",
    title="佛山市项目绩效目标申报表",
    header=(
        Label("project.name", "项目名称"),
        Label("project.unit", "预算单位"),
        Label("project.department", "主管单位"),
        Label("amounts.annual", "{year}年度预算（元）"),
        Label("goals.annual", "绩效目标"),
    ),
    columns=(
        Label("level1", "一级指标"),
        Label("level2", "二级指标"),
        Label("name", "三级指标"),
        Label("annual_value", "目标值"),
    ),
    widths=(12, 16, 24, 24),
    carries=(
        "project.name",
        "project.unit",
        "project.department",
        "amounts.annual",
        "goals.annual",
    ),
    value_columns=("annual_value",),
    marks=("project.unit", "project.department"),
    form_builder=_grid,
    reader=_read,
)

# A form in it, as a unit would paste it from its sheet (tab-separated).
FOSHAN_SHEET = "\n".join(
    "\t".join(row)
    for row in (
        ("佛山市项目绩效目标申报表",),
        ("项目名称", "社区培训项目"),
        ("预算单位", "佛山市培训中心"),
        ("主管单位", "佛山市人社局"),
        ("2024年度预算（元）", "120,000.00"),
        ("绩效目标", "全年培训社区居民500人次。"),
        ("一级指标", "二级指标", "三级指标", "目标值"),
        ("产出指标", "数量指标", "培训人次", "≥500人次"),
        ("", "质量指标", "培训合格率", "≥90%"),
        ("满意度指标", "服务对象满意度指标", "学员满意度", "≥85%"),
    )
)
