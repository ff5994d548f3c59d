"""The filer's writes: create a form for a new project, save a draft, start this year's form from
last year's. Each runs in one transaction, locks what it changes, checks the actor again and
records one history event (none when nothing changed)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from indicators.models import Framework
from projects.content import FIELD_BY_KEY, ContentDiff, FormContent, diff_content, load_content
from projects.errors import DomainError
from projects.filing.rollover import roll_over
from projects.history import event_for, write_version
from projects.layouts import LAYOUTS
from projects.models import FormEvent, Organization, PerformanceForm, Project
from projects.permissions import Actor, can_create_form, can_edit


class FilingError(DomainError):
    """A filer's change that cannot go ahead."""


class InvalidContent(FilingError):
    """What was typed cannot be saved as it is (the message says what to change); ``keys``:
    the fields at fault, when the rest could be saved without them."""

    def __init__(self, message: str, *, keys: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.keys = keys


class VersionConflict(FilingError):
    """The form changed since the filer opened it: ``current`` is what it says now.
    ``same_page``: every newer version came from the same editor page, by a save it sent
    later (this one arrived late and is outdated, not in conflict with anyone)."""

    def __init__(
        self, message: str, *, current: FormContent, version: int, same_page: bool = False
    ) -> None:
        super().__init__(message)
        self.current = current
        self.version = version
        self.same_page = same_page


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
        key
        for key in LAYOUTS[layout].carries
        if key not in ("project.department", "project.unit", *NOT_EDITED)
    )


# the 广州 绩效指标 as typed: the editor edits the indicators, not this copy of the sheet's text
NOT_EDITED = ("details.indicator_text",)


def create_form(
    *, actor: Actor, unit: Organization, fiscal_year: int, layout: str, name: str
) -> PerformanceForm:
    """A new project of the unit with its first form (草稿, version 1, the default framework)."""
    name = name.strip()
    if not name:
        raise FilingError("请填写项目名称。")
    framework = Framework.objects.filter(is_default=True).first()
    if framework is None:
        raise FilingError("系统还没有默认的指标体系，请联系管理员设置。")
    with transaction.atomic():
        unit = Organization.objects.select_for_update().get(pk=unit.pk)  # one creation at a time
        allowed, reason = can_create_form(actor, unit)
        if not allowed:
            raise FilingError(reason)
        if Project.objects.filter(unit=unit, name=name).exists():
            raise FilingError(
                f"本单位已有项目“{name}”：请打开它以前年度的表，用“以此表填报”开始，"
                "或换一个项目名称。"
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
    edit_seq: int | None = None,
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
        if form.version != seen_version:
            own = _own_saves(form, seen_version, actor, edit_session, edit_seq)
            if own is not True:
                raise VersionConflict(
                    (
                        f"这张表在您打开之后已被保存为第 {form.version} 版。您填写的内容没有丢失："
                        "请对照下面的最新版本核对后再保存。"
                    ),
                    current=current,
                    version=form.version,
                    same_page=own == "later",
                )
        keys = editable_keys(form.layout)
        diff = diff_content(current, content, keys=keys)
        if not diff:
            return SaveResult(form, diff)
        _check_project_fields(form, content, diff)
        write_version(
            form,
            content,
            keys=keys,
            actor=actor,
            kind=FormEvent.Kind.EDIT,
            by_position=False,
            edit_session=edit_session,
            edit_seq=edit_seq,
            coalesce=True,
        )
    return SaveResult(form, diff)


def _check_project_fields(form: PerformanceForm, content: FormContent, diff: ContentDiff) -> None:
    """The project's fields are shared by its forms of every year: refuse to change them under
    a form of another year that is frozen (submitted or approved), and refuse a code that
    another project has."""
    changed = [c for c in diff.fields if FIELD_BY_KEY[c.key].model == "project"]
    if not changed:
        return
    frozen = (
        form.project.forms.exclude(pk=form.pk)
        .exclude(status__in=PerformanceForm.EDITABLE_STATUSES)
        .order_by("fiscal_year")
        .first()
    )
    if frozen is not None:
        raise InvalidContent(
            (
                "“{fields}”是项目信息，与本项目 {year} 年度的表（{status}）共用，"
                "在那张表审核期间或通过后不能修改。"
            ).format(
                fields="、".join(c.label for c in changed),
                year=frozen.fiscal_year,
                status=frozen.get_status_display(),
            ),
            keys=tuple(c.key for c in changed),
        )
    code = content.project.code.strip()
    if code and Project.objects.filter(code=code).exclude(pk=form.project_id).exists():
        raise InvalidContent(f"项目编码“{code}”已被其他项目使用。", keys=("project.code",))


def _own_saves(
    form: PerformanceForm, seen: int, actor: Actor, edit_session: str, edit_seq: int | None
) -> bool | str:
    """Whether every version after ``seen`` was saved by this actor from this editor page,
    and earlier by that page than this save (an older background save arriving late does not
    overwrite a newer one: ``"later"`` when the page's own later save is what is newer)."""
    if not edit_session or edit_seq is None or seen > form.version:
        return False
    later = list(
        form.events.filter(version__gt=seen).values_list(
            "kind", "actor_id", "edit_session", "edit_seq"
        )
    )
    own = bool(later) and all(
        kind == FormEvent.Kind.EDIT
        and actor_id == actor.user_id
        and session == edit_session
        and seq is not None
        for kind, actor_id, session, seq in later
    )
    if not own:
        return False
    return True if all(seq is not None and seq < edit_seq for *_, seq in later) else "later"


def roll_over_form(*, actor: Actor, form_id: int) -> PerformanceForm:
    """Start next year's draft from this form (the filer's own roll-over of one form)."""
    try:
        result = roll_over(form_ids=[form_id], actor=actor)
    except IntegrityError:  # a second click that lost the race to the first
        raise FilingError("下一年度的表已经存在。") from None
    if result.skipped:
        _source, reason = result.skipped[0]
        raise FilingError(reason)
    return result.created[0]


def resolve_import_leftover(*, actor: Actor, form_id: int) -> PerformanceForm:
    """The unit has placed what its import could not (待修正): clear it from the form, which
    may then be submitted. The text stays in the history (the import's event), and the
    clearing is recorded there too. Checked inside the transaction, on the locked row."""
    with transaction.atomic():
        form = (
            PerformanceForm.objects.select_for_update(of=("self",)).with_related().get(pk=form_id)
        )
        allowed, reason = can_edit(actor, form)
        if not allowed:
            raise FilingError(reason)
        if not form.import_leftover:
            return form
        form.import_leftover = ""
        form.save(update_fields=["import_leftover", "updated_at"])
        event_for(
            form,
            actor=actor,
            kind=FormEvent.Kind.EDIT,
            from_status=form.status,
            comment="已处理导入时未能识别的内容（原文见导入记录）。",
        ).save()
    return form
