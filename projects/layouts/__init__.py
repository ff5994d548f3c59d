"""The official layouts, described once for the pages, the exporters and the importer.

* ``FormContent`` (``projects.content``) is the layout-neutral content of one 绩效目标表: what
  the importer reads and the exporters write.
* Each layout is one module (``dongguan``, ``shenzhen``, ``guangzhou``) holding its ``Layout``:
  its labels, in order, with the variants real sheets use (``aliases``), so the importer finds
  rows by label and the exporters print the same words; the content fields it carries; its
  column widths and print style; and its grid builder, which prints the layout's own labels.
  A new layout is a new module registered in ``LAYOUTS`` below.
* ``build_grid(layout, content, categories)`` lays one form out as the official table (a
  ``Grid``: rows of cells with their spans, grouped so that a group can be kept on one page).
  The form page, the PDF and the xlsx exporters all render this grid, so the three cannot
  drift apart. ``build_guangzhou_grid(...)`` does the same for a department's 广州 table.
* ``base`` holds ``Label`` and ``Layout``, ``grid`` the grid model and the builders' helpers,
  ``formats`` the number formats.
"""

from __future__ import annotations

from collections.abc import Sequence

from projects.content import FormContent
from projects.layouts.base import NOT_APPLICABLE, Label, Layout, normalize_label
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

LAYOUTS: dict[str, Layout] = {layout.key: layout for layout in (DONGGUAN, SHENZHEN, GUANGZHOU)}
# The layouts that draw one table a form (the others draw one a department).
PER_FORM_LAYOUTS = tuple(key for key, layout in LAYOUTS.items() if layout.per_form)


def build_grid(layout: str, data: FormContent, categories: Sequence[CategoryRef]) -> Grid:
    """Lay one form out in a per-form layout (东莞 or 深圳)."""
    found = LAYOUTS.get(layout)
    if found is None or not found.per_form:
        raise ValueError(f"{layout!r} is not a per-form layout")
    return found.build(data, categories)


__all__ = [
    "DONGGUAN",
    "GUANGZHOU",
    "GUANGZHOU_AMOUNT_KEYS",
    "LAYOUTS",
    "NOT_APPLICABLE",
    "PER_FORM_LAYOUTS",
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
    "format_bool",
    "format_plain_yuan",
    "format_thousands",
    "framework_categories",
    "guangzhou_indicator_text",
    "normalize_label",
    "yuan_to_wan",
]
