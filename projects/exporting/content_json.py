"""The machine-readable export: each form's content in the import JSON schema, with its id,
status, version, each indicator's uid and its history (the events, their snapshots on request).
A file written here imports back unchanged (``import_sheets FILE.json``).

While an adjustment (调整) is open, the form's content, status and version are those of the
approved version, which is in force; ``adjustment`` says where the adjustment stands (its
status and version). With ``drafts``, the adjustment's draft instead, marked
``"draft": true``."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Prefetch

from projects.content import FormContent, load_content, to_json
from projects.history import approved_contents
from projects.models import FormEvent, PerformanceForm, PerformanceFormQuerySet

SCHEMA = "perfgoals.forms/1"


def content_document(
    forms: PerformanceFormQuerySet, *, with_snapshots: bool = False, drafts: bool = False
) -> bytes:
    """The forms as one JSON document (UTF-8), in a fixed number of queries (one more for
    the approved snapshots when some form is being adjusted)."""
    events = FormEvent.objects.select_related("actor").order_by("created_at", "id")
    if not with_snapshots:
        events = events.defer("snapshot")
    loaded = list(forms.with_content().prefetch_related(Prefetch("events", queryset=events)))
    approved = {} if drafts else approved_contents(loaded)
    document = {
        "schema": SCHEMA,
        "forms": [
            _form(form, approved.get(form.pk), with_snapshots=with_snapshots) for form in loaded
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _form(
    form: PerformanceForm, approved: FormContent | None, *, with_snapshots: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": form.pk}
    if approved is not None:  # the approved version is in force
        data |= to_json(approved) | {
            "status": form.status_in_force,
            "version": form.version_in_force,
        }
    else:
        data |= to_json(load_content(form)) | {"status": form.status, "version": form.version}
        if form.is_adjusting:
            data["draft"] = True
    if form.is_adjusting:
        data["adjustment"] = {"status": form.status, "version": form.version}
    data["events"] = [_event(event, with_snapshots=with_snapshots) for event in form.events.all()]
    return data


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
