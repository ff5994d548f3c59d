"""The printed pages of a grid, for the PDF and the sheet alike: where each page ends, the text
rows cut where they run on, and the grid as it prints, page by page.

A program printing a table loses what crosses a page: a merged cell's label lands on one page
(or on the break), a row taller than what is left is moved or clipped. So the pages are decided
here, from each row's height (``Drawing``: the renderer's column widths, font, line and
padding, with the text wrapped as ``metrics.wrap`` does), and every page is printed as a table
of its own whose merged cells end with it:

* a group that merged cells tie together (a 一级 block, a 二级 block) goes whole onto the page
  if it fits; it moves whole to the next page when it fits there and moving it leaves at most
  ``MOVE_LIMIT`` of the page blank; otherwise it is cut between its smaller groups, down to
  single rows;
* a row of text (a goal, a 广州 project) that does not fit what is left is cut between its
  lines: the part that fits stays, the rest runs on at the top of the next page. It moves whole
  instead when it fits on an empty page and the part that fits would be less than a third of a
  page. A row is also cut into rows no taller than ``Drawing.max_row`` (Excel's 409 pt);
* a row of labels only (``2023年度目标``, the indicator head) never ends a page;
* on each page every merged label that continues there is printed once, spanning its rows on
  that page; the indicator head (``Grid.repeat_row``) is printed again at the top of each page
  of the indicator table, its ``绩效指标`` spanning the page's rows as on the first; a text cut
  at a page prints its heading again with （续） when it has one (``2023年度目标（续）``), and a
  广州 project its name with （续） (``Row.continuation``), its amounts once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from projects.exporting.metrics import Line, join_lines, wrap
from projects.exporting.paging import Placed, place, tied_ranges
from projects.layouts import Cell, CellRole, Grid, Row

MOVE_LIMIT = 1 / 3  # most of a page left blank to keep a merged group whole
CUT_SHARE = 1 / 3  # a text row is cut only when what fits is at least this share of a page
CONTINUED = "（续）"
BOLD_ROLES: frozenset[CellRole] = frozenset({"title", "head", "subtotal"})


@dataclass(frozen=True)
class PageBody:
    """What one printed page holds, in the renderer's unit."""

    height: float  # the body of a page
    titles: float = 0.0  # rows the program repeats on the pages after the one they start
    titles_start: int = -1  # their first row (a grid row index); -1: none

    def room(self, first_row: int) -> float:
        """The height the rows of a page beginning at ``first_row`` may take."""
        repeated = self.titles if 0 <= self.titles_start < first_row else 0.0
        return self.height - repeated


@dataclass(frozen=True)
class Drawing:
    """How a renderer draws cells, in its own unit (mm for the PDF, points for the sheet)."""

    column_em: tuple[float, ...]  # each column's width in em of the body font
    line: float  # one line of body text
    pad: float  # a cell's height beyond its lines
    gap_em: float = 0.0  # what a cell's padding takes from its width, in em
    min_row: float = 0.0
    max_row: float = math.inf  # the tallest a row may be
    margin_lines: float = 0.0  # extra lines a cell of two lines or more is given
    title_scale: float = 1.6
    wrap_notes: bool = True
    step: float = 0.0  # heights are whole multiples of this (a sheet's pixel), when set

    def width_em(self, col: int, colspan: int) -> float:
        return max(sum(self.column_em[col : col + colspan]) - self.gap_em, 1.0)

    def lines(self, placed: Placed) -> list[Line]:
        cell = placed.cell
        if cell.role == "note" and not self.wrap_notes:
            return [Line(cell.text.replace("\n", " "), False)]
        scale = self.title_scale if cell.role == "title" else 1.0
        width = self.width_em(placed.col, cell.colspan) / scale
        return wrap(cell.text, width, bold=cell.role in BOLD_ROLES)

    def height(self, lines: int, role: CellRole = "value") -> float:
        """A cell of ``lines`` lines (one piece: not cut at ``max_row``)."""
        scale = self.title_scale if role == "title" else 1.0
        margin = self.margin_lines if lines > 1 else 0.0
        return max(self.min_row, self.pad + (lines + margin) * self.line * scale)

    @property
    def lines_per_row(self) -> int:
        """The most lines a row no taller than ``max_row`` holds."""
        if math.isinf(self.max_row):
            return 10**9
        return max(1, math.floor((self.max_row - self.pad) / self.line - self.margin_lines))

    def part_height(self, lines: int) -> float:
        """``lines`` lines of a text row, cut into rows of at most ``max_row``."""
        if lines <= 0:
            return 0.0
        per = self.lines_per_row
        pieces = math.ceil(lines / per)
        return sum(self.height(min(per, lines - i * per)) for i in range(pieces))


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a grid: row ``row``, from its line ``line`` on (0: the whole row)."""

    row: int
    line: int = 0


@dataclass
class Printed:
    """The grid as it prints: pages one below the other, ``starts`` the first row of each
    page after the first, ``heights`` each row's height."""

    grid: Grid
    starts: list[int]
    heights: list[float]

    def pages(self) -> list[tuple[int, int]]:
        return list(pairwise([0, *self.starts, len(self.grid.rows)]))


