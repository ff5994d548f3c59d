"""Cutting a ``Grid`` into blocks that can be kept on one printed page.

WeasyPrint (like every browser) drops the label and the bottom border of a rowspan cell that
crosses a page. So the PDF never lets a page break fall inside a span: rows are grouped into
blocks (one ``<tbody>`` each, ``break-inside: avoid``), and a block taller than a page is split
at the edges of its smaller spans, repeating the labels of the spans it cuts, down to single rows.

Heights are estimated from the text length and the column widths (CJK characters one em wide,
others about half): an over-estimate only repeats a label more often than needed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from projects.layouts import Cell, Grid

_NUMERIC = re.compile(r"^[\d,]+(\.\d+)?$")


@dataclass(frozen=True)
class Placed:
    """A grid cell at its position (0-based row and column of its top-left corner)."""

    row: int
    col: int
    cell: Cell

    @property
    def last_row(self) -> int:
        return self.row + self.cell.rowspan - 1


@dataclass(frozen=True)
class PrintCell:
    text: str
    colspan: int
    rowspan: int
    role: str
    repeated: bool = False  # a label repeated because its span was cut at a page block

    @property
    def numeric(self) -> bool:
        """An amount or a year (right-aligned in print)."""
        return self.role in ("number", "subtotal") and bool(_NUMERIC.match(self.text))


def place(grid: Grid) -> list[list[Placed]]:
    """For each row, the cells that start in it, left to right."""
    return [[Placed(r, c, cell) for c, cell in row] for r, row in enumerate(grid.positions())]


def text_width(text: str) -> float:
    """Width of the text in em: CJK and full-width characters 1, the others about 0.55."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


def line_count(text: str, width_em: float) -> int:
    """Lines the text takes in a box ``width_em`` wide (each paragraph at least one line)."""
    if width_em <= 0:
        return max(1, text.count("\n") + 1)
    return sum(max(1, math.ceil(text_width(part) / width_em)) for part in text.split("\n"))


@dataclass(frozen=True)
class Geometry:
    """How the PDF draws a table: what the estimate needs to know."""

    column_mm: tuple[float, ...]
    font_pt: float
    line_height: float = 1.4
    padding_x_mm: float = 1.0
    padding_y_mm: float = 0.9

    @property
    def em_mm(self) -> float:
        return self.font_pt * 25.4 / 72

    def cell_height(self, placed: Placed) -> float:
        width = sum(self.column_mm[placed.col : placed.col + placed.cell.colspan])
        inner_em = (width - 2 * self.padding_x_mm) / self.em_mm
        factor = 1.6 if placed.cell.role == "title" else 1.0
        lines = line_count(placed.cell.text, inner_em / factor)
        return lines * self.line_height * self.em_mm * factor + 2 * self.padding_y_mm


def row_heights(placed: Sequence[Sequence[Placed]], geometry: Geometry) -> list[float]:
    """Estimated height of each row in mm; a span's extra height goes to its last row."""
    heights = [
        max((geometry.cell_height(p) for p in row if p.cell.rowspan == 1), default=0.0)
        for row in placed
    ]
    heights = [
        h or geometry.line_height * geometry.em_mm + 2 * geometry.padding_y_mm for h in heights
    ]
    for row in placed:
        for p in row:
            if p.cell.rowspan > 1:
                covered = range(p.row, min(p.last_row + 1, len(heights)))
                missing = geometry.cell_height(p) - sum(heights[r] for r in covered)
                if missing > 0:
                    heights[covered[-1]] += missing
    return heights


def tied_ranges(
    placed: Sequence[Sequence[Placed]], start: int, stop: int, skip_full: bool
) -> list[tuple[int, int]]:
    """Row ranges in [start, stop) that spans tie together. With ``skip_full``, spans covering
    the whole range are ignored (they are the ones a too-tall block gives up)."""
    reach = list(range(start, stop))  # reach[i - start]: last row tied to row i
    for row in placed[start:stop]:
        for p in row:
            last = min(p.last_row, stop - 1)
            if last > p.row and not (skip_full and p.row <= start and last >= stop - 1):
                reach[p.row - start] = max(reach[p.row - start], last)
    # spans that begin above ``start`` and reach into it
    for row in placed[:start]:
        for p in row:
            last = min(p.last_row, stop - 1)
            if p.last_row >= start and last > start and not (skip_full and last >= stop - 1):
                reach[0] = max(reach[0], last)
    ranges: list[tuple[int, int]] = []
    first, furthest = start, start
    for r in range(start, stop):
        furthest = max(furthest, reach[r - start])
        if furthest == r:
            ranges.append((first, r + 1))
            first = r + 1
    return ranges


