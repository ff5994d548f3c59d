"""Finding the forms on a sheet by their labels (never by fixed cell positions), for every
registered layout (``projects.layouts.LAYOUTS``) alike.

A per-form layout starts at a row holding one of its anchor labels (项目名称, 项目编码), or at
its title just above it; which layout it is follows from the labels of the next rows: the one
with most of its marks (labels no other layout prints) wins, the first registered on a tie. A
department table (广州) starts at its title or its column header and runs, across repeated page
headers, until the next form. Labels are compared with :func:`projects.layouts.match_label`.
"""

from __future__ import annotations

from projects.layouts import LAYOUTS, Layout, match_label
from projects.layouts.base import LabelSet
from projects.layouts.reading import Segment
from projects.layouts.sheet import Sheet

LOOKAHEAD = 10  # rows after an anchor that decide its layout

__all__ = ["LOOKAHEAD", "Segment", "find_segments"]


def _cells(sheet: Sheet, r: int) -> list[str]:
    return [text for text in sheet.rows[r] if text]


class _Detector:
    """The registered layouts' labels, gathered once a sheet."""

    def __init__(self) -> None:
        layouts = list(LAYOUTS.values())
        self.per_form = [layout for layout in layouts if layout.per_form]
        self.tables = [layout for layout in layouts if not layout.per_form]
        self.anchors = LabelSet(
            [layout.label_of(key) for layout in self.per_form for key in layout.anchors]
        )
        # a new form's name ends the look-ahead of the one before
        self.names = LabelSet([layout.label_of("project.name") for layout in self.per_form])
        self.marks = {layout.key: layout.labels_of(layout.marks) for layout in self.per_form}

    def table_start(self, cells: list[str]) -> Layout | None:
        """The department layout whose title or column header the row is."""
        for layout in self.tables:
            if len(cells) == 1 and match_label(layout.title_label, cells[0]) is not None:
                return layout
            hits = sum(1 for text in cells if layout.column_labels.has(text))
            if hits >= layout.min_header_hits:
                return layout
        return None

    def form_start(self, sheet: Sheet, r: int) -> Layout | None:
        """The per-form layout that row ``r`` starts, if it starts one."""
        cells = _cells(sheet, r)
        if not cells or not any(self.anchors.has(text) for text in cells):
            return None
        if self.table_start(cells) is not None:
            return None
        scores = dict.fromkeys(self.marks, 0)
        for row in range(r, min(r + LOOKAHEAD, len(sheet.rows))):
            row_cells = _cells(sheet, row)
            if row > r and any(self.names.has(text) for text in row_cells):
                break
            for text in row_cells:
                for key, marks in self.marks.items():
                    scores[key] += marks.has(text)
        best = max(scores, key=lambda key: scores[key], default=None)
        if best is None or not scores[best]:
            return None
        return LAYOUTS[best]


def find_segments(sheet: Sheet) -> list[Segment]:
    detector = _Detector()
    starts: list[tuple[int, str]] = []
    last_anchor = -10
    in_table = ""
    for r in range(len(sheet.rows)):
        cells = _cells(sheet, r)
        if not cells:
            continue
        table = detector.table_start(cells)
        if table is not None:
            if in_table != table.key:
                starts.append((r, table.key))
                in_table = table.key
            continue
        layout = detector.form_start(sheet, r)
        if layout is None:
            continue
        if r - last_anchor <= 2 and starts and starts[-1][1] == layout.key:
            last_anchor = r  # 项目编码 and 项目名称 on two rows: one form
            continue
        first = r
        back = r - 1
        while back >= 0 and back > r - 4 and (not starts or back > starts[-1][0]):
            above = _cells(sheet, back)
            if above and len(above) == 1 and match_label(layout.title_label, above[0]) is not None:
                first = back
                break
            if above:
                break
            back -= 1
        starts.append((first, layout.key))
        last_anchor = r
        in_table = ""
    segments = []
    for index, (first, key) in enumerate(starts):
        last = starts[index + 1][0] - 1 if index + 1 < len(starts) else len(sheet.rows) - 1
        while last > first and not any(sheet.rows[last]):
            last -= 1
        segments.append(Segment(key, first, last))
    return segments
