"""Roll-over: turn chosen forms of year N into year N+1 drafts for the units to revise.

The new form keeps the project, the layout and framework, the amounts (to be revised), the
goals, the texts and every indicator; it starts as a 草稿 at version 1. The originals are not
touched. A project that already has a form for the next year is skipped, so rolling over twice
creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from indicators.models import Indicator
from indicators.tasks import rebuild_library_later
from projects.models import MAX_YEAR, Membership, PerformanceForm

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

COPIED_FIELDS = (
    "layout",
    "framework_id",
    "annual_amount",
    "total_amount",
    "fiscal_amount",
    "special_amount",
    "other_amount",
    "amount_unit_label",
    "content",
    "policy_basis",
    "calculation_basis",
    "period_goal",
    "annual_goal",
)
INDICATOR_FIELDS = (
    "category_id",
    "name",
    "period_value",
    "annual_value",
    "value",
    "explanation",
    "is_core",
    "not_applicable",
    "order",
    "target_kind",
    "target_comparator",
    "target_number",
    "target_unit",
    "target_qualifier",
)


class RolloverError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RolloverResult:
    created: list[PerformanceForm] = field(default_factory=list)
    skipped: list[tuple[PerformanceForm, str]] = field(default_factory=list)


def roll_over(*, form_ids: Sequence[int], user: AbstractBaseUser | None = None) -> RolloverResult:
    """Copy each chosen form into a draft for the following year. Staff may roll over any form;
    a filer only the forms of their own units. ``user=None`` is the system (commands)."""
    with transaction.atomic():
        sources = list(
            PerformanceForm.objects.filter(pk__in=form_ids)
            .select_related("project")
            .prefetch_related("indicators")
            .order_by("pk")
        )
        if len(sources) != len(set(form_ids)):
            raise RolloverError(_("有的表不存在或已被删除。"))
        _check_access(user, sources)
        taken = set(
            PerformanceForm.objects.filter(
                project_id__in={f.project_id for f in sources},
                fiscal_year__in={f.fiscal_year + 1 for f in sources},
            ).values_list("project_id", "fiscal_year")
        )
        result = RolloverResult()
        drafts: list[tuple[PerformanceForm, PerformanceForm]] = []
        for source in sources:
            year = source.fiscal_year + 1
            if year > MAX_YEAR:
                raise RolloverError(_("年度超出范围。"))
            if (source.project_id, year) in taken:
                result.skipped.append((source, _("%(year)s 年的表已经存在。") % {"year": year}))
                continue
            taken.add((source.project_id, year))
            draft = PerformanceForm(
                project_id=source.project_id,
                fiscal_year=year,
                status=PerformanceForm.Status.DRAFT,
                version=1,
                **{name: getattr(source, name) for name in COPIED_FIELDS},
            )
            drafts.append((source, draft))
        PerformanceForm.objects.bulk_create([draft for _source, draft in drafts])
        Indicator.objects.bulk_create(
            [
                Indicator(form=draft, **{name: getattr(item, name) for name in INDICATOR_FIELDS})
                for source, draft in drafts
                for item in source.indicators.all()
            ],
            batch_size=500,
        )
        result.created = [draft for _source, draft in drafts]
        if drafts:
            rebuild_library_later()
    return result


def _check_access(user: AbstractBaseUser | None, forms: Sequence[PerformanceForm]) -> None:
    if user is None or getattr(user, "is_staff", False):
        return
    own_units = set(
        Membership.objects.filter(user_id=user.pk, role=Membership.Role.FILER).values_list(
            "organization_id", flat=True
        )
    )
    if any(form.project.unit_id not in own_units for form in forms):
        raise RolloverError(_("只能结转本单位的表。"))
