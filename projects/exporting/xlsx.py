"""The official tables as xlsx (openpyxl): any ``Grid``, one per sheet or several stacked.

Merged cells come from ``Grid.merges()``; every cell has a thin border, text wraps, column widths
come from the layout and row heights are estimated from the text (CJK characters two width units,
others one). Pages are A4, fitted to the width, with print titles and a page break between forms;
a sheet of one form breaks its pages where no merged 一级/二级 label is cut (``sheet_pages``).
Text is always written as text (``write_text``: ``data_type = "s"`` and Excel's quote prefix), so
``=1+1``, ``+86``, ``-1`` or ``@SUM(A1)`` typed into a form never become formulas.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from projects.exporting.metrics import text_width
from projects.exporting.paging import place
from projects.exporting.planning import Drawing, PageBody, measure, plan, spans_below
from projects.exporting.sheet_pages import DIGIT_PX, PX_PT, column_pixels, page_body
from projects.layouts import Grid

FONT_NAME = "宋体"
BODY_PT = 10.5
LINE_PT = 15.3  # one line of 10.5 pt text in Noto Sans CJK (ascent and descent: 1.448 em)
MIN_ROW_PT = 20.0
MAX_ROW_PT = 409.0  # Excel's tallest row
CELL_PAD_PT = 4.0  # above and below a cell's lines
CELL_GAP_PT = 6.0  # left and right of them
SHEET_NAME_MAX = 31

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
NO_BORDER = Border()
FONTS = {
    "title": Font(name=FONT_NAME, size=16, bold=True),
    "head": Font(name=FONT_NAME, size=BODY_PT, bold=True),
    "subtotal": Font(name=FONT_NAME, size=BODY_PT, bold=True),
}
BODY_FONT = Font(name=FONT_NAME, size=BODY_PT)
ALIGNMENTS = {
    "title": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "note": Alignment(horizontal="left", vertical="center", wrap_text=False),
    "label": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "head": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "number": Alignment(horizontal="right", vertical="center", wrap_text=True),
    "text": Alignment(horizontal="left", vertical="center", wrap_text=True),
}
DEFAULT_ALIGNMENT = Alignment(horizontal="left", vertical="center", wrap_text=True)
NUMERIC_ROLES = frozenset({"number", "subtotal"})
ROLES = ("title", "note", "label", "head", "value", "number", "text", "subtotal")
STYLE_PREFIX = "绩效表-"
COVERED_STYLE = f"{STYLE_PREFIX}边框"
_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")
_SHEET_TRASH = re.compile(r"[\[\]:*?/\\]")


@dataclass
class SheetSpec:
    """One sheet: its name and the grids written one below the other on it."""

    name: str
    grids: Sequence[Grid]
    landscape: bool = False


def write_text(cell: Cell, text: str) -> None:
    """Write text as text: never a formula, whatever it begins with (``=``, ``+``, ``-``,
    ``@``: Excel's quote prefix marks it), and without the characters a workbook may not
    hold. Every xlsx this project writes puts its text through here."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.value = text
    cell.data_type = "s"
    if text[:1] in ("=", "+", "-", "@"):
        cell.quotePrefix = True


def numeric_value(text: str) -> tuple[Decimal, str] | None:
    """``7,567,200.00`` → (Decimal, '#,##0.00'); ``699000`` → (Decimal, '0'); else None."""
    if not _NUMBER.match(text):
        return None
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    if "," in text:
        return number, "#,##0.00" if "." in text else "#,##0"
    if "." in text:
        return number, "0." + "0" * len(text.split(".", 1)[1])
    return number, "0"


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤31 characters, none of ``[]:*?/\\``)."""
    base = _SHEET_TRASH.sub("_", name).strip("'") or "Sheet"
    title = base[:SHEET_NAME_MAX]
    number = 2
    while title.lower() in taken:
        suffix = f"({number})"
        title = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    taken.add(title.lower())
    return title


def _style_name(role: str, numeric: bool) -> str:
    return f"{STYLE_PREFIX}{role}{'-数' if numeric else ''}"


def _register_styles(workbook: Workbook) -> None:
    """One named style per cell role (and per numeric role, right-aligned): assigning a named
    style to a cell is a lookup, assigning fonts and borders one by one hashes them each time."""
    if COVERED_STYLE in workbook.named_styles:
        return
    for role in ROLES:
        for numeric in (False, True):
            alignment = ALIGNMENTS["number"] if numeric else ALIGNMENTS.get(role, DEFAULT_ALIGNMENT)
            workbook.add_named_style(
                NamedStyle(
                    name=_style_name(role, numeric),
                    font=FONTS.get(role, BODY_FONT),
                    alignment=alignment,
                    border=NO_BORDER if role in ("title", "note") else BORDER,
                )
            )
    workbook.add_named_style(NamedStyle(name=COVERED_STYLE, font=BODY_FONT, border=BORDER))


EXCEL_CELL_LIMIT = 32767
CUT_NOTE = "……【此格全文超过 Excel 单元格上限 32,767 字，以上为前段，全文见 PDF 或系统】"


def fit_cell(text: str) -> str:
    """Excel holds at most 32,767 characters in a cell (and silently cuts the rest): a longer
    text (entry refuses one; only old data can hold one) is cut here with a visible note."""
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    return text[: EXCEL_CELL_LIMIT - len(CUT_NOTE)] + CUT_NOTE


def sheet_drawing(widths: Sequence[float]) -> Drawing:
    """How a spreadsheet program draws the sheet's cells, in points: each column as many pixels
    as Excel draws it, 10.5 pt text with the line height of the CJK font it prints with (Noto
    Sans CJK: 1.448 em), a line of margin in a cell of several lines, rows of at most 409 pt."""
    return Drawing(
        column_em=tuple(column_pixels(width) * PX_PT / BODY_PT for width in widths),
        line=LINE_PT,
        pad=CELL_PAD_PT,
        gap_em=CELL_GAP_PT / BODY_PT,
        min_row=MIN_ROW_PT,
        max_row=MAX_ROW_PT,
        margin_lines=1.0,
        title_scale=16 / BODY_PT,
        wrap_notes=False,
        step=PX_PT,
    )


def row_heights_pt(grid: Grid) -> list[float]:
    """Each row's height in points, as ``write_grid`` sets it when not told."""
    return measure(grid, sheet_drawing(grid.widths)).heights


