"""Who may do what: every ``can_<verb>`` for every role, an outsider, a staff user with no
membership, an anonymous user and a command, on a draft and on an approved form."""

from __future__ import annotations

import inspect

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from projects import permissions
from projects.models import PerformanceForm, Stage
from projects.permissions import Actor, get_form_for_actor, visible_forms

pytestmark = pytest.mark.django_db

PERSONAS = (
    "alice",
    "bob",
    "fiona",
    "felix",
    "adam",
    "charlie",
    "stan",
    "lena",
    "cora",
    "dora",
    "anonymous",
    "command",
)
Y, N = True, False

# verb -> persona -> (on a draft of alice's unit, on an approved one)
FORM_RULES: dict[str, dict[str, tuple[bool, bool]]] = {
    "can_view": {
        "alice": (Y, Y),
        "bob": (Y, Y),
        "fiona": (Y, Y),
        "felix": (N, N),
        "adam": (Y, Y),
        "charlie": (N, N),
        "stan": (N, N),
        "lena": (Y, Y),
        "cora": (Y, Y),
        "dora": (Y, Y),
        "anonymous": (N, N),
        "command": (Y, Y),
    },
    "can_edit": {
        "alice": (Y, N),
        "bob": (N, N),
        "fiona": (N, N),
        "felix": (N, N),
        "adam": (N, N),
        "charlie": (N, N),
        "stan": (N, N),
        "lena": (N, N),
        "cora": (Y, N),
        "dora": (N, N),
        "anonymous": (N, N),
        "command": (N, N),
    },
    "can_roll_over": {
        "alice": (Y, Y),
        "bob": (N, N),
        "fiona": (N, N),
        "felix": (N, N),
        "adam": (Y, Y),
        "charlie": (N, N),
        "stan": (N, N),
        "lena": (N, N),
        "cora": (Y, Y),
        "dora": (N, N),
        "anonymous": (N, N),
        "command": (Y, Y),
    },
    "can_file_next_year": {
        "alice": (Y, Y),
        "bob": (N, N),
        "fiona": (N, N),
        "felix": (N, N),
        "adam": (N, N),
        "charlie": (N, N),
        "stan": (N, N),
        "lena": (N, N),
        "cora": (Y, Y),
        "dora": (N, N),
        "anonymous": (N, N),
        "command": (N, N),
    },
    "can_import_over": {
        "alice": (N, N),
        "bob": (N, N),
        "fiona": (N, N),
        "felix": (N, N),
        "adam": (Y, N),
        "charlie": (N, N),
        "stan": (N, N),
        "lena": (N, N),
        "cora": (N, N),
        "dora": (N, N),
        "anonymous": (N, N),
        "command": (Y, N),
    },
    # assignment: whom the form's finance review may be assigned to
    "can_take_assignment": {
        "alice": (N, N),
        "bob": (N, N),
        "fiona": (Y, Y),
        "felix": (N, N),
        "adam": (N, N),
        "charlie": (N, N),
        "stan": (N, N),
        "lena": (Y, Y),
        "cora": (N, N),  # a filer of the form's unit
        "dora": (N, N),  # a reviewer of the form's department
        "anonymous": (N, N),
        "command": (N, N),
    },
}
# verbs about no single form: verb -> persona -> allowed
ACTOR_RULES: dict[str, dict[str, bool]] = {
    "can_import": {
        "alice": N,
        "bob": N,
        "fiona": N,
        "felix": N,
        "adam": Y,
        "charlie": N,
        "stan": N,
        "lena": N,
        "cora": N,
        "dora": N,
        "anonymous": N,
        "command": Y,
    },
    # assignment: who divides the finance review among the reviewers
    "can_assign": {
        "alice": N,
        "bob": N,
        "fiona": N,
        "felix": N,
        "adam": N,
        "charlie": N,
        "stan": N,
        "lena": Y,
        "cora": N,
        "dora": N,
        "anonymous": N,
        "command": N,
    },
}


