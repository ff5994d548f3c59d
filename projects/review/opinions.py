"""常用意见: the quick picks of review opinions a reviewer chooses from on a form: its
framework's (administrators edit them in the Django admin: text, order, on/off), then the
reviewer's own (``my_opinions``). A comment keeps the text it was made with, so editing or
switching off a template changes no comment."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q

from projects.errors import DomainError
from projects.models import OPINION_LIMIT, Comment, OpinionTemplate
from projects.permissions import Actor


class OpinionRefused(DomainError):
    """A quick pick that cannot be saved or used; the message says why."""


def opinion_choices(actor: Actor, framework_id: int | None) -> list[tuple[str, str]]:
    """The quick picks offered to the actor on a form of the framework, as ``(value, text)``:
    the framework's switched on, in their order, then the actor's own (one query). A
    framework with no template at all (one added since, say) offers the shipped ones."""
    templates = list(
        OpinionTemplate.objects.filter(
            Q(framework_id=framework_id) | Q(owner_id=actor.user_id, framework__isnull=True)
        ).order_by(  # the framework's (no owner) first, on every database
            F("owner_id").asc(nulls_first=True), "order", "id"
        )
    )
    # the value posted: a shipped template's key (what comments stored before templates), or
    # the template's id
    mine = [(t.key or str(t.pk), t.text) for t in templates if t.active]
    if not any(t.framework_id is not None for t in templates):
        return [(str(value), str(label)) for value, label in Comment.QuickPick.choices] + mine
    return mine


def opinion_text(actor: Actor, framework_id: int | None, value: str) -> str | None:
    """The text of the quick pick posted (a template's id, or a shipped template's key),
    when it is one offered to the actor on a form of the framework; ``None`` if not."""
    return dict(opinion_choices(actor, framework_id)).get(value)


def my_opinions(actor: Actor) -> list[OpinionTemplate]:
    """The actor's own quick picks, in their order (one query)."""
    return list(OpinionTemplate.objects.filter(owner_id=actor.user_id).order_by("order", "id"))


def save_opinion(*, actor: Actor, text: str) -> OpinionTemplate:
    """Add a quick pick of the actor's own, offered after the framework's on every form."""
    text = " ".join(text.split())
    if not text:
        raise OpinionRefused("请填写常用意见。")
    if len(text) > OPINION_LIMIT:
        raise OpinionRefused(f"常用意见最多 {OPINION_LIMIT} 个字（现在 {len(text)} 个）。")
    if actor.user_id is None:
        raise OpinionRefused("请先登录。")
    with transaction.atomic():
        # the reviewer's own row is the lock: two saves of theirs at once (their first one
        # included, when there is no quick pick of theirs to lock) are taken one after the other
        get_user_model().objects.select_for_update().filter(pk=actor.user_id).exists()
        mine = list(OpinionTemplate.objects.filter(owner_id=actor.user_id).order_by("order", "id"))
        if any(t.text == text for t in mine):
            raise OpinionRefused("已有这条常用意见。")
        last = max((t.order for t in mine), default=0)
        return OpinionTemplate.objects.create(owner_id=actor.user_id, text=text, order=last + 1)


def delete_opinion(*, actor: Actor, opinion_id: int) -> None:
    """Remove one of the actor's own quick picks (comments made with it keep their text)."""
    deleted, _ = OpinionTemplate.objects.filter(pk=opinion_id, owner_id=actor.user_id).delete()
    if not deleted:
        raise OpinionRefused("没有找到这条常用意见。")