def write_grid(
    ws: Worksheet, grid: Grid, top: int = 1, heights: Sequence[float] | None = None
) -> int:
    """Write the grid with its top-left corner at row ``top`` (1-based); return the next row.
    ``heights``: the rows' heights if already known (``row_heights_pt``)."""
    _register_styles(ws.parent)
    ranges = ws.merged_cells.ranges
    for row in place(grid):
        for p in row:
            cell = p.cell
            excel_row, excel_col = top + p.row, 1 + p.col
            target = ws.cell(row=excel_row, column=excel_col)
            role = cell.role
            text = fit_cell(ILLEGAL_CHARACTERS_RE.sub("", cell.text))
            number = numeric_value(text) if role in NUMERIC_ROLES else None
            target.style = _style_name(role, number is not None)
            if number is not None:
                target.value = number[0]
                target.number_format = number[1]
            elif text:
                write_text(target, text)
            bordered = role not in ("title", "note")
            if cell.rowspan > 1 or cell.colspan > 1:
                last_row = excel_row + cell.rowspan - 1
                last_col = excel_col + cell.colspan - 1
                if bordered:
                    for rr in range(excel_row, last_row + 1):
                        for cc in range(excel_col, last_col + 1):
                            if (rr, cc) != (excel_row, excel_col):
                                ws.cell(row=rr, column=cc).style = COVERED_STYLE
                # Added straight to the set: ws.merge_cells() scans every earlier range (and
                # MergedCellRange re-reads the borders we have just written).
                ranges.add(
                    CellRange(
                        min_col=excel_col, min_row=excel_row, max_col=last_col, max_row=last_row
                    )
                )
    for r, height in enumerate(row_heights_pt(grid) if heights is None else heights):
        ws.row_dimensions[top + r].height = height
    return top + len(grid.rows)


