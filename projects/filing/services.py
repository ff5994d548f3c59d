"""The filer's writes: create a form for a new project, save a draft, start this year's form from
last year's. Each runs in one transaction, locks what it changes, checks the actor again and
records one history event (none when nothing changed)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from indicators.models import Framework
from projects.content import (
    ContentDiff,
    FormContent,
    apply_indicators,
    diff_content,
    load_content,
    set_fields,
)
from projects.content.database import CategoryLookup
from projects.errors import DomainError
from projects.history import event_for
from projects.layouts import LAYOUTS
from projects.models import FormEvent, Organization, PerformanceForm, Project
from projects.permissions import Actor, can_create_form, can_edit
from projects.services.rollover import roll_over


class FilingError(DomainError):
    """A filer's change that cannot go ahead."""


class VersionConflict(FilingError):
    """The form changed since the filer opened it: ``current`` is what it says now."""

    def __init__(self, message: str, *, current: FormContent, version: int) -> None:
        super().__init__(message)
        self.current = current
        self.version = version


@dataclass(frozen=True)
class SaveResult:
    form: PerformanceForm
    diff: ContentDiff

    @property
    def changed(self) -> bool:
        return bool(self.diff)


def editable_keys(layout: str) -> tuple[str, ...]:
    """The fields the editor offers for a layout: those it prints, organisations excepted (a
    form's unit is its project's)."""
    return tuple(
        key for key in LAYOUTS[layout].carries if key not in ("project.department", "project.unit")
    )


def create_form(
    *, actor: Actor, unit: Organization, fiscal_year: int, layout: str, name: str
) -> PerformanceForm:
    """A new project of the unit with its first form (草稿, version 1, the default framework)."""
    allowed, reason = can_create_form(actor, unit)
    if not allowed:
        raise FilingError(reason)
    name = name.strip()
    if not name:
        raise FilingError(_("请填写项目名称。"))
    framework = Framework.objects.filter(is_default=True).first()
    if framework is None:
        raise FilingError(_("系统还没有默认的指标体系，请联系管理员设置。"))
    with transaction.atomic():
        if Project.objects.filter(unit=unit, name=name, forms__fiscal_year=fiscal_year).exists():
            raise FilingError(
                _("本单位已有“%(name)s”%(year)s 年度的表。") % {"name": name, "year": fiscal_year}
            )
        project = Project.objects.create(unit=unit, name=name)
        form = PerformanceForm.objects.create(
            project=project,
            fiscal_year=fiscal_year,
            layout=layout,
            framework=framework,
        )
        event_for(form, actor=actor, kind=FormEvent.Kind.CREATE).save()
    return form


def save_draft(
    *,
    actor: Actor,
    form_id: int,
    seen_version: int,
    content: FormContent,
    edit_session: str = "",
) -> SaveResult:
    """Write the editor's content onto the form, if the actor may edit it and nobody saved a
    newer version meanwhile (else ``VersionConflict``, with the newer content). Versions saved
    since by the same editor page (``edit_session``: its background saves) are no conflict."""
    with transaction.atomic():
        form = (
            PerformanceForm.objects.select_for_update(of=("self",)).with_content().get(pk=form_id)
        )
        allowed, reason = can_edit(actor, form)
        if not allowed:
            raise FilingError(reason)
        current = load_content(form)
        if form.version != seen_version and not _own_saves(form, seen_version, actor, edit_session):
            raise VersionConflict(
                _(
                    "这张表在您打开之后已被保存为第 %(version)s 版。您填写的内容没有丢失：请对照"
                    "下面的最新版本核对后再保存。"
                )
                % {"version": form.version},
                current=current,
                version=form.version,
            )
        keys = editable_keys(form.layout)
        diff = diff_content(current, content, keys=keys)
        if not diff:
            return SaveResult(form, diff)
        changed = set_fields(form.project, content, keys)
        if changed:
            form.project.save(update_fields=changed)
        set_fields(form, content, keys)
        apply_indicators(form, content.indicators, CategoryLookup())
        form.version += 1
        form.save()
        event_for(
            form,
            actor=actor,
            kind=FormEvent.Kind.EDIT,
            from_status=form.status,
            edit_session=edit_session,
        ).save()
    return SaveResult(form, diff)


def _own_saves(form: PerformanceForm, seen: int, actor: Actor, edit_session: str) -> bool:
    """Whether every version after ``seen`` was saved by this actor from this editor page."""
    if not edit_session or seen > form.version:
        return False
    later = form.events.filter(version__gt=seen)
    return (
        not later.exclude(
            kind=FormEvent.Kind.EDIT, actor_id=actor.user_id, edit_session=edit_session
        ).exists()
        and later.exists()
    )


def roll_over_form(*, actor: Actor, form_id: int) -> PerformanceForm:
    """Start next year's draft from this form (the filer's own roll-over of one form)."""
    result = roll_over(form_ids=[form_id], actor=actor)
    if result.skipped:
        _source, reason = result.skipped[0]
        raise FilingError(reason)
    return result.created[0]
