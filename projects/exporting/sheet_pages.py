"""What a printed page of a sheet holds, so that its pages can be broken where no merged
一级/二级 label is cut.

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

The pages themselves are decided by ``planning`` (for the PDF as well), in the sheet's points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projects.exporting.planning import Drawing, PageBody, measure, plan_starts
from projects.layouts import Grid

PAPER_INCHES = {9: (8.27, 11.69)}  # by the sheet's paperSize code: A4
DIGIT_PX = 7  # the widest digit of Calibri 11, Excel's default font, in pixels
PX_PT = 0.75  # a pixel at 96 dpi, in points
SAFETY = 0.97  # share of a page's body the rows put on it may fill


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
    """The first row of each page after the first, for rows of the given heights that are
    never cut (``planning`` decides the pages of a sheet; this is its rule for whole rows)."""
    drawing = Drawing(column_em=(10**6,) * grid.columns, line=1.0, pad=0.0)
    rows = measure(grid, drawing)
    rows.heights[:] = [drawn_height(h) for h in heights]
    rows.lines.clear()
    return [pos.row for pos in plan_starts(grid, drawing, body, rows)]
