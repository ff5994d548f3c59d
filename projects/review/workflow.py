"""The workflow of a form, as one small table: each transition's verb, who may take it (the
``can_<verb>`` rule of ``projects.permissions``), the state it leads to and the event it
records.

    草稿 / 已退回 ──submit──► 已提交 ──pass_on──► 部门已审 ──approve──► 已通过
                                │  (department review on)    │
                                ├──approve (review off)──────┤
                                ├──return──► 已退回 ◄─return──┘
                                └──withdraw──► 草稿  (before any review)
    已通过 ──adjust──► 草稿 (an adjustment: the approved version stays in force until the
                            adjusted one is approved)
    草稿 / 已退回 (adjusting) ──cancel_adjust──► 已通过, the approved content restored
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from projects.models import FormEvent, PerformanceForm
from projects.permissions import (
    Actor,
    Decision,
    can_adjust,
    can_approve,
    can_cancel_adjust,
    can_pass_on,
    can_return,
    can_submit,
    can_withdraw,
)

Status = PerformanceForm.Status


@dataclass(frozen=True)
class Transition:
    verb: str
    label: StrOrPromise  # the button
    rule: Callable[[Actor, PerformanceForm], Decision]
    target: Status
    kind: FormEvent.Kind
    comment_label: StrOrPromise = ""  # a comment is required, with this prompt
    comment_missing: StrOrPromise = ""  # and this refusal without one
    runs_checks: bool = False  # refused while the filing checks find errors
    restores_approved: bool = False  # the content goes back to the version in force


TRANSITIONS: dict[str, Transition] = {
    t.verb: t
    for t in (
        Transition(
            "submit",
            _("提交审核"),
            can_submit,
            Status.SUBMITTED,
            FormEvent.Kind.SUBMIT,
            runs_checks=True,
        ),
        Transition("withdraw", _("撤回"), can_withdraw, Status.DRAFT, FormEvent.Kind.WITHDRAW),
        Transition(
            "pass_on",
            _("部门审核通过，报财政"),
            can_pass_on,
            Status.DEPARTMENT_APPROVED,
            FormEvent.Kind.PASS_ON,
        ),
        Transition(
            "return",
            _("退回修改"),
            can_return,
            Status.RETURNED,
            FormEvent.Kind.RETURN,
            comment_label=_("退回理由（单位会看到）"),
            comment_missing=_("请写明退回的理由。"),
        ),
        Transition("approve", _("审核通过"), can_approve, Status.APPROVED, FormEvent.Kind.APPROVE),
        Transition(
            "adjust",
            _("申请调整"),
            can_adjust,
            Status.DRAFT,
            FormEvent.Kind.ADJUST,
            comment_label=_("调整理由（审核人会看到）"),
            comment_missing=_("请写明调整的理由。"),
        ),
        Transition(
            "cancel_adjust",
            _("撤销调整"),
            can_cancel_adjust,
            Status.APPROVED,
            FormEvent.Kind.CANCEL_ADJUST,
            restores_approved=True,
        ),
    )
}


def available(actor: Actor, form: PerformanceForm) -> list[Transition]:
    """The transitions the actor may take on the form now (the buttons to show)."""
    return [t for t in TRANSITIONS.values() if t.rule(actor, form)[0]]


def suggested_verb(overall: str, stage: str) -> str:
    """What an overall grade suggests (the reviewer decides): 优 or 良 pass the form on
    (approve it at the finance stage); 中 or 差 return it for revision."""
    if overall in ("优", "良"):
        return "pass_on" if stage == "department" else "approve"
    if overall in ("中", "差"):
        return "return"
    return ""
