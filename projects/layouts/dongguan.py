"""东莞: one 项目绩效目标表 a form; two target values (实施周期, 当年度), amounts in plain 元."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple

from projects.content import FormContent, IndicatorContent, ProjectContent
from projects.layouts.base import NOT_APPLICABLE, Label, LabelSet, Layout
from projects.layouts.formats import format_plain_yuan
from projects.layouts.grid import (
    CategoryRef,
    Cell,
    CellRole,
    Grid,
    Row,
    arrange_indicators,
    column_heads,
    field_target,
    indicator_target,
    merge_repeats,
    target_hint,
)
from projects.layouts.normalize import (
    CategoryNames,
    canonical_org_name,
    clean_line,
    parse_year,
)
from projects.layouts.reading import (
    FormReader,
    ReadForm,
    Segment,
    require_project_fields,
)
from projects.layouts.sheet import Sheet


def _grid(layout: Layout, data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    year = data.fiscal_year

    def text(key: str) -> str:
        return layout.text(key, year=year)

    def pair(key: str, value: str, role: CellRole = "value") -> Row:
        value_cell = Cell(value, colspan=4, role=role, target=field_target(key))
        return Row([Cell(text(key), colspan=2, role="label"), value_cell], 1)

    def goal(name: str) -> str:
        return field_target(f"goals.{name}")

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
                Cell(
                    str(project.start_year or ""),
                    role="number",
                    target=field_target("project.start_year"),
                ),
                Cell(text("project.end_year"), role="label"),
                Cell(
                    str(project.end_year or ""),
                    role="number",
                    target=field_target("project.end_year"),
                ),
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
        Row([Cell(data.goals.get("period", ""), colspan=4, role="text", target=goal("period"))], 2),
        Row([Cell(text("goals.annual"), colspan=4, role="label")], 2),
        Row([Cell(data.goals.get("annual", ""), colspan=4, role="text", target=goal("annual"))], 2),
    ]
    categories, by_category = arrange_indicators(data.indicators, categories)
    body: list[list[Cell]] = []
    groups: list[int] = []
    level1_order: list[str] = []
    for ref in categories:
        items = by_category.get((ref.level1, ref.level2), [])
        if ref.level2 in layout.skip_empty_categories and all(i.not_applicable for i in items):
            continue  # a category this table does not have, unless something is filed in it
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
            target = indicator_target(item)
            body.append(
                [
                    Cell(ref.level1, role="label"),
                    Cell(ref.label2, role="label"),
                    Cell(texts[0], target=target),
                    Cell(texts[1], hint=target_hint(texts[1]), target=target),
                    Cell(texts[2], hint=target_hint(texts[2]), target=target),
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


# --------------------------------------------------------------------------- reading


_INDICATOR_HEAD = frozenset({"level1", "level2", "name"})  # the column labels that start it


class _Cell(NamedTuple):
    """What one cell text is to the 东莞 reader (looked at once a sheet: ``_kinds``)."""

    goals: bool  # 总体绩效目标, the label of the goal rows (ignored wherever it is)
    title: bool  # 项目绩效目标表
    goal: tuple[tuple[str, dict[str, str]], ...]  # (goals.period/annual, placeholders) it is
    header: tuple[Label, dict[str, str]] | None  # the (first) header label it is
    column: str | None  # the indicator column label it is
    start_year: bool  # 起始年度
    end_year: bool  # 到期年度
    labels: frozenset[str]  # the keys of every header and block label it is


def _value_after(cells: list[tuple[int, str, _Cell]], index: int, key: str) -> tuple[int, str]:
    """``FormReader.value_after`` for the label ``key``: the first cell after ``cells[index]``
    that is not the same label again."""
    for at in range(index + 1, len(cells)):
        c, text, kind = cells[at]
        if key not in kind.labels:
            return c, text
    return cells[index][0], ""


def _kinds(layout: Layout, sheet: Sheet) -> tuple[dict[str, _Cell], Callable[[str], _Cell]]:
    """The sheet's remembered cell kinds for the layout, and the function that adds one."""
    return sheet.keep((_Cell, id(layout)), lambda: _new_kinds(layout))


