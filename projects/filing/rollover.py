"""Roll-over: turn chosen forms of year N into year N+1 drafts for the units to revise.

The new form keeps the project, the layout and framework, and the whole content (amounts to be
revised, goals, texts, every indicator); each new indicator remembers the one it came from
(``Indicator.origin``). It starts as a 草稿 at version 1, with one history event. The originals
are not touched. A project that already has a form for the next year is skipped, so rolling
over twice creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from projects.content import ALL_KEYS, CategoryLookup, load_content, new_indicator_rows, set_fields
from projects.errors import DomainError
from projects.filing.library import rebuild_library_later
from projects.history import event_for
from projects.models import MAX_YEAR, FormEvent, Indicator, PerformanceForm
from projects.permissions import Actor, can_roll_over


class RolloverError(DomainError):
    """A roll-over that cannot go ahead."""


@dataclass
class RolloverResult:
    created: list[PerformanceForm] = field(default_factory=list)
    skipped: list[tuple[PerformanceForm, str]] = field(default_factory=list)


def roll_over(*, form_ids: Sequence[int], actor: Actor | None = None) -> RolloverResult:
    """Copy each chosen form into a draft for the following year, if the actor may roll each
    one over (``can_roll_over``). ``actor=None`` is a command."""
    actor = actor or Actor.system()
    with transaction.atomic():
        sources = list(
            PerformanceForm.objects.filter(pk__in=form_ids).with_content().order_by("pk")
        )
        if len(sources) != len(set(form_ids)):
            raise RolloverError("有的表不存在或已被删除。")
        for source in sources:
            allowed, reason = can_roll_over(actor, source)
            if not allowed:
                raise RolloverError(reason)
        taken = set(
            PerformanceForm.objects.filter(
                project_id__in={f.project_id for f in sources},
                fiscal_year__in={f.fiscal_year + 1 for f in sources},
            ).values_list("project_id", "fiscal_year")
        )
        result = RolloverResult()
        categories = CategoryLookup()
        rows: list[Indicator] = []
        events = []
        for source in sources:
            year = source.fiscal_year + 1
            if year > MAX_YEAR:
                raise RolloverError("年度超出范围。")
            if (source.project_id, year) in taken:
                result.skipped.append((source, f"{year} 年的表已经存在。"))
                continue
            taken.add((source.project_id, year))
            content = load_content(source)
            content.fiscal_year = year
            draft = PerformanceForm(
                project=source.project, fiscal_year=year, framework_id=source.framework_id
            )
            set_fields(draft, content, ALL_KEYS)
            new_rows = new_indicator_rows(draft, content.indicators, categories)
            for row, origin, item in zip(
                new_rows, source.indicators.all(), content.indicators, strict=True
            ):
                row.origin = origin
                item.uid = str(row.uid)
            rows += new_rows
            result.created.append(draft)
            events.append((draft, content, source))
        PerformanceForm.objects.bulk_create(result.created)
        Indicator.objects.bulk_create(rows, batch_size=500)
        FormEvent.objects.bulk_create(
            [
                event_for(
                    draft,
                    actor=actor,
                    kind=FormEvent.Kind.ROLL_OVER,
                    comment=f"由 {source.fiscal_year} 年的表结转（第 {source.version} 版）。",
                    content=content,
                )
                for draft, content, source in events
            ],
            batch_size=500,
        )
        if result.created:
            rebuild_library_later()
    return result
