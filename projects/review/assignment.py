"""Dividing the finance review: a reviewer who may (``can_assign``) assigns departments or
single forms to named finance reviewers, in bulk, and reassigns them; the queue opens on
what is assigned to the reviewer (``assigned_to``), and the dashboard shows each
reviewer's load (``reviewer_loads``).

An assignment divides the work, it does not fence it: any finance reviewer of a form may
still act on it. A form's own assignment wins over its department's."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.utils import timezone

from projects.errors import DomainError
from projects.models import (
    Assignment,
    FormEvent,
    Membership,
    Organization,
    PerformanceForm,
    Stage,
)
from projects.permissions import Actor, can_assign, can_take_assignment
from projects.review.queue import in_status_since
from projects.workflow import TRANSITIONS, at_stage


class AssignmentRefused(DomainError):
    """An assignment that cannot be made; the message says why."""


# The people who may be assigned work: the finance bureau's finance reviewers.
BUREAU_REVIEWERS = Q(
    is_active=True,
    memberships__role=Membership.Role.FINANCE_REVIEWER,
    memberships__organization__kind=Organization.Kind.FINANCE,
)


def finance_reviewers() -> list[tuple[int, str]]:
    """The finance bureau's finance reviewers (id, name), by user name (one query)."""
    users = get_user_model().objects.filter(BUREAU_REVIEWERS).distinct().order_by("username")
    return [(user.pk, user.get_full_name() or user.get_username()) for user in users]


# a form's department's reviewer, from the form (the department's assignment, joined)
DEPARTMENT_REVIEWER = "department__review_assignments__reviewer_id"


def assigned_to(user_id: int | None) -> Q:
    """The forms assigned to the user, as a filter."""
    forms = Assignment.objects.filter(form__isnull=False)
    mine = Q(pk__in=forms.filter(reviewer_id=user_id).values("form_id"))
    departments = Assignment.objects.filter(department__isnull=False, reviewer_id=user_id)
    return mine | (
        Q(department_id__in=departments.values("department_id"))
        & ~Q(pk__in=forms.values("form_id"))
    )


def bureau_divides_work() -> bool:
    """Whether the finance bureau divides its review at all (one query): the queue then
    opens on 分配给我."""
    return Assignment.objects.exists()


def _assignee(reviewer_id: int | None) -> Actor | None:
    if reviewer_id is None:
        return None
    user = get_user_model().objects.filter(BUREAU_REVIEWERS, pk=reviewer_id).first()
    if user is None:
        raise AssignmentRefused("只能分配给财政局的财政审核人。")
    return Actor.for_user(user)


def assign_departments(
    *, actor: Actor, department_ids: Iterable[int], reviewer_id: int | None
) -> int:
    """Assign the departments' finance review to the reviewer (``None``: take the
    assignment back), replacing whoever had them; how many were. A reviewer who is a
    reviewer of a department is refused it (conflict of interest)."""
    ids = sorted(set(department_ids))
    if not ids:
        raise AssignmentRefused("请先勾选要分配的主管部门。")
    with transaction.atomic():
        allowed, reason = can_assign(actor)
        if not allowed:
            raise AssignmentRefused(reason)
        assignee = _assignee(reviewer_id)
        departments = list(
            Organization.objects.select_for_update()
            .filter(pk__in=ids, kind=Organization.Kind.DEPARTMENT)
            .order_by("pk")
        )
        if len(departments) != len(ids):
            raise AssignmentRefused("没有找到所选的主管部门。")
        for department in departments:
            if assignee is not None and department.pk in assignee.reviewed_departments:
                raise AssignmentRefused(
                    f"这位审核人是{department.name}的审核人，需回避，不能分配给他/她。"
                )
        Assignment.objects.filter(department_id__in=ids).delete()
        if reviewer_id is not None:
            Assignment.objects.bulk_create(
                Assignment(department=d, reviewer_id=reviewer_id, assigned_by_id=actor.user_id)
                for d in departments
            )
    return len(ids)


