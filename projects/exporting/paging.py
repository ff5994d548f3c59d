"""What the page planner (``planning``) and the renderers share about a grid: each cell at its
position (``place``), the ranges of rows merged cells tie together (``tied_ranges``), and rows
sliced with their spans clipped (``slice_rows``: a span that began above is printed again).

``Geometry``, ``row_heights`` and ``cut_tall_rows`` are the earlier estimate of the PDF's rows
and its even cut of a tall 广州 row at sentence ends; the exports now go through ``planning``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from projects.exporting import metrics
from projects.layouts import Cell, CellRole, Grid, Row

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

    @property
    def line_mm(self) -> float:
        return self.line_height * self.em_mm

    def inner_em(self, col: int, colspan: int = 1) -> float:
        """The width of the text in a cell starting at ``col``, in em."""
        width = sum(self.column_mm[col : col + colspan])
        return (width - 2 * self.padding_x_mm) / self.em_mm

    def cell_height(self, placed: Placed) -> float:
        factor = 1.6 if placed.cell.role == "title" else 1.0
        inner_em = self.inner_em(placed.col, placed.cell.colspan)
        lines = line_count(placed.cell.text, inner_em / factor)
        return lines * self.line_mm * factor + 2 * self.padding_y_mm

    def lines_within(self, height_mm: float) -> int:
        """How many lines of text a cell at most ``height_mm`` tall holds (at least one)."""
        return max(1, math.floor((height_mm - 2 * self.padding_y_mm) / self.line_mm))


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


_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")  # also ends each item of a 广州 绩效指标 text
_CLAUSE_END = re.compile(r"(?<=[，,、：:])")


@dataclass(frozen=True)
class Piece:
    """A run of a cell's text that a cut row keeps together."""

    text: str
    starts_paragraph: bool  # a line break comes before it (dropped at the top of a row)


def text_pieces(text: str, width_em: float, max_lines: int) -> list[Piece]:
    """The text in runs of at most ``max_lines`` lines, cut where a reader expects a break: its
    paragraphs whole where they fit, else cut at sentence ends (``。；``: each item of a 广州
    绩效指标 text ends so), then at commas, and a run still too tall at the last character
    that fits."""
    pieces: list[Piece] = []
    for paragraph in text.split("\n"):
        runs = _fitting(paragraph, width_em, max_lines, (_SENTENCE_END, _CLAUSE_END))
        pieces += [Piece(run, starts_paragraph=index == 0) for index, run in enumerate(runs)]
    return pieces


def _fitting(
    text: str, width_em: float, max_lines: int, separators: Sequence[re.Pattern[str]]
) -> list[str]:
    if line_count(text, width_em) <= max_lines:
        return [text]
    if not separators:
        return _cut_characters(text, width_em * max_lines)
    runs = [run for run in separators[0].split(text) if run]
    return [part for run in runs for part in _fitting(run, width_em, max_lines, separators[1:])]


def _cut_characters(text: str, most_em: float) -> list[str]:
    runs: list[str] = []
    start, width = 0, 0.0
    for index, ch in enumerate(text):
        ch_width = text_width(ch)
        if index > start and width + ch_width > most_em:
            runs.append(text[start:index])
            start, width = index, 0.0
        width += ch_width
    runs.append(text[start:])
    return runs


def _lines(width: float, width_em: float) -> int:
    return max(1, math.ceil(width / width_em)) if width_em > 0 else 1


def pack(pieces: Sequence[Piece], width_em: float, max_lines: int) -> list[str]:
    """The pieces joined, in order, into as few texts of at most ``max_lines`` lines as they
    go (a piece taller than that alone in its text)."""
    packed: list[list[Piece]] = []
    # the text being filled: the lines of its finished paragraphs, the width of its last one
    done, tail = 0, 0.0
    for piece in pieces:
        width = text_width(piece.text)
        if packed:
            lines_above = done + _lines(tail, width_em) if piece.starts_paragraph else done
            last = width if piece.starts_paragraph else tail + width
            if lines_above + _lines(last, width_em) <= max_lines:
                packed[-1].append(piece)
                done, tail = lines_above, last
                continue
        packed.append([piece])
        done, tail = 0, width
    return [_joined(texts) for texts in packed]


def _joined(pieces: Sequence[Piece]) -> str:
    text = "".join(
        ("\n" if piece.starts_paragraph and index else "") + piece.text
        for index, piece in enumerate(pieces)
    )
    return text.strip("\n")


def continued_rows(
    row: Row, placed: Sequence[Placed], geometry: Geometry, max_lines: int
) -> list[Row]:
    """``row`` printed as rows of at most ``max_lines`` lines each: its text cells cut (as few
    rows as the tallest needs, evened out so that the last is not a stub), its first cell
    reading ``row.continuation`` below the first row, its other cells (the amounts) blank."""
    texts = {
        p.col: (
            text_pieces(p.cell.text, geometry.inner_em(p.col, p.cell.colspan), max_lines),
            geometry.inner_em(p.col, p.cell.colspan),
        )
        for p in placed
        if p.cell.role == "text"
    }

    def cut(lines: int) -> dict[int, list[str]]:
        return {col: pack(pieces, width, lines) for col, (pieces, width) in texts.items()}

    count = max((len(chunks) for chunks in cut(max_lines).values()), default=1)
    if count <= 1:
        return [row]
    low, high = 1, max_lines  # the fewest lines a row may hold and still need no more rows
    while low < high:
        middle = (low + high) // 2
        if all(len(chunks) <= count for chunks in cut(middle).values()):
            high = middle
        else:
            low = middle + 1
    chunks = cut(high)
    rows: list[Row] = []
    for index in range(count):
        cells = []
        for p in placed:
            if p.col in chunks:
                text = chunks[p.col][index] if index < len(chunks[p.col]) else ""
            elif index == 0:
                text = p.cell.text
            else:
                text = row.continuation if p.col == 0 else ""
            cells.append(replace(p.cell, text=text, hint=""))
        rows.append(Row(cells, row.group))
    return rows


def cut_tall_rows(
    grid: Grid,
    placed: Sequence[Sequence[Placed]],
    heights: Sequence[float],
    geometry: Geometry,
    limit_mm: float,
) -> Grid:
    """The grid with every row that may be cut (``Row.continuation``: a 广州 project) and is
    taller than ``limit_mm`` printed as several rows no taller, each kept on one page; the
    grid itself when there is none. A shorter row is never cut: moved whole to the next page,
    it leaves at most ``limit_mm`` blank."""
    max_lines = geometry.lines_within(limit_mm)
    rows: list[Row] = []
    for index, row in enumerate(grid.rows):
        whole = sum(p.cell.colspan for p in placed[index]) == grid.columns
        plain = whole and all(p.cell.rowspan == 1 for p in placed[index])
        if row.continuation and plain and heights[index] > limit_mm:
            rows += continued_rows(row, placed[index], geometry, max_lines)
        else:
            rows.append(row)
    return replace(grid, rows=rows) if len(rows) != len(grid.rows) else grid
