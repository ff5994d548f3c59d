"""What the form page shows for review: the check results, the four graded checks with the
decision they suggest, what changed (an adjustment: against the approved version, which is in
force; else since the form was returned), and the buttons. A refused grading comes back with
what the reviewer chose and typed, and the error beside the input it is about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from projects.content import ContentDiff
from projects.content.findings import Finding
from projects.filing.checking import check_form
from projects.history import compare_versions, returned_version
from projects.models import COMMENT_LIMIT, GRADED_CHECKS, Grade, PerformanceForm, ReviewGrade
from projects.permissions import Actor, available_transitions, can_grade
from projects.review.grading import NOTE_LIMIT, current_grade, suggestion_for
from projects.workflow import review_stage


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


@dataclass(frozen=True)
class RefusedGrading:
    """What the reviewer posted (``<key>`` and ``<key>_note``), and the refusal: its message
    and the input it is about (``GradeRefused.field``)."""

    posted: Mapping[str, str]
    field: str
    message: str


def graded_checks(
    grade: ReviewGrade | None, findings: list[Finding], refused: RefusedGrading | None = None
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


def review_context(
    actor: Actor, form: PerformanceForm, *, refused_grading: RefusedGrading | None = None
) -> dict[str, Any]:
    findings = check_form(form)
    stage = review_stage(form)
    grade = current_grade(form) if stage else None
    may_grade = can_grade(actor, form)[0]
    changes = changes_to_review(form) if stage else None
    shows = may_grade or grade
    return {
        "transitions": available_transitions(actor, form),
        "findings": findings,
        "errors": [f for f in findings if f.is_error],
        "stage": stage,
        "grade": grade,
        "may_grade": may_grade,
        "graded_checks": graded_checks(grade, findings, refused_grading) if shows else [],
        "refused_grading": refused_grading,
        "grade_choices": Grade.values,
        "comment_limit": COMMENT_LIMIT,
        "note_limit": NOTE_LIMIT,
        "suggestion": suggestion_for(grade, stage),
        "changes": changes,
    }
