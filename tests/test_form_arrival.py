"""When a form reached its status (``FormArrival``) is kept by the database's triggers, on SQLite
and PostgreSQL, whatever writes the forms and their events: it always equals what the queue
computed before from each form's events (the last event into the form's current status, else
the form's last change), kept here as the oracle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from projects.models import FormArrival, FormEvent, PerformanceForm
from projects.review.queue import in_status_since
from tests.factories import FormFactory
from tests.review_helpers import act

pytestmark = pytest.mark.django_db
Status = PerformanceForm.Status


def computed_from_events() -> Coalesce:
    """The definition ``FormArrival`` replaces: a subquery into each form's events."""
    arrived = (
        FormEvent.objects.filter(form=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Coalesce(Subquery(arrived, output_field=DateTimeField()), "updated_at")


def assert_kept() -> None:
    rows = PerformanceForm.objects.annotate(
        kept=in_status_since(), computed=computed_from_events()
    ).values_list("pk", "kept", "computed")
    assert rows, "no forms"
    for pk, kept, computed in rows:
        assert kept == computed, pk
    assert set(FormArrival.objects.values_list("form_id", flat=True)) == {pk for pk, *_ in rows}


def event(form: PerformanceForm, to_status: str, days_ago: float | None = None) -> FormEvent:
    made = FormEvent.objects.create(
        form=form, kind="edit", source="web", to_status=to_status, version=form.version
    )
    if days_ago is not None:
        FormEvent.objects.filter(pk=made.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return made


def test_every_write_of_a_form_or_an_event_keeps_its_arrival() -> None:
    forms = [FormFactory(status=Status.DRAFT) for _ in range(4)]
    assert_kept()  # no events: each form's last change
    assert FormArrival.objects.filter(arrived_at__isnull=True).count() == 4
    a, b, c, d = forms
    event(a, Status.DRAFT, 10)
    event(a, Status.DRAFT, 3)  # the later one counts
    event(a, Status.SUBMITTED, 1)  # into a status it is not in: nothing
    assert_kept()
    assert FormArrival.objects.get(form=a).arrived_at < timezone.now() - timedelta(days=2)
    # the status changes after its event is written, as a transition writes them
    moving = event(b, Status.SUBMITTED)
    PerformanceForm.objects.filter(pk=b.pk).update(status=Status.SUBMITTED)
    assert FormArrival.objects.get(form=b).arrived_at == moving.created_at
    # the form saved whole (every column written): its arrival stays
    b.refresh_from_db()
    b.annual_goal = "改过"
    b.save()
    assert FormArrival.objects.get(form=b).arrived_at == moving.created_at
    # back to a status it had before: its last arrival into it then
    PerformanceForm.objects.filter(pk=a.pk).update(status=Status.SUBMITTED)
    assert_kept()
    # an event's time moved, an event moved to another form, events deleted in bulk
    FormEvent.objects.filter(form=a, to_status=Status.SUBMITTED).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    assert_kept()
    FormEvent.objects.filter(form=a, to_status=Status.DRAFT).update(form=c)
    assert_kept()
    FormEvent.objects.filter(form=c).delete()
    assert_kept()
    # many events at once, as an import or a roll-over writes them
    FormEvent.objects.bulk_create(
        FormEvent(form=d, kind="import", source="command", to_status=Status.DRAFT, version=1)
        for _ in range(3)
    )
    assert_kept()
    # a form deleted takes its row with it; a form created has one
    PerformanceForm.objects.filter(pk=d.pk).delete()
    assert not FormArrival.objects.filter(form_id=d.pk).exists()
    FormFactory(status=Status.SUBMITTED)
    assert_kept()


def test_the_workflow_steps_move_the_arrival_to_each_steps_time(seeded) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    submitted = form.events.filter(to_status=Status.SUBMITTED).latest("created_at")
    assert FormArrival.objects.get(form=form).arrived_at == submitted.created_at
    act(users["dept"], form, "pass_on")
    passed = form.events.filter(to_status=Status.DEPARTMENT_APPROVED).latest("created_at")
    assert FormArrival.objects.get(form=form).arrived_at == passed.created_at
    act(users["finance"], form, "return", comment="请补充")
    assert_kept()
    act(users["filer"], form, "submit")  # submitted again: its later arrival
    again = form.events.filter(to_status=Status.SUBMITTED).latest("created_at")
    assert again.pk != submitted.pk
    assert FormArrival.objects.get(form=form).arrived_at == again.created_at
    assert_kept()


def test_the_triggers_are_in_place_after_every_migration() -> None:
    """On SQLite, a later migration that rebuilds the forms' or the events' table drops its
    triggers with it (0017's and 0020's docstrings say how to keep them): this says so."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    expected = (
        {f"form_arrival_{n}" for n in ("insert", "status", "delete")}
        | {f"form_arrival_event_{n}" for n in ("insert", "update", "delete")}
        | {f"form_counts_{n}" for n in ("insert", "delete", "update", "project_moves")}
        if connection.vendor == "sqlite"
        else {
            "form_arrival_follow_form",
            "form_arrival_follow_event",
            "form_counts_follow",
            "form_counts_project_moves",
        }
    )
    assert expected <= names, expected - names
