"""Reading one found form (a :class:`~projects.importing.detect.Segment`) into a FormContent.

Header rows are read by their labels: the value of a label is the next non-empty cell that is
not the label again (so label cells one or two columns wide, merged or repeated, all read the
same). Indicator rows are aligned on their category cells: a row whose second-level name sits
one column left of the header (as happens when a sheet is pasted with a merged cell missing) is
read shifted; a blank category cell means "same as above"; the first-level name follows from
the second-level one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from projects.content import FormContent, IndicatorContent, ProjectContent
from projects.importing.detect import (
    Segment,
    find_header_label,
    match_label,
    match_title,
)
from projects.importing.errors import Problem
from projects.importing.limits import length_problems
from projects.importing.normalize import (
    CategoryNames,
    ValueProblem,
    canonical_org_name,
    clean_line,
    clean_text,
    is_not_applicable,
    parse_amount,
    parse_bool,
    parse_int,
    parse_year,
)
from projects.importing.sheet import Sheet
from projects.layouts import DONGGUAN, GUANGZHOU, SHENZHEN, Label, Layout

PLAINLY_YUAN = Decimal(10000)  # an amount "in 万元" this large is plainly in 元


@dataclass
class ReadForm:
    data: FormContent
    file: str
    sheet: str
    rows: tuple[int, int]
    where: str  # the form's first cell, for problems about the whole form
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


class _Reader:
    def __init__(
        self, sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
    ) -> None:
        self.sheet = sheet
        self.segment = segment
        self.names = names
        self.year = year
        self.problems: list[Problem] = []
        self.years: dict[int, int] = {}  # year found in labels -> row

    def error(self, r: int | None, c: int, message: str, *, text: str = "") -> None:
        self.problems.append(Problem("error", self.sheet.where(r, c), message, text))

    def row_text(self, r: int) -> str:
        """The row's filled cells as typed, for a problem that leaves it unread."""
        return " | ".join(text for _c, text in self.cells(r))

    def warning(self, r: int | None, c: int, message: str) -> None:
        self.problems.append(Problem("warning", self.sheet.where(r, c), message))

    def cells(self, r: int) -> list[tuple[int, str]]:
        return [(c, text) for c, text in enumerate(self.sheet.rows[r]) if text]

    def label_year(self, found: dict[str, str], r: int) -> None:
        if "year" in found:
            self.years.setdefault(int(found["year"]), r)

    def fiscal_year(self, *, needs_given: bool = False) -> int:
        first = self.segment.first
        if len(self.years) > 1:
            self.error(
                first,
                0,
                _("表内的年度不一致：%(years)s。")
                % {"years": "、".join(str(y) for y in sorted(self.years))},
            )
        if self.years:
            found = min(self.years)
            if self.year is not None and self.year != found:
                self.error(
                    self.years[found],
                    0,
                    _("表内的年度是 %(found)s 年，与指定的 %(given)s 年不一致。")
                    % {"found": found, "given": self.year},
                )
            return found
        if self.year is not None:
            return self.year
        if needs_given:
            self.error(
                first,
                0,
                _("这种表样没有写预算年度，请指定年度（导入页面的“预算年度”或命令的 --year）。"),
            )
        else:
            self.error(first, 0, _("无法从表中确定预算年度，请指定年度。"))
        return 0

    def amount(self, text: str, r: int, c: int, *, wan: bool = False) -> Decimal | None:
        try:
            return parse_amount(text, wan=wan)
        except ValueProblem:
            self.error(r, c, _("金额“%(text)s”不是数字。") % {"text": text})
            return None

    def number(self, parse: object, text: str, r: int, c: int, what: str) -> object:
        try:
            return parse(text)  # type: ignore[operator]
        except ValueProblem:
            self.error(r, c, _("%(what)s“%(text)s”无法识别。") % {"what": what, "text": text})
            return None

    def value_after(
        self, cells: list[tuple[int, str]], index: int, label: Label
    ) -> tuple[int, str]:
        """The first cell after ``cells[index]`` that is not the same label again."""
        for c, text in cells[index + 1 :]:
            if match_label(label, text) is None:
                return c, text
        return cells[index][0], ""

    # ------------------------------------------------------------------ indicators

    def indicator_header(self, r: int, layout: Layout) -> dict[str, int] | None:
        columns: dict[str, int] = {}
        for c, text in self.cells(r):
            for label in layout.columns:
                if label.key not in columns and match_label(label, text) is not None:
                    columns[label.key] = c
        if {"level1", "level2", "name"} <= columns.keys():
            return columns
        return None

    def indicators(
        self, rows: range, columns: dict[str, int], layout: Layout, skip_label: Label | None
    ) -> list[IndicatorContent]:
        value_keys = [lb.key for lb in layout.columns if lb.key not in ("level1", "level2")]
        result: list[IndicatorContent] = []
        carry1 = carry2 = ""
        carry_core = False
        col1, col2 = columns["level1"], columns["level2"]
        for r in rows:
            row = list(self.sheet.rows[r])
            if skip_label is not None:
                row = [
                    "" if text and match_label(skip_label, text) is not None else text
                    for text in row
                ]
            if not any(row):
                continue
            if self.indicator_header(r, layout) is not None:
                continue  # the header repeated on a new page
            k = next(
                (
                    c
                    for c in range(min(len(row), col2 + 3))
                    if row[c] and self.names.match_level2(row[c]) is not None
                ),
                None,
            )
            j = next(
                (
                    c
                    for c in range(min(len(row), col1 + 3, k if k is not None else 10**6))
                    if row[c] and self.names.match_level1(row[c]) is not None
                ),
                None,
            )
            offset = k - col2 if k is not None else (j - col1 if j is not None else 0)

            def get(key: str, row: list[str] = row, offset: int = offset) -> str:
                c = columns.get(key)
                if c is None:
                    return ""
                c += offset
                return row[c] if 0 <= c < len(row) else ""

            text1, text2 = get("level1"), get("level2")
            level1 = self.names.match_level1(text1) if text1 else None
            if text1 and level1 is None:
                self.error(
                    r,
                    col1 + offset,
                    _("一级指标“%(name)s”不在指标体系中。") % {"name": text1},
                    text=self.row_text(r),
                )
            if text2:
                match2 = self.names.match_level2(text2, level1 or carry1)
                if match2 is None:
                    self.error(
                        r,
                        col2 + offset,
                        _("二级指标“%(name)s”不在指标体系中。") % {"name": text2},
                        text=self.row_text(r),
                    )
                    carry1, carry2, carry_core = level1 or carry1, "", False
                else:
                    if level1 and level1 != match2.level1:
                        self.warning(
                            r,
                            col1 + offset,
                            _("一级指标“%(given)s”与二级指标“%(level2)s”不符，按“%(level1)s”导入。")
                            % {"given": text1, "level2": text2, "level1": match2.level1},
                        )
                    carry1, carry2, carry_core = match2.level1, match2.level2, match2.core
            elif level1:
                if level1 != carry1:
                    carry2, carry_core = "", False
                carry1 = level1
            values = {key: get(key) for key in value_keys}
            if not any(values.values()):
                continue  # a category listed with no indicator
            if offset:
                # an indicator typed one or two cells off: its category labels say where it
                # belongs; read it so, and say so
                self.warning(
                    r,
                    k if k is not None else (j or 0),
                    _("这一行比表头%(direction)s %(n)s 列，已按指标类别的位置对齐读取，请核对。")
                    % {"direction": _("右移") if offset > 0 else _("左移"), "n": abs(offset)},
                )
            name = clean_line(values.get("name", ""))
            not_applicable = is_not_applicable(name)
            if not_applicable:
                name = ""
            if not name and not not_applicable:
                self.error(
                    r, columns["name"] + offset, _("三级指标名称为空。"), text=self.row_text(r)
                )
            if not carry1 or not carry2:
                self.error(
                    r,
                    col2 + offset,
                    _("无法确定这一行的指标类别（一级、二级指标）。"),
                    text=self.row_text(r),
                )
            result.append(
                IndicatorContent(
                    level1=carry1,
                    level2=carry2,
                    name=name,
                    period_value=clean_line(values.get("period_value", "")),
                    annual_value=clean_line(values.get("annual_value", "")),
                    value=clean_line(values.get("value", "")),
                    explanation=clean_text(values.get("explanation", "")),
                    core=carry_core,
                    not_applicable=not_applicable,
                )
            )
        return result

    def result(self, data: FormContent) -> ReadForm:
        first, last = self.segment.first, self.segment.last
        return ReadForm(
            data=data,
            file=self.sheet.file,
            sheet=self.sheet.name,
            rows=self.sheet.source_rows(first, last),
            where=self.sheet.where(first, 0),
            problems=self.problems,
        )


