"""Between the content and the database: ``load_content`` reads a saved form; ``set_fields``
and ``apply_indicators`` write a content onto a saved form in place (a row that continues keeps
its id and uid, so comments stay attached); ``new_indicator_rows`` builds the rows of a form
being created, for one bulk insert."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from projects.content.categories import CategoryLookup as CategoryLookup  # where the services look
from projects.content.fields import FIELD_BY_KEY, FIELDS, INDICATOR_FIELDS, one_line
from projects.content.pairing import pair_indicators
from projects.content.types import FormContent, IndicatorContent, ProjectContent
from projects.models import Indicator, PerformanceForm, Project


def load_content(form: PerformanceForm) -> FormContent:
    """The content of a saved form. Expects ``project__department``, ``project__unit`` and the
    indicators with their categories (and parents) to be loaded, or loads them."""
    project = form.project
    content = FormContent(project=ProjectContent(name=""), fiscal_year=form.fiscal_year)
    for spec in FIELDS:
        owner = project if spec.model == "project" else form
        value = getattr(owner, spec.attr)
        if spec.kind == "organization":
            value = value.name
        content.set(spec.key, value)
    content.indicators = [indicator_content(row) for row in form.indicators.all()]
    return content


def indicator_content(row: Indicator) -> IndicatorContent:
    category = row.category
    parent = category.parent if category.parent_id else None
    item = IndicatorContent(
        level1=parent.name if parent else category.name,
        level2=category.name if parent else "",
        uid=str(row.uid),
    )
    for spec in INDICATOR_FIELDS:
        setattr(item, spec.key, getattr(row, spec.attr))
    return item


def set_fields(
    target: Project | PerformanceForm, content: FormContent, keys: Iterable[str]
) -> list[str]:
    """Copy the given fields of the content that live on ``target`` (a project or a form) onto
    it, organisations excepted (the caller resolves them). Returns the changed attributes."""
    which = "project" if isinstance(target, Project) else "form"
    changed = []
    for key in keys:
        spec = FIELD_BY_KEY[key]
        if spec.kind == "organization" or spec.model != which:
            continue
        value = spec.stored(content.get(key))
        if spec.single_line and content.get(key) not in (None, value):
            content.set(key, value)  # folded to one line: the snapshot says what is stored
        if getattr(target, spec.attr) != value:
            setattr(target, spec.attr, value)
            changed.append(spec.attr)
    return changed


def new_indicator_rows(
    form: PerformanceForm, items: Sequence[IndicatorContent], categories: CategoryLookup
) -> list[Indicator]:
    """Unsaved rows for the indicators of a form being created (for one bulk insert)."""
    rows = []
    for order, item in enumerate(items):
        row = Indicator(form=form, order=order)
        _set_row(row, item, categories.require(form.framework_id, item))
        rows.append(row)
    return rows


def _set_row(row: Indicator, item: IndicatorContent, category_id: int) -> list[str]:
    changed = []
    if row.category_id != category_id:
        row.category_id = category_id
        changed.append("category")
    for spec in INDICATOR_FIELDS:
        value = getattr(item, spec.key)
        if spec.single_line and isinstance(value, str) and (folded := one_line(value)) != value:
            value = folded  # one line, on the row and in the snapshot
            setattr(item, spec.key, value)
        if getattr(row, spec.attr) != value:
            setattr(row, spec.attr, value)
            changed.append(spec.attr)
    row.set_parsed()
    return changed


def apply_indicators(
    form: PerformanceForm,
    items: Sequence[IndicatorContent],
    categories: CategoryLookup,
    *,
    by_position: bool = True,
    restore_uids: bool = False,
) -> bool:
    """Make the form's indicator rows say ``items``, in that order, in place: a row that
    continues (``pair_indicators``) keeps its id and uid; only what changed is written. Each
    item's ``uid`` is set to its row's. With ``restore_uids`` (an earlier version put back), a
    row created again takes the uid its item had, when no row holds it now. Returns whether
    anything changed."""
    rows = list(form.indicators.all())
    taken: set[str] = set()
    if restore_uids:
        wanted = [item.uid for item in items if item.uid]
        taken = {
            str(uid)
            for uid in Indicator.objects.filter(uid__in=wanted).values_list("uid", flat=True)
        }
    current = [indicator_content(row) for row in rows]
    gone: list[int] = []
    new_rows: list[Indicator] = []
    updated: list[Indicator] = []
    fields: set[str] = set()
    for old, new in pair_indicators(current, items, by_position=by_position):
        if new is None:
            assert old is not None
            gone.append(rows[old].pk)
            continue
        item = items[new]
        category_id = categories.require(form.framework_id, item)
        if old is None:
            row = Indicator(form=form, order=new)
            if restore_uids and item.uid and item.uid not in taken:
                row.uid = uuid.UUID(item.uid)
                taken.add(item.uid)
            _set_row(row, item, category_id)
            item.uid = str(row.uid)
            new_rows.append(row)
            continue
        row = rows[old]
        item.uid = str(row.uid)
        changed_fields = _set_row(row, item, category_id)
        if row.order != new:
            row.order = new
            changed_fields.append("order")
        if changed_fields:
            fields.update(changed_fields)
            updated.append(row)
    if gone:
        Indicator.objects.filter(pk__in=gone).delete()
    if updated:
        parsed = ("target_kind", "target_comparator", "target_number", "target_unit")
        names = sorted(fields)
        Indicator.objects.bulk_update(updated, [*names, *parsed, "target_qualifier"])
    Indicator.objects.bulk_create(new_rows)
    changed = bool(gone or updated or new_rows)
    if changed:  # the form's prefetched rows are stale now
        getattr(form, "_prefetched_objects_cache", {}).pop("indicators", None)
    return changed