@dataclass
class _Rows:
    """What the planner knows of a grid's rows."""

    placed: list[list[Placed]]
    heights: list[float]
    lines: dict[int, list[list[Line]]] = field(default_factory=dict)  # a text row's cells' lines
    first: dict[int, int] = field(default_factory=dict)  # lines its first part needs


def measure(grid: Grid, drawing: Drawing) -> _Rows:
    """Each row's height (a merged cell's extra height goes to its last row) and, for each row
    that may be cut, its cells' lines."""
    placed = place(grid)
    heights: list[float] = []
    rows = _Rows(placed, heights)
    header = set(range(grid.header_rows))
    for r, row in enumerate(placed):
        singles = [p for p in row if p.cell.rowspan == 1]
        wrapped = {p.col: drawing.lines(p) for p in singles}
        height = max(
            (drawing.height(len(wrapped[p.col]), p.cell.role) for p in singles),
            default=drawing.min_row,
        )
        own = grid.rows[r]
        cuttable = r not in header and any(is_cut(own, p.cell) for p in singles)
        if cuttable:
            lines = max(len(found) for found in wrapped.values())
            if lines > 1:
                rows.lines[r] = [wrapped[p.col] for p in singles]
                rows.first[r] = max(
                    (len(wrapped[p.col]) for p in singles if not is_cut(own, p.cell)),
                    default=1,
                )
                height = max(height, drawing.part_height(lines))
        heights.append(height or drawing.min_row)
    for row in placed:
        for p in row:
            if p.cell.rowspan > 1:
                covered = range(p.row, min(p.last_row + 1, len(heights)))
                lines = len(drawing.lines(p))
                missing = drawing.height(lines, p.cell.role) - sum(heights[r] for r in covered)
                if missing > 0:
                    heights[covered[-1]] += missing
    if drawing.step:
        rows.heights[:] = [math.ceil(h / drawing.step - 1e-9) * drawing.step for h in heights]
    return rows


def is_cut(row: Row, cell: Cell) -> bool:
    """Whether a cut of ``row`` shares out this cell's lines (a 广州 project's name stays in its
    first part: its text cells are those of role ``text``)."""
    return cell.role == "text" or (cell.role == "value" and not row.continuation)


def labels_only(row: Row) -> bool:
    return bool(row.cells) and all(cell.role in ("title", "label", "head") for cell in row.cells)


def _heading_of(grid: Grid, r: int) -> int | None:
    """The row of labels right above text row ``r`` that names it (``2023年度目标``), if any."""
    if r < 1 or r - 1 == grid.repeat_row:
        return None
    above = grid.rows[r - 1]
    if labels_only(above) and all(cell.rowspan == 1 for cell in above.cells):
        return r - 1
    return None