# --------------------------------------------------------------------------- 东莞


def read_dongguan(
    sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
) -> ReadForm:
    reader = _Reader(sheet, segment, names, year)
    blocks = DONGGUAN.block_labels
    project = ProjectContent(name="")
    amounts: dict[str, Decimal] = {}
    goals = {"period": "", "annual": ""}
    goal_parts: dict[str, list[str]] = {"period": [], "annual": []}
    mode = ""
    seen: set[str] = set()
    indicators: list[IndicatorContent] = []
    r = segment.first
    while r <= segment.last:
        cells = [(c, t) for c, t in reader.cells(r) if match_label(blocks["goals"], t) is None]
        if not cells or (len(cells) == 1 and match_title(DONGGUAN, cells[0][1]) is not None):
            r += 1
            continue
        columns = reader.indicator_header(r, DONGGUAN)
        if columns is not None:
            indicators = reader.indicators(
                range(r + 1, segment.last + 1), columns, DONGGUAN, blocks["indicators"]
            )
            break
        c0, first = cells[0]
        goal_label = None
        for key in ("goals.period", "goals.annual"):
            found = match_label(blocks[key], first)
            if found is not None:
                reader.label_year(found, r)
                goal_label = key.split(".")[1]
        if goal_label:
            mode = goal_label
            rest = [t for _c, t in cells[1:]]
            if rest:
                goal_parts[mode].append("\n".join(rest))
            r += 1
            continue
        header = find_header_label(DONGGUAN, first)
        if header is None and mode:
            goal_parts[mode].append("\n".join(t for _c, t in cells))
            r += 1
            continue
        if header is None:
            reader.warning(r, c0, _("无法识别的行“%(text)s”，已忽略。") % {"text": first[:30]})
            r += 1
            continue
        label, found = header
        reader.label_year(found, r)
        seen.add(label.key)
        c, value = reader.value_after(cells, 0, label)
        if label.key == "project.period":
            for index, (_cc, text) in enumerate(cells):
                for key, attr in (("start_year", "start_year"), ("end_year", "end_year")):
                    if match_label(blocks[key], text) is not None:
                        vc, vt = reader.value_after(cells, index, blocks[key])
                        if any(
                            match_label(blocks[other], vt) is not None
                            for other in ("start_year", "end_year")
                        ):
                            continue  # the year cell is empty: the next label follows
                        setattr(project, attr, reader.number(parse_year, vt, r, vc, text))
        elif label.key == "amounts.annual":
            amount = reader.amount(value, r, c)
            if amount is not None:
                amounts["annual"] = amount
        elif label.key in ("project.department", "project.unit"):
            setattr(project, label.key.split(".")[1], canonical_org_name(value))
        else:
            setattr(project, label.key.split(".")[1], clean_line(value))
        r += 1
    for key in goal_parts:
        goals[key] = "\n".join(goal_parts[key]).strip()
    fiscal_year = reader.fiscal_year()
    _require(reader, project, ("name", "department", "unit"))
    if "amounts.annual" in seen and "annual" not in amounts:
        reader.warning(segment.first, 0, _("预算金额为空。"))
    if not goals["annual"]:
        reader.warning(segment.first, 0, _("年度目标为空。"))
    if not indicators:
        reader.warning(segment.first, 0, _("没有读到任何三级指标。"))
    if project.start_year and project.end_year and project.start_year > project.end_year:
        reader.error(segment.first, 0, _("起始年度晚于到期年度。"))
    data = FormContent(
        project=project,
        fiscal_year=fiscal_year,
        layout="dongguan",
        amounts=amounts,
        goals=goals,
        details={},
        indicators=indicators,
        amount_unit_label="元",
    )
    return reader.result(data)


