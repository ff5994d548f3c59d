"""The machine-readable export: each form's content in the import JSON schema, with its id,
status, version, each indicator's uid and its history (the events, their snapshots on request).
A file written here imports back unchanged (``import_sheets FILE.json``)."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Prefetch

from projects.content import load_content, to_json
from projects.models import FormEvent, PerformanceForm, PerformanceFormQuerySet

SCHEMA = "perfgoals.forms/1"


def content_document(forms: PerformanceFormQuerySet, *, with_snapshots: bool = False) -> bytes:
    """The forms as one JSON document (UTF-8), in a fixed number of queries."""
    events = FormEvent.objects.select_related("actor").order_by("created_at", "id")
    if not with_snapshots:
        events = events.defer("snapshot")
    loaded = forms.with_content().prefetch_related(Prefetch("events", queryset=events))
    document = {
        "schema": SCHEMA,
        "forms": [_form(form, with_snapshots=with_snapshots) for form in loaded],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _form(form: PerformanceForm, *, with_snapshots: bool) -> dict[str, Any]:
    return {
        "id": form.pk,
        **to_json(load_content(form)),
        "status": form.status,
        "version": form.version,
        "events": [_event(event, with_snapshots=with_snapshots) for event in form.events.all()],
    }


def _event(event: FormEvent, *, with_snapshots: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "at": event.created_at.isoformat(),
        "kind": event.kind,
        "actor": event.actor.get_username() if event.actor else None,
        "source": event.source,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "version": event.version,
        "comment": event.comment,
    }
    if with_snapshots:
        data["snapshot"] = event.snapshot
    return data
