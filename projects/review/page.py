"""What the form page shows for review: the check results, the four graded checks with the
decision they suggest, what changed (an adjustment: against the approved version, which is in
force; else since the form was returned), and the buttons. A refused grading comes back with
what the reviewer chose and typed, and the error beside the input it is about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from projects.content import CategoryLookup, ContentDiff, FormContent
from projects.content.findings import Finding
from projects.filing.checking import check_form
from projects.history import compare_versions, returned_version
from projects.models import (
    COMMENT_LIMIT,
    GRADED_CHECKS,
    Grade,
    PerformanceForm,
    ReviewGrade,
    Stage,
)
from projects.permissions import TRANSITION_RULES, Actor, available_transitions, can_grade
from projects.review.grading import NOTE_LIMIT, suggestion_for
from projects.workflow import TRANSITIONS, Transition, review_stage


@dataclass(frozen=True)
class EarlierGrade:
    """What another stage's reviewer gave one check: shown beside the reviewer's own."""

    stage: str
    grade: str
    note: str


@dataclass(frozen=True)
class GradedCheck:
    key: str
    label: str
    hint: str
    grade: str
    note: str
    findings: list[Finding]  # what the filing checks found for this property
    error: str = ""  # a refused grading: why, beside the grade
    note_error: str = ""  # …or beside the note
    earlier: EarlierGrade | None = None  # the department's, beside finance's own


@dataclass(frozen=True)
class RefusedDecision:
    """A decision (pass on, return, approve) that was refused: the step, the reason typed with
    it, and the message. The page comes back with the decision open and the reason kept."""

    verb: str
    comment: str
    message: str


@dataclass(frozen=True)
class RefusedGrading:
    """What the reviewer posted (``<key>`` and ``<key>_note``), and the refusal: its message
    and the input it is about (``GradeRefused.field``)."""

    posted: Mapping[str, str]
    field: str
    message: str


def graded_checks(
    grade: ReviewGrade | None,
    findings: list[Finding],
    refused: RefusedGrading | None = None,
    earlier: ReviewGrade | None = None,
) -> list[GradedCheck]:
    checks = []
    for key, label, hint in GRADED_CHECKS:
        if refused is not None:  # what was chosen and typed, not what is recorded
            chosen, note = refused.posted.get(key, ""), refused.posted.get(f"{key}_note", "")
        else:
            chosen = getattr(grade, key) if grade else ""
            note = getattr(grade, f"{key}_note") if grade else ""
        field = refused.field if refused else ""
        checks.append(
            GradedCheck(
                key,
                label,
                hint,
                chosen,
                note,
                [f for f in findings if str(f.prop) == label],
                error=refused.message if refused and field == key else "",
                note_error=refused.message if refused and field == f"{key}_note" else "",
                earlier=EarlierGrade(
                    str(earlier.get_stage_display()),
                    getattr(earlier, key),
                    getattr(earlier, f"{key}_note"),
                )
                if earlier is not None
                else None,
            )
        )
    return checks


@dataclass(frozen=True)
class Changes:
    """What a reviewer looks at first: the version compared against, why that one
    (``approved``: an adjustment, against the version in force; ``returned``: a form sent
    back, since then), and what changed (``None``: the same version)."""

    against: int
    kind: str
    diff: ContentDiff | None
    returned: int | None = None  # an adjustment also returned: the version it was returned at


def changes_to_review(form: PerformanceForm) -> Changes | None:
    """An adjustment against the approved version (what the approval would change; changes
    approved before are not new), else what changed since the form was last returned."""
    returned = returned_version(form)
    if form.is_adjusting:
        assert form.approved_version is not None
        against = form.approved_version
        diff = None
        if against != form.version:
            diff = compare_versions(form, against, form.version)
        later = returned if returned is not None and returned > against else None
        return Changes(against, "approved", diff, returned=later)
    if returned is None:
        return None
    diff = None if returned == form.version else compare_versions(form, returned, form.version)
    return Changes(returned, "returned", diff)


def form_grades(form: PerformanceForm) -> list[ReviewGrade]:
    """Every grading of the form, each stage's of each version, latest first, with the
    reviewer (one query): who graded what, for the history and for the reviewers after."""
    return list(
        ReviewGrade.objects.select_related("reviewer")
        .filter(form=form)
        .order_by("-updated_at", "-id")
    )


def earlier_stage_grade(
    grades: list[ReviewGrade], form: PerformanceForm, stage: str | None
) -> ReviewGrade | None:
    """At the finance stage, the department's latest grading of this version or an earlier
    one (shown beside finance's own)."""
    if stage != Stage.FINANCE:
        return None
    return next(
        (g for g in grades if g.stage == Stage.DEPARTMENT and g.version <= form.version), None
    )


@dataclass(frozen=True)
class DecisionButton:
    """A decision of the panel: its step, its key (``a`` approves or passes on, ``r``
    returns), and whether the reviewer may take it now (else why not)."""

    step: Transition
    key: str
    allowed: bool
    reason: str


def decision_buttons(actor: Actor, form: PerformanceForm, stage: str) -> list[DecisionButton]:
    """The reviewer's decisions at the form's stage, always in the same order and place:
    the one that moves the form on (pass on at the department, approve at finance) first,
    then the return."""
    steps = sorted(
        (step for step in TRANSITIONS.values() if stage in step.stages),
        key=lambda step: step.target == PerformanceForm.Status.RETURNED,
    )
    buttons = []
    for step in steps:
        allowed, reason = TRANSITION_RULES[step.verb](actor, form)
        key = "r" if step.target == PerformanceForm.Status.RETURNED else "a"
        buttons.append(DecisionButton(step, key, allowed, reason))
    return buttons


def review_context(
    actor: Actor,
    form: PerformanceForm,
    *,
    refused_grading: RefusedGrading | None = None,
    refused_decision: RefusedDecision | None = None,
    content: FormContent | None = None,
    categories: CategoryLookup | None = None,
) -> dict[str, Any]:
    """What the review panel shows of the form. ``content``: the form's current content, when
    the caller loaded it; ``categories``: its framework's categories, when read already."""
    findings = check_form(form, content, categories)
    stage = review_stage(form)
    grades = form_grades(form)
    grade = (
        next((g for g in grades if g.version == form.version and g.stage == stage), None)
        if stage
        else None
    )
    earlier = earlier_stage_grade(grades, form, stage)
    # the unit, once the form is back with it, reads the grading that returned it
    last_grade = None if stage else next(iter(grades), None)
    may_grade = can_grade(actor, form)[0]
    changes = changes_to_review(form) if stage else None
    shows = may_grade or grade
    reviews = bool(stage) and any(actor.reviews_any_at(s) for s in Stage)
    decisions = decision_buttons(actor, form, stage) if stage and may_grade else []
    transitions = [
        step
        for step in available_transitions(actor, form)
        if not (decisions and step.who == "reviewer")  # those are the panel's
    ]
    return {
        "transitions": transitions,
        "decisions": decisions,
        "findings": findings,
        "errors": [f for f in findings if f.is_error],
        "stage": stage,
        "grade": grade,
        "may_grade": may_grade,
        "graded_checks": graded_checks(grade, findings, refused_grading, earlier) if shows else [],
        "earlier_grade": earlier,
        "last_grade": last_grade,
        "last_checks": graded_checks(last_grade, []) if last_grade else [],
        "grades": grades,
        "grade_labels": [label for _key, label, _hint in GRADED_CHECKS],
        "reviews": reviews,
        "refused_grading": refused_grading,
        "refused_decision": refused_decision,
        "grade_choices": Grade.values,
        "comment_limit": COMMENT_LIMIT,
        "note_limit": NOTE_LIMIT,
        "suggestion": suggestion_for(grade, stage),
        "changes": changes,
    }
