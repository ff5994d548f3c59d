"""What the page planner (``planning``) and the renderers share about a grid: each cell at its
position (``place``), the ranges of rows merged cells tie together (``tied_ranges``), and rows
sliced with their spans clipped (``slice_rows``: a span that began above is printed again).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from projects.exporting import metrics
from projects.layouts import Cell, CellRole, Grid

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
    role: CellRole
    repeated: bool = False  # a label repeated because its span was cut at a page block

    @property
    def numeric(self) -> bool:
        """An amount or a year (right-aligned in print)."""
        return self.role in ("number", "subtotal") and bool(_NUMERIC.match(self.text))


def place(grid: Grid) -> list[list[Placed]]:
    """For each row, the cells that start in it, left to right."""
    return [[Placed(r, c, cell) for c, cell in row] for r, row in enumerate(grid.positions())]


def text_width(text: str) -> float:
    """Width of the text in em (``metrics.text_width``: the fonts' own widths)."""
    return metrics.text_width(text)


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


# --------------------------------------------------------------------------- tall rows
