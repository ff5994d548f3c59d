"""The official layouts, described once for the pages, the exporters and the importer.

* ``FormContent`` (``projects.content``) is the layout-neutral content of one 绩效目标表: what
  the importer reads and the exporters write.
* Each layout is one module (``dongguan``, ``shenzhen``, ``guangzhou``) holding its ``Layout``:
  its name and menu label; its labels, in order, with the variants real sheets use
  (``aliases``), so the importer finds rows by label and the exporters print the same words;
  the content fields it carries and the indicator values the editor offers; its column widths
  and print style; its grid builder, which prints the layout's own labels; its reader, which
  reads them back (and, for 广州, the codec of its one-cell indicator text); and the labels by
  which the importer tells it from the others. Everything else (the form's layout choices, the
  export menu, the importer's detection and dispatch, the editor) is derived from ``LAYOUTS``.
  A new layout is a new module, registered below.
* ``build_grid(layout, content, categories)`` lays one form out as the official table (a
  ``Grid``: rows of cells with their spans, grouped so that a group can be kept on one page).
  The form page, the PDF and the xlsx exporters all render this grid, so the three cannot
  drift apart. ``build_guangzhou_grid(...)`` does the same for a department's 广州 table.
* ``base`` holds ``Label``, ``match_label`` and ``Layout``; ``grid`` the grid model and the
  builders' helpers; ``formats`` the number formats; ``sheet`` a sheet as the readers see it
  (cells as text, each with its reference); ``normalize`` how a cell's text is cleaned and
  read (amounts, years, yes/no, category names); ``reading`` what the readers share.
"""

from __future__ import annotations

from collections.abc import Sequence

from projects.content import FormContent
from projects.layouts.base import (
    NOT_APPLICABLE,
    Label,
    Layout,
    find_header_label,
    match_label,
    normalize_label,
)
from projects.layouts.dongguan import DONGGUAN
from projects.layouts.formats import (
    TEN_THOUSAND,
    format_bool,
    format_plain_yuan,
    format_thousands,
    yuan_to_wan,
)
from projects.layouts.grid import (
    CategoryRef,
    Cell,
    CellRole,
    Grid,
    Row,
    UnitForms,
    framework_categories,
)
from projects.layouts.guangzhou import (
    GUANGZHOU,
    GUANGZHOU_AMOUNT_KEYS,
    GuangzhouUnit,
    build_guangzhou_grid,
    guangzhou_indicator_text,
)
from projects.layouts.shenzhen import SHENZHEN

# The registered layouts by key, in the order menus list them (and the importer prefers them
# on a tie).
LAYOUTS: dict[str, Layout] = {}


def register(layout: Layout) -> Layout:
    """Add a layout: it then appears wherever layouts are offered, printed or read."""
    if layout.reader is None or (layout.form_builder is None) == (
        layout.department_builder is None
    ):
        raise ValueError(f"{layout.key!r} needs a reader and one kind of grid builder")
    LAYOUTS[layout.key] = layout
    return layout


def unregister(key: str) -> None:
    LAYOUTS.pop(key, None)


for _layout in (DONGGUAN, SHENZHEN, GUANGZHOU):
    register(_layout)


def layout_choices() -> list[tuple[str, str]]:
    """Every layout, for the form's layout field and the editor's choice."""
    return [(key, layout.label) for key, layout in LAYOUTS.items()]


def is_per_form(key: str) -> bool:
    """Whether ``key`` is a layout that draws one table a form (the others: a department)."""
    layout = LAYOUTS.get(key)
    return layout is not None and layout.per_form


def build_grid(layout: str, data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    """Lay one form out in a per-form layout (东莞 or 深圳)."""
    if not is_per_form(layout):
        raise ValueError(f"{layout!r} is not a per-form layout")
    return LAYOUTS[layout].build(data, categories)


__all__ = [
    "DONGGUAN",
    "GUANGZHOU",
    "GUANGZHOU_AMOUNT_KEYS",
    "LAYOUTS",
    "NOT_APPLICABLE",
    "SHENZHEN",
    "TEN_THOUSAND",
    "CategoryRef",
    "Cell",
    "CellRole",
    "Grid",
    "GuangzhouUnit",
    "Label",
    "Layout",
    "Row",
    "UnitForms",
    "build_grid",
    "build_guangzhou_grid",
    "find_header_label",
    "format_bool",
    "format_plain_yuan",
    "format_thousands",
    "framework_categories",
    "guangzhou_indicator_text",
    "is_per_form",
    "layout_choices",
    "match_label",
    "normalize_label",
    "register",
    "unregister",
    "yuan_to_wan",
]
