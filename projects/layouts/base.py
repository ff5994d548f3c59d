"""What a layout is: its labels (with the variants real sheets use), the content fields it
carries, its column widths, how it prints, the function that lays a form out in it, the function
that reads it back from a sheet, the indicator values the editor offers, and how the importer
tells it from the others. ``match_label`` is the one way a cell is compared with a label."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from projects.content import FormContent

if TYPE_CHECKING:
    from projects.layouts.grid import CategoryRef, Grid, UnitForms
    from projects.layouts.normalize import CategoryNames
    from projects.layouts.reading import ReadForm, Segment
    from projects.layouts.sheet import Sheet

NOT_APPLICABLE = "不适用"


_LABEL_TRASH = re.compile(r"[\s:：*＊]+")
_FULLWIDTH = str.maketrans("（），；", "(),;")


def normalize_label(text: str) -> str:
    """Compare labels ignoring spaces, colons, stars and the width of brackets and commas."""
    return _LABEL_TRASH.sub("", text).translate(_FULLWIDTH)


_PLACEHOLDERS = {
    "{year}": r"(?P<year>\d{4})",
    "{unit}": r"(?P<unit>万元|元)",
    "{department}": r"(?P<department>.*?)",
}
MAX_LABEL_LENGTH = 80  # longer cells are values, never labels


@dataclass(frozen=True)
class Label:
    """A printed label and the other ways real sheets spell it."""

    key: str
    text: str
    aliases: tuple[str, ...] = ()
    # its spellings, normalised: those without a placeholder as they are, the others as
    # regular expressions (computed once, here)
    exact: frozenset[str] = field(init=False, compare=False, repr=False)
    patterns: tuple[re.Pattern[str], ...] = field(init=False, compare=False, repr=False)
    # each pattern's literal text before its first placeholder and after its last: a text
    # that does not start and end so is not tried against it
    affixes: tuple[tuple[str, str], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        exact: set[str] = set()
        patterns = []
        affixes = []
        for spelling in self.spellings:
            normalized = normalize_label(spelling)
            if "{" not in normalized:
                exact.add(normalized)
                continue
            text = re.escape(normalized)
            for placeholder, regex in _PLACEHOLDERS.items():
                text = text.replace(re.escape(placeholder), regex)
            patterns.append(re.compile(f"^{text}$"))
            head, tail = normalized[: normalized.index("{")], normalized.rsplit("}", 1)[1]
            affixes.append((head, tail))
        object.__setattr__(self, "exact", frozenset(exact))
        object.__setattr__(self, "patterns", tuple(patterns))
        object.__setattr__(self, "affixes", tuple(affixes))

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.text, *self.aliases)

    def match_normalized(self, wanted: str) -> dict[str, str] | None:
        """``match_label`` on a cell's text already normalised."""
        # patterns first: they capture the year or unit an alias would hide
        for pattern, (head, tail) in zip(self.patterns, self.affixes, strict=True):
            if wanted.startswith(head) and wanted.endswith(tail):
                found = pattern.match(wanted)
                if found:
                    return {k: v for k, v in found.groupdict().items() if v}
        return {} if wanted in self.exact else None


_normalized = lru_cache(maxsize=65536)(normalize_label)


def match_label(label: Label, text: str) -> dict[str, str] | None:
    """The placeholders the cell fills (``{}`` when it has none), or None when it is not the
    label. Placeholders in a label (``{year}年预算金额（元）``, ``本年度项目金额（{unit}）``)
    match a year or a unit and return it."""
    if not text or len(text) > MAX_LABEL_LENGTH:
        return None
    return label.match_normalized(_normalized(text))


_UNSEEN: object = object()


