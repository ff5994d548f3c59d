"""Which reports an actor waits on: the reports at a review stage the actor reviews, by the
rule of the forms' queue (``Actor.queue_scope``), read through the report's form."""

from __future__ import annotations

from projects.models import Report, ReportQuerySet
from projects.permissions import Actor


def waiting_for(actor: Actor) -> ReportQuerySet:
    """The reports waiting for the actor's review (a conflicted one left out: the actor's own
    unit's, and at the finance stage their department's)."""
    return Report.objects.filter(actor.queue_scope(project="form__project"))
