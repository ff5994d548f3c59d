"""The workflow of a form, as data: the review stages and the one table of transitions.

    草稿 / 已退回 ──submit──► 已提交 ──pass_on──► 部门已审 ──approve──► 已通过
                                │  (department review on)    │
                                ├──approve (review off)──────┤
                                ├──return──► 已退回 ◄─return──┘
                                └──withdraw──► 草稿  (before any review)
    已通过 ──adjust──► 草稿 (an adjustment: the approved version stays in force until the
                            adjusted one is approved)
    草稿 / 已退回 (adjusting) ──cancel_adjust──► 已通过, the approved content restored

Each row of ``TRANSITIONS`` says where a verb leaves from, where it leads, who takes it (the
unit's filers, or the reviewer of the stage the form is at), the event it records, what the
page says once it is taken, whether the queue may take it on many forms at once and which
overall grades suggest it. ``projects.permissions`` reads the states from here and adds the
roles (``can_<verb>``: ``permissions.TRANSITION_RULES`` holds each verb's); ``projects.review.services`` takes a
transition; the pages read their buttons and messages from here.

This module sits beside ``projects.permissions``, below everything that acts on forms: it
imports nothing but the models.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from projects.models import FormEvent, Grade, PerformanceForm, Stage
from projects.models.forms import Reviewable

Status = PerformanceForm.Status
Kind = FormEvent.Kind

# --------------------------------------------------------------------------- the stages

# The stage a form under review is at: its status, and whether its department reviews its
# units' forms (``None``: either way). The one definition: ``review_stage`` reads it for one
# form, ``at_stage`` as a filter over many.
STAGES: dict[Stage, tuple[tuple[Status, bool | None], ...]] = {
    Stage.DEPARTMENT: ((Status.SUBMITTED, True),),
    Stage.FINANCE: ((Status.SUBMITTED, False), (Status.DEPARTMENT_APPROVED, None)),
}


def review_stage(form: Reviewable) -> Stage | None:
    """The stage the form is at, or ``None`` when it is not under review. A submitted form
    goes to its department first when the department reviews."""
    for stage, states in STAGES.items():
        for status, department_review in states:
            if form.status == status and (
                department_review is None
                or form.project.department.department_review == department_review
            ):
                return stage
    return None


def at_stage(stage: Stage) -> Q:
    """The forms at the stage, as a filter over forms, or over another model with a
    ``status`` and its own ``department`` (the counts of forms, the cycle's reports): each
    keeps its project's department, which says whether it reviews its units' forms."""
    found = Q(pk__in=[])
    for status, department_review in STAGES[stage]:
        if department_review is None:
            found |= Q(status=status)
        else:
            found |= Q(status=status, department__department_review=department_review)
    return found


def stage_statuses(stage: Stage) -> frozenset[str]:
    """The statuses a form at the stage may have."""
    return frozenset(status for status, _review in STAGES[stage])


UNDER_REVIEW = frozenset(status for stage in Stage for status in stage_statuses(stage))

# The states in which reviewers comment on a form: once it has been submitted (a draft has
# no reviewer yet). Commenting changes no state.
COMMENTABLE = frozenset(Status) - {Status.DRAFT}

# --------------------------------------------------------------------------- the transitions


@dataclass(frozen=True)
class Transition:
    """One verb of the workflow. A unit's step names the states it leaves from
    (``sources``); a reviewer's step names the stages it is taken at (``stages``), and leaves
    from the states of those stages."""

    verb: str
    label: str  # the button
    target: Status
    kind: FormEvent.Kind
    done: str  # what the page says once it is taken
    sources: frozenset[str] = frozenset()
    stages: frozenset[Stage] = frozenset()
    batch_label: str = ""  # the queue's button to take it on many forms at once
    # in a batch, refused for a form that needs a person's look (open comments, check
    # errors, an adjustment: ``projects.review.batch.needs_a_look``)
    batch_guarded: bool = False
    suggested_by: frozenset[str] = frozenset()  # the overall grades that suggest it
    comment_label: str = ""  # a comment is required, with this prompt
    comment_missing: str = ""  # and this refusal without one
    runs_checks: bool = False  # refused while the filing checks find errors
    restores_approved: bool = False  # the content goes back to the version in force

    def __post_init__(self) -> None:
        if self.stages:
            if self.sources:
                raise ValueError(f"{self.verb}: a reviewer's step leaves from its stages")
            sources = frozenset().union(*(stage_statuses(stage) for stage in self.stages))
            object.__setattr__(self, "sources", sources)

    @property
    def who(self) -> str:
        """``reviewer`` (of the stage the form is at) or ``filer`` (of the form's unit)."""
        return "reviewer" if self.stages else "filer"

    @property
    def batchable(self) -> bool:
        return bool(self.batch_label)


GOOD = frozenset({Grade.EXCELLENT, Grade.GOOD})
POOR = frozenset({Grade.FAIR, Grade.POOR})

TRANSITIONS: dict[str, Transition] = {
    t.verb: t
    for t in (
        Transition(
            "submit",
            "提交审核",
            Status.SUBMITTED,
            Kind.SUBMIT,
            "已提交审核。",
            sources=PerformanceForm.EDITABLE_STATUSES,
            runs_checks=True,
        ),
        Transition(
            "withdraw",
            "撤回",
            Status.DRAFT,
            Kind.WITHDRAW,
            "已撤回，表回到草稿状态。",
            sources=frozenset({Status.SUBMITTED}),
        ),
        Transition(
            "pass_on",
            "部门审核通过，报财政",
            Status.DEPARTMENT_APPROVED,
            Kind.PASS_ON,
            "部门审核通过，已报财政审核。",
            stages=frozenset({Stage.DEPARTMENT}),
            batch_label="批量部门审核通过，报财政",
            batch_guarded=True,
            suggested_by=GOOD,
        ),
        Transition(
            "return",
            "退回修改",
            Status.RETURNED,
            Kind.RETURN,
            "已退回单位修改。",
            stages=frozenset(Stage),
            batch_label="批量退回",
            suggested_by=POOR,
            comment_label="退回理由（单位会看到）",
            comment_missing="请写明退回的理由。",
        ),
        Transition(
            "approve",
            "审核通过",
            Status.APPROVED,
            Kind.APPROVE,
            "审核通过。",
            stages=frozenset({Stage.FINANCE}),
            batch_label="批量审核通过",
            batch_guarded=True,
            suggested_by=GOOD,
        ),
        Transition(
            "adjust",
            "申请调整",
            Status.DRAFT,
            Kind.ADJUST,
            "已开始调整：修改后提交审核；审核通过前，原已通过的版本继续有效。",
            sources=frozenset({Status.APPROVED}),
            comment_label="调整理由（审核人会看到）",
            comment_missing="请写明调整的理由。",
        ),
        Transition(
            "cancel_adjust",
            "撤销调整",
            Status.APPROVED,
            Kind.CANCEL_ADJUST,
            "已撤销调整，表恢复为已通过的版本。",
            sources=PerformanceForm.EDITABLE_STATUSES,
            restores_approved=True,
        ),
    )
}


def leaves_from(form: Reviewable, verb: str) -> bool:
    """Whether the form is in a state the verb leaves from."""
    return form.status in TRANSITIONS[verb].sources


def suggested_verb(overall: str, stage: str) -> str:
    """What an overall grade suggests at a stage (the reviewer decides): 优 or 良 pass the
    form on (approve it at the finance stage); 中 or 差 return it for revision."""
    for step in TRANSITIONS.values():
        if overall in step.suggested_by and stage in step.stages:
            return step.verb
    return ""
