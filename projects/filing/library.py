"""The indicator library (指标库): every indicator name seen on forms, by category, with how
many forms use it and its usual units and values. It is derived data, rebuilt as a whole from
the indicators (set-based: three grouped queries and one bulk insert), after imports and
roll-overs by a background task (``rebuild_library_later``)."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.tasks import task

from indicators.models import LibraryEntry
from projects.models import Indicator

TOP_UNITS = 3
TOP_VALUES = 5
NAME_MAX = LibraryEntry._meta.get_field("name").max_length or 300


def rebuild_library() -> int:
    """Replace the library with what the forms hold now; return the number of entries."""
    named = Indicator.objects.filter(not_applicable=False).exclude(name="")
    counts = named.values("category_id", "name").annotate(forms=Count("form", distinct=True))
    units: dict[tuple[int, str], list[str]] = defaultdict(list)
    for unit_row in (
        named.exclude(target_unit="")
        .values("category_id", "name", "target_unit")
        .annotate(n=Count("id"))
        .order_by("category_id", "name", "-n", "target_unit")
    ):
        key = (unit_row["category_id"], unit_row["name"])
        if len(units[key]) < TOP_UNITS:
            units[key].append(unit_row["target_unit"])
    values: dict[tuple[int, str], list[str]] = defaultdict(list)
    typed = Coalesce(NullIf(F("annual_value"), Value("")), F("value"))
    for typed_row in (
        named.annotate(typed=typed)
        .exclude(typed="")
        .values("category_id", "name", "typed")
        .annotate(n=Count("id"))
        .order_by("category_id", "name", "-n", "typed")
    ):
        key = (typed_row["category_id"], typed_row["name"])
        if len(values[key]) < TOP_VALUES:
            values[key].append(typed_row["typed"])
    entries: dict[tuple[int, str], LibraryEntry] = {}
    for row in counts:
        key = (row["category_id"], row["name"])
        name = row["name"][:NAME_MAX]
        entry = entries.get((key[0], name))
        if entry is None:
            entries[(key[0], name)] = LibraryEntry(
                category_id=key[0],
                name=name,
                usage_count=row["forms"],
                units=units.get(key, []),
                sample_values=values.get(key, []),
            )
        else:
            entry.usage_count += row["forms"]
    with transaction.atomic():
        LibraryEntry.objects.all().delete()
        LibraryEntry.objects.bulk_create(entries.values(), batch_size=1000)
    return len(entries)


@task()
def rebuild_library_task() -> int:
    return rebuild_library()


def rebuild_library_later() -> None:
    """Queue a rebuild of the indicator library once the current transaction has committed
    (nothing if it rolls back)."""
    transaction.on_commit(rebuild_library_task.enqueue)