class LabelSet:
    """Several labels, looked up at once: a cell's normalised text is found in one dictionary
    of the exact spellings, and only the few spellings with a placeholder are tried as regular
    expressions. ``find`` gives what trying ``match_label`` on each label in order would: the
    first label the cell is; ``find_in`` the same, remembered with the sheet for each distinct
    text (a sheet repeats its labels on every form)."""

    def __init__(self, labels: Sequence[Label]) -> None:
        self.labels = tuple(labels)
        self._exact: dict[str, int] = {}
        self._every: dict[str, list[int]] = {}  # spelling → every label spelt so
        self._patterns: list[int] = []
        for index, label in enumerate(self.labels):
            for spelling in label.exact:
                self._exact.setdefault(spelling, index)
                self._every.setdefault(spelling, []).append(index)
            if label.patterns:
                self._patterns.append(index)
        # how the spellings with a placeholder end: a text ending otherwise is none of them
        tails = [tail for label in self.labels for _head, tail in label.affixes]
        self._any_end = "" in tails
        self._ends = frozenset(tail[-1] for tail in tails if tail)

    def _tried(self, wanted: str) -> list[int]:
        """The labels whose patterns ``wanted`` may match."""
        if self._patterns and (self._any_end or wanted[-1:] in self._ends):
            return self._patterns
        return []

    def find(self, text: str) -> tuple[Label, dict[str, str]] | None:
        if not text or len(text) > MAX_LABEL_LENGTH:
            return None
        wanted = _normalized(text)
        first = self._exact.get(wanted, len(self.labels))
        for index in self._tried(wanted):
            if index > first:
                break
            found = self.labels[index].match_normalized(wanted)
            if found is not None:
                return self.labels[index], found
        if first < len(self.labels):
            return self.labels[first], {}
        return None

    def has(self, text: str) -> bool:
        return self.find(text) is not None

    def find_all(self, text: str) -> list[tuple[Label, dict[str, str]]]:
        """Every label the cell is, in order, each with the placeholders it fills: what
        ``match_label`` gives for each label that is not None, normalising the text once."""
        if not text or len(text) > MAX_LABEL_LENGTH:
            return []
        wanted = _normalized(text)
        found: dict[int, dict[str, str]] = {index: {} for index in self._every.get(wanted, ())}
        for index in self._tried(wanted):
            placeholders = self.labels[index].match_normalized(wanted)
            if placeholders is not None:
                found[index] = placeholders
        return [(self.labels[index], found[index]) for index in sorted(found)]

    def find_in(self, sheet: Sheet, text: str) -> tuple[Label, dict[str, str]] | None:
        """``find``, once per distinct text of the sheet (the placeholders found are shared:
        read them, never change them)."""
        memo = sheet.memo(self)
        found = memo.get(text, _UNSEEN)
        if found is _UNSEEN:
            found = memo[text] = self.find(text)
        return found  # type: ignore[no-any-return]

    def memo_in(self, sheet: Sheet) -> dict[str, tuple[Label, dict[str, str]] | None]:
        """The sheet's remembered answers, for a loop that looks texts up itself (``lookup``)."""
        return sheet.memo(self)

    def lookup(
        self, memo: dict[str, tuple[Label, dict[str, str]] | None], text: str
    ) -> tuple[Label, dict[str, str]] | None:
        found = memo.get(text, _UNSEEN)
        if found is _UNSEEN:
            found = memo[text] = self.find(text)
        return found  # type: ignore[return-value]


_SINGLE: dict[int, tuple[Label, LabelSet]] = {}


def label_set(label: Label) -> LabelSet:
    """The one-label set of ``label`` (the same object each time, so that what it found in a
    sheet is remembered with the sheet): ``label_set(label).find_in(sheet, text)`` is
    ``match_label(label, text)``, looked at once per distinct text."""
    held = _SINGLE.get(id(label))
    if held is None or held[0] is not label:
        held = _SINGLE[id(label)] = (label, LabelSet([label]))
    return held[1]


# Lays one form out as the layout's table (东莞, 深圳: one table a form).
type FormBuilder = Callable[[Layout, FormContent, Sequence[CategoryRef]], Grid]
# Lays a department's forms out as one table, unit by unit (广州).
type DepartmentBuilder = Callable[[Layout, str, int, Sequence[UnitForms]], Grid]
# Reads the forms of one found stretch of a sheet (one form, or a 广州 table's many).
type Reader = Callable[[Layout, Sheet, Segment, CategoryNames, int | None], list[ReadForm]]


