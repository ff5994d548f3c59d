"""A 绩效目标表's content, layout-neutral, and the one list of a form's fields.

* ``FormContent`` (with ``ProjectContent`` and ``IndicatorContent``) is what the importer reads,
  the exporters lay out, the history snapshots and the diff compares. Amounts are in 元.
* ``FIELDS`` lists every field of a form once: its key in the import JSON (``project.name``,
  ``amounts.annual``, ``goals.period``…), the model attribute behind it and its Chinese label
  (the model field's ``verbose_name``). ``INDICATOR_FIELDS`` does the same for an indicator row.
  Nothing else spells a form's fields out.
* ``load_content(form)`` reads a saved form; ``set_fields(form_or_project, content, keys)`` and
  ``apply_indicators(form, items, …)`` write a content onto a saved form in place: changed fields
  are set, indicators are paired with the rows they continue (``pair_indicators``) and updated,
  so unchanged rows keep their uid and comments.
* ``to_json`` / ``from_json``: the import JSON (also the snapshot of each history event).
* ``diff_content(old, new)``: field by field and indicator by indicator, with Chinese labels.
* ``CategoryLookup``: each framework's categories, read once, for everything that needs them.
"""

from projects.content.categories import CategoryLookup, FrameworkCategory
from projects.content.database import (
    apply_indicators,
    indicator_content,
    load_content,
    new_indicator_rows,
    set_fields,
)
from projects.content.diff import ContentDiff, FieldChange, IndicatorChange, diff_content, shown
from projects.content.fields import (
    ALL_KEYS,
    ALWAYS_CARRIED,
    FIELD_BY_KEY,
    FIELDS,
    INDICATOR_FIELDS,
    FieldSpec,
    IndicatorFieldSpec,
    field_label,
    fold_single_lines,
    one_line,
    service_written,
    verbose_name,
)
from projects.content.pairing import pair_indicators
from projects.content.serialize import ContentError, amount_from_json, from_json, to_json
from projects.content.types import FormContent, IndicatorContent, ProjectContent

__all__ = [
    "ALL_KEYS",
    "ALWAYS_CARRIED",
    "FIELDS",
    "FIELD_BY_KEY",
    "INDICATOR_FIELDS",
    "CategoryLookup",
    "ContentDiff",
    "ContentError",
    "FieldChange",
    "FieldSpec",
    "FormContent",
    "FrameworkCategory",
    "IndicatorChange",
    "IndicatorContent",
    "IndicatorFieldSpec",
    "ProjectContent",
    "amount_from_json",
    "apply_indicators",
    "diff_content",
    "field_label",
    "fold_single_lines",
    "from_json",
    "indicator_content",
    "load_content",
    "new_indicator_rows",
    "one_line",
    "pair_indicators",
    "service_written",
    "set_fields",
    "shown",
    "to_json",
    "verbose_name",
]