def _parts(
    grid: Grid, placed: Sequence[Sequence[Placed]], a: int, b: int, *, whole: bool
) -> list[tuple[int, int]]:
    """The groups merged cells tie together in rows [a, b) (with ``whole``, the spans covering
    them all too: at the top level), single rows where none does; a row of labels only joins
    the group below it, unless that leaves nothing to cut [a, b) into (``whole`` aside)."""
    parts = tied_ranges(placed, a, b, skip_full=not whole)
    if len(parts) == 1 and not whole:
        parts = [(r, r + 1) for r in range(a, b)]
    joined: list[tuple[int, int]] = []
    for x, y in parts:
        if joined and labels_only(grid.rows[joined[-1][1] - 1]):
            joined[-1] = (joined[-1][0], y)
        else:
            joined.append((x, y))
    return parts if len(joined) == 1 and not whole else joined


class _Planner:
    def __init__(
        self, grid: Grid, drawing: Drawing, body: PageBody, rows: _Rows, head_copies: bool
    ) -> None:
        self.grid, self.drawing, self.body, self.rows = grid, drawing, body, rows
        self.head = grid.repeat_row if head_copies else None
        self.starts: list[Pos] = []
        self.page = Pos(0)
        self.used = 0.0

    def prefix(self, pos: Pos) -> float:
        """The height of what a page beginning at ``pos`` prints above it again."""
        head = self.head
        if head is not None and pos.row > head:
            return self.rows.heights[head]
        heading = _heading_of(self.grid, pos.row) if pos.line else None
        return self.rows.heights[heading] if heading is not None else 0.0

    def room(self, pos: Pos) -> float:
        return self.body.room(pos.row) - self.prefix(pos)

    def new_page(self, pos: Pos) -> None:
        extra = 0.0
        while (
            pos.line == 0
            and pos.row - 1 > self.page.row
            and labels_only(self.grid.rows[pos.row - 1])
            and pos.row - 1 not in self.rows.lines
        ):
            pos = Pos(pos.row - 1)  # a heading goes with what it heads
            extra += self.rows.heights[pos.row]
        self.starts.append(pos)
        self.page, self.used = pos, extra

    def put(self, a: int, b: int) -> None:
        height = sum(self.rows.heights[a:b])
        room = self.room(self.page) - self.used
        if height <= room:
            self.used += height
            return
        single = b - a == 1
        if single and a in self.rows.lines:
            self.cut(a)
            return
        empty = self.room(Pos(a))
        if self.used > 0 and height <= empty and (single or room <= empty * MOVE_LIMIT):
            self.new_page(Pos(a))
            self.used += height
            return
        if single:  # a row that cannot be cut, taller than what is left
            if self.used > 0:
                self.new_page(Pos(a))
            self.used += height
            return
        for x, y in _parts(self.grid, self.rows.placed, a, b, whole=False):
            self.put(x, y)

    def cut(self, r: int) -> None:
        total = max(len(lines) for lines in self.rows.lines[r])
        part = self.drawing.part_height
        offset = 0
        while True:
            rest = total - offset
            room = self.room(self.page) - self.used
            if part(rest) <= room:
                self.used += part(rest)
                return
            fit = 0
            while fit < rest and part(fit + 1) <= room:
                fit += 1
            if offset == 0 and fit < self.rows.first[r]:
                fit = 0
            empty = self.room(Pos(r, offset))
            small = part(fit) < self.body.height * CUT_SHARE and part(rest) <= empty
            if self.used > 0 and (fit == 0 or small):
                self.new_page(Pos(r, offset))
                continue
            fit = max(fit, 1)
            self.used += part(fit)
            offset += fit
            self.new_page(Pos(r, offset))

    def plan(self) -> list[Pos]:
        for a, b in _parts(self.grid, self.rows.placed, 0, len(self.grid.rows), whole=True):
            self.put(a, b)
        return self.starts


def plan_starts(
    grid: Grid, drawing: Drawing, body: PageBody, rows: _Rows, head_copies: bool = True
) -> list[Pos]:
    """Where each page after the first begins, for rows measured as ``rows``."""
    return _Planner(grid, drawing, body, rows, head_copies).plan()