@dataclass(frozen=True)
class Layout:
    """One official layout, described once: the pages, the exporters, the importer and the
    editor all read it from here (``projects.layouts.LAYOUTS``).

    Give it a ``form_builder`` (one table a form) or a ``department_builder`` (one table a
    department and year), and a ``reader``; the builder and the reader find the printed label
    texts in the layout (``layout.text(key)``, ``layout.label_of(key)``)."""

    key: str
    name: str  # the place that issues it, as people call the layout: 东莞
    label: str  # the choice in menus: 东莞 项目绩效目标表
    title: str
    header: tuple[Label, ...]
    columns: tuple[Label, ...]
    title_aliases: tuple[str, ...] = ()
    block_labels: dict[str, Label] = field(default_factory=dict)
    widths: tuple[float, ...] = ()  # column widths in characters, for xlsx and PDF
    skip_empty_categories: frozenset[str] = frozenset()
    # The content fields (``projects.content.FIELDS`` keys) this layout prints: an import from
    # it overwrites these and only these.
    carries: tuple[str, ...] = ()
    # The indicator values it prints after 三级指标, in order (``IndicatorContent`` fields):
    # the editor offers these; a row keeps the others it has.
    value_columns: tuple[str, ...] = ()
    # Its indicators sit under a 二级指标 (广州 names only the 一级 of each).
    tiered: bool = True
    landscape: bool = False  # printed on landscape A4 (PDF and the xlsx page setup)
    # The amounts are printed in the unit the form's own sheet named (``amount_unit_label``:
    # 元 or 万元), where it is one of this layout's; its label says that unit. A sheet may
    # have labelled 元 amounts 万元 (the importer keeps them in 元 and says so): the
    # ``unit-wan-yuan`` check and the form page point it out.
    prints_sheet_unit: bool = False
    font_pt: float = 10.0  # PDF text size
    # How the importer finds it. A per-form layout starts at a row with one of its ``anchors``
    # (label keys: 项目名称, 项目编码); of the per-form layouts, the one with most of its
    # ``marks`` (label keys no other layout prints) in the rows that follow is the one. A
    # department layout starts at its title, or at a row with ``min_header_hits`` of its
    # column labels.
    anchors: tuple[str, ...] = ("project.name",)
    marks: tuple[str, ...] = ()
    min_header_hits: int = 5
    reads_pdf: bool = False  # read from a published PDF (its ruled table keeps every cell)
    form_builder: FormBuilder | None = field(default=None, compare=False, repr=False)
    department_builder: DepartmentBuilder | None = field(default=None, compare=False, repr=False)
    reader: Reader | None = field(default=None, compare=False, repr=False)

    def label_of(self, key: str) -> Label:
        for label in (*self.header, *self.columns, *self.block_labels.values()):
            if label.key == key:
                return label
        raise KeyError(key)

    def text(self, key: str, **values: object) -> str:
        """The printed text of the label ``key``, its placeholders (``{year}``, ``{unit}``)
        filled from ``values``."""
        return self.label_of(key).text.format(**values)

    @property
    def per_form(self) -> bool:
        return self.form_builder is not None

    @cached_property
    def title_label(self) -> Label:
        return Label("title", self.title, self.title_aliases)

    @cached_property
    def header_labels(self) -> LabelSet:
        return LabelSet(self.header)

    @cached_property
    def column_labels(self) -> LabelSet:
        return LabelSet(self.columns)

    def labels_of(self, keys: Sequence[str]) -> LabelSet:
        return LabelSet([self.label_of(key) for key in keys])

    def build(self, content: FormContent, categories: Sequence[CategoryRef]) -> Grid:
        """Lay one form out in this layout (a per-form layout only)."""
        if self.form_builder is None:
            raise ValueError(f"{self.key!r} is not a per-form layout")
        return self.form_builder(self, content, categories)

    def build_department(self, department: str, year: int, units: Sequence[UnitForms]) -> Grid:
        """Lay a department's forms of one year out as one table (a department layout only)."""
        if self.department_builder is None:
            raise ValueError(f"{self.key!r} is not a department layout")
        return self.department_builder(self, department, year, units)

    def read(
        self, sheet: Sheet, segment: Segment, names: CategoryNames, year: int | None
    ) -> list[ReadForm]:
        """The forms of one stretch of a sheet that the importer found to be this layout."""
        if self.reader is None:
            raise ValueError(f"{self.key!r} cannot be read from a sheet")
        return self.reader(self, sheet, segment, names, year)


def find_header_label(layout: Layout, text: str) -> tuple[Label, dict[str, str]] | None:
    """The header label of the layout that the cell is, with the placeholders it fills."""
    return layout.header_labels.find(text)
