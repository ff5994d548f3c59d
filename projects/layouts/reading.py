"""Reading a layout back from a sheet: what every layout's reader shares.

The importer (``projects.importing``) turns a file into ``Sheet`` grids and finds the stretch of
rows each form takes (a ``Segment``: which layout, first and last row); the layout's own reader
(``Layout.reader``, in its module) reads that stretch into a ``ReadForm`` with its problems, each
naming its cell. ``FormReader`` holds what the readers share: header rows are read by their
labels (the value of a label is the next non-empty cell that is not the label again, so label
cells one or two columns wide, merged or repeated, all read the same); indicator rows are
aligned on their category cells (a row whose second-level name sits one column left of the
header, as happens when a sheet is pasted with a merged cell missing, is read shifted); a blank
category cell means "same as above"; the first-level name follows from the second-level one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from projects.content import FormContent, IndicatorContent, ProjectContent
from projects.layouts.base import Label, Layout, match_label
from projects.layouts.grid import UNPLACED
from projects.layouts.normalize import (
    CategoryNames,
    ValueProblem,
    category_key,
    clean_line,
    clean_text,
    is_not_applicable,
    parse_amount,
)
from projects.layouts.sheet import Sheet

PLAINLY_YUAN = Decimal(10000)  # an amount "in 万元" this large is plainly in 元


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    severity: Severity
    where: str  # "file › sheet › A12"
    message: str
    text: str = ""  # the row as typed, when the problem leaves a row unread

    def to_json(self) -> dict[str, str]:
        found = {"severity": self.severity, "where": self.where, "message": self.message}
        return found | ({"text": self.text} if self.text else {})

    def as_text(self) -> str:
        """One line (two with the row as typed), for a form that keeps what it could not
        place (待修正)."""
        line = f"{self.where}：{self.message}"
        return f"{line}\n    {'原文'}：{self.text}" if self.text else line

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class Segment:
    """The rows of a sheet that one form (or one 广州 table) takes, and its layout."""

    layout: str  # a key of ``projects.layouts.LAYOUTS``
    first: int  # grid row index, inclusive
    last: int


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


class FormReader:
    """What every layout's reader needs: problems by cell, label years, amounts, and the
    indicator rows under a column header (aligned on their category cells)."""

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
                "表内的年度不一致：{years}。".format(
                    years="、".join(str(y) for y in sorted(self.years))
                ),
            )
        if self.years:
            found = min(self.years)
            if self.year is not None and self.year != found:
                self.error(
                    self.years[found],
                    0,
                    f"表内的年度是 {found} 年，与指定的 {self.year} 年不一致。",
                )
            return found
        if self.year is not None:
            return self.year
        if needs_given:
            self.error(
                first,
                0,
                "这种表样没有写预算年度，请指定年度（导入页面的“预算年度”或命令的 --year）。",
            )
        else:
            self.error(first, 0, "无法从表中确定预算年度，请指定年度。")
        return 0

    def amount(self, text: str, r: int, c: int, *, wan: bool = False) -> Decimal | None:
        try:
            return parse_amount(text, wan=wan)
        except ValueProblem:
            self.error(r, c, f"金额“{text}”不是数字。")
            return None

    def number(self, parse: object, text: str, r: int, c: int, what: str) -> object:
        try:
            return parse(text)  # type: ignore[operator]
        except ValueProblem:
            self.error(r, c, f"{what}“{text}”无法识别。")
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
            found = layout.column_labels.find(text)
            if found is not None and found[0].key not in columns:
                columns[found[0].key] = c
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
        carry_unplaced = False  # under a 二级 cell that says 未分二级: filed under the 一级 alone
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
                    f"一级指标“{text1}”不在指标体系中。",
                    text=self.row_text(r),
                )
            if text2 and category_key(text2) == category_key(UNPLACED):
                carry1, carry2, carry_core, carry_unplaced = level1 or carry1, "", False, True
            elif text2:
                carry_unplaced = False
                match2 = self.names.match_level2(text2, level1 or carry1)
                if match2 is None:
                    self.error(
                        r,
                        col2 + offset,
                        f"二级指标“{text2}”不在指标体系中。",
                        text=self.row_text(r),
                    )
                    carry1, carry2, carry_core = level1 or carry1, "", False
                else:
                    if level1 and level1 != match2.level1:
                        self.warning(
                            r,
                            col1 + offset,
                            f"一级指标“{text1}”与二级指标“{text2}”不符，按“{match2.level1}”导入。",
                        )
                    carry1, carry2, carry_core = match2.level1, match2.level2, match2.core
            elif level1:
                if level1 != carry1:
                    carry2, carry_core, carry_unplaced = "", False, False
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
                    "这一行比表头{direction} {n} 列，已按指标类别的位置对齐读取，请核对。".format(
                        direction="右移" if offset > 0 else "左移", n=abs(offset)
                    ),
                )
            name = clean_line(values.get("name", ""))
            not_applicable = is_not_applicable(name)
            if not_applicable:
                name = ""
            if not name and not not_applicable:
                self.error(r, columns["name"] + offset, "三级指标名称为空。", text=self.row_text(r))
            if not carry1 or not (carry2 or carry_unplaced):
                self.error(
                    r,
                    col2 + offset,
                    "无法确定这一行的指标类别（一级、二级指标）。",
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

    def warn_if_empty(self, annual_goal: str, indicators: list[IndicatorContent]) -> None:
        """A form read without its 年度目标 or without any 三级指标 is worth a look."""
        if not annual_goal:
            self.warning(self.segment.first, 0, "年度目标为空。")
        if not indicators:
            self.warning(self.segment.first, 0, "没有读到任何三级指标。")

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


def require_project_fields(
    reader: FormReader, project: ProjectContent, keys: tuple[str, ...]
) -> None:
    labels = {
        "name": "项目名称",
        "department": "主管部门",
        "unit": "用款单位",
        "code": "项目编码",
    }
    for key in keys:
        if not getattr(project, key):
            reader.error(reader.segment.first, 0, f"缺少{labels[key]}。")
