"""What the form page shows for review: the check results, the four graded checks with the
decision they suggest, what changed since the form was returned, and the buttons."""

from __future__ import annotations

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


def graded_checks(grade: ReviewGrade | None, findings: list[Finding]) -> list[GradedCheck]:
    return [
        GradedCheck(
            key,
            label,
            hint,
            getattr(grade, key) if grade else "",
            getattr(grade, f"{key}_note") if grade else "",
            [f for f in findings if str(f.prop) == label],
        )
        for key, label, hint in GRADED_CHECKS
    ]


def since_returned(form: PerformanceForm) -> tuple[int | None, ContentDiff | None]:
    """The version the form was last returned at, and what changed since (when it has
    changed): what a reviewer looks at first on a resubmitted form."""
    version = returned_version(form)
    if version is None or version == form.version:
        return version, None
    return version, compare_versions(form, version, form.version)


def review_context(actor: Actor, form: PerformanceForm) -> dict[str, Any]:
    findings = check_form(form)
    stage = review_stage(form)
    grade = current_grade(form) if stage else None
    may_grade = can_grade(actor, form)[0]
    returned_at, changes = since_returned(form) if stage else (None, None)
    return {
        "transitions": available_transitions(actor, form),
        "findings": findings,
        "errors": [f for f in findings if f.is_error],
        "stage": stage,
        "grade": grade,
        "may_grade": may_grade,
        "graded_checks": graded_checks(grade, findings) if (may_grade or grade) else [],
        "grade_choices": Grade.values,
        "comment_limit": COMMENT_LIMIT,
        "note_limit": NOTE_LIMIT,
        "suggestion": suggestion_for(grade, stage),
        "returned_at": returned_at,
        "since_return": changes,
    }
