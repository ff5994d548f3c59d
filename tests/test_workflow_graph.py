"""The workflow drawn from its table (``projects.workflow.TRANSITIONS``), and checked against
the list of states: every state reachable from 草稿, no dead end, every verb leaving from real
states to a real state with a real event, a rule and a suggestion for every grade at every
stage; and the stages read from one form and filtered over many agree."""

from __future__ import annotations

from collections import deque

import pytest

from projects import permissions
from projects.models import Deadline, FormEvent, Grade, PerformanceForm, Stage
from projects.workflow import (
    COMMENTABLE,
    STAGES,
    TRANSITIONS,
    UNDER_REVIEW,
    at_stage,
    review_stage,
    suggested_verb,
)
from tests.factories import DepartmentFactory, FormFactory, ProjectFactory, UnitFactory

Status = PerformanceForm.Status

# The drawing the table gives (mermaid); a change to the workflow shows up here.
DRAWING = """\
stateDiagram-v2
    [*] --> draft
    draft --> submitted: submit (filer)
    returned --> submitted: submit (filer)
    submitted --> draft: withdraw (filer)
    submitted --> department_approved: pass_on (reviewer, batch)
    department_approved --> returned: return (reviewer, batch)
    submitted --> returned: return (reviewer, batch)
    department_approved --> approved: approve (reviewer, batch)
    submitted --> approved: approve (reviewer, batch)
    approved --> draft: adjust (filer)
    draft --> approved: cancel_adjust (filer)
    returned --> approved: cancel_adjust (filer)
"""


def edges() -> list[tuple[str, str, str]]:
    """(source, target, verb) for every way a form moves, in the table's order."""
    return [
        (source, step.target, step.verb)
        for step in TRANSITIONS.values()
        for source in sorted(step.sources)
    ]


def draw() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {Status.DRAFT}"]
    for source, target, verb in edges():
        step = TRANSITIONS[verb]
        notes = ", ".join([step.who, *(["batch"] if step.batchable else [])])
        lines.append(f"    {source} --> {target}: {verb} ({notes})")
    return "\n".join(lines) + "\n"


def reachable(start: str, graph: list[tuple[str, str, str]]) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        here = todo.popleft()
        for source, target, _verb in graph:
            if source == here and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_table_draws_the_workflow() -> None:
    assert draw() == DRAWING


def test_every_state_is_reachable_from_a_draft() -> None:
    assert reachable(Status.DRAFT, edges()) == set(Status.values)


def test_every_state_can_still_reach_approval() -> None:
    for status in Status.values:
        assert Status.APPROVED in reachable(status, edges()), status


def test_every_verb_leaves_from_real_states_for_a_real_state() -> None:
    for verb, step in TRANSITIONS.items():
        assert step.verb == verb
        assert step.sources, verb
        assert step.sources <= set(Status.values), verb
        assert step.target in Status.values, verb
        assert step.target not in step.sources, verb


def test_every_verb_records_an_event_kind_of_its_own() -> None:
    kinds = [step.kind for step in TRANSITIONS.values()]
    assert set(kinds) <= set(FormEvent.Kind.values)
    assert len(set(kinds)) == len(kinds)


def test_every_verb_has_a_rule_a_label_and_a_message() -> None:
    for verb, step in TRANSITIONS.items():
        assert permissions.TRANSITION_RULES[verb] is getattr(permissions, f"can_{verb}")
        assert str(step.label) and str(step.done), verb
        assert bool(step.comment_label) is bool(step.comment_missing), verb


def test_only_a_reviewers_step_is_taken_on_many_forms_at_once() -> None:
    batched = {verb for verb, step in TRANSITIONS.items() if step.batchable}
    assert batched == {"pass_on", "return", "approve"}
    assert all(TRANSITIONS[verb].who == "reviewer" for verb in batched)


@pytest.mark.parametrize("stage", list(Stage))
def test_every_grade_suggests_one_step_that_can_be_taken_at_the_stage(stage) -> None:
    for grade in Grade.values:
        verb = suggested_verb(grade, stage)
        suggesting = [v for v, s in TRANSITIONS.items() if grade in s.suggested_by]
        assert stage in TRANSITIONS[verb].stages, (grade, stage)
        assert verb in suggesting, (grade, stage)
    assert suggested_verb("", stage) == ""


def test_the_stages_are_the_states_under_review() -> None:
    assert set(STAGES) == set(Stage)
    assert {Status.SUBMITTED, Status.DEPARTMENT_APPROVED} == UNDER_REVIEW
    assert UNDER_REVIEW < COMMENTABLE <= set(Status.values)
    assert set(Stage.values) <= set(Deadline.Stage.values)  # each stage can have a deadline


@pytest.mark.django_db
def test_one_form_and_the_filter_find_the_same_stage() -> None:
    """Every status, with the department's review on and off: the stage ``review_stage``
    reads on the form is the one whose filter finds it, and a submitted form is at exactly
    one stage."""
    forms = []
    for review in (True, False):
        unit = UnitFactory(parent=DepartmentFactory(department_review=review))
        for status in Status.values:
            forms.append(FormFactory(project=ProjectFactory(unit=unit), status=status))
    for stage in Stage:
        found = set(PerformanceForm.objects.filter(at_stage(stage)))
        assert found == {form for form in forms if review_stage(form) == stage}, stage
    for form in forms:
        at = [stage for stage in Stage if form in PerformanceForm.objects.filter(at_stage(stage))]
        assert len(at) == (1 if form.status in UNDER_REVIEW else 0), form.status
