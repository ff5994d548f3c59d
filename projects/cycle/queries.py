"""Which reports an actor waits on: the reports at a review stage the actor reviews, as the
queue of forms reads them (``projects.workflow.STAGES``), over the report's form."""

from __future__ import annotations

from django.db.models import Q

from projects.models import Report, ReportQuerySet, Stage
from projects.permissions import Actor
from projects.workflow import STAGES


def at_stage(stage: Stage) -> Q:
    found = Q(pk__in=[])
    for status, department_review in STAGES[stage]:
        if department_review is None:
            found |= Q(status=status)
        else:
            found |= Q(
                status=status, form__project__department__department_review=department_review
            )
    return found


def waiting_for(actor: Actor) -> ReportQuerySet:
    """The reports waiting for the actor's review (a conflicted one left out: the actor's own
    unit's, and at the finance stage their department's)."""
    waiting = Q(pk__in=[])
    for stage in Stage:
        departments = actor.departments_at(stage)
        if departments is not None and not departments:
            continue
        here = at_stage(stage) & ~Q(form__project__unit_id__in=actor.filer_units)
        if stage == Stage.FINANCE:
            here &= ~Q(form__project__department_id__in=actor.reviewed_departments)
        if departments is not None:
            here &= Q(form__project__department_id__in=departments)
        waiting |= here
    return Report.objects.filter(waiting)
