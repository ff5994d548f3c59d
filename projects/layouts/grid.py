"""The grid every layout is drawn as (rows of cells with their spans, grouped so that a group can
be kept on one page), the framework's categories in print order, and the helpers the grid
builders share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from projects.content import CategoryLookup, FormContent, IndicatorContent

if TYPE_CHECKING:
    from projects.layouts.base import Layout

# The 二级 cell of indicators filed under their 一级 alone (the editor names them so too).
UNPLACED = "未分二级"

CellRole = Literal["title", "label", "head", "value", "number", "text", "subtotal", "note"]


@dataclass
class Cell:
    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    role: CellRole = "value"
    hint: str = ""  # shown on hover on the page (the parsed target value)
    # What a reviewer comments on by clicking the cell on the form page: ``i:<uid>`` (an
    # indicator), ``f:<key>`` (a field), ``""`` (nothing). Not printed, not compared.
    target: str = field(default="", compare=False)


@dataclass
class Row:
    cells: list[Cell]
    group: int = 0  # rows of one group belong together (kept on one page in the PDF)
    # A row that print may cut into several when it is too tall to move whole to the next page
    # (a 广州 project): its first cell reads ``continuation`` on the rows after the first (the
    # project's name and （续）). Empty: the row is never cut.
    continuation: str = ""


@dataclass
class Grid:
    """A table as the official form draws it. Cells covered by a span are not listed."""

    layout: Layout
    title: str
    columns: int
    rows: list[Row]
    header_rows: int = 0  # leading rows (after the title) repeated on every page
    # the indicator table's column-head row (index into ``rows``): a sheet holding one form
    # repeats it at the top of every page the table runs on to
    repeat_row: int | None = None

    @property
    def widths(self) -> tuple[float, ...]:
        return self.layout.widths

    @property
    def width_percents(self) -> list[str]:
        total = sum(self.layout.widths)
        return [f"{100 * width / total:.2f}" for width in self.layout.widths]

    def groups(self) -> list[list[Row]]:
        """Consecutive rows of one group; a group also takes in every row that a rowspan
        started in it still covers (HTML cannot span a cell across two tbody elements)."""
        grouped: list[list[Row]] = []
        open_until = -1  # last row index still covered by a rowspan
        for index, row in enumerate(self.rows):
            if grouped and (grouped[-1][0].group == row.group or index <= open_until):
                grouped[-1].append(row)
            else:
                grouped.append([row])
            for cell in row.cells:
                open_until = max(open_until, index + cell.rowspan - 1)
        return grouped

    def positions(self) -> list[list[tuple[int, Cell]]]:
        """For each row, its cells with the column each starts in (cells covered by a span
        from an earlier row or column are skipped over, as a sheet does)."""
        taken: set[tuple[int, int]] = set()
        placed: list[list[tuple[int, Cell]]] = []
        for r, row in enumerate(self.rows):
            mine: list[tuple[int, Cell]] = []
            c = 0
            for cell in row.cells:
                while (r, c) in taken:
                    c += 1
                taken.update(
                    (r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)
                )
                mine.append((c, cell))
                c += cell.colspan
            placed.append(mine)
        return placed

    def matrix(self) -> list[list[str]]:
        """Every cell's text at its position, spans filled with '' (what a sheet shows)."""
        matrix = [[""] * self.columns for _row in self.rows]
        for r, row in enumerate(self.positions()):
            for c, cell in row:
                matrix[r][c] = cell.text
        return matrix

    def merges(self) -> list[tuple[int, int, int, int]]:
        """(first row, first column, last row, last column), 0-based, for every span."""
        return [
            (r, c, r + cell.rowspan - 1, c + cell.colspan - 1)
            for r, row in enumerate(self.positions())
            for c, cell in row
            if cell.rowspan > 1 or cell.colspan > 1
        ]


@dataclass(frozen=True)
class CategoryRef:
    """A second-level category of the form's framework, in order (or a first-level one with no
    children, for frameworks that have them)."""

    level1: str
    level2: str
    short1: str
    short2: str
    # indicators filed under their 一级 alone where the framework has 二级 categories (a 广州
    # form): their 二级 cell says so (``UNPLACED``), and the importer reads it back so
    unplaced: bool = False

    @property
    def label2(self) -> str:
        """The 二级 cell, in full."""
        return UNPLACED if self.unplaced else self.level2

    @property
    def short_label2(self) -> str:
        """The 二级 cell, short."""
        return UNPLACED if self.unplaced else self.short2


@dataclass
class UnitForms:
    """One unit's forms, for a layout that draws a department's forms as one table (广州)."""

    name: str
    forms: list[FormContent]


# --------------------------------------------------------------------------- builders' helpers


