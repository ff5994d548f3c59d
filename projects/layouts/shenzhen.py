"""深圳: one 二级项目支出绩效目标申报表 a form; one target value (指标值) and its 指标解释, core
indicators starred, amounts with thousands separators in the form's unit."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from projects.content import FormContent, IndicatorContent, ProjectContent
from projects.layouts.base import NOT_APPLICABLE, Label, Layout, find_header_label, match_label
from projects.layouts.formats import format_bool, format_thousands, yuan_to_wan
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
    target_hint,
)
from projects.layouts.normalize import (
    CategoryNames,
    canonical_org_name,
    clean_line,
    clean_text,
    parse_bool,
    parse_int,
)
from projects.layouts.reading import (
    PLAINLY_YUAN,
    FormReader,
    ReadForm,
    Segment,
    require_project_fields,
)
from projects.layouts.sheet import Sheet


def duration_years(project: ProjectContent) -> int | None:
    """实施期限: as the form says, or the years from its start to its end (a 东莞 form)."""
    if project.duration_years:
        return project.duration_years
    if project.start_year and project.end_year and project.end_year >= project.start_year:
        return project.end_year - project.start_year + 1
    return None


def amount_unit(layout: Layout, data: FormContent) -> str:
    """The unit the 深圳 table states its amounts in, and prints them in: the official 万元,
    or 元 for a 深圳 form whose own sheet stated 元. Amounts are kept in 元 and converted
    (a sheet that labelled 元 amounts 万元 is printed in 万元, truly)."""
    return "元" if data.layout == layout.key and data.amount_unit_label == "元" else "万元"


def _grid(layout: Layout, data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    unit = amount_unit(layout, data)

    def money(value: Decimal | None) -> str:
        return format_thousands(value if unit == "元" else yuan_to_wan(value))

    project = data.project
    details = data.details
    rows: list[Row] = [Row([Cell(layout.title, colspan=5, role="title")], 0)]

    def label(key: str) -> Cell:
        return Cell(f"{layout.text(key, unit=unit)}:", role="label")

    def two(k1: str, v1: str, k2: str, v2: str, role: CellRole = "value") -> Row:
        first = Cell(v1, role=role, target=field_target(k1))
        second = Cell(v2, colspan=2, role=role, target=field_target(k2))
        return Row([label(k1), first, label(k2), second], 1)

    def wide(key: str, value: str) -> Row:
        return Row([label(key), Cell(value, colspan=4, role="text", target=field_target(key))], 1)

    amounts = data.amounts
    rows += [
        two("project.code", project.code, "project.name", project.name),
        two("project.unit", project.unit, "project.department", project.department),
        two(
            "project.duration_years",
            str(duration_years(project) or ""),
            "project.type",
            project.type,
        ),
        two(
            "details.is_new",
            format_bool(details.get("is_new")),
            "details.allocation_method",
            str(details.get("allocation_method") or ""),
        ),
        two(
            "amounts.total",
            money(amounts.get("total")),
            "amounts.annual",
            money(amounts.get("annual")),
            "number",
        ),
        wide("details.policy_basis", str(details.get("policy_basis") or "")),
        wide("details.calculation_basis", str(details.get("calculation_basis") or "")),
        wide("goals.annual", data.goals.get("annual", "")),
        wide("goals.period", data.goals.get("period", "")),
        Row(column_heads(layout), 2),
    ]
    head_index = len(rows) - 1
    categories, by_category = arrange_indicators(data.indicators, categories)
    level1_order: list[str] = []
    for ref in categories:
        if ref.short1 not in level1_order:
            level1_order.append(ref.short1)
        group = 3 + level1_order.index(ref.short1)
        items = by_category.get((ref.level1, ref.level2), [])
        if not items:
            rows.append(
                Row(
                    [
                        Cell(ref.short1, role="label"),
                        Cell(ref.short_label2, role="label"),
                        Cell(),
                        Cell(),
                        Cell(),
                    ],
                    group,
                )
            )
        for item in items:
            star = "*" if item.core else ""
            target = indicator_target(item)
            rows.append(
                Row(
                    [
                        Cell(ref.short1, role="label"),
                        Cell(f"{star}{ref.short_label2}", role="label"),
                        Cell(
                            NOT_APPLICABLE if item.not_applicable and not item.name else item.name,
                            target=target,
                        ),
                        Cell(
                            item.single_value or (NOT_APPLICABLE if item.not_applicable else ""),
                            hint=target_hint(item.single_value),
                            target=target,
                        ),
                        Cell(item.explanation, role="text", target=target),
                    ],
                    group,
                )
            )
    return Grid(layout=layout, title=layout.title, columns=5, rows=rows, repeat_row=head_index)


# --------------------------------------------------------------------------- reading


def _read(
    layout: Layout, sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
) -> list[ReadForm]:
    reader = FormReader(sheet, segment, names, year)
    project = ProjectContent(name="")
    values: dict[str, tuple[int, int, str, dict[str, str]]] = {}
    indicators: list[IndicatorContent] = []
    last_key = ""
    for r in range(segment.first, segment.last + 1):
        cells = reader.cells(r)
        if not cells or (
            len(cells) == 1 and match_label(layout.title_label, cells[0][1]) is not None
        ):
            continue
        columns = reader.indicator_header(r, layout)
        if columns is not None:
            indicators = reader.indicators(range(r + 1, segment.last + 1), columns, layout, None)
            break
        index = 0
        while index < len(cells):
            c, text = cells[index]
            header = find_header_label(layout, text)
            if header is None:
                if last_key:
                    vr, vc, old, found = values[last_key]
                    values[last_key] = (vr, vc, f"{old}\n{text}" if old else text, found)
                else:
                    reader.warning(r, c, f"无法识别的单元格“{text[:30]}”，已忽略。")
                index += 1
                continue
            label, found = header
            parts: list[tuple[int, str]] = []
            index += 1
            while index < len(cells) and find_header_label(layout, cells[index][1]) is None:
                parts.append(cells[index])
                index += 1
            values[label.key] = (
                r,
                parts[0][0] if parts else c,
                "\n".join(t for _c, t in parts),
                found,
            )
            last_key = label.key

    def value_of(key: str) -> str:
        return values[key][2] if key in values else ""

    project.code = clean_line(value_of("project.code"))
    project.name = clean_line(value_of("project.name"))
    project.unit = canonical_org_name(value_of("project.unit"))
    project.department = canonical_org_name(value_of("project.department"))
    project.type = clean_line(value_of("project.type"))
    details: dict[str, str | bool | None] = {
        "policy_basis": clean_text(value_of("details.policy_basis")),
        "calculation_basis": clean_text(value_of("details.calculation_basis")),
        "allocation_method": clean_line(value_of("details.allocation_method")),
        "is_new": None,
    }
    for key, parse, what, setter in (
        ("project.duration_years", parse_int, "实施期限", "duration_years"),
        ("details.is_new", parse_bool, "是否新增项目", "is_new"),
    ):
        if key in values and values[key][2]:
            vr, vc, raw, _found = values[key]
            parsed = reader.number(parse, clean_line(raw), vr, vc, what)
            if setter == "is_new":
                details["is_new"] = parsed  # type: ignore[assignment]
            else:
                project.duration_years = parsed  # type: ignore[assignment]
    amounts: dict[str, Decimal] = {}
    unit_label = ""
    for key in ("total", "annual"):
        if f"amounts.{key}" not in values:
            continue
        vr, vc, raw, found = values[f"amounts.{key}"]
        unit = found.get("unit", "")
        unit_label = unit_label or unit
        amount = reader.amount(clean_line(raw), vr, vc)
        if amount is None:
            continue
        if unit == "万元":
            if amount >= PLAINLY_YUAN:
                reader.warning(
                    vr,
                    vc,
                    (
                        f"金额标注为“万元”，但 {clean_line(raw)} 显然是以元为单位，已按元导入（保留原表单位“万元”）。"
                    ),
                )
            else:
                amount *= 10000
                reader.warning(
                    vr,
                    vc,
                    "金额 {amount} 按“万元”换算为 {yuan} 元。".format(
                        amount=clean_line(raw), yuan=f"{amount:,.2f}"
                    ),
                )
        amounts[key] = amount
    goals = {
        "annual": clean_text(value_of("goals.annual")),
        "period": clean_text(value_of("goals.period")),
    }
    fiscal_year = reader.fiscal_year(needs_given=True)
    require_project_fields(reader, project, ("name", "department", "unit"))
    reader.warn_if_empty(goals["annual"], indicators)
    data = FormContent(
        project=project,
        fiscal_year=fiscal_year,
        layout=layout.key,
        amounts=amounts,
        goals=goals,
        details=details,
        indicators=indicators,
        amount_unit_label=unit_label,
    )
    return [reader.result(data)]


SHENZHEN = Layout(
    key="shenzhen",
    title="二级项目支出绩效目标申报表",
    header=(
        Label("project.code", "项目编码", ("项目编号",)),
        Label("project.name", "项目名称"),
        Label("project.unit", "申请单位"),
        Label("project.department", "一级预算单位"),
        Label("project.duration_years", "实施期限"),
        Label("project.type", "项目类型"),
        Label("details.is_new", "是否新增项目"),
        Label("details.allocation_method", "分配方式"),
        Label(
            "amounts.total",
            "项目总金额（中期规划，{unit}）",
            ("项目总金额（中期规划，万元）", "项目总金额（中期规划，元）", "项目总金额"),
        ),
        Label(
            "amounts.annual",
            "本年度项目金额（{unit}）",
            ("本年度项目金额（万元）", "本年度项目金额（元）", "本年度项目金额"),
        ),
        Label("details.policy_basis", "政策依据"),
        Label("details.calculation_basis", "测算依据"),
        Label("goals.annual", "年度目标"),
        Label("goals.period", "长期目标（跨度多年的项目需填）", ("长期目标",)),
    ),
    columns=(
        Label("level1", "一级指标"),
        Label("level2", "二级指标"),
        Label("name", "三级指标"),
        Label("value", "指标值"),
        Label("explanation", "指标解释"),
    ),
    widths=(16, 24, 30, 16, 30),
    carries=(
        "project.code",
        "project.name",
        "project.department",
        "project.unit",
        "project.type",
        "project.duration_years",
        "amounts.total",
        "amounts.annual",
        "goals.annual",
        "goals.period",
        "details.policy_basis",
        "details.calculation_basis",
        "details.is_new",
        "details.allocation_method",
    ),
    landscape=False,
    prints_sheet_unit=True,
    font_pt=8.5,
    name="深圳",
    label="深圳 二级项目支出绩效目标申报表",
    value_columns=("value", "explanation"),
    anchors=("project.code", "project.name"),
    marks=(
        "project.code",
        "project.department",
        "project.duration_years",
        "details.is_new",
        "details.allocation_method",
    ),
    form_builder=_grid,
    reader=_read,
)
