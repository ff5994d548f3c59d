"""What a layout is: its labels (with the variants real sheets use), the content fields it
carries, its column widths, how it prints, and the function that lays a form out in it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from projects.content import FormContent, LayoutKey

if TYPE_CHECKING:
    from projects.layouts.grid import CategoryRef, Grid, UnitForms

NOT_APPLICABLE = "不适用"


@dataclass(frozen=True)
class Label:
    """A printed label and the other ways real sheets spell it."""

    key: str
    text: str
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.text, *self.aliases)

    def matches(self, cell: str) -> bool:
        wanted = normalize_label(cell)
        return any(normalize_label(spelling) == wanted for spelling in self.spellings)


_LABEL_TRASH = re.compile(r"[\s:：*＊]+")
_FULLWIDTH = str.maketrans("（），；", "(),;")


def normalize_label(text: str) -> str:
    """Compare labels ignoring spaces, colons, stars and the width of brackets and commas."""
    return _LABEL_TRASH.sub("", text).translate(_FULLWIDTH)


# Lays one form out as the layout's table (东莞, 深圳: one table a form).
type FormBuilder = Callable[[Layout, FormContent, Sequence[CategoryRef]], Grid]
# Lays a department's forms out as one table, unit by unit (广州).
type DepartmentBuilder = Callable[[Layout, str, int, Sequence[UnitForms]], Grid]


@dataclass(frozen=True)
class Layout:
    """One official layout. Give it a ``form_builder`` (one table a form) or a
    ``department_builder`` (one table a department and year); the builder reads the printed
    label texts from the layout (``layout.text(key)``)."""

    key: LayoutKey
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
    landscape: bool = False  # printed on landscape A4 (PDF and the xlsx page setup)
    # The amounts are printed under the unit the form's own sheet named (``amount_unit_label``),
    # not converted to a unit of the layout's.
    prints_sheet_unit: bool = False
    font_pt: float = 10.0  # PDF text size
    form_builder: FormBuilder | None = field(default=None, compare=False, repr=False)
    department_builder: DepartmentBuilder | None = field(default=None, compare=False, repr=False)

    def label(self, key: str) -> Label:
        for label in (*self.header, *self.columns, *self.block_labels.values()):
            if label.key == key:
                return label
        raise KeyError(key)

    def text(self, key: str, **values: object) -> str:
        """The printed text of the label ``key``, its placeholders (``{year}``, ``{unit}``)
        filled from ``values``."""
        return self.label(key).text.format(**values)

    @property
    def per_form(self) -> bool:
        return self.form_builder is not None

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
