"""A reviewer's queue: the forms waiting for them, oldest first, with how long each has waited."""

from __future__ import annotations

from datetime import datetime

from django.db.models.functions import Coalesce

from projects.models import PerformanceForm, PerformanceFormQuerySet
from projects.permissions import Actor
from projects.workflow import UNDER_REVIEW

# The statuses in which a form waits for a review (``Actor.queue_scope``).
WAITING = tuple(sorted(UNDER_REVIEW))


def in_status_since() -> Coalesce:
    """When a form reached the status it is in, as an annotation: its last event into that
    status (``FormArrival``, kept by the database), else its last change."""
    return Coalesce("arrival__arrived_at", "updated_at")


def review_queue(actor: Actor) -> PerformanceFormQuerySet:
    """The forms waiting for the actor's review, each with ``waiting_since`` (when it reached
    its current state), oldest first."""
    return (
        PerformanceForm.objects.visible_to(actor)
        .filter(actor.queue_scope())
        .for_rows()
        .annotate(waiting_since=in_status_since())
        .order_by("waiting_since", "id")
    )


def waiting_days(form: PerformanceForm, now: datetime) -> int:
    """Whole days since the form reached its state (``review_queue``'s ``waiting_since``)."""
    since: datetime = form.waiting_since  # type: ignore[attr-defined]
    return (now - since).days
