"""The queue's filters (department, project type, check results, overdue, 分配给我), as the queue page,
its export and the review page's previous/next read them from the query string."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import BooleanField, Case, Q, Value, When
from django.http import QueryDict
from django.utils import timezone

from projects.errors import as_int
from projects.models import PerformanceFormQuerySet, Stage
from projects.permissions import Actor
from projects.review.assignment import assigned_to, bureau_divides_work
from projects.review.dashboard import overdue_in_any_year
from projects.review.queue import review_queue
from projects.workflow import at_stage

CHECK_FILTERS: dict[str, tuple[str, Q]] = {
    "errors": ("有错误", Q(check_errors__gt=0)),
    "warnings": ("有提醒", Q(check_warnings__gt=0)),
    "clean": ("无问题", Q(check_errors=0, check_warnings=0)),
}


def filtered_queue(
    actor: Actor, params: QueryDict, *, mark_overdue: bool = True
) -> tuple[PerformanceFormQuerySet, dict[str, str]]:
    """The actor's queue narrowed by the page's filters, with the filters as understood.
    ``mark_overdue``: each form annotated ``overdue`` (the season's deadlines are read only
    for that, or for the overdue filter)."""
    forms = review_queue(actor)
    department = params.get("department", "")
    forms = forms.matching(department=as_int(department))
    project_type = params.get("project_type", "")
    if project_type:
        forms = forms.filter(project_type=project_type)
    checks = params.get("checks", "")
    if checks in CHECK_FILTERS:
        forms = forms.filter(CHECK_FILTERS[checks][1])
    else:
        checks = ""
    overdue = "1" if params.get("overdue") == "1" else ""
    if mark_overdue or overdue:
        late = overdue_in_any_year(timezone.localdate())
        if mark_overdue:
            forms = forms.annotate(
                overdue=Case(
                    When(late, then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        if overdue:
            forms = forms.filter(late)
    # 分配给我 (the finance forms assigned to this reviewer) or 全部: by default the former
    # once the bureau divides its review, the latter before
    assigned = params.get("assigned", "")
    if assigned not in ("mine", "all"):
        assigned = ""
        if actor.reviews_any_at(Stage.FINANCE):
            assigned = "mine" if bureau_divides_work() else "all"
    if assigned == "mine":
        forms = forms.filter(assigned_to(actor.user_id) | ~at_stage(Stage.FINANCE))
    filters = {"department": department, "project_type": project_type, "checks": checks}
    return forms, filters | {"overdue": overdue, "assigned": assigned}


def filter_query(filters: dict[str, str]) -> str:
    """The filters in force, as a query string (empty when none is)."""
    return urlencode({key: value for key, value in filters.items() if value})
