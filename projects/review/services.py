"""Taking a workflow transition: one service for every row of the table, which locks the form,
checks the actor (the transition's ``can_<verb>`` rule), the state and the version the actor
saw, runs the filing checks before a submission, records one event with the content, and
refuses with a clear message otherwise. Two reviewers acting at once: the row lock makes one
wait; it then finds the state changed and is told by whom."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from projects.content import FormContent, diff_content, load_content
from projects.errors import DomainError
from projects.filing.checking import check_form
from projects.filing.services import editable_keys
from projects.history import content_at, event_for, write_version
from projects.models import COMMENT_LIMIT, PerformanceForm
from projects.permissions import TRANSITION_RULES, Actor
from projects.review import notify
from projects.workflow import TRANSITIONS, Transition


class TransitionRefused(DomainError):
    """A workflow step that cannot be taken; the message says why."""


def take_transition(
    *,
    actor: Actor,
    verb: str,
    form_id: int,
    seen_version: int,
    seen_status: str = "",
    comment: str = "",
    batch: bool = False,
) -> PerformanceForm:
    """Move the form through one transition of ``TRANSITIONS`` (submit, withdraw, pass_on,
    return, approve). ``seen_version`` and ``seen_status`` are what the actor's page showed.
    ``batch``: the step is taken on many forms at once (the queue's batch), which refuses a
    form that needs a person's look (``batch.needs_a_look``) for a guarded step."""
    step = TRANSITIONS.get(verb)
    if step is None:
        raise TransitionRefused("未知的操作。")
    comment = comment.strip()
    if problem := comment_problem(step, comment):
        raise TransitionRefused(problem)
    with transaction.atomic():
        form = (
            PerformanceForm.objects.select_for_update(of=("self",)).with_related().get(pk=form_id)
        )
        open_comments = (
            form.comments.filter(resolved_at__isnull=True).count()
            if batch and step.batch_guarded
            else 0
        )
        refusal = transition_refusal(
            actor,
            step,
            form,
            seen_version=seen_version,
            seen_status=seen_status,
            batch=batch,
            open_comments=open_comments,
        )
        if refusal:
            raise TransitionRefused(refusal)
        updated = ["status", "updated_at"]
        if step.runs_checks and form.import_leftover:
            raise TransitionRefused(
                "这张表是导入的“待修正”草稿：请先把导入时未能识别的内容补入表中，"
                "在填写页点“已全部补入”，然后再提交。"
            )
        if step.runs_checks:
            findings = check_form(form)
            errors = [f for f in findings if f.is_error]
            if errors:
                raise TransitionRefused(
                    "检查发现 {count} 个错误，改正后才能提交：{first}".format(
                        count=len(errors), first=f"{errors[0].where}：{errors[0].message}"
                    )
                )
            form.check_errors, form.check_warnings = 0, len(findings)
            updated += ["check_errors", "check_warnings"]
        restored = _approved_content(form) if step.restores_approved else None
        if restored is not None:  # a new version, identical to the one in force
            write_version(
                form,
                restored,
                keys=editable_keys(form.layout),
                actor=actor,
                kind=step.kind,
                comment=comment,
                status=step.target,
                by_position=False,
                restore_uids=True,  # the indicators keep their identity (and comments)
            )
        else:
            from_status = form.status
            form.save(update_fields=[*updated, *form.move_to(step.target)])
            event_for(
                form, actor=actor, kind=step.kind, from_status=from_status, comment=comment
            ).save()
        notify.after_transition(form, actor=actor, verb=verb, comment=comment)
    return form


def transition_refusal(
    actor: Actor,
    step: Transition,
    form: PerformanceForm,
    *,
    seen_version: int,
    seen_status: str = "",
    batch: bool = False,
    open_comments: int = 0,
) -> str:
    """Why the actor may not take the step on the form as it stands, or ``""``: the rule
    (``can_<verb>``; told what happened when the state moved on since the actor looked), the
    version the actor saw, and in a batch what needs a person's look. The service asks it
    under the row's lock; the batch's confirmation page asks it first, to list what will
    happen."""
    allowed, reason = TRANSITION_RULES[step.verb](actor, form)
    if not allowed:
        moved_on = seen_status and seen_status != form.status
        return (_what_happened(form) if moved_on else "") or reason
    if form.version != seen_version:
        return f"这张表已更新为第 {form.version} 版，请刷新页面，看过新版本后再操作。"
    if batch and step.batch_guarded:
        return needs_a_look(form, open_comments=open_comments)
    return ""


def needs_a_look(form: PerformanceForm, *, open_comments: int) -> str:
    """Why a form may not be passed on or approved in a batch, or ``""``: it has comments
    still 待解决, the checks found errors, or it is an adjustment of an approved form. The
    reviewer decides such a form on its own page."""
    one_by_one = "请打开这张表逐张审核。"
    if open_comments:
        return f"有 {open_comments} 条待解决的审核意见，不能批量处理，{one_by_one}"
    if form.check_errors:
        return f"检查发现 {form.check_errors} 个错误，不能批量处理，{one_by_one}"
    if form.is_adjusting:
        return f"这是已通过表的调整稿，不能批量处理，{one_by_one}"
    return ""


def comment_problem(step: Transition, comment: str) -> str:
    """Why the comment (stripped) cannot go with the step, or ``""``: one the step requires
    is missing, or it is longer than ``COMMENT_LIMIT`` (refused, never cut off)."""
    if step.comment_label and not comment:
        return str(step.comment_missing)
    if len(comment) > COMMENT_LIMIT:
        return f"说明不能超过 {COMMENT_LIMIT} 个字（现有 {len(comment)} 个字），请删减后再提交。"
    return ""


def _approved_content(form: PerformanceForm) -> FormContent | None:
    """The content of the version in force, when the form says something else now (an
    adjustment given up puts it back); ``None`` when they say the same."""
    assert form.approved_version is not None
    approved = content_at(form, form.approved_version)
    current = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    if not diff_content(current, approved, keys=editable_keys(form.layout)):
        return None
    return approved


def _what_happened(form: PerformanceForm) -> str:
    """When the state moved on since the actor looked: who did what, when."""
    last = form.events.select_related("actor").order_by("-created_at", "-id").first()
    if last is None or last.kind not in {t.kind for t in TRANSITIONS.values()}:
        return ""
    when = timezone.localtime(last.created_at).strftime("%m-%d %H:%M")
    return f"这张表已由{last.actor_label}于 {when} {last.get_kind_display()}，现在的状态是“{form.get_status_display()}”，您的操作没有执行。"
