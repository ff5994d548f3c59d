"""The official tables as PDF (WeasyPrint), from the templates under ``templates/pdf/``.

A4 (landscape when the layout says so, as 广州 does), Noto Serif CJK SC embedded, page numbers
in the page margin, the title and the table header repeated on every page. No page break ever
falls inside a merged cell: rows are printed in blocks (``projects.exporting.paging``), one
``<tbody>`` each that WeasyPrint keeps on one page, and a block taller than a page repeats the
labels of the spans it cuts instead of losing them.

Per-form tables (东莞, 深圳) print as two tables that share the column widths: the project part,
and the indicator part whose column header (一级指标 二级指标 …) is a ``<thead>`` repeated on
every page. When the whole indicator part fits on one page it is printed exactly as the sheet
draws it (东莞: 绩效指标 one cell spanning every indicator row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string

from projects.exporting.paging import (
    Geometry,
    PrintCell,
    blocks,
    place,
    row_heights,
    slice_rows,
    tied_ranges,
)
from projects.layouts import Grid

A4_MM = (210.0, 297.0)
MARGIN_MM = {"top": 16.0, "bottom": 16.0, "side": 14.0}
SAFETY = 0.9  # share of the page an estimated block may fill and still count as fitting
# A block that does not fit whole is cut into pieces at most this share of a page: a piece that
# does not fit at the bottom of a page moves to the next one, leaving at most this much blank.
PIECE = 0.3


@dataclass
class PdfTable:
    widths: list[str]
    head: list[list[PrintCell]] = field(default_factory=list)
    bodies: list[list[list[PrintCell]]] = field(default_factory=list)
    continued: bool = False  # drawn right below the previous table (shares its border)


@dataclass
class PdfSection:
    """One form (or one 广州 department table): starts on a new page."""

    layout: str
    title: str
    running_title: str
    tables: list[PdfTable]
    landscape: bool
    font_pt: float


def _content_box(landscape: bool) -> tuple[float, float]:
    width, height = A4_MM[::-1] if landscape else A4_MM
    return width - 2 * MARGIN_MM["side"], height - MARGIN_MM["top"] - MARGIN_MM["bottom"]


def _head_row(grid: Grid, start: int) -> int | None:
    for index in range(start, len(grid.rows)):
        if any(cell.role == "head" for cell in grid.rows[index].cells):
            return index
    return None


def prepare_section(grid: Grid, running_title: str = "") -> PdfSection:
    """Lay a grid out for print: the title, the tables and their unbreakable blocks."""
    layout = grid.layout  # prints landscape or portrait, at its font size
    width_mm, height_mm = _content_box(layout.landscape)
    total = sum(grid.widths) or 1.0
    column_mm = tuple(width_mm * w / total for w in grid.widths)
    percent = [f"{100 * w / total:.3f}%" for w in grid.widths]
    geometry = Geometry(column_mm=column_mm, font_pt=layout.font_pt)
    placed = place(grid)
    heights = row_heights(placed, geometry)
    end = len(grid.rows)
    page = height_mm * SAFETY

    def body(start: int, stop: int, limit: float) -> list[list[list[PrintCell]]]:
        return [
            slice_rows(placed, a, b) for a, b in blocks(grid, placed, heights, start, stop, limit)
        ]

    if grid.header_rows:  # 广州: title, 部门名称, 单位 and the column header on every page
        head = slice_rows(placed, 0, grid.header_rows)
        limit = min(page - sum(heights[: grid.header_rows]), page * PIECE)
        table = PdfTable(percent, head=head, bodies=body(grid.header_rows, end, limit))
        # its title is in the repeated header already: no running title
        return PdfSection(grid.layout.key, "", "", [table], layout.landscape, layout.font_pt)

    start = 0
    while start < end and all(cell.role == "title" for cell in grid.rows[start].cells):
        start += 1
    title = " ".join(cell.text for row in grid.rows[:start] for cell in row.cells) or grid.title
    h = _head_row(grid, start)
    tables: list[PdfTable] = []
    if h is None:
        tables.append(PdfTable(percent, bodies=body(start, end, page)))
    else:
        if h > start:
            tables.append(PdfTable(percent, bodies=body(start, h, page)))
        first_block = tied_ranges(placed, h, end, skip_full=False)[0]
        if first_block[1] > h + 1 and sum(heights[start:end]) <= page:
            # 东莞: the whole form fits on its page: print the indicator rows as drawn, one
            # merged block with 绩效指标 spanning them all. A longer form starts its indicator
            # table right below the project part and breaks it between rows, the head and the
            # labels repeated, rather than moving the whole table to a page of its own.
            bodies = [slice_rows(placed, *first_block)]
            bodies += body(first_block[1], end, page)
            tables.append(PdfTable(percent, bodies=bodies, continued=bool(tables)))
        else:
            head = slice_rows(placed, h, h + 1)
            tables.append(
                PdfTable(
                    percent,
                    head=head,
                    bodies=body(h + 1, end, page * PIECE),
                    continued=bool(tables),
                )
            )
    return PdfSection(
        grid.layout.key, title, running_title or title, tables, layout.landscape, layout.font_pt
    )


def render_pdf(
    grids: Sequence[Grid], *, document_title: str, running_titles: Sequence[str] = ()
) -> bytes:
    """One PDF with every grid, each starting on a new page."""
    from weasyprint import HTML

    sections = [
        prepare_section(grid, running_titles[i] if i < len(running_titles) else "")
        for i, grid in enumerate(grids)
    ]
    html = render_to_string(
        "pdf/forms.html", {"sections": sections, "document_title": document_title}
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()  # type: ignore[no-any-return]
