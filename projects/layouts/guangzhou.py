"""广州: one table a department and year, printed landscape: 合计, then each unit's subtotal and
its projects; amounts in 万元, the indicators of a project written out in one cell."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from projects.content import FormContent, IndicatorContent, ProjectContent
from projects.layouts.base import Label, Layout, match_label
from projects.layouts.formats import format_thousands, yuan_to_wan
from projects.layouts.grid import (
    Cell,
    CellRole,
    Grid,
    Row,
    UnitForms,
    column_heads,
    field_target,
)
from projects.layouts.normalize import (
    CategoryNames,
    ValueProblem,
    canonical_org_name,
    clean_line,
    clean_text,
    parse_amount,
)
from projects.layouts.reading import (
    Problem,
    ReadForm,
    Segment,
)
from projects.layouts.sheet import Sheet

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
                        Cell(
                            str(form.details.get("content") or ""),
                            role="text",
                            target=field_target("details.content"),
                        ),
                        *_amount_cells(
                            [form.amounts.get(k) for k in GUANGZHOU_AMOUNT_KEYS], "number"
                        ),
                        Cell(
                            form.goals.get("annual", ""),
                            role="text",
                            target=field_target("goals.annual"),
                        ),
                        Cell(indicator_cell(form), role="text"),
                    ],
                    index,
                    continuation=f"{form.project.name}{layout.text('continued')}",
                )
            )
    return Grid(layout=layout, title=title, columns=8, rows=rows, header_rows=4)


# --------------------------------------------------------------------------- reading


_UNIT_NOTE = re.compile(r"^单位[:：]\s*(万元|元)$")
_DEPARTMENT = re.compile(r"^部门名称\s*[:：]\s*(.*)$", re.DOTALL)
_ITEM = re.compile(r"(\d{1,3})\s*[、.．]\s*([^:：，,、。;；\d]{1,12}?)\s*[:：]")
_VALUE = re.compile(r"[,，]?\s*(?:年度)?指标值\s*[:：]")


def split_guangzhou_indicators(text: str) -> list[tuple[str, str, str]] | None:
    """``1、产出指标：评审办结率，年度指标值：>80%。2、…`` → [(产出指标, 评审办结率, >80%), …];
    None when the text does not follow the pattern."""
    text = clean_line(text)
    if not text:
        return []
    starts: list[re.Match[str]] = []
    expected = 1
    for found in _ITEM.finditer(text):
        if int(found.group(1)) != expected:
            continue
        before = text[: found.start()].rstrip()
        if expected > 1 and before and before[-1] not in "。;；.":
            continue
        starts.append(found)
        expected += 1
    if not starts or starts[0].start() != 0:
        return None
    items = []
    for index, found in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        body = text[found.end() : end].strip()
        values = list(_VALUE.finditer(body))
        if values:
            cut = values[-1]
            name, value = body[: cut.start()], body[cut.end() :]
        else:
            name, value = body, ""
        value = value.strip().rstrip("。").strip()
        items.append((found.group(2).strip(), name.strip().rstrip(",，").strip(), value))
    return items


def _read(
    layout: Layout, sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
) -> list[ReadForm]:
    forms: list[ReadForm] = []
    table_problems: list[Problem] = []
    department = ""
    title_year: int | None = None
    wan = True
    columns: dict[str, int] = {}
    unit = ""
    subtotals: dict[tuple[str, str], tuple[int, dict[str, Decimal]]] = {}
    by_unit: dict[tuple[str, str], list[ReadForm]] = {}

    def where(r: int, c: int = 0) -> str:
        return sheet.where(r, c)

    for r in range(segment.first, segment.last + 1):
        cells = [(c, t) for c, t in enumerate(sheet.rows[r]) if t]
        if not cells:
            continue
        first = cells[0][1]
        if len(cells) == 1:
            found = match_label(layout.title_label, first)
            if found is not None:
                if found.get("department"):
                    new_department = canonical_org_name(found["department"])
                    if new_department != department:
                        unit = ""
                    department = new_department
                if found.get("year"):
                    title_year = int(found["year"])
                continue
            dept = _DEPARTMENT.match(first)
            if dept:
                new_department = canonical_org_name(dept.group(1))
                if new_department and new_department != department:
                    unit = ""
                    department = new_department
                continue
            note = _UNIT_NOTE.match(first.replace(" ", ""))
            if note:
                wan = note.group(1) == "万元"
                continue
        if match_label(layout.label_of("project.department"), first) is not None and len(cells) > 1:
            department = canonical_org_name(cells[1][1])
            continue
        header = {}
        for c, text in cells:
            for label in layout.columns:
                if label.key not in header and match_label(label, text) is not None:
                    header[label.key] = c
        if len(header) >= 5:
            columns = header
            continue
        if not columns:
            table_problems.append(
                Problem(
                    "warning",
                    where(r, cells[0][0]),
                    f"表头之前的行“{first[:30]}”，已忽略。",
                )
            )
            continue

        def get(
            key: str, row: list[str] = sheet.rows[r], columns: dict[str, int] = columns
        ) -> tuple[int, str]:
            c = columns.get(key)
            if c is None or c >= len(row):
                return (c or 0), ""
            return c, row[c]

        name_c, name = get("project.name")
        name = clean_line(name)
        content = get("details.content")[1]
        goal = get("goals.annual")[1]
        indicator_c, indicator_text = get("indicators")
        problems: list[Problem] = []
        amounts: dict[str, Decimal] = {}
        for key in ("annual", "fiscal", "special", "other"):
            c, raw = get(f"amounts.{key}")
            try:
                value = parse_amount(raw, wan=wan)
            except ValueProblem:
                problems.append(Problem("error", where(r, c), f"金额“{raw}”不是数字。"))
                continue
            if value is not None:
                amounts[key] = value
        if name in ("合计", "总计"):
            continue
        if not name:
            problems.append(Problem("error", where(r, name_c), "项目名称为空。"))
        if not (content or goal or indicator_text) and amounts and name:
            unit = canonical_org_name(name)
            subtotals[(department, unit)] = (r, amounts)
            continue
        if not unit:
            problems.append(
                Problem(
                    "error",
                    where(r, name_c),
                    f"项目“{name}”前面没有单位小计行，无法确定资金使用单位。",
                )
            )
        indicators: list[IndicatorContent] = []
        items = split_guangzhou_indicators(indicator_text)
        if items is None:
            problems.append(
                Problem(
                    "error",
                    where(r, indicator_c),
                    "绩效指标无法按“1、产出指标：…，年度指标值：…。”的格式读取。",
                )
            )
            items = []
        for level1_text, indicator_name, target in items:
            level1 = names.match_level1(level1_text)
            if level1 is None:
                problems.append(
                    Problem(
                        "error",
                        where(r, indicator_c),
                        f"一级指标“{level1_text}”不在指标体系中。",
                    )
                )
            if not indicator_name:
                problems.append(Problem("error", where(r, indicator_c), "三级指标名称为空。"))
            indicators.append(
                IndicatorContent(
                    level1=level1 or level1_text, name=indicator_name, annual_value=target
                )
            )
        fiscal = title_year or year
        if title_year and year and title_year != year:
            problems.append(
                Problem(
                    "error",
                    where(r, 0),
                    f"表内的年度是 {title_year} 年，与指定的 {year} 年不一致。",
                )
            )
        if not fiscal:
            problems.append(Problem("error", where(r, 0), "无法从表中确定预算年度，请指定年度。"))
        if not department:
            problems.append(Problem("error", where(r, 0), "缺少部门名称。"))
        if not goal:
            problems.append(Problem("warning", where(r, 0), "绩效目标为空。"))
        data = FormContent(
            project=ProjectContent(name=name, department=department, unit=unit),
            fiscal_year=fiscal or 0,
            layout=layout.key,
            amounts=amounts,
            goals={"annual": clean_text(goal)},
            details={"content": clean_text(content), "indicator_text": indicator_text.strip()},
            indicators=indicators,
            amount_unit_label="万元" if wan else "元",
        )
        form = ReadForm(
            data=data,
            file=sheet.file,
            sheet=sheet.name,
            rows=sheet.source_rows(r, r),
            where=where(r, name_c),
            problems=problems,
        )
        forms.append(form)
        by_unit.setdefault((department, unit), []).append(form)
    for unit_key, (r, expected) in subtotals.items():
        got = by_unit.get(unit_key, [])
        for amount_key, value in expected.items():
            total = sum((f.data.amounts.get(amount_key, Decimal(0)) for f in got), Decimal(0))
            if total != value:
                bucket = got[0].problems if got else table_problems
                bucket.append(
                    Problem(
                        "warning",
                        where(r, 0),
                        f"单位“{unit_key[1]}”小计与所列项目之和不符。",
                    )
                )
                break
    if table_problems and forms:
        forms[0].problems.extend(table_problems)
    return forms


GUANGZHOU = Layout(
    key="guangzhou",
    title="{department}{year}年项目支出绩效目标表（含转移支付项目）",
    title_aliases=("项目支出绩效目标表（含转移支付项目）", "项目支出绩效目标表"),
    header=(
        Label("project.department", "部门名称"),
        Label("unit_note", "单位：万元", ("单位:万元",)),
    ),
    columns=(
        Label("project.name", "项目名称\n（资金使用单位）", ("项目名称",)),
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
    widths=(22, 32, 12, 12, 14, 10, 33, 45),
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
    name="广州",
    label="广州 项目支出绩效目标表",
    value_columns=("annual_value",),
    tiered=False,
    reads_pdf=True,
    department_builder=_grid,
    reader=_read,
)


def build_guangzhou_grid(department: str, year: int, units: Sequence[UnitForms]) -> Grid:
    """The 广州 table of one department and year (``GUANGZHOU.build_department``)."""
    return GUANGZHOU.build_department(department, year, units)
