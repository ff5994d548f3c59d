"""The reviewer's four checks (完整性、相关性、适当性、可行性), each graded 优/良/中/差 with a
note, for the version under review at the stage it is in. The overall grade suggests a
decision; the reviewer still takes it with the workflow's buttons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from projects.errors import DomainError
from projects.models import GRADED_CHECKS, Grade, PerformanceForm, ReviewGrade, Stage
from projects.permissions import Actor, can_grade
from projects.workflow import TRANSITIONS, review_stage, suggested_verb

NOTE_LIMIT = 1000


class GradeRefused(DomainError):
    """A grading that cannot be recorded; the message says why. ``field`` names the input
    it is about (``feasibility``, ``feasibility_note``…) when what was typed is the reason,
    ``""`` when the grading may not be recorded at all (the rule, a newer version)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Suggestion:
    overall: str
    verb: str  # the transition it suggests

    @property
    def label(self) -> str:
        return str(TRANSITIONS[self.verb].label) if self.verb else ""


def suggestion_for(grade: ReviewGrade | None, stage: Stage | None) -> Suggestion | None:
    if grade is None or not stage:
        return None
    return Suggestion(grade.overall, suggested_verb(grade.overall, stage))


def grade_form(
    *,
    actor: Actor,
    form_id: int,
    seen_version: int,
    grades: Mapping[str, str],
    notes: Mapping[str, str],
) -> ReviewGrade:
    """Record (or revise) the grading of the form's current version at its present stage.
    A check graded 中 or 差 needs a note saying why: the unit reads it."""
    cleaned: dict[str, str] = {}
    for key, label, _hint in GRADED_CHECKS:
        grade = grades.get(key, "")
        note = notes.get(key, "").strip()
        if grade not in Grade.values:
            raise GradeRefused(f"请评定“{label}”的等级（优、良、中、差）。", field=key)
        if grade in (Grade.FAIR, Grade.POOR) and not note:
            raise GradeRefused(f"“{label}”评为{grade}，请写明理由。", field=f"{key}_note")
        if len(note) > NOTE_LIMIT:
            raise GradeRefused(f"“{label}”的说明不能超过 {NOTE_LIMIT} 个字。", field=f"{key}_note")
        cleaned[key], cleaned[f"{key}_note"] = grade, note
    with transaction.atomic():
        form = (
            PerformanceForm.objects.select_for_update(of=("self",)).with_related().get(pk=form_id)
        )
        allowed, reason = can_grade(actor, form)
        if not allowed:
            raise GradeRefused(reason)
        if form.version != seen_version:
            raise GradeRefused(f"这张表已更新为第 {form.version} 版，请刷新页面后再评定。")
        assert actor.user_id is not None  # a reviewer is a person
        stage = review_stage(form)
        assert stage is not None  # can_grade: the form is under review
        graded, _created = ReviewGrade.objects.update_or_create(
            form=form,
            version=form.version,
            stage=stage,
            defaults={"reviewer_id": actor.user_id, **cleaned},
        )
    return graded
