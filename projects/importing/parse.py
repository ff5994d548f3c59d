"""Reading one found form (a ``Segment``) with its layout's own reader, then checking each
field's length against its column, naming the cell it came from."""

from __future__ import annotations

from collections.abc import Callable

from projects.importing.limits import length_problems
from projects.layouts import LAYOUTS
from projects.layouts.normalize import CategoryNames
from projects.layouts.reading import ReadForm, Segment
from projects.layouts.sheet import Sheet


def read_segment(
    sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
) -> list[ReadForm]:
    forms = LAYOUTS[segment.layout].read(sheet, segment, names, year)
    for form in forms:
        form.problems += length_problems(form.data, _locator(sheet, segment, form.where))
    return forms


def _locator(sheet: Sheet, segment: Segment, fallback: str) -> Callable[[str], str]:
    """The cell of the segment a text came from (the first holding its start), else the
    form's first cell. Only called for a value found too long: rare, and bounded by the
    segment's size."""

    def locate(text: str) -> str:
        head = text[:40]
        for r in range(segment.first, segment.last + 1):
            for c, cell in enumerate(sheet.rows[r]):
                if cell and head in cell:
                    return sheet.where(r, c)
        return fallback

    return locate