def blocks(
    grid: Grid,
    placed: Sequence[Sequence[Placed]],
    heights: Sequence[float],
    start: int,
    stop: int,
    limit_mm: float,
) -> list[tuple[int, int]]:
    """Row ranges covering [start, stop) to print as unbreakable blocks.

    The grid's row groups, joined where a span ties them, are kept whole when they fit in
    ``limit_mm``; a taller one is split at the edges of its smaller spans, recursively.
    """
    group_ranges: list[tuple[int, int]] = []
    for r in range(start, stop):
        if group_ranges and grid.rows[group_ranges[-1][0]].group == grid.rows[r].group:
            group_ranges[-1] = (group_ranges[-1][0], r + 1)
        else:
            group_ranges.append((r, r + 1))
    tied = tied_ranges(placed, start, stop, skip_full=False)
    units: list[tuple[int, int]] = []
    for a, b in group_ranges:
        if units and any(x < a < y for x, y in tied):
            units[-1] = (units[-1][0], b)
        else:
            units.append((a, b))

    def split(a: int, b: int) -> list[tuple[int, int]]:
        if sum(heights[a:b]) <= limit_mm or b - a == 1:
            return [(a, b)]
        cut = len(tied_ranges(placed, a, b, skip_full=False)) == 1  # a span covers it all
        parts = tied_ranges(placed, a, b, skip_full=True)
        if len(parts) == 1:
            parts = [(r, r + 1) for r in range(a, b)]
        pieces = [piece for x, y in parts for piece in split(x, y)]
        if not cut:
            return pieces  # nothing ties these rows: let the pages break between any of them
        # The pieces repeat the label of the span they cut: as few pieces as fit the limit.
        packed: list[tuple[int, int]] = []
        for x, y in pieces:
            if packed and sum(heights[packed[-1][0] : y]) <= limit_mm:
                packed[-1] = (packed[-1][0], y)
            else:
                packed.append((x, y))
        return packed

    return keep_headings_with_text(grid, [piece for a, b in units for piece in split(a, b)])


def keep_headings_with_text(grid: Grid, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A piece must not end on a row of labels only (2023年度目标 above its text): that row
    moves to the start of the next piece, so a page never ends on a heading."""
    fixed = list(pieces)
    for index in range(len(fixed) - 1):
        a, b = fixed[index]
        c, d = fixed[index + 1]
        if b != c or b - a < 1:
            continue
        if all(cell.role in ("label", "title") for cell in grid.rows[b - 1].cells):
            fixed[index], fixed[index + 1] = (a, b - 1), (b - 1, d)
    return [(a, b) for a, b in fixed if b > a]


def slice_rows(placed: Sequence[Sequence[Placed]], start: int, stop: int) -> list[list[PrintCell]]:
    """Rows [start, stop) with every span clipped to them; a span that began above ``start``
    is repeated (label and all) in the first row, so nothing is lost at a page break."""
    rows: list[list[PrintCell]] = []
    for r in range(start, stop):
        cells: list[tuple[int, PrintCell]] = []
        if r == start:
            for row in placed[:start]:
                for p in row:
                    if p.last_row >= start:
                        rowspan = min(p.last_row + 1, stop) - start
                        cells.append((p.col, _print_cell(p.cell, rowspan, repeated=True)))
        for p in placed[r]:
            cells.append((p.col, _print_cell(p.cell, min(p.last_row + 1, stop) - r)))
        rows.append([cell for _, cell in sorted(cells, key=lambda item: item[0])])
    return rows


def _print_cell(cell: Cell, rowspan: int, repeated: bool = False) -> PrintCell:
    return PrintCell(
        text=cell.text, colspan=cell.colspan, rowspan=rowspan, role=cell.role, repeated=repeated
    )