def column_widths(grids: Sequence[Grid]) -> list[float]:
    """The layout's column widths, each widened where it must to hold the widest amount in it
    on one line, in bold for a total, with its thousands separators (``13,392.82``)."""
    widths = list(grids[0].widths)
    for grid in grids:
        for row in place(grid):
            for p in row:
                cell = p.cell
                if cell.colspan > 1 or cell.role not in NUMERIC_ROLES or p.col >= len(widths):
                    continue
                if numeric_value(cell.text) is None:
                    continue
                points = text_width(cell.text, bold=cell.role == "subtotal") * BODY_PT
                needed = (points / PX_PT + 2 * CELL_GAP_PT / PX_PT) / DIGIT_PX + 1
                widths[p.col] = max(widths[p.col], round(needed + 0.05, 1))
    return widths


def setup_sheet(ws: Worksheet, spec: SheetSpec) -> None:
    for index, width in enumerate(column_widths(spec.grids), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape" if spec.landscape else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    # inches: the footer sits 0.3″ from the bottom edge and the body ends 0.8″ from it, so the
    # page number prints whole
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.8
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.3
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    setup.firstPageNumber = 1  # each sheet numbers its own pages
    setup.useFirstPageNumber = True
    ws.sheet_view.showGridLines = False


def render_workbook(sheets: Sequence[SheetSpec]) -> bytes:
    """A workbook with one sheet per spec; each spec's grids stacked, each from a new page."""
    workbook = Workbook()
    for sheet in list(workbook.worksheets):
        workbook.remove(sheet)
    taken: set[str] = set()
    for spec in sheets:
        ws = workbook.create_sheet(sheet_title(spec.name, taken))
        setup_sheet(ws, spec)
        alone = len(spec.grids) == 1
        row, pages = 1, 0
        for grid in spec.grids:
            if row > 1:
                ws.row_breaks.append(Break(id=row - 1))
            row, printed = _write_printed(ws, grid, row, alone=alone)
            pages += printed
        if alone:  # the page count of the form, as its PDF prints it
            ws.oddFooter.center.text = f"第 &P 页，共 {pages} 页"
    if not sheets:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def title_rows(grid: Grid) -> tuple[int, int]:
    """The first and last row (grid row indices) a sheet holding only this grid prints again
    at the top of its pages: the indicator table's head, or the 广州 title and header."""
    if grid.repeat_row is not None:
        return grid.repeat_row, grid.repeat_row
    return 0, max(grid.header_rows, 1) - 1


def _write_printed(ws: Worksheet, grid: Grid, top: int, *, alone: bool) -> tuple[int, int]:
    """Write the grid from row ``top`` as it prints (``planning.plan``): rows of text cut where
    they run on to the next page and into rows of at most 409 pt, a manual break at the end of
    each page, every merged label whole on its page and the indicator head printed again at
    the top of each page of the indicator table. A sheet of one 广州 table repeats its title and
    header as print titles. Return the next row and the pages written."""
    letters = (get_column_letter(index) for index in range(1, grid.columns + 1))
    drawing = sheet_drawing([ws.column_dimensions[letter].width or 8.43 for letter in letters])
    titles: tuple[int, float] | None = None
    first, last = title_rows(grid)
    copies = spans_below(grid, grid.repeat_row)  # else the print titles repeat the head
    if alone and not copies:
        titles = (first, sum(measure(grid, drawing).heights[first : last + 1]))
    body: PageBody = page_body(ws, grid.columns, titles)
    printed = plan(grid, drawing, body, head_copies=copies or not alone)
    if alone and (not copies or not printed.starts):
        # the head of a one-page form is a print title too, where Excel users look for it
        first, last = title_rows(printed.grid)
        ws.print_title_rows = f"{top + first}:{top + last}"
    for start in printed.starts:  # a break after the last row of each page but the last
        ws.row_breaks.append(Break(id=top - 1 + start))
    next_row = write_grid(ws, printed.grid, top=top, heights=printed.heights)
    return next_row, len(printed.starts) + 1