# the workflow: verb -> persona -> the statuses of alice's form in which the persona may take
# it, with the department's review on (and, second, off). Personas not named: never.
D, S, P, A, R = "draft", "submitted", "department_approved", "approved", "returned"
STATUSES = (D, S, P, A, R)
WORKFLOW_RULES: dict[str, dict[str, tuple[set[str], set[str]]]] = {
    # cora files for alice's unit too: she takes the unit's steps, never a reviewer's on it;
    # dora reviews alice's department's forms at its stage, never at finance's (conflict of
    # interest); lena reviews as fiona does
    "can_submit": {"alice": ({D, R}, {D, R}), "cora": ({D, R}, {D, R})},
    "can_withdraw": {"alice": ({S}, {S}), "cora": ({S}, {S})},
    "can_pass_on": {"bob": ({S}, set()), "dora": ({S}, set())},
    "can_return": {
        "bob": ({S}, set()),
        "fiona": ({P}, {S, P}),
        "lena": ({P}, {S, P}),
        "dora": ({S}, set()),
    },
    "can_approve": {"fiona": ({P}, {S, P}), "lena": ({P}, {S, P})},
    "can_adjust": {"alice": ({A}, {A}), "cora": ({A}, {A})},
    "can_cancel_adjust": {},  # only on a form being adjusted: see its own test
    "can_grade": {
        "bob": ({S}, set()),
        "fiona": ({P}, {S, P}),
        "lena": ({P}, {S, P}),
        "dora": ({S}, set()),
    },
    "can_comment": {
        "bob": ({S, P, A, R}, set()),
        "fiona": ({S, P, A, R}, {S, P, A, R}),
        "lena": ({S, P, A, R}, {S, P, A, R}),
        "dora": ({S, P, A, R}, set()),
    },
    "can_answer": {"alice": (set(STATUSES), set(STATUSES)), "cora": (set(STATUSES), set(STATUSES))},
}

# verbs about a unit: verb -> persona -> (for alice's unit A, for charlie's unit C)
UNIT_RULES: dict[str, dict[str, tuple[bool, bool]]] = {
    "can_create_form": {
        "alice": (Y, N),
        "bob": (N, N),
        "fiona": (N, N),
        "felix": (N, N),
        "adam": (N, N),
        "charlie": (N, Y),
        "stan": (N, N),
        "lena": (N, N),
        "cora": (Y, N),
        "dora": (N, N),
        "anonymous": (N, N),
        "command": (N, N),
    },
}


@pytest.fixture
def actors(alice, bob, fiona, felix, adam, charlie, stan, lena, cora, dora) -> dict[str, Actor]:
    users = {"alice": alice, "bob": bob, "fiona": fiona, "felix": felix, "adam": adam}
    users |= {"charlie": charlie, "stan": stan, "lena": lena, "cora": cora, "dora": dora}
    users |= {"anonymous": AnonymousUser()}
    found = {name: Actor.for_user(user) for name, user in users.items()}
    found["command"] = Actor.system()
    return found


def test_the_table_names_every_rule_in_the_module() -> None:
    verbs = {name for name, _f in inspect.getmembers(permissions, inspect.isfunction)}
    assert {v for v in verbs if v.startswith("can_")} == (
        FORM_RULES.keys() | ACTOR_RULES.keys() | UNIT_RULES.keys() | WORKFLOW_RULES.keys()
    )
    for table in (*FORM_RULES.values(), *ACTOR_RULES.values(), *UNIT_RULES.values()):
        assert tuple(table) == PERSONAS


@pytest.mark.parametrize("verb", sorted(FORM_RULES))
def test_each_form_rule_for_each_persona(verb, actors, alice_form) -> None:
    rule = getattr(permissions, verb)
    approved = PerformanceForm.objects.get(pk=alice_form.pk)
    approved.status = PerformanceForm.Status.APPROVED
    for persona, (on_draft, on_approved) in FORM_RULES[verb].items():
        for form, expected in ((alice_form, on_draft), (approved, on_approved)):
            allowed, reason = rule(actors[persona], form)
            assert allowed is expected, (verb, persona, form.status)
            assert bool(reason) is not expected, "a refusal says why, an allowance says nothing"


@pytest.mark.parametrize("verb", sorted(ACTOR_RULES))
def test_each_actor_rule_for_each_persona(verb, actors) -> None:
    rule = getattr(permissions, verb)
    for persona, expected in ACTOR_RULES[verb].items():
        allowed, reason = rule(actors[persona])
        assert allowed is expected, (verb, persona)
        assert bool(reason) is not expected


@pytest.mark.parametrize("review", [True, False], ids=["department-review", "no-review"])
@pytest.mark.parametrize("verb", sorted(WORKFLOW_RULES))
def test_each_workflow_rule_for_each_persona_and_status(verb, review, actors, alice_form):
    rule = getattr(permissions, verb)
    department = alice_form.project.department
    department.department_review = review
    department.save()
    form = PerformanceForm.objects.with_related().get(pk=alice_form.pk)
    for persona in PERSONAS:
        allowed_in = WORKFLOW_RULES[verb].get(persona, (set(), set()))[0 if review else 1]
        for status in STATUSES:
            form.status = status
            allowed, reason = rule(actors[persona], form)
            assert allowed is (status in allowed_in), (verb, persona, status, review)
            assert bool(reason) is not allowed


