"""进度总览: how far a budget year's filing has got, department by department, which forms are
late against the year's deadlines, and, for a filer, where each of their unit's forms is now.

Every function here takes a fixed number of queries, whatever the number of forms."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from projects.history import annual_amounts_in_force
from projects.models import (
    ADJUSTING,
    Deadline,
    FormCount,
    PerformanceForm,
    Stage,
    in_force_status,
    pinyin,
)
from projects.models.fields import pinyin_key
from projects.permissions import Actor, counted_departments, sees_own_units_only, visible_forms
from projects.review.queue import in_status_since
from projects.workflow import TRANSITIONS, at_stage, review_stage

Status = PerformanceForm.Status

# The status columns, in the order the workflow goes.
STATUSES: tuple[str, ...] = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.DEPARTMENT_APPROVED,
    Status.APPROVED,
    Status.RETURNED,
)


# --------------------------------------------------------------------------- deadlines


def year_deadlines(fiscal_year: int) -> list[Deadline]:
    """The year's deadlines, earliest first (one query)."""
    return list(Deadline.objects.filter(fiscal_year=fiscal_year).order_by("due", "stage"))


def is_past(deadline: Deadline, today: datetime.date) -> bool:
    """A deadline has passed once its day is over: a form is still on time on the due day."""
    return deadline.due < today


def overdue_q(deadlines: Iterable[Deadline], today: datetime.date) -> Q:
    """The forms late against the deadlines that have passed by ``today``, as a filter:

    * 草稿 or 已退回 once the ``submit`` deadline has passed;
    * 已提交 to a department that reviews, once the ``department`` deadline has passed;
    * waiting for finance (部门已审, or 已提交 where the department does not review) once the
      ``finance`` deadline has passed.

    A stage with no deadline is never late; with no deadline passed, no form is. Over the
    forms or their counts (``at_stage``)."""
    passed = {deadline.stage for deadline in deadlines if is_past(deadline, today)}
    late = Q(pk__in=[])
    if Deadline.Stage.SUBMIT in passed:
        late |= Q(status__in=sorted(TRANSITIONS["submit"].sources))
    for stage in Stage:
        if stage in passed:
            late |= at_stage(stage)
    return late


def overdue_in_any_year(today: datetime.date) -> Q:
    """Overdue against its own year's deadlines, for forms of any year (one query: the
    deadlines table holds a few rows a year)."""
    by_year: dict[int, list[Deadline]] = {}
    for deadline in Deadline.objects.all():
        by_year.setdefault(deadline.fiscal_year, []).append(deadline)
    late = Q(pk__in=[])
    for year, deadlines in by_year.items():
        late |= Q(fiscal_year=year) & overdue_q(deadlines, today)
    return late


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class DepartmentRow:
    """One department's forms of the year, counted by status. ``department_id`` is ``None``
    on the totals row."""

    department_id: int | None
    name: str
    draft: int = 0
    submitted: int = 0
    department_approved: int = 0
    approved: int = 0
    returned: int = 0
    total: int = 0
    adjusting: int = 0  # 调整中: approved once, an adjustment under way
    overdue: int = 0

    @property
    def cells(self) -> list[tuple[str, str, int]]:
        """``(status, its label, count)`` in the order of ``STATUSES``: the table's columns."""
        labels = status_labels()
        return [(status, labels[status], getattr(self, status)) for status in STATUSES]


def status_labels() -> dict[str, str]:
    """Each status's label in the active language (translated once per call, not per cell)."""
    return {status: str(Status(status).label) for status in STATUSES}


COUNTED = [f.name for f in fields(DepartmentRow) if f.name not in ("department_id", "name")]


def status_counts(
    actor: Actor,
    fiscal_year: int,
    *,
    deadlines: Sequence[Deadline] | None = None,
    today: datetime.date | None = None,
    own: Sequence[UnitRow] | None = None,
) -> list[DepartmentRow]:
    """For each department among the year's forms the actor may see, the number of forms in
    each status, in all, being adjusted and overdue; by department name. One query (two
    without ``deadlines``).

    Whoever sees whole departments (the finance bureau, a department's reviewer, a finance
    reviewer given departments) reads the counts the database keeps (``FormCount``: a few rows
    a department, not its forms); a filer's forms are counted: from ``own`` (``unit_overview``
    of the same year and day, the page has them) when those are every form the filer sees,
    with no query."""
    if own is not None and sees_own_units_only(actor):
        return _own_counts(own)
    if deadlines is None:
        deadlines = year_deadlines(fiscal_year)
    today = today or timezone.localdate()
    departments = counted_departments(actor)
    if departments is not None:
        return _kept_counts(departments, fiscal_year, deadlines, today)
    late = overdue_q(deadlines, today)
    # by the status in force: a form being adjusted is 已通过 (and counted under 调整中 too)
    counts = {status: Count("pk", filter=in_force_status(status)) for status in STATUSES}
    rows = (
        visible_forms(actor)
        .for_year(fiscal_year)
        .values("department_id")  # grouped by the id alone: no sort of every form
        .annotate(
            department_name=Max("department__name"),
            **counts,
            total=Count("pk"),
            adjusting=Count("pk", filter=ADJUSTING),
            overdue=Count("pk", filter=late),
        )
        .order_by(pinyin("department_name"), "department_id")
    )
    return [_department_row(row) for row in rows]