def plan(grid: Grid, drawing: Drawing, body: PageBody, *, head_copies: bool = True) -> Printed:
    """The grid as it prints on pages of ``body``, drawn as ``drawing`` draws it.
    ``head_copies``: print the indicator head again at the top of its table's pages (else the
    program does, as print titles: ``body`` then leaves room for them)."""
    rows = measure(grid, drawing)
    starts = plan_starts(grid, drawing, body, rows, head_copies)
    return _printed(grid, drawing, rows, starts, head_copies)


def spans_below(grid: Grid, row: int | None) -> bool:
    """Whether a cell of the row is merged with rows below it (东莞's 绩效指标 beside its head)."""
    return row is not None and any(cell.rowspan > 1 for cell in grid.rows[row].cells)


def clip_to_pages(grid: Grid, starts: Sequence[int]) -> Grid:
    """The grid on pages beginning at rows ``starts`` (whole rows: none is cut), each merged
    cell clipped to its page and one that runs on printed again at the top of the next: every
    一级/二级 label is one cell on each page its group continues on. Rows and columns keep
    their places (a sheet to fill in and read back keeps each cell where it was)."""
    if not starts:
        return grid
    placed = place(grid)
    rows: list[Row] = []
    for a, b in pairwise([0, *starts, len(grid.rows)]):
        rows += _page(grid, placed, a, b, [])
    return replace(grid, rows=rows)


def split_rows(grid: Grid, drawing: Drawing) -> Printed:
    """The grid on one endless page: only its rows taller than ``drawing.max_row`` cut."""
    rows = measure(grid, drawing)
    return _printed(grid, drawing, rows, [])


# --------------------------------------------------------------------------- the printed grid


def _printed(
    grid: Grid, drawing: Drawing, rows: _Rows, starts: Sequence[Pos], head_copies: bool = False
) -> Printed:
    expanded, index, page_rows = _cut_rows(grid, drawing, rows, starts)
    firsts = [index[(pos.row, pos.line)] for pos in starts]
    pages = list(pairwise([0, *firsts, len(expanded.rows)]))
    printed_rows: list[Row] = []
    new_starts: list[int] = []
    xplaced = place(expanded)
    for a, b in pages:
        if printed_rows:
            new_starts.append(len(printed_rows))
        prefix: list[tuple[int, str]] = []
        head = index.get((grid.repeat_row, 0)) if grid.repeat_row is not None else None
        if a and head_copies and head is not None and a > head:
            prefix.append((head, ""))
        elif a and a in page_rows:
            heading = _heading_of(grid, page_rows[a])
            if heading is not None:
                prefix.append((index[(heading, 0)], CONTINUED))
        printed_rows += _page(expanded, xplaced, a, b, prefix)
    # the head's row where it is printed first (no row is printed again before the first break)
    head = None
    if grid.repeat_row is not None and not (head_copies and starts):
        head = index.get((grid.repeat_row, 0))
    result = replace(expanded, rows=printed_rows, repeat_row=head)
    return Printed(result, new_starts, measure(result, drawing).heights)


