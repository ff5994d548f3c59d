"""Telling people a form needs them: when it is submitted (its reviewers), passed on
(finance), returned or approved (its unit's filers), commented on (the filers) or a comment is
answered (the reviewer who wrote it). Each notice is a row in the recipient's list in the app,
written in the transaction of the change; the mail is sent after the commit by the background
worker (``send_notification_mail``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from projects.models import Membership, Notification, PerformanceForm, Report
from projects.permissions import Actor, reviewers_at
from projects.review.tasks import send_notification_mail
from projects.workflow import review_stage

Role = Membership.Role


def filers_of(form: PerformanceForm) -> Q:
    return Q(memberships__role=Role.FILER, memberships__organization_id=form.project.unit_id)


def reviewers_of(form: PerformanceForm) -> Q:
    """Whoever reviews the form at the stage it is in now (nobody when it is not under
    review)."""
    stage = review_stage(form)
    if stage is None:
        return Q(pk__in=[])
    return reviewers_at(stage, form.project.department_id, form.project.unit_id)


def _name(form: PerformanceForm) -> str:
    return f"《{form.project.name}》{form.fiscal_year} 年度绩效目标表"


def _who(actor: Actor) -> str:
    if actor.user_id is None:
        return "系统"
    user = get_user_model().objects.get(pk=actor.user_id)
    return user.get_full_name() or user.get_username()


def notify(
    form: PerformanceForm,
    *,
    actor: Actor,
    recipients: Q,
    text: str,
    report: Report | None = None,
) -> list[Notification]:
    """A notice for each active user matching ``recipients`` (the actor excepted), with the
    mail queued for after the commit; ``report``: about that report of the form."""
    users = get_user_model().objects.filter(recipients, is_active=True)
    if actor.user_id is not None:
        users = users.exclude(pk=actor.user_id)
    notices = Notification.objects.bulk_create(
        Notification(recipient_id=pk, form=form, report=report, text=text[:500])
        for pk in users.values_list("pk", flat=True).distinct()
    )
    ids = [notice.pk for notice in notices]
    if ids:
        transaction.on_commit(lambda: _queue_mail(ids))
    return notices


def _queue_mail(ids: list[int]) -> None:
    send_notification_mail.enqueue(ids)


def after_transition(form: PerformanceForm, *, actor: Actor, verb: str, comment: str) -> None:
    """The notices a workflow step sends (``form`` already in its new state)."""
    who, name = _who(actor), _name(form)
    reason = f"：{comment}" if comment else ""
    if verb in ("submit", "pass_on"):
        text = f"{who}提交了{name}，等待您审核。"
        if verb == "pass_on":
            text = f"{who}部门审核通过了{name}，等待财政审核。"
        notify(form, actor=actor, recipients=reviewers_of(form), text=text)
    elif verb == "return":
        text = f"{who}退回了{name}{reason}"
        notify(form, actor=actor, recipients=filers_of(form), text=text)
    elif verb == "approve":
        text = f"{name}已审核通过。"
        notify(form, actor=actor, recipients=filers_of(form), text=text)


def after_comment(form: PerformanceForm, *, actor: Actor, said: str) -> None:
    text = f"{_who(actor)}对{_name(form)}提出了审核意见：{said}"
    notify(form, actor=actor, recipients=filers_of(form), text=text)


def after_answer(form: PerformanceForm, *, actor: Actor, author_id: int, answer: str) -> None:
    text = f"{_who(actor)}答复了您对{_name(form)}的审核意见：{answer}"
    notify(form, actor=actor, recipients=Q(pk=author_id), text=text)


def after_report_step(report: Report, *, actor: Actor, verb: str, comment: str) -> None:
    """The notices a step of a monitoring report or self-evaluation sends, as a form's step
    does (``report`` already in its new state): its reviewers at the stage it reached, or
    its unit's filers."""
    who, form = _who(actor), report.form
    name = f"《{form.project.name}》{report.title}"
    reason = f"：{comment}" if comment else ""
    if verb in ("submit", "pass_on"):
        stage = review_stage(report)
        recipients = (
            Q(pk__in=[])
            if stage is None
            else reviewers_at(stage, form.project.department_id, form.project.unit_id)
        )
        text = (
            f"{who}提交了{name}，等待您审核。"
            if verb == "submit"
            else f"{who}部门审核通过了{name}，等待财政审核。"
        )
        notify(form, actor=actor, recipients=recipients, text=text, report=report)
    elif verb == "return":
        text = f"{who}退回了{name}{reason}"
        notify(form, actor=actor, recipients=filers_of(form), text=text, report=report)
    elif verb == "approve":
        notify(
            form, actor=actor, recipients=filers_of(form), text=f"{name}已审核通过。", report=report
        )


def after_report_comment(report: Report, *, actor: Actor, said: str) -> None:
    name = f"《{report.form.project.name}》{report.title}"
    text = f"{_who(actor)}对{name}提出了审核意见：{said}"
    notify(report.form, actor=actor, recipients=filers_of(report.form), text=text, report=report)


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def mark_read(user_id: int, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
