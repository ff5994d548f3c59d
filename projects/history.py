"""The history of every change to a form: one ``FormEvent`` per change, written by the service
that made it, inside its transaction, with a snapshot of the content at the version it left.

``write_version`` is the one writer of a new version of a saved form's content (an edit, an
import over it, an adjustment given up): it writes the content in place, moves the version on
and records the event with its snapshot. ``event_for`` builds one event (unsaved: save it, or
bulk-insert many); ``content_at`` and ``compare_versions`` rebuild and compare any two
versions from their snapshots; ``approved_contents``, ``annual_amounts_in_force`` and
``content_in_force`` give what is in force while an adjustment is open (the approved
version), which is what lists and exports show.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.db.models.fields.json import KT
from django.utils import timezone

from projects.content import (
    CategoryLookup,
    ContentDiff,
    FormContent,
    amount_from_json,
    apply_indicators,
    diff_content,
    from_json,
    load_content,
    set_fields,
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


def write_version(
    form: PerformanceForm,
    content: FormContent,
    *,
    keys: Iterable[str],
    actor: Actor,
    kind: str,
    comment: str = "",
    status: str | None = None,
    indicators: bool = True,
    by_position: bool = True,
    restore_uids: bool = False,
    categories: CategoryLookup | None = None,
    with_project: bool = True,
    snapshot_in_memory: bool = False,
    edit_session: str = "",
    edit_seq: int | None = None,
    events: list[FormEvent] | None = None,
    coalesce: bool = False,
) -> FormEvent:
    """Write ``content`` onto the saved form as its next version, and record it.

    The caller holds the form's row lock and has checked, under it, that the actor may write
    and that the form is still the version the actor saw (``VersionConflict``, an import's
    re-match, a transition's version check): this function checks nothing of that.

    In place and in this order: the fields of ``keys`` on the project (``with_project=False``:
    the caller wrote the project already, as an import does for many forms at once) and on the
    form; the indicators (``indicators=False``: left as they are), a row that continues
    keeping its uid (``by_position``, ``restore_uids``: see ``apply_indicators``); the version
    one up and, for a transition, the new ``status`` (``PerformanceForm.move_to``), in one
    save of the form. Then one event of ``kind`` with the content as it now stands: read back
    from the database, or, with ``snapshot_in_memory``, built from what was written (an
    import: the form's rows were loaded with it). The event is saved, or, with ``events``,
    added there for one bulk insert.

    With ``coalesce`` (the editor's saves), a save from the editor page that wrote the form's
    latest event (same person, same ``edit_session``, nothing else since, its last change less
    than ``SESSION_IDLE`` ago) does not add an event: that event takes the new version, the
    content and the time. The version still moves on with every save, so a page that saw an
    earlier version of the session is refused as before; the history keeps one version per
    editing session."""
    keys = tuple(keys)
    from_status = form.status
    session_event = _session_event(form, actor, edit_session) if coalesce else None
    if with_project:
        changed = set_fields(form.project, content, keys)
        if changed:
            form.project.save(update_fields=changed)
    set_fields(form, content, keys)
    snapshot = load_content(form) if snapshot_in_memory else None
    if indicators:
        apply_indicators(
            form,
            content.indicators,
            categories or CategoryLookup(),
            by_position=by_position,
            restore_uids=restore_uids,
        )
        if snapshot is not None:
            snapshot.indicators = content.indicators  # with the uids the rows keep
    form.version += 1
    if status is not None:
        form.move_to(status)
    form.save()
    if session_event is not None:
        snapshot_content = snapshot or load_content(
            PerformanceForm.objects.with_content().get(pk=form.pk)
        )
        session_event.version = form.version
        session_event.to_status = form.status
        session_event.snapshot = to_json(snapshot_content)
        session_event.edit_seq = edit_seq
        session_event.created_at = timezone.now()
        session_event.save(
            update_fields=["version", "to_status", "snapshot", "edit_seq", "created_at"]
        )
        return session_event
    event = event_for(
        form,
        actor=actor,
        kind=kind,
        from_status=from_status,
        comment=comment,
        content=snapshot,
        edit_session=edit_session,
        edit_seq=edit_seq,
    )
    if events is None:
        event.save()
    else:
        events.append(event)
    return event


# An editor page left open this long without a save starts a new version with its next save.
SESSION_IDLE = timedelta(minutes=30)


def _session_event(form: PerformanceForm, actor: Actor, edit_session: str) -> FormEvent | None:
    """The form's latest event, when it is this editor page's own edit (see ``coalesce``)."""
    if not edit_session or actor.user_id is None:
        return None
    latest = form.events.order_by("-created_at", "-id").first()
    if (
        latest is not None
        and latest.kind == FormEvent.Kind.EDIT
        and latest.actor_id == actor.user_id
        and latest.edit_session == edit_session
        and latest.version == form.version
        and latest.created_at > timezone.now() - SESSION_IDLE
    ):
        return latest
    return None


def timeline(form: PerformanceForm) -> list[FormEvent]:
    """Every event of the form, oldest first, without the snapshots (for pages)."""
    return list(form.events.select_related("actor").defer("snapshot").order_by("created_at", "id"))


def content_at(form: PerformanceForm, version: int) -> FormContent:
    """The content as it stood at ``version`` (the last event that left that version)."""
    event = form.events.filter(version=version).order_by("-created_at", "-id").first()
    if event is None:
        raise DomainError(f"没有第 {version} 版的记录。")
    return from_json(event.snapshot)


def _approved_snapshots(forms: Iterable[PerformanceForm], read: Any) -> dict[int, Any]:
    """``read`` (a field or an expression of the snapshot) of the version each form being
    adjusted among ``forms`` was approved at, by form id: one query, none when no form is
    being adjusted. The last event of the version wins: it left that content."""
    adjusting = [form.pk for form in forms if form.is_adjusting]
    if not adjusting:
        return {}
    return dict(
        FormEvent.objects.filter(form_id__in=adjusting, version=F("form__approved_version"))
        .order_by("form_id", "created_at", "id")
        .values_list("form_id", read)
    )


def approved_contents(forms: Iterable[PerformanceForm]) -> dict[int, FormContent]:
    """The content in force of each form being adjusted among ``forms`` (the version it was
    approved at, from that version's snapshot), by form id: what lists and exports show
    while the adjustment is drafted and reviewed. One query for all of them, none when no
    form is being adjusted."""
    snapshots = _approved_snapshots(forms, "snapshot")
    return {form_id: from_json(snapshot) for form_id, snapshot in snapshots.items()}


def annual_amounts_in_force(forms: Iterable[PerformanceForm]) -> dict[int, Decimal | None]:
    """The 本年度预算金额 in force of each form, by form id: the form's own, or, while an
    adjustment is open, the approved version's (what lists show). Reads that one amount from
    the approved snapshots, not the whole content (one query, none when no form is being
    adjusted)."""
    forms = list(forms)
    amounts = {form.pk: form.annual_amount for form in forms}
    approved = _approved_snapshots(forms, KT("snapshot__amounts__annual"))
    for form_id, amount in approved.items():
        # a JSON null reads as the text "null" on SQLite, as None on PostgreSQL
        amounts[form_id] = None if amount == "null" else amount_from_json(amount, "amounts.annual")
    return amounts


def content_in_force(form: PerformanceForm) -> FormContent:
    """The content of the version in force: the approved version's while an adjustment is
    open (one query), else the form as it stands (``load_content``: the caller loaded the
    form ``with_content``)."""
    if form.is_adjusting:
        assert form.approved_version is not None
        return content_at(form, form.approved_version)
    return load_content(form)


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
