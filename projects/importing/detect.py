"""Finding the forms on a sheet by their labels (never by fixed cell positions), for every
registered layout (``projects.layouts.LAYOUTS``) alike.

A per-form layout starts at a row holding one of its anchor labels (项目名称, 项目编码), or at
its title just above it; which layout it is follows from the labels of the next rows: the one
with most of its marks (labels no other layout prints) wins, the first registered on a tie. A
department table (广州) starts at its title or its column header and runs, across repeated page
headers, until the next form. Labels are compared with :func:`projects.layouts.match_label`.

The sheet is read once, row by row: each distinct cell text is looked up once, every label
at once (``LabelSet.find_all``), and remembered as what it is to the detector (an anchor, a
form's name, a mark of which layouts, a department table's title or column label); a row is
tried as a department table's start only when it is one cell, or holds enough of the table's
column labels.
"""

from __future__ import annotations

from collections.abc import Sequence

from projects.layouts import LAYOUTS, Label, Layout
from projects.layouts.base import LabelSet, label_set
from projects.layouts.reading import Segment
from projects.layouts.sheet import Sheet

LOOKAHEAD = 10  # rows after an anchor that decide its layout

__all__ = ["LOOKAHEAD", "Segment", "find_segments"]

_ANCHOR = 1  # one of the per-form layouts' anchors
_NAME = 2  # a per-form layout's 项目名称: a new form's name ends the look-ahead of the one before
_FIRST_MARK = 2  # bit of the first per-form layout's marks (then one bit a layout)


def _cells(sheet: Sheet, r: int) -> list[str]:
    return [text for text in sheet.rows[r] if text]


class _Detector:
    """The registered layouts' labels, gathered once a sheet, and what each distinct cell text
    of the sheet is to them (``kind``: one number of flags)."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        layouts = list(LAYOUTS.values())
        self.per_form = [layout for layout in layouts if layout.per_form]
        self.tables = [layout for layout in layouts if not layout.per_form]
        self.anchors = LabelSet(
            [layout.label_of(key) for layout in self.per_form for key in layout.anchors]
        )
        self.names = LabelSet([layout.label_of("project.name") for layout in self.per_form])
        self.marks = [(layout.key, layout.labels_of(layout.marks)) for layout in self.per_form]
        # bit 0: an anchor; bit 1: a name; then a bit for the marks of each per-form layout;
        # then a bit for the column labels of each department layout
        self.mark_bits = [1 << (_FIRST_MARK + i) for i in range(len(self.marks))]
        self.table_bits = [
            1 << (_FIRST_MARK + len(self.marks) + i) for i in range(len(self.tables))
        ]
        # then a bit for the title of each department layout
        self.title_bits = [bit << len(self.tables) for bit in self.table_bits]
        # every label above in one set, with the bits it sets: each text is normalised and
        # looked up once
        bits: dict[int, tuple[Label, int]] = {}

        def flag(labels: Sequence[Label], bit: int) -> None:
            for label in labels:
                held = bits.get(id(label))
                bits[id(label)] = (label, bit | (held[1] if held else 0))

        flag(self.anchors.labels, _ANCHOR)
        flag(self.names.labels, _NAME)
        for bit, (_key, marks) in zip(self.mark_bits, self.marks, strict=True):
            flag(marks.labels, bit)
        for bit, title, layout in zip(self.table_bits, self.title_bits, self.tables, strict=True):
            flag(layout.columns, bit)
            flag([layout.title_label], title)
        self.labels = LabelSet([label for label, _bit in bits.values()])
        self.label_bits = {id(label): bit for label, bit in bits.values()}
        self.kinds: dict[str, int] = {}

    def kind(self, text: str) -> int:
        kind = 0
        for label, _placeholders in self.labels.find_all(text):
            kind |= self.label_bits[id(label)]
        self.kinds[text] = kind
        return kind

    def table_start(self, cells: list[str]) -> Layout | None:
        """The department layout whose title or column header the row is."""
        for bit, title, layout in zip(self.table_bits, self.title_bits, self.tables, strict=True):
            if len(cells) == 1 and self.kinds[cells[0]] & title:
                return layout
            if len(cells) >= layout.min_header_hits:
                hits = sum(1 for text in cells if self.kinds[text] & bit)
                if hits >= layout.min_header_hits:
                    return layout
        return None

    def form_start(self, r: int, row_bits: list[int]) -> Layout | None:
        """The per-form layout that row ``r`` starts (it holds an anchor, and is no department
        table's start), if it starts one: the one with most marks in the rows that follow,
        up to the next form's name."""
        rows = self.sheet.rows
        kinds = self.kinds
        scores = [0] * len(self.marks)
        any_mark = sum(self.mark_bits)
        for row in range(r, min(r + LOOKAHEAD, len(rows))):
            bits = row_bits[row]
            if row > r and bits & _NAME:
                break
            if bits & any_mark:
                for text in rows[row]:
                    if text:
                        kind = kinds[text]
                        for i, bit in enumerate(self.mark_bits):
                            if kind & bit:
                                scores[i] += 1
        if not scores:
            return None
        best = max(range(len(scores)), key=lambda i: scores[i])  # the first on a tie
        if not scores[best]:
            return None
        return LAYOUTS[self.marks[best][0]]


def find_segments(sheet: Sheet) -> list[Segment]:
    detector = _Detector(sheet)
    kinds, kind_of = detector.kinds, detector.kind
    table_bits = sum(detector.table_bits)
    title_bits = sum(detector.title_bits)
    fewest_hits = min((layout.min_header_hits for layout in detector.tables), default=1)
    # what each row holds (the flags of its cells together), and how many of its cells are
    # department table column labels
    count = len(sheet.rows)
    row_bits = [0] * count
    row_filled = [0] * count
    row_hits = [0] * count
    for r, row in enumerate(sheet.rows):
        texts = list(filter(None, row))  # the filled cells' texts
        if not texts:
            continue
        bits = hits = 0
        for text in texts:
            kind = kinds.get(text)
            if kind is None:
                kind = kind_of(text)
            bits |= kind
            if kind & table_bits:
                hits += 1
        row_bits[r] = bits
        row_filled[r] = len(texts)
        if hits:
            row_hits[r] = hits
    starts: list[tuple[int, str]] = []
    last_anchor = -10
    in_table = ""
    for r, bits in enumerate(row_bits):
        filled = row_filled[r]
        if not filled:
            continue
        # a department table starts at its title (a row of one cell) or its column header
        if (filled == 1 and bits & title_bits) or row_hits[r] >= fewest_hits:
            table = detector.table_start(_cells(sheet, r))
            if table is not None:
                if in_table != table.key:
                    starts.append((r, table.key))
                    in_table = table.key
                continue
        if not bits & _ANCHOR:
            continue
        layout = detector.form_start(r, row_bits)
        if layout is None:
            continue
        if r - last_anchor <= 2 and starts and starts[-1][1] == layout.key:
            last_anchor = r  # 项目编码 and 项目名称 on two rows: one form
            continue
        first = r
        back = r - 1
        title = label_set(layout.title_label)
        while back >= 0 and back > r - 4 and (not starts or back > starts[-1][0]):
            above = _cells(sheet, back)
            if above and len(above) == 1 and title.find_in(sheet, above[0]) is not None:
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
        while last > first and not row_filled[last]:
            last -= 1
        segments.append(Segment(key, first, last))
    return segments
