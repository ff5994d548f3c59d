"""Where the printed pages of a one-form sheet break, so that no merged 一级/二级 label is cut.

A spreadsheet program prints a merged cell once, centred on its whole range: a label whose range
crosses a page break lands on one of the pages, or on the break itself, cut in two. Neither
openpyxl nor the file says where Excel or LibreOffice will break the pages, so they are computed
here from what the sheet says, and every page end is written as a manual row break (breaks only
before the groups at risk would not do: the program's own breaks in between would not fall where
they were assumed to, and everything after would shift):

* the scale: fitted to the page width as Excel fits it (each column as many pixels as Excel
  draws it in the default font, Calibri 11, at 96 pixels an inch), never above 100 %. Other
  programs draw the columns a little wider and so scale the sheet down a little more: a page
  then holds a little more than is put on it, never less;
* the height of a page's body: the paper less the top and bottom margins (the header and the
  footer print inside them), less the print-title rows on every page after the one they start;
* each row at its height as written, rounded up to the whole pixel Excel draws it at.

Rows are placed page by page (``page_starts``): a group that merged cells tie together (a 一级
block, a 二级 block) goes whole onto the page if it fits; otherwise it moves whole to the next page
when it fits there and moving it leaves at most ``MOVE_LIMIT`` of a page blank; otherwise it is
cut between its smaller groups, down to single rows. A merged label cut so (one taller than a
page, or one that would leave too much blank) is split at the break and printed again at the
top of the next page (``cut_at``), as the PDF repeats it. A row of labels only (2023年度目标,
the indicator head) never ends a page: it goes with the rows below it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projects.exporting.paging import Placed, place, slice_rows, tied_ranges
from projects.layouts import Cell, Grid, Row

PAPER_INCHES = {9: (8.27, 11.69)}  # by the sheet's paperSize code: A4
DIGIT_PX = 7  # the widest digit of Calibri 11, Excel's default font, in pixels
PX_PT = 0.75  # a pixel at 96 dpi, in points
SAFETY = 0.97  # share of a page's body the rows put on it may fill
MOVE_LIMIT = 1 / 3  # most of a page left blank to keep a merged group whole


@dataclass(frozen=True)
class PageBody:
    """What one printed page of a sheet holds, in the sheet's points (before scaling)."""

    height: float  # the body of a page
    titles: float = 0.0  # the print-title rows, repeated on the pages after the one they start
    titles_start: int = -1  # their first row (a grid row index); -1: the sheet has none

    def room(self, first_row: int) -> float:
        """The height the rows of a page beginning at ``first_row`` may take."""
        repeated = self.titles if 0 <= self.titles_start < first_row else 0.0
        return self.height - repeated


def column_pixels(width: float) -> int:
    """A column ``width`` characters wide, in pixels as Excel draws it (Office Open XML's
    formula for the width in pixels)."""
    return math.trunc((256 * width + math.trunc(128 / DIGIT_PX)) / 256 * DIGIT_PX)


def printed_scale(ws: Worksheet, columns: int) -> float:
    """The share of its size the sheet prints at: fitted to the page width (never enlarged) or
    the sheet's own scale."""
    if not ws.sheet_properties.pageSetUpPr.fitToPage:
        return (ws.page_setup.scale or 100) / 100
    width_in, _height_in = _paper(ws)
    printable = (width_in - ws.page_margins.left - ws.page_margins.right) * 72
    letters = (get_column_letter(index) for index in range(1, columns + 1))
    sheet = sum(column_pixels(ws.column_dimensions[letter].width or 8.43) for letter in letters)
    return min(1.0, printable / (sheet * PX_PT)) if sheet else 1.0


def page_body(ws: Worksheet, columns: int, titles: tuple[int, float] | None) -> PageBody:
    """A page's body in the sheet's points, from its page setup. ``titles``: the first print-
    title row (a grid row index) and the height of the print titles, if the sheet has any."""
    _width_in, height_in = _paper(ws)
    printable = (height_in - ws.page_margins.top - ws.page_margins.bottom) * 72
    height = printable / printed_scale(ws, columns) * SAFETY
    if titles is None:
        return PageBody(height)
    return PageBody(height, titles=titles[1], titles_start=titles[0])


def _paper(ws: Worksheet) -> tuple[float, float]:
    """The paper's width and height in inches, as the sheet is printed (turned if landscape)."""
    width, height = PAPER_INCHES[int(ws.page_setup.paperSize or 9)]
    return (height, width) if ws.page_setup.orientation == "landscape" else (width, height)


def drawn_height(points: float) -> float:
    """A row's height as Excel draws it: whole pixels."""
    return math.ceil(points / PX_PT - 1e-9) * PX_PT


def page_starts(grid: Grid, heights: Sequence[float], body: PageBody) -> list[int]:
    """The first row (grid row index) of each page after the first."""
    placed = place(grid)
    rows = [drawn_height(h) for h in heights]
    starts: list[int] = []
    page, used = 0, 0.0  # the current page's first row, and the height its rows take

    def put(a: int, b: int) -> None:
        nonlocal page, used
        height = sum(rows[a:b])
        room = body.room(page) - used
        if height <= room:
            used += height
            return
        single = b - a == 1
        if used > 0 and (single or (height <= body.room(a) and room <= body.height * MOVE_LIMIT)):
            starts.append(a)
            page, used = a, height
            return
        if single:  # a row taller than a page (it cannot be cut)
            used += height
            return
        for x, y in _parts(grid, placed, a, b, whole=False):
            put(x, y)

    for a, b in _parts(grid, placed, 0, len(grid.rows), whole=True):
        put(a, b)
    return starts


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
        if joined and _labels_only(grid.rows[joined[-1][1] - 1]):
            joined[-1] = (joined[-1][0], y)
        else:
            joined.append((x, y))
    return parts if len(joined) == 1 and not whole else joined


def _labels_only(row: Row) -> bool:
    return all(cell.role in ("title", "label", "head") for cell in row.cells)


def cut_at(grid: Grid, starts: Sequence[int]) -> Grid:
    """The grid with every merged cell that crosses one of the page ``starts`` split there, its
    label printed again on the new page. Rows stay where they were."""
    if not starts:
        return grid
    placed = place(grid)
    bounds = [0, *starts, len(grid.rows)]
    rows: list[Row] = []
    for start, stop in pairwise(bounds):
        for index, cells in enumerate(slice_rows(placed, start, stop), start=start):
            printed = [
                Cell(cell.text, colspan=cell.colspan, rowspan=cell.rowspan, role=cell.role)
                for cell in cells
            ]
            rows.append(replace(grid.rows[index], cells=printed))
    return replace(grid, rows=rows)


def paginate(
    grid: Grid,
    heights: list[float],
    body: PageBody,
    heights_of: Callable[[Grid], list[float]],
) -> tuple[Grid, list[int], list[float]]:
    """The grid cut at its page starts, the page starts, and the cut grid's row heights
    (``heights``: the grid's, ``heights_of``: as the sheet sets them). A label cut at a page
    start may need a taller first row there: then the pages are placed again with it."""
    for _attempt in range(3):
        starts = page_starts(grid, heights, body)
        if not starts:
            return grid, starts, heights
        cut = cut_at(grid, starts)
        cut_heights = heights_of(cut)
        if all(c <= h for c, h in zip(cut_heights, heights, strict=True)):
            break
        heights = [max(c, h) for c, h in zip(cut_heights, heights, strict=True)]
    return cut, starts, cut_heights
