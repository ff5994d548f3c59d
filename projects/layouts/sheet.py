"""A sheet as the importer sees it: visible cells as cleaned strings, each with its reference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

SEPARATOR = " › "


def column_letter(column: int) -> str:
    """1 → ``A``, 16384 → ``XFD`` (any positive number, unlike openpyxl's)."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


@dataclass
class Sheet:
    """``rows[r][c]`` is the text of a visible cell; ``row_numbers[r]`` and ``col_numbers[c]`` are
    its 1-based row and column in the original sheet (or line and field in a text)."""

    file: str
    name: str
    rows: list[list[str]]
    row_numbers: list[int]
    col_numbers: list[int]
    notes: list[tuple[int, str]] = field(default_factory=list)  # (row index, warning)
    # (row index, column index, warning) about one cell, shown with the form that holds it
    cell_notes: list[tuple[int, int, str]] = field(default_factory=list)
    # what readers found in the cells' texts, by who asked (``memo``, ``keep``)
    _memos: dict[object, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def width(self) -> int:
        return len(self.col_numbers)

    def cell(self, r: int, c: int) -> str:
        row = self.rows[r]
        return row[c] if 0 <= c < len(row) else ""

    def a1(self, r: int, c: int = 0) -> str:
        column = self.col_numbers[c] if 0 <= c < len(self.col_numbers) else c + 1
        return f"{column_letter(column)}{self.row_numbers[r]}"

    def where(self, r: int | None = None, c: int = 0) -> str:
        parts = [self.file]
        if self.name:
            parts.append(self.name)
        if r is not None and 0 <= r < len(self.rows):
            parts.append(self.a1(r, c))
        return SEPARATOR.join(parts)

    def source_rows(self, first: int, last: int) -> tuple[int, int]:
        return self.row_numbers[first], self.row_numbers[last]

    def memo(self, owner: object) -> dict[str, Any]:
        """A dictionary kept with the sheet while it is read: cell text → what ``owner`` (a set
        of labels, the category names) found in it. The same texts fill a sheet over and over
        (labels, category names, a unit's name); each is looked at once per sheet."""
        table = self._memos.get(owner)
        if table is None:
            table = self._memos[owner] = {}
        return table

    def keep(self, key: object, make: Callable[[], T]) -> T:
        """What ``make()`` returns, made once for the sheet (a reader's lookups, shared by the
        forms the sheet holds)."""
        key = ("keep", key)
        if key not in self._memos:
            self._memos[key] = make()
        return self._memos[key]  # type: ignore[no-any-return]


def make_sheet(
    file: str,
    name: str,
    rows: list[list[str]],
    row_numbers: list[int],
    col_numbers: list[int] | None = None,
) -> Sheet:
    width = max(map(len, rows), default=0)
    if col_numbers is None:
        col_numbers = list(range(1, width + 1))
    width = max(width, len(col_numbers))
    padded = [row if len(row) == width else row + [""] * (width - len(row)) for row in rows]
    col_numbers = col_numbers + list(range(len(col_numbers) + 1, width + 1))
    return Sheet(
        file=file, name=name, rows=padded, row_numbers=row_numbers, col_numbers=col_numbers
    )
