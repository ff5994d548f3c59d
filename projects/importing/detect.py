"""Finding the forms on a sheet by their labels (never by fixed cell positions).

A per-form layout (东莞, 深圳) starts at a row holding a 项目名称 / 项目编码 label, or at the
title just above it; which layout it is follows from the labels of the next rows. A 广州 table
starts at its title or its column header and runs, across repeated page headers, until the next
form. Labels are compared with :func:`projects.layouts.normalize_label`; placeholders in a label
(``{year}年预算金额（元）``, ``本年度项目金额（{unit}）``) match a year or a unit and return it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from projects.importing.sheet import Sheet
from projects.layouts import DONGGUAN, GUANGZHOU, SHENZHEN, Label, Layout, normalize_label

_PLACEHOLDERS = {
    "{year}": r"(?P<year>\d{4})",
    "{unit}": r"(?P<unit>万元|元)",
    "{department}": r"(?P<department>.*?)",
}
LOOKAHEAD = 10  # rows after an anchor that decide its layout
MAX_LABEL_LENGTH = 80  # longer cells are values, never labels


@cache
def _compiled(label: Label) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """The label's spellings, normalised: exact ones as a set, ones with placeholders as
    regular expressions."""
    exact: set[str] = set()
    patterns = []
    for spelling in label.spellings:
        normalized = normalize_label(spelling)
        if "{" not in normalized:
            exact.add(normalized)
            continue
        text = re.escape(normalized)
        for placeholder, regex in _PLACEHOLDERS.items():
            text = text.replace(re.escape(placeholder), regex)
        patterns.append(re.compile(f"^{text}$"))
    return frozenset(exact), tuple(patterns)


_normalized = lru_cache(maxsize=65536)(normalize_label)


def match_label(label: Label, text: str) -> dict[str, str] | None:
    """The placeholders the cell fills (``{}`` when it has none), or None when it is not the
    label."""
    if not text or len(text) > MAX_LABEL_LENGTH:
        return None
    exact, patterns = _compiled(label)
    wanted = _normalized(text)
    for pattern in patterns:  # first: they capture the year or unit an alias would hide
        found = pattern.match(wanted)
        if found:
            return {k: v for k, v in found.groupdict().items() if v}
    return {} if wanted in exact else None


def match_title(layout: Layout, text: str) -> dict[str, str] | None:
    return match_label(Label("title", layout.title, layout.title_aliases), text)


def find_header_label(layout: Layout, text: str) -> tuple[Label, dict[str, str]] | None:
    for label in layout.header:
        found = match_label(label, text)
        if found is not None:
            return label, found
    return None


@dataclass(frozen=True)
class Segment:
    layout: str  # dongguan | shenzhen | guangzhou
    first: int  # grid row index, inclusive
    last: int


_DONGGUAN_ONLY = tuple(
    DONGGUAN.label(key)
    for key in ("project.level", "project.department", "project.period", "amounts.annual")
)
_SHENZHEN_ONLY = tuple(
    SHENZHEN.label(key)
    for key in (
        "project.code",
        "project.department",
        "project.duration_years",
        "details.is_new",
        "details.allocation_method",
    )
)


def _cells(sheet: Sheet, r: int) -> list[str]:
    return [text for text in sheet.rows[r] if text]


def _is_guangzhou_header(cells: list[str]) -> bool:
    hits = sum(
        1 for text in cells if any(match_label(lb, text) is not None for lb in GUANGZHOU.columns)
    )
    return hits >= 5


def _is_guangzhou_title(cells: list[str]) -> bool:
    return len(cells) == 1 and match_title(GUANGZHOU, cells[0]) is not None


def _anchor_kind(sheet: Sheet, r: int) -> str | None:
    """'dongguan' or 'shenzhen' when row ``r`` starts a per-form layout."""
    cells = _cells(sheet, r)
    if not cells:
        return None
    name_label = DONGGUAN.label("project.name")
    code_label = SHENZHEN.label("project.code")
    has_name = any(match_label(name_label, text) is not None for text in cells)
    has_code = any(match_label(code_label, text) is not None for text in cells)
    if not (has_name or has_code) or _is_guangzhou_header(cells):
        return None
    dongguan = shenzhen = 0
    for row in range(r, min(r + LOOKAHEAD, len(sheet.rows))):
        row_cells = _cells(sheet, row)
        if row > r and any(match_label(name_label, text) is not None for text in row_cells):
            break
        for text in row_cells:
            shenzhen += any(match_label(lb, text) is not None for lb in _SHENZHEN_ONLY)
            dongguan += any(match_label(lb, text) is not None for lb in _DONGGUAN_ONLY)
    if shenzhen > dongguan:
        return "shenzhen"
    if dongguan:
        return "dongguan"
    return None


def find_segments(sheet: Sheet) -> list[Segment]:
    starts: list[tuple[int, str]] = []
    last_anchor = -10
    in_guangzhou = False
    for r in range(len(sheet.rows)):
        cells = _cells(sheet, r)
        if not cells:
            continue
        if _is_guangzhou_title(cells) or _is_guangzhou_header(cells):
            if not in_guangzhou:
                starts.append((r, "guangzhou"))
                in_guangzhou = True
            continue
        kind = _anchor_kind(sheet, r)
        if kind is None:
            continue
        if r - last_anchor <= 2 and starts and starts[-1][1] == kind:
            last_anchor = r  # 项目编码 and 项目名称 on two rows: one form
            continue
        first = r
        title = DONGGUAN if kind == "dongguan" else SHENZHEN
        back = r - 1
        while back >= 0 and back > r - 4 and (not starts or back > starts[-1][0]):
            above = _cells(sheet, back)
            if above and len(above) == 1 and match_title(title, above[0]) is not None:
                first = back
                break
            if above:
                break
            back -= 1
        starts.append((first, kind))
        last_anchor = r
        in_guangzhou = False
    segments = []
    for index, (first, kind) in enumerate(starts):
        last = starts[index + 1][0] - 1 if index + 1 < len(starts) else len(sheet.rows) - 1
        while last > first and not any(sheet.rows[last]):
            last -= 1
        segments.append(Segment(kind, first, last))
    return segments
