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
from typing import Literal, cast

from projects.content import FormContent, IndicatorContent, ProjectContent
from projects.layouts.base import Label, LabelSet, Layout, label_set
from projects.layouts.normalize import (
    CategoryLookup,
    CategoryNames,
    ValueProblem,
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
        labels = label_set(label)
        memo = labels.memo_in(self.sheet)
        for c, text in cells[index + 1 :]:
            if labels.lookup(memo, text) is None:
                return c, text
        return cells[index][0], ""

    # ------------------------------------------------------------------ indicators

    def indicator_header(self, r: int, layout: Layout) -> dict[str, int] | None:
        labels = layout.column_labels
        memo = labels.memo_in(self.sheet)
        columns: dict[str, int] = {}
        for c, text in enumerate(self.sheet.rows[r]):
            if text:
                found = labels.lookup(memo, text)
                if found is not None and found[0].key not in columns:
                    columns[found[0].key] = c
        if {"level1", "level2", "name"} <= columns.keys():
            return columns
        return None

    def indicators(
        self, rows: range, columns: dict[str, int], layout: Layout, skip_label: Label | None
    ) -> list[IndicatorContent]:
        """The indicator rows under a column header: each row aligned on its category cells
        (a row typed one or two cells off is read shifted, with a warning), a blank category
        cell the same as above, cells that are ``skip_label`` (a merged block label filled down)
        ignored, the column header repeated on a new page skipped. One pass over each row's
        cells; each distinct text is looked up once a sheet (``_IndicatorCells``)."""
        value_keys = [lb.key for lb in layout.columns if lb.key not in ("level1", "level2")]
        value_columns = [columns.get(key) for key in value_keys]
        at = {key: i for i, key in enumerate(value_keys)}  # a value's place in ``values``
        result: list[IndicatorContent] = []
        carry1 = carry2 = ""
        carry_core = False
        carry_unplaced = False  # under a 二级 cell that says 未分二级: filed under the 一级 alone
        col1, col2 = columns["level1"], columns["level2"]
        cells = _IndicatorCells.of(self.sheet, self.names, layout, skip_label)
        kinds, codes, kind_of = cells.kinds, cells.codes, cells.kind_of
        shapes = cells.shapes(col1, col2, tuple(value_columns))
        not_applicable_names: dict[str, bool] = self.sheet.memo(is_not_applicable)
        lines: dict[str, str] = self.sheet.memo(clean_line)

        def line(text: str) -> str:
            found = lines.get(text)
            if found is None:
                found = lines[text] = clean_line(text)
            return found

        sheet_rows = self.sheet.rows
        for r in rows:
            row = sheet_rows[r]
            # what the row's cells are, cell by cell (a small number each), and what that
            # makes of the row (``_IndicatorCells.shape``): the same shape recurs row after
            # row, whatever the texts
            found = tuple(map(codes.get, row))
            if None in found:
                for text in row:
                    if text not in codes:
                        kind_of(text)
                found = tuple(map(codes.get, row))
            signature = cast("tuple[int, ...]", found)  # every text has its code now
            shape = shapes.get(signature)
            if shape is None:
                shape = shapes[signature] = cells.shape(col1, col2, value_columns, signature)
            if shape is _NOT_READ:
                continue  # nothing but the skipped label, or the header repeated on a new page
            offset, shifted_at, at1, at2, at_values = shape
            c1, c2 = col1 + offset, col2 + offset
            text1 = row[at1] if at1 >= 0 else ""
            text2 = row[at2] if at2 >= 0 else ""
            level1 = kinds[text1][2] if text1 else None
            if text1 and level1 is None:
                self.error(r, c1, f"一级指标“{text1}”不在指标体系中。", text=self.row_text(r))
            if text2:
                _skip, _column, _level1, core, candidates, unplaced = kinds[text2]
                if unplaced:
                    carry1, carry2, carry_core, carry_unplaced = level1 or carry1, "", False, True
                else:
                    carry_unplaced = False
                    if candidates is None:
                        self.error(
                            r, c2, f"二级指标“{text2}”不在指标体系中。", text=self.row_text(r)
                        )
                        carry1, carry2, carry_core = level1 or carry1, "", False
                    else:
                        # the same short name under two parents: the first-level name given
                        # says which (``CategoryNames.match_level2``)
                        parent = level1 or carry1
                        chosen = candidates[0]
                        for candidate in candidates:
                            if candidate[0] == parent:
                                chosen = candidate
                                break
                        if level1 and level1 != chosen[0]:
                            self.warning(
                                r,
                                c1,
                                f"一级指标“{text1}”与二级指标“{text2}”不符，按“{chosen[0]}”导入。",
                            )
                        carry1, carry2, carry_core = chosen[0], chosen[1], core
            elif level1:
                if level1 != carry1:
                    carry2, carry_core, carry_unplaced = "", False, False
                carry1 = level1
            values = [row[c] if c >= 0 else "" for c in at_values]
            if not any(values):
                continue  # a category listed with no indicator
            if offset:
                # an indicator typed one or two cells off: its category labels say where it
                # belongs; read it so, and say so
                self.warning(
                    r,
                    shifted_at,
                    "这一行比表头{direction} {n} 列，已按指标类别的位置对齐读取，请核对。".format(
                        direction="右移" if offset > 0 else "左移", n=abs(offset)
                    ),
                )
            name = line(values[at["name"]]) if "name" in at else ""
            not_applicable = not_applicable_names.get(name)
            if not_applicable is None:
                not_applicable = not_applicable_names[name] = is_not_applicable(name)
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
                    period_value=line(values[at["period_value"]]) if "period_value" in at else "",
                    annual_value=line(values[at["annual_value"]]) if "annual_value" in at else "",
                    value=line(values[at["value"]]) if "value" in at else "",
                    explanation=(
                        clean_text(values[at["explanation"]]) if "explanation" in at else ""
                    ),
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


# What an indicator row's reader needs to know of one cell text: (is the skipped label, the
# column label it is (its key) or None, and what ``CategoryNames.lookup`` reads in it: level1
# name or None, starred, level2 candidates or None, is 未分二级)
_CellKind = tuple[bool, str | None, str | None, bool, list[tuple[str, str]] | None, bool]


class _IndicatorCells:
    """What the indicator rows' cells are, each distinct text looked at once a sheet:
    ``kinds`` (text → whether it is the label the rows skip, the column label it is, and what
    the category names read in it) and ``codes`` (text → the same as a few flags); and what a
    row of such cells is (``shape``), each distinct sequence of codes worked out once."""

    SKIP = 1  # the skipped label, or an empty cell
    LEVEL1 = 2  # a first-level category name
    LEVEL2 = 4  # a second-level category name
    HEADS = {"level1": 8, "level2": 16, "name": 32}  # the column labels that make a header
    HEADER = 8 | 16 | 32

    def __init__(
        self, sheet: Sheet, names: CategoryNames, layout: Layout, skip_label: Label | None
    ) -> None:
        self.names = names
        self.categories: dict[str, CategoryLookup] = sheet.memo(names)  # (not the sheet: no cycle)
        # the column labels and the skipped label, looked up at once (``find_all``)
        self.skip = skip_label
        self.columns = set(map(id, layout.columns))
        self.labels = LabelSet([*layout.columns, *([skip_label] if skip_label else [])])
        self.kinds: dict[str, _CellKind] = {}
        self.codes: dict[str, int] = {"": self.SKIP}
        # by the header's columns (col1, col2, then the values'): signature → shape
        self._shapes: dict[tuple[int | None, ...], dict[tuple[int, ...], _Shape]] = {}

    @classmethod
    def of(
        cls, sheet: Sheet, names: CategoryNames, layout: Layout, skip_label: Label | None
    ) -> _IndicatorCells:
        """The sheet's (made once a sheet, for every form it holds)."""
        return sheet.keep(
            (cls, id(names), id(layout), id(skip_label)),
            lambda: cls(sheet, names, layout, skip_label),
        )

    def kind_of(self, text: str) -> _CellKind:
        found = [label for label, _placeholders in self.labels.find_all(text)]
        column = next((label.key for label in found if id(label) in self.columns), None)
        kind = self.kinds[text] = (
            any(label is self.skip for label in found),
            column,
            *self.category(text),
        )
        self.codes[text] = (
            (self.SKIP if kind[0] else 0)
            | (self.LEVEL1 if kind[2] else 0)
            | (self.LEVEL2 if kind[4] is not None else 0)
            | self.HEADS.get(kind[1] or "", 0)
        )
        return kind

    def category(self, text: str) -> CategoryLookup:
        found = self.categories.get(text)
        if found is None:
            found = self.categories[text] = self.names.lookup(text)
        return found

    def shapes(
        self, col1: int, col2: int, value_columns: tuple[int | None, ...]
    ) -> dict[tuple[int, ...], _Shape]:
        return self._shapes.setdefault((col1, col2, *value_columns), {})

    def shape(
        self, col1: int, col2: int, value_columns: list[int | None], codes: tuple[int, ...]
    ) -> _Shape:
        """How a row whose cells have ``codes`` is read: ``_NOT_READ`` when it holds nothing
        but the skipped label or repeats the column header (its cells as the sheet has them);
        else how far its cells are shifted from the header's columns (its first cell of the
        first few naming a 二级 category, else the first before it naming a 一级 category, is
        where the header has that column), the cell the shift is named at, and where it holds
        its 一级 cell, its 二级 cell and its values (-1: an empty cell there, or the skipped
        label, or none)."""
        kept, heads = False, 0
        k: int | None = None  # the first cell (of the first few) naming a 二级 category
        j: int | None = None  # the first before it naming a 一级 category
        for c, code in enumerate(codes):
            heads |= code
            if code & self.SKIP:
                continue
            kept = True
            if k is None and c < col2 + 3 and code & self.LEVEL2:
                k = c
            if j is None and c < col1 + 3 and (k is None or c < k) and code & self.LEVEL1:
                j = c
        if not kept or heads & self.HEADER == self.HEADER:
            return _NOT_READ
        offset = k - col2 if k is not None else (j - col1 if j is not None else 0)

        def at(c: int | None) -> int:
            if c is None:
                return -1
            c += offset
            return c if 0 <= c < len(codes) and not codes[c] & self.SKIP else -1

        return (
            offset,
            k if k is not None else (j or 0),
            at(col1),
            at(col2),
            tuple(at(c) for c in value_columns),
        )


# (offset, the cell the shift is named at, where the 一级 cell is, the 二级 cell, the values)
_Shape = tuple[int, int, int, int, tuple[int, ...]]
_NOT_READ: _Shape = (0, 0, -1, -1, ())


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