def _cut_rows(
    grid: Grid, drawing: Drawing, rows: _Rows, starts: Sequence[Pos]
) -> tuple[Grid, dict[tuple[int, int], int], dict[int, int]]:
    """The grid with each text row cut at the page starts inside it and into rows of at most
    ``drawing.max_row``; the index of each (row, first line) in it; and, for each part that
    begins a page inside a row, that row."""
    page_cuts: dict[int, set[int]] = {}
    for pos in starts:
        if pos.line:
            page_cuts.setdefault(pos.row, set()).add(pos.line)
    per = drawing.lines_per_row
    bounds: dict[int, list[int]] = {}
    for r, wrapped in rows.lines.items():
        total = max(len(lines) for lines in wrapped)
        pages = sorted({0, total, *page_cuts.get(r, set())})
        cuts: list[int] = []
        for x, y in pairwise(pages):
            pieces = math.ceil((y - x) / per)
            size = math.ceil((y - x) / pieces)
            cuts += list(range(x, y, size))
        if len(cuts) > 1:
            bounds[r] = [*cuts, total]
    index: dict[tuple[int, int], int] = {}
    page_rows: dict[int, int] = {}
    new_index = 0
    for r in range(len(grid.rows)):
        for line in bounds.get(r, [0, 1])[:-1]:
            index[(r, line)] = new_index
            if line and line in page_cuts.get(r, set()):
                page_rows[new_index] = r
            new_index += 1
    if not bounds:
        return grid, index, page_rows
    placed = rows.placed

    def first(r: int) -> int:
        return index[(r, 0)]

    def last(r: int) -> int:
        return index[(r, bounds[r][-2])] if r in bounds else index[(r, 0)]

    out: list[Row] = []
    for r, row in enumerate(grid.rows):
        edges = bounds.get(r)
        if edges is None:
            cells = [
                replace(p.cell, rowspan=last(p.last_row) - first(p.row) + 1)
                if p.cell.rowspan > 1
                else p.cell
                for p in placed[r]
            ]
            out.append(replace(row, cells=cells))
            continue
        texts = dict(
            zip((p.col for p in placed[r] if p.cell.rowspan == 1), rows.lines[r], strict=True)
        )
        parts = list(pairwise(edges))
        for number, (x, y) in enumerate(parts):
            part: list[Cell] = []
            for p in placed[r]:
                cell = p.cell
                if cell.rowspan > 1:
                    if number == 0:
                        part.append(replace(cell, rowspan=last(p.last_row) - first(p.row) + 1))
                elif is_cut(row, cell):
                    part.append(replace(cell, text=join_lines(texts[p.col][x:y]), hint=""))
                elif row.continuation:
                    text = cell.text if number == 0 else ""
                    if number and p.col == 0 and x in page_cuts.get(r, set()):
                        text = row.continuation
                    part.append(replace(cell, text=text, hint=""))
                elif number == 0:  # a label: one merged cell beside all the parts
                    part.append(replace(cell, rowspan=len(parts)))
            out.append(replace(row, cells=part, continuation=""))
    return replace(grid, rows=out, repeat_row=None), index, page_rows


def _page(
    grid: Grid, placed: Sequence[Sequence[Placed]], a: int, b: int, prefix: list[tuple[int, str]]
) -> list[Row]:
    """Rows [a, b) as a page of their own, below the ``prefix`` rows (printed again: the
    indicator head, a heading with （续）): every merged cell clipped to the page, one that began
    above printed again at its top (or beside the prefix, when that leaves its columns free)."""
    k = len(prefix)
    out: list[list[tuple[int, Cell]]] = [[] for _ in range(k + b - a)]
    sources = {source for source, _suffix in prefix}
    taken: set[int] = set()
    for i, (source, suffix) in enumerate(prefix):
        for q in placed[source]:
            taken.update(range(q.col, q.col + q.cell.colspan))
            span = 1
            if q.cell.rowspan > 1 and q.last_row >= a:
                span = (k - i) + min(q.last_row, b - 1) - a + 1
            text = q.cell.text + suffix if q.cell.role in ("label", "head") else q.cell.text
            out[i].append((q.col, replace(q.cell, text=text, rowspan=span)))
    for row in placed[:a]:
        for p in row:
            if p.last_row < a or p.row in sources:
                continue
            covered = min(p.last_row, b - 1) - a + 1
            columns = set(range(p.col, p.col + p.cell.colspan))
            if k and not columns & taken:
                out[0].append((p.col, replace(p.cell, rowspan=k + covered)))
            else:
                out[k].append((p.col, replace(p.cell, rowspan=covered)))
    for r in range(a, b):
        for p in placed[r]:
            out[k + r - a].append((p.col, replace(p.cell, rowspan=min(p.last_row, b - 1) - r + 1)))
    groups = [grid.rows[a].group] * k + [grid.rows[r].group for r in range(a, b)]
    return [
        Row([cell for _col, cell in sorted(cells, key=lambda item: item[0])], group)
        for cells, group in zip(out, groups, strict=True)
    ]
