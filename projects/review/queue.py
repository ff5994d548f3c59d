"""A reviewer's queue: the forms waiting for them, oldest first, with how long each has waited."""

from __future__ import annotations

from django.db.models import DateTimeField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from projects.models import FormEvent, PerformanceForm, PerformanceFormQuerySet
from projects.permissions import Actor


def in_status_since() -> Coalesce:
    """When a form reached the status it is in (its last event into that status; the last
    change for a form with no such event), as an annotation."""
    arrived = (
        FormEvent.objects.filter(form=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by()  # the model's default ordering would join three tables in the subquery
        .values("form")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    return Coalesce(Subquery(arrived, output_field=DateTimeField()), "updated_at")


def review_queue(actor: Actor) -> PerformanceFormQuerySet:
    """The forms waiting for the actor's review, each with ``waiting_since`` (when it reached
    its current state), oldest first."""
    return (
        PerformanceForm.objects.visible_to(actor)
        .filter(actor.queue_scope())
        .with_related()
        .annotate(waiting_since=in_status_since())
        .order_by("waiting_since", "id")
    )
