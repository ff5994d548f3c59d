"""The workflow of a form, as one small table: each transition's verb, who may take it (the
``can_<verb>`` rule of ``projects.permissions``), the state it leads to and the event it
records.

    草稿 / 已退回 ──submit──► 已提交 ──pass_on──► 部门已审 ──approve──► 已通过
                                │  (department review on)    │
                                ├──approve (review off)──────┤
                                ├──return──► 已退回 ◄─return──┘
                                └──withdraw──► 草稿  (before any review)
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
    can_approve,
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
    needs_comment: bool = False  # a return says why
    runs_checks: bool = False  # refused while the filing checks find errors


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
            needs_comment=True,
        ),
        Transition("approve", _("审核通过"), can_approve, Status.APPROVED, FormEvent.Kind.APPROVE),
    )
}


def available(actor: Actor, form: PerformanceForm) -> list[Transition]:
    """The transitions the actor may take on the form now (the buttons to show)."""
    return [t for t in TRANSITIONS.values() if t.rule(actor, form)[0]]
