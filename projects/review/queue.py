"""A reviewer's queue: the forms waiting for them, oldest first, with how long each has waited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from projects.models import FormEvent, PerformanceForm, PerformanceFormQuerySet
from projects.permissions import Actor
from projects.workflow import UNDER_REVIEW

# The statuses in which a form waits for a review (``Actor.queue_scope``).
WAITING = tuple(sorted(UNDER_REVIEW))


def in_status_since(among: Sequence[str] = ()) -> Coalesce:
    """When a form reached the status it is in (its last event into that status; the last
    change for a form with no such event), as an annotation.

    ``among``: the statuses the forms are known to be in, if only some. Naming them changes
    nothing but lets PostgreSQL read each form's last arrival as one entry of the small index
    of arrivals into the waiting statuses (``event_waiting_arrival_idx``, migration 0010)."""
    arrived = FormEvent.objects.filter(form=OuterRef("pk"), to_status=OuterRef("status"))
    if among:
        arrived = arrived.filter(to_status__in=among)
    latest = arrived.order_by("-created_at").values("created_at")[:1]
    return Coalesce(Subquery(latest, output_field=DateTimeField()), "updated_at")


def review_queue(actor: Actor) -> PerformanceFormQuerySet:
    """The forms waiting for the actor's review, each with ``waiting_since`` (when it reached
    its current state), oldest first."""
    return (
        PerformanceForm.objects.visible_to(actor)
        .filter(actor.queue_scope())
        .with_related()
        .annotate(waiting_since=in_status_since(WAITING))
        .order_by("waiting_since", "id")
    )


def waiting_days(form: PerformanceForm, now: datetime) -> int:
    """Whole days since the form reached its state (``review_queue``'s ``waiting_since``)."""
    since: datetime = form.waiting_since  # type: ignore[attr-defined]
    return (now - since).days