def indicator_target(item: IndicatorContent | None) -> str:
    """The comment target of an indicator's cells (none for an empty row)."""
    return f"i:{item.uid}" if item is not None and item.uid else ""


def field_target(key: str) -> str:
    """The comment target of a field's value cell."""
    return f"f:{key}"


def column_heads(layout: Layout) -> list[Cell]:
    """The column header of the layout's table (一级指标 二级指标 …)."""
    return [Cell(label.text, role="head") for label in layout.columns]


def target_hint(value: str) -> str:
    """The hover hint of a target value: how it was understood (``≥ 80 %``)."""
    from indicators.parsing import parse_target

    return parse_target(value).display() if value else ""


def indicators_by_category(
    indicators: Iterable[IndicatorContent], categories: Sequence[CategoryRef]
) -> dict[tuple[str, str], list[IndicatorContent]]:
    """Indicators keyed by (level1, level2) category names; names may be given short or long."""
    lookup: dict[tuple[str, str], tuple[str, str]] = {}
    for ref in categories:
        for one in (ref.level1, ref.short1):
            for two in (ref.level2, ref.short2):
                lookup[(one, two)] = (ref.level1, ref.level2)
    grouped: dict[tuple[str, str], list[IndicatorContent]] = {}
    for item in indicators:
        key = lookup.get((item.level1, item.level2), (item.level1, item.level2))
        grouped.setdefault(key, []).append(item)
    return grouped


def arrange_indicators(
    indicators: Iterable[IndicatorContent], categories: Sequence[CategoryRef]
) -> tuple[list[CategoryRef], dict[tuple[str, str], list[IndicatorContent]]]:
    """The categories to print, in order, and the indicators under each. An indicator whose
    二级 category the framework does not have prints under its 一级, after that 一级's own
    categories, with its 二级 cell as it was; one with none (a 广州 form's) under a 二级 cell
    that says 未分二级, never a blank that a reader would take for the category above; one
    whose 一级 is unknown too prints at the end, so no indicator is ever left out."""
    grouped = indicators_by_category(indicators, categories)
    known = {(ref.level1, ref.level2) for ref in categories}
    level1_of: dict[str, CategoryRef] = {}
    for ref in categories:
        level1_of.setdefault(ref.level1, ref)
        level1_of.setdefault(ref.short1, ref)
    extra: dict[str, list[CategoryRef]] = {}  # by the known level1 they follow ("" : the end)
    for level1, level2 in list(grouped):
        if (level1, level2) in known:
            continue
        owner = level1_of.get(level1)
        ref = CategoryRef(
            level1=owner.level1 if owner else level1,
            level2=level2,
            short1=owner.short1 if owner else level1,
            short2=level2,
            unplaced=not level2,
        )
        key = (ref.level1, ref.level2)
        if key != (level1, level2):
            grouped.setdefault(key, []).extend(grouped.pop((level1, level2)))
        if key in known or any(key == (r.level1, r.level2) for r in extra.get(ref.level1, [])):
            continue
        extra.setdefault(owner.level1 if owner else "", []).append(ref)
    ordered: list[CategoryRef] = []
    for index, ref in enumerate(categories):
        ordered.append(ref)
        last_of_level1 = index + 1 == len(categories) or categories[index + 1].level1 != ref.level1
        if last_of_level1:
            ordered += extra.pop(ref.level1, [])
    for refs in extra.values():
        ordered += refs
    return ordered, grouped


def merge_repeats(body: list[list[Cell]], groups: list[int], columns: tuple[int, ...]) -> list[Row]:
    """Turn equal consecutive cells in ``columns`` into one cell spanning them (merged cells)."""
    keep = [[True] * len(row) for row in body]
    for column in columns:
        start = 0
        while start < len(body):
            end = start + 1
            prefix = body[start][: column + 1]
            while end < len(body) and [c.text for c in body[end][: column + 1]] == [
                c.text for c in prefix
            ]:
                end += 1
            body[start][column].rowspan = end - start
            for covered in range(start + 1, end):
                keep[covered][column] = False
            start = end
    return [
        Row([cell for cell, kept in zip(row, keep[i], strict=True) if kept], groups[i])
        for i, row in enumerate(body)
    ]


def framework_categories(
    framework_id: int, categories: CategoryLookup | None = None
) -> list[CategoryRef]:
    """The framework's categories in print order: each second-level category under its parent;
    a first-level category with no children stands for itself. ``categories``: the cache to
    read them from (each framework once), when the caller has one."""
    return [
        CategoryRef(c.level1, c.level2, c.short1, c.short2)
        for c in (categories or CategoryLookup()).in_order(framework_id)
    ]