def _require(reader: _Reader, project: ProjectContent, keys: tuple[str, ...]) -> None:
    labels = {
        "name": _("项目名称"),
        "department": _("主管部门"),
        "unit": _("用款单位"),
        "code": _("项目编码"),
    }
    for key in keys:
        if not getattr(project, key):
            reader.error(reader.segment.first, 0, _("缺少%(label)s。") % {"label": labels[key]})


# --------------------------------------------------------------------------- 深圳


def read_shenzhen(
    sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
) -> ReadForm:
    reader = _Reader(sheet, segment, names, year)
    project = ProjectContent(name="")
    values: dict[str, tuple[int, int, str, dict[str, str]]] = {}
    indicators: list[IndicatorContent] = []
    last_key = ""
    for r in range(segment.first, segment.last + 1):
        cells = reader.cells(r)
        if not cells or (len(cells) == 1 and match_title(SHENZHEN, cells[0][1]) is not None):
            continue
        columns = reader.indicator_header(r, SHENZHEN)
        if columns is not None:
            indicators = reader.indicators(range(r + 1, segment.last + 1), columns, SHENZHEN, None)
            break
        index = 0
        while index < len(cells):
            c, text = cells[index]
            header = find_header_label(SHENZHEN, text)
            if header is None:
                if last_key:
                    vr, vc, old, found = values[last_key]
                    values[last_key] = (vr, vc, f"{old}\n{text}" if old else text, found)
                else:
                    reader.warning(
                        r, c, _("无法识别的单元格“%(text)s”，已忽略。") % {"text": text[:30]}
                    )
                index += 1
                continue
            label, found = header
            parts: list[tuple[int, str]] = []
            index += 1
            while index < len(cells) and find_header_label(SHENZHEN, cells[index][1]) is None:
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
        ("project.duration_years", parse_int, _("实施期限"), "duration_years"),
        ("details.is_new", parse_bool, _("是否新增项目"), "is_new"),
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
                    _(
                        "金额标注为“万元”，但 %(amount)s 显然是以元为单位，已按元导入（保留原表单位“万元”）。"
                    )
                    % {"amount": clean_line(raw)},
                )
            else:
                amount *= 10000
                reader.warning(
                    vr,
                    vc,
                    _("金额 %(amount)s 按“万元”换算为 %(yuan)s 元。")
                    % {"amount": clean_line(raw), "yuan": f"{amount:,.2f}"},
                )
        amounts[key] = amount
    goals = {
        "annual": clean_text(value_of("goals.annual")),
        "period": clean_text(value_of("goals.period")),
    }
    fiscal_year = reader.fiscal_year(needs_given=True)
    _require(reader, project, ("name", "department", "unit"))
    if not goals["annual"]:
        reader.warning(segment.first, 0, _("年度目标为空。"))
    if not indicators:
        reader.warning(segment.first, 0, _("没有读到任何三级指标。"))
    data = FormContent(
        project=project,
        fiscal_year=fiscal_year,
        layout="shenzhen",
        amounts=amounts,
        goals=goals,
        details=details,
        indicators=indicators,
        amount_unit_label=unit_label,
    )
    return reader.result(data)


