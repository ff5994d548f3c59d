"""Reviewers' comments on a form, a field or one indicator; the unit's answers; resolving.
Each runs in a transaction and checks the actor again there."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from projects.content import FIELD_BY_KEY
from projects.errors import DomainError
from projects.models import COMMENT_LIMIT, Comment, PerformanceForm
from projects.permissions import Actor, can_answer, can_comment
from projects.review import notify
from projects.review.opinions import opinion_text


class CommentRefused(DomainError):
    """A comment, answer or resolution that cannot be recorded. ``field`` names the input it
    is about (``text``, ``quick_pick``, ``target``) when what was typed is the reason, ``""``
    when it may not be recorded at all."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def add_comment(
    *,
    actor: Actor,
    form_id: int,
    text: str = "",
    quick_pick: str = "",
    indicator_uid: str = "",
    field: str = "",
) -> Comment:
    text = text.strip()
    picked = ""
    if quick_pick:
        framework_id = (
            PerformanceForm.objects.filter(pk=form_id)
            .values_list("framework_id", flat=True)
            .first()
        )
        picked = opinion_text(actor, framework_id, quick_pick) or ""
        if not picked:
            raise CommentRefused("未知的常用意见。", field="quick_pick")
    if not text and not picked:
        raise CommentRefused("请选择常用意见或写下意见。", field="text")
    if len(text) > COMMENT_LIMIT:
        raise CommentRefused(f"意见不能超过 {COMMENT_LIMIT} 个字。", field="text")
    if field and field not in FIELD_BY_KEY:
        raise CommentRefused("未知的字段。", field="target")
    with transaction.atomic():
        form = (
            PerformanceForm.objects.with_related().select_for_update(of=("self",)).get(pk=form_id)
        )
        allowed, reason = can_comment(actor, form)
        if not allowed:
            raise CommentRefused(reason)
        assert actor.user_id is not None  # a reviewer is a person
        indicator = None
        if indicator_uid:
            try:
                uid = uuid.UUID(indicator_uid)
            except ValueError:
                raise CommentRefused("这张表没有这个指标，请刷新页面。", field="target") from None
            indicator = form.indicators.filter(uid=uid).first()
            if indicator is None:
                raise CommentRefused(
                    "这张表没有这个指标（可能已被删除），请刷新页面。", field="target"
                )
        comment = Comment.objects.create(
            form=form,
            indicator=indicator,
            field=field,
            quick_pick=picked,
            text=text,
            author_id=actor.user_id,
            version=form.version,
        )
        notify.after_comment(form, actor=actor, said=comment.said)
    return comment


def _comment_of(form_id: int, comment_id: int) -> Comment:
    comment = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("form__project__department", "form__project__unit")
        .filter(pk=comment_id, form_id=form_id)
        .first()
    )
    if comment is None:
        raise CommentRefused("没有这条审核意见。")
    return comment


def answer_comment(*, actor: Actor, form_id: int, comment_id: int, text: str) -> Comment:
    text = text.strip()
    if not text or len(text) > COMMENT_LIMIT:
        raise CommentRefused(f"请写下答复（不超过 {COMMENT_LIMIT} 个字）。", field="text")
    with transaction.atomic():
        comment = _comment_of(form_id, comment_id)
        allowed, reason = can_answer(actor, comment.form)
        if not allowed:
            raise CommentRefused(reason)
        comment.answer, comment.answered_at = text, timezone.now()
        comment.save(update_fields=["answer", "answered_at"])
        notify.after_answer(comment.form, actor=actor, author_id=comment.author_id, answer=text)
    return comment


def resolve_comment(*, actor: Actor, form_id: int, comment_id: int) -> Comment:
    with transaction.atomic():
        comment = _comment_of(form_id, comment_id)
        allowed, reason = can_comment(actor, comment.form)
        if not allowed:
            raise CommentRefused(reason)
        if comment.resolved_at is None:
            comment.resolved_at, comment.resolved_by_id = timezone.now(), actor.user_id
            comment.save(update_fields=["resolved_at", "resolved_by"])
    return comment
