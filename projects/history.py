"""The history of every change to a form: one ``FormEvent`` per change, written by the service
that made it, inside its transaction, with a snapshot of the content at the version it left.

``event_for`` builds one (unsaved: save it, or bulk-insert many); ``content_at`` and
``compare_versions`` rebuild and compare any two versions from their snapshots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from projects.content import (
    ContentDiff,
    FormContent,
    diff_content,
    from_json,
    load_content,
    to_json,
)
from projects.errors import DomainError
from projects.models import FormEvent, PerformanceForm

if TYPE_CHECKING:
    from projects.permissions import Actor


def event_for(
    form: PerformanceForm,
    *,
    actor: Actor,
    kind: str,
    from_status: str = "",
    comment: str = "",
    content: FormContent | None = None,
    edit_session: str = "",
    edit_seq: int | None = None,
) -> FormEvent:
    """An unsaved event for the form as it stands (its status and version now), with the
    content given (or loaded from the database) as the snapshot."""
    if content is None:
        content = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    snapshot = to_json(content)
    return FormEvent(
        form=form,
        kind=kind,
        actor_id=actor.user_id,
        source=actor.source,
        from_status=from_status,
        to_status=form.status,
        version=form.version,
        comment=comment,
        snapshot=snapshot,
        edit_session=edit_session,
        edit_seq=edit_seq,
    )


def timeline(form: PerformanceForm) -> list[FormEvent]:
    """Every event of the form, oldest first, without the snapshots (for pages)."""
    return list(form.events.select_related("actor").defer("snapshot").order_by("created_at", "id"))


def content_at(form: PerformanceForm, version: int) -> FormContent:
    """The content as it stood at ``version`` (the last event that left that version)."""
    event = form.events.filter(version=version).order_by("-created_at", "-id").first()
    if event is None:
        raise DomainError(_("没有第 %(version)s 版的记录。") % {"version": version})
    return from_json(event.snapshot)


def returned_version(form: PerformanceForm) -> int | None:
    """The version the form stood at when it was last returned to its unit (``None``: never
    returned)."""
    return (
        form.events.filter(kind=FormEvent.Kind.RETURN)
        .order_by("-created_at", "-id")
        .values_list("version", flat=True)
        .first()
    )


def compare_versions(form: PerformanceForm, old: int, new: int) -> ContentDiff:
    return diff_content(content_at(form, old), content_at(form, new))