def _new_kinds(layout: Layout) -> tuple[dict[str, _Cell], Callable[[str], _Cell]]:
    # every label of the layout in one set, each text normalised and looked up once
    title = layout.title_label
    everything = LabelSet((*layout.header, *layout.columns, *layout.block_labels.values(), title))
    headers = {id(label) for label in layout.header}
    columns = {id(label) for label in layout.columns}
    goal_keys = ("goals.period", "goals.annual")
    memo: dict[str, _Cell] = {}

    def describe(text: str) -> _Cell:
        found = everything.find_all(text)
        keys = {label.key: placeholders for label, placeholders in found}
        bare = text.removesuffix("（续）")  # a goal label printed again on a new page
        if bare != text:
            goal_found = {label.key: p for label, p in everything.find_all(bare)}
        else:
            goal_found = keys
        column = next((label.key for label, _p in found if id(label) in columns), None)
        kind = memo[text] = _Cell(
            goals="goals" in keys,
            title=title.key in keys,
            goal=tuple((key, goal_found[key]) for key in goal_keys if key in goal_found),
            header=next(((label, p) for label, p in found if id(label) in headers), None),
            column=column,
            start_year="project.start_year" in keys,
            end_year="project.end_year" in keys,
            labels=frozenset(keys),
        )
        return kind

    return memo, describe


def _read(
    layout: Layout, sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
) -> list[ReadForm]:
    reader = FormReader(sheet, segment, names, year)
    blocks = layout.block_labels
    kinds, describe = _kinds(layout, sheet)
    project = ProjectContent(name="")
    amounts: dict[str, Decimal] = {}
    goals = {"period": "", "annual": ""}
    goal_parts: dict[str, list[str]] = {"period": [], "annual": []}
    mode = ""
    seen: set[str] = set()
    indicators: list[IndicatorContent] = []
    rows = sheet.rows
    for r in range(segment.first, segment.last + 1):
        # the row's cells but 总体绩效目标 (merged down the goal rows), and its column labels
        cells: list[tuple[int, str, _Cell]] = []
        heads: set[str] | None = None
        for c, text in enumerate(rows[r]):
            if text:
                kind = kinds.get(text) or describe(text)
                if kind.column is not None:
                    heads = {kind.column} if heads is None else heads | {kind.column}
                if not kind.goals:
                    cells.append((c, text, kind))
        if not cells or (len(cells) == 1 and cells[0][2].title):
            continue
        if heads is not None and heads >= _INDICATOR_HEAD:
            columns = reader.indicator_header(r, layout)
            assert columns is not None
            indicators = reader.indicators(
                range(r + 1, segment.last + 1), columns, layout, blocks["indicators"]
            )
            break
        c0, first, first_kind = cells[0]
        goal_label = ""
        for key, found in first_kind.goal:
            reader.label_year(found, r)
            goal_label = key.split(".")[1]
        if goal_label:
            mode = goal_label
            rest = [t for _c, t, _k in cells[1:]]
            if rest:
                goal_parts[mode].append("\n".join(rest))
            continue
        header = first_kind.header
        if header is None and mode:
            goal_parts[mode].append("\n".join(t for _c, t, _k in cells))
            continue
        if header is None:
            reader.warning(r, c0, f"无法识别的行“{first[:30]}”，已忽略。")
            continue
        label, found_year = header
        key = label.key
        if found_year:
            reader.label_year(found_year, r)
        seen.add(key)
        c, value = _value_after(cells, 0, key)
        if key == "project.period":
            for index, (_cc, text, kind) in enumerate(cells):
                for block, attr, is_label in (
                    ("start_year", "start_year", kind.start_year),
                    ("end_year", "end_year", kind.end_year),
                ):
                    if is_label:
                        vc, vt = _value_after(cells, index, blocks[block].key)
                        after = kinds.get(vt) or describe(vt) if vt else None
                        if after is not None and (after.start_year or after.end_year):
                            continue  # the year cell is empty: the next label follows
                        setattr(project, attr, reader.number(parse_year, vt, r, vc, text))
        elif key == "amounts.annual":
            amount = reader.amount(value, r, c)
            if amount is not None:
                amounts["annual"] = amount
        elif key in ("project.department", "project.unit"):
            setattr(project, key.partition(".")[2], canonical_org_name(value))
        else:
            setattr(project, key.partition(".")[2], clean_line(value))
    for key in goal_parts:
        goals[key] = "\n".join(goal_parts[key]).strip()
    fiscal_year = reader.fiscal_year()
    require_project_fields(reader, project, ("name", "department", "unit"))
    if "amounts.annual" in seen and "annual" not in amounts:
        reader.warning(segment.first, 0, "预算金额为空。")
    reader.warn_if_empty(goals["annual"], indicators)
    if project.start_year and project.end_year and project.start_year > project.end_year:
        reader.error(segment.first, 0, "起始年度晚于到期年度。")
    data = FormContent(
        project=project,
        fiscal_year=fiscal_year,
        layout=layout.key,
        amounts=amounts,
        goals=goals,
        details={},
        indicators=indicators,
        amount_unit_label="元",
    )
    return [reader.result(data)]


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
    name="东莞",
    label="东莞 项目绩效目标表",
    value_columns=("period_value", "annual_value"),
    marks=("project.level", "project.department", "project.period", "amounts.annual"),
    form_builder=_grid,
    reader=_read,
)