# --------------------------------------------------------------------------- 广州

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


def read_guangzhou(
    sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
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
            found = match_title(GUANGZHOU, first)
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
        if match_label(Label("department", "部门名称"), first) is not None and len(cells) > 1:
            department = canonical_org_name(cells[1][1])
            continue
        header = {}
        for c, text in cells:
            for label in GUANGZHOU.columns:
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
                    _("表头之前的行“%(text)s”，已忽略。") % {"text": first[:30]},
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
                problems.append(
                    Problem("error", where(r, c), _("金额“%(text)s”不是数字。") % {"text": raw})
                )
                continue
            if value is not None:
                amounts[key] = value
        if name in ("合计", "总计"):
            continue
        if not name:
            problems.append(Problem("error", where(r, name_c), _("项目名称为空。")))
        if not (content or goal or indicator_text) and amounts and name:
            unit = canonical_org_name(name)
            subtotals[(department, unit)] = (r, amounts)
            continue
        if not unit:
            problems.append(
                Problem(
                    "error",
                    where(r, name_c),
                    _("项目“%(name)s”前面没有单位小计行，无法确定资金使用单位。") % {"name": name},
                )
            )
        indicators: list[IndicatorContent] = []
        items = split_guangzhou_indicators(indicator_text)
        if items is None:
            problems.append(
                Problem(
                    "error",
                    where(r, indicator_c),
                    _("绩效指标无法按“1、产出指标：…，年度指标值：…。”的格式读取。"),
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
                        _("一级指标“%(name)s”不在指标体系中。") % {"name": level1_text},
                    )
                )
            if not indicator_name:
                problems.append(Problem("error", where(r, indicator_c), _("三级指标名称为空。")))
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
                    _("表内的年度是 %(found)s 年，与指定的 %(given)s 年不一致。")
                    % {"found": title_year, "given": year},
                )
            )
        if not fiscal:
            problems.append(
                Problem("error", where(r, 0), _("无法从表中确定预算年度，请指定年度。"))
            )
        if not department:
            problems.append(Problem("error", where(r, 0), _("缺少部门名称。")))
        if not goal:
            problems.append(Problem("warning", where(r, 0), _("绩效目标为空。")))
        data = FormContent(
            project=ProjectContent(name=name, department=department, unit=unit),
            fiscal_year=fiscal or 0,
            layout="guangzhou",
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
                        _("单位“%(unit)s”小计与所列项目之和不符。") % {"unit": unit_key[1]},
                    )
                )
                break
    if table_problems and forms:
        forms[0].problems.extend(table_problems)
    return forms


def read_segment(
    sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
) -> list[ReadForm]:
    if segment.layout == "dongguan":
        forms = [read_dongguan(sheet, segment, names, year)]
    elif segment.layout == "shenzhen":
        forms = [read_shenzhen(sheet, segment, names, year)]
    else:
        forms = read_guangzhou(sheet, segment, names, year)
    for form in forms:
        form.problems += length_problems(form.data, _locator(sheet, segment, form.where))
    return forms


def _locator(sheet: Sheet, segment: Segment, fallback: str) -> Callable[[str], str]:
    """The cell of the segment a text came from (the first holding its start), else the
    form's first cell. Only called for a value found too long: rare, and bounded by the
    segment's size."""

    def locate(text: str) -> str:
        head = text[:40]
        for r in range(segment.first, segment.last + 1):
            for c, cell in enumerate(sheet.rows[r]):
                if cell and head in cell:
                    return sheet.where(r, c)
        return fallback

    return locate