def assign_forms(*, actor: Actor, form_ids: Iterable[int], reviewer_id: int | None) -> int:
    """Assign single forms' finance review to the reviewer (``None``: back to their
    department's assignment), replacing whoever had them; how many were. Each form must be
    one the reviewer may take (``can_take_assignment``: a reviewer of its department, with
    no conflict of interest)."""
    ids = sorted(set(form_ids))
    if not ids:
        raise AssignmentRefused("请先勾选要分配的表。")
    with transaction.atomic():
        allowed, reason = can_assign(actor)
        if not allowed:
            raise AssignmentRefused(reason)
        assignee = _assignee(reviewer_id)
        forms = list(
            PerformanceForm.objects.select_for_update(of=("self",))
            .with_related()
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(forms) != len(ids):
            raise AssignmentRefused("没有找到所选的表。")
        if assignee is not None:
            for form in forms:
                allowed, reason = can_take_assignment(assignee, form)
                if not allowed:
                    raise AssignmentRefused(f"《{form.project.name}》：{reason}")
        Assignment.objects.filter(form_id__in=ids).delete()
        if reviewer_id is not None:
            Assignment.objects.bulk_create(
                Assignment(form=form, reviewer_id=reviewer_id, assigned_by_id=actor.user_id)
                for form in forms
            )
    return len(ids)


def department_assignments() -> list[tuple[Organization, int | None]]:
    """Every department with the reviewer its finance review is assigned to, by name (one
    query)."""
    reviewer = Assignment.objects.filter(department=OuterRef("pk")).values("reviewer_id")[:1]
    departments = (
        Organization.objects.filter(kind=Organization.Kind.DEPARTMENT)
        .annotate(reviewer_id=Subquery(reviewer, output_field=IntegerField()))
        .order_by("name")
    )
    return [(d, d.reviewer_id) for d in departments]


@dataclass(frozen=True)
class ReviewerLoad:
    """One finance reviewer's load: the forms assigned to them waiting for finance, how many
    they decided (approved or returned) this week, and the average days their waiting forms
    have waited."""

    user_id: int | None  # None: the forms assigned to nobody
    name: str
    waiting: int = 0
    done_this_week: int = 0
    average_days: float | None = None


def reviewer_loads(today: datetime.date | None = None) -> list[ReviewerLoad]:
    """Each finance reviewer's load, and the waiting forms assigned to nobody last. Three
    queries: the reviewers, the waiting forms counted by whom they are assigned to with the
    time they have waited, the decisions of this week grouped by who took them."""
    today = today or timezone.localdate()
    reviewers = finance_reviewers()
    now = timezone.now()
    waiting: dict[int | None, int] = {}
    waited: dict[int | None, datetime.timedelta] = {}
    # counted and summed by the database, a row a pair of the form's own assignment and its
    # department's (each joined: at most one a form, one a department) rather than two
    # lookups for each of the thousands of waiting forms; the form's own wins
    own, departments = "review_assignments__reviewer_id", DEPARTMENT_REVIEWER
    for mine, department, count, age in (
        PerformanceForm.objects.filter(at_stage(Stage.FINANCE))
        .annotate(since=in_status_since())
        .values(own, departments)
        .annotate(
            count=Count("pk"),
            age=Sum(ExpressionWrapper(Value(now) - F("since"), output_field=DurationField())),
        )
        .order_by()
        .values_list(own, departments, "count", "age")
    ):
        assignee = mine if mine is not None else department
        waiting[assignee] = waiting.get(assignee, 0) + count
        waited[assignee] = waited.get(assignee, datetime.timedelta()) + age
    ages = {
        assignee: (waited[assignee] / count).total_seconds() / 86400
        for assignee, count in waiting.items()
    }
    monday = today - datetime.timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))
    decided = {TRANSITIONS["approve"].kind, TRANSITIONS["return"].kind}
    finance_statuses = sorted(TRANSITIONS["approve"].sources)
    done = dict(
        FormEvent.objects.filter(
            kind__in=decided, from_status__in=finance_statuses, created_at__gte=start
        )
        .values("actor_id")
        .annotate(count=Count("pk"))
        .values_list("actor_id", "count")
    )
    loads = [
        ReviewerLoad(
            user_id=pk,
            name=name,
            waiting=waiting.get(pk, 0),
            done_this_week=done.get(pk, 0),
            average_days=_days(ages.get(pk)),
        )
        for pk, name in reviewers
    ]
    loads.append(
        ReviewerLoad(
            user_id=None,
            name="未分配",
            waiting=waiting.get(None, 0),
            average_days=_days(ages.get(None)),
        )
    )
    return loads


def _days(average: float | None) -> float | None:
    return None if average is None else round(average, 1)