@pytest.mark.parametrize("verb", sorted(UNIT_RULES))
def test_each_unit_rule_for_each_persona(verb, actors, unit_a, unit_c) -> None:
    rule = getattr(permissions, verb)
    for persona, (on_a, on_c) in UNIT_RULES[verb].items():
        for unit, expected in ((unit_a, on_a), (unit_c, on_c)):
            allowed, reason = rule(actors[persona], unit)
            assert allowed is expected, (verb, persona, unit.name)
            assert bool(reason) is not expected


def test_the_list_shows_what_can_view_allows(actors, alice_form, charlie_form) -> None:
    for persona, actor in actors.items():
        shown = set(visible_forms(actor))
        expected = {f for f in (alice_form, charlie_form) if permissions.can_view(actor, f)[0]}
        assert shown == expected, persona


def test_a_finance_reviewer_assigned_to_a_department_reviews_only_its_forms(
    actors, alice_form, charlie_form
) -> None:
    felix = actors["felix"]
    assert list(visible_forms(felix)) == [charlie_form]
    charlie_form.status = alice_form.status = PerformanceForm.Status.DEPARTMENT_APPROVED
    assert permissions.can_approve(felix, charlie_form)[0]
    assert not permissions.can_approve(felix, alice_form)[0]
    assert permissions.can_comment(felix, charlie_form)[0]
    with pytest.raises(Http404):
        get_form_for_actor(felix, alice_form.pk)


def test_a_staff_user_with_no_membership_sees_no_form(actors, alice_form, charlie_form) -> None:
    assert list(visible_forms(actors["stan"])) == []
    with pytest.raises(Http404):
        get_form_for_actor(actors["stan"], alice_form.pk)


def test_fetching_gives_404_to_whom_may_not_see_and_403_to_whom_may_not_change(
    actors, alice_form
) -> None:
    with pytest.raises(Http404):
        get_form_for_actor(actors["charlie"], alice_form.pk)
    with pytest.raises(PermissionDenied, match="只有本单位的填报人"):
        get_form_for_actor(actors["bob"], alice_form.pk, check=permissions.can_edit)
    assert get_form_for_actor(actors["alice"], alice_form.pk, check=permissions.can_edit)


def test_the_actor_is_loaded_once_per_request(client, alice, alice_form) -> None:
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(alice_form.get_absolute_url())
    assert response.status_code == 200
    membership_reads = [q for q in queries if "projects_membership" in q["sql"]]
    assert len(membership_reads) == 1


def test_the_people_told_are_the_actors_who_review_at_the_stage(
    alice, bob, fiona, felix, adam, charlie, stan, unit_a, unit_c
) -> None:
    """``reviewers_at`` (whom a notice goes to) and ``Actor.reviews_at`` (who may act) give
    the same people, for each stage and department."""
    people = [alice, bob, fiona, felix, adam, charlie, stan]
    expected = {
        (Stage.DEPARTMENT, unit_a.parent_id): {bob},
        (Stage.DEPARTMENT, unit_c.parent_id): set(),
        (Stage.FINANCE, unit_a.parent_id): {fiona},
        (Stage.FINANCE, unit_c.parent_id): {fiona, felix},
    }
    User = type(alice)
    for (stage, department_id), reviewers in expected.items():
        told = set(User.objects.filter(permissions.reviewers_at(stage, department_id)))
        acting = {u for u in people if Actor.for_user(u).reviews_at(stage, department_id)}
        assert told == acting == reviewers, (stage, department_id)


def test_no_one_who_must_stand_aside_is_told_to_review(alice_form, fiona, cora, dora, bob):
    """The people told of a form at a stage are those who may act on it there: a reviewer with
    a conflict of interest (``Actor.conflict_of_interest``) is not among them."""
    User = type(fiona)
    form = alice_form
    for stage in (Stage.DEPARTMENT, Stage.FINANCE):
        where = permissions.reviewers_at(stage, form.project.department_id, form.project.unit_id)
        told = set(User.objects.filter(where).distinct())
        may_act = {
            user
            for user in (fiona, cora, dora, bob)
            if Actor.for_user(user).reviews_at(stage, form.project.department_id)
            and not Actor.for_user(user).conflict_of_interest(form, stage)
        }
        assert told == may_act, stage
    finance = permissions.reviewers_at(
        Stage.FINANCE, form.project.department_id, form.project.unit_id
    )
    assert set(User.objects.filter(finance).distinct()) == {fiona}  # not cora, not dora