def _own_counts(rows: Sequence[UnitRow]) -> list[DepartmentRow]:
    """``status_counts`` of a filer's forms as ``unit_overview`` listed them: by the status in
    force (``PerformanceForm.status_in_force``, the rule ``in_force_status`` filters by)."""
    counted: dict[int, dict[str, Any]] = {}
    for row in rows:
        form = row.form
        counts = counted.setdefault(
            form.project.department_id,
            {"name": form.project.department.name, **dict.fromkeys(COUNTED, 0)},
        )
        counts[form.status_in_force] += 1
        counts["total"] += 1
        counts["adjusting"] += form.is_adjusting
        counts["overdue"] += row.overdue
    return [
        DepartmentRow(department_id=pk, **counts)
        for pk, counts in sorted(
            counted.items(), key=lambda item: (pinyin_key(item[1]["name"]), item[0])
        )
    ]


def _kept_counts(
    departments: Q, fiscal_year: int, deadlines: Sequence[Deadline], today: datetime.date
) -> list[DepartmentRow]:
    """``status_counts`` from the counts the database keeps (one query)."""

    def forms(where: Q | None = None) -> Coalesce:
        return Coalesce(Sum("forms", filter=where), 0)

    counts = {
        status: forms(Q(status=status) | Q(adjusting=True))
        if status == Status.APPROVED  # by the status in force, as above
        else forms(Q(status=status, adjusting=False))
        for status in STATUSES
    }
    rows = (
        FormCount.objects.filter(departments, fiscal_year=fiscal_year)
        .values("department_id")
        .annotate(
            department_name=Max("department__name"),
            **counts,
            total=forms(),
            adjusting=forms(Q(adjusting=True)),
            overdue=forms(overdue_q(deadlines, today)),
        )
        .filter(total__gt=0)  # not a department whose forms have all moved away
        .order_by(pinyin("department_name"), "department_id")
    )
    return [_department_row(row) for row in rows]


def _department_row(values: Mapping[str, Any]) -> DepartmentRow:
    return DepartmentRow(
        department_id=values["department_id"],
        name=values["department_name"],
        **{name: values[name] for name in COUNTED},
    )


def total_row(rows: Iterable[DepartmentRow]) -> DepartmentRow:
    """The totals of the departments' rows (computed here, no query)."""
    rows = list(rows)
    return DepartmentRow(
        department_id=None,
        name="合计",
        **{name: sum(getattr(row, name) for row in rows) for name in COUNTED},
    )


def fiscal_years(actor: Actor) -> list[int]:
    """The years of the forms the actor may see, latest first (one query: of the counts the
    database keeps, for whoever sees whole departments)."""
    departments = counted_departments(actor)
    if departments is not None:
        kept = FormCount.objects.filter(departments, forms__gt=0)
        return list(kept.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct())
    years = (
        visible_forms(actor)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )
    return list(years)


# --------------------------------------------------------------------------- a unit's forms

HOLDERS: dict[str, str] = {
    "unit": "本单位",
    Stage.DEPARTMENT: "主管部门",
    Stage.FINANCE: "财政",
    "approved": "已通过",
}


def holder(form: PerformanceForm) -> str:
    """Who has the form now: ``department`` or ``finance`` while under review, ``approved``
    once approved, else ``unit`` (a draft, or a form returned to its unit)."""
    stage = review_stage(form)
    if stage is not None:
        return stage
    return "approved" if form.status == Status.APPROVED else "unit"


@dataclass(frozen=True)
class UnitRow:
    form: PerformanceForm
    holder: str  # a key of HOLDERS
    days: int  # days in the current status
    overdue: bool
    # 本年度预算金额 in force: the approved version's while an adjustment is open
    annual_amount: Decimal | None = None

    @property
    def holder_label(self) -> str:
        return str(HOLDERS[self.holder])


def unit_overview(
    actor: Actor,
    fiscal_year: int,
    *,
    deadlines: Sequence[Deadline] | None = None,
    now: datetime.datetime | None = None,
) -> list[UnitRow]:
    """The year's forms of the actor's own unit(s), by project name: who has each now, how
    many days it has been in its status, whether it is late and its amount in force (the
    approved version's while an adjustment is open). One query (two without ``deadlines``,
    one more for the approved snapshots when some form is being adjusted); none for an
    actor who files for no unit."""
    if not actor.filer_units:
        return []
    now = now or timezone.now()
    if deadlines is None:
        deadlines = year_deadlines(fiscal_year)
    late = overdue_q(deadlines, timezone.localdate(now))
    forms = (
        visible_forms(actor)
        .for_year(fiscal_year)
        .filter(project__unit_id__in=actor.filer_units)
        .for_rows()
        .annotate(
            since=in_status_since(),
            is_overdue=Case(When(late, then=Value(True)), default=Value(False)),
        )
        .order_by(pinyin("project__unit__name"), pinyin("project__name"), "id")
    )
    loaded = list(forms)
    amounts = annual_amounts_in_force(loaded)
    return [
        UnitRow(
            form=form,
            holder=holder(form),
            days=(now - form.since).days,  # type: ignore[attr-defined]
            overdue=bool(form.is_overdue),  # type: ignore[attr-defined]
            annual_amount=amounts[form.pk],
        )
        for form in loaded
    ]
