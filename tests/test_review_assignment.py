"""Dividing the finance review: lena assigns departments and single forms to reviewers, the
queue opens on 分配给我 with 全部 one click away, the dashboard shows each reviewer's load,
and a reviewer never reviews their own unit's or department's form."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Assignment, PerformanceForm
from projects.permissions import Actor
from projects.review.assignment import (
    AssignmentRefused,
    assign_departments,
    assign_forms,
    reviewer_loads,
)
from projects.review.services import TransitionRefused
from tests.factories import FormFactory, ProjectFactory
from tests.review_helpers import act

pytestmark = pytest.mark.django_db
QUEUE = reverse("projects:queue")


def waiting_for_finance(unit, name: str) -> PerformanceForm:
    form = FormFactory(project=ProjectFactory(unit=unit, name=name))
    PerformanceForm.objects.filter(pk=form.pk).update(status="department_approved")
    form.refresh_from_db()
    return form


def shown(client, **params) -> list[str]:
    return [form.project.name for form, _days in client.get(QUEUE, params).context["rows"]]


def test_lena_assigns_departments_and_forms_and_the_queue_opens_on_mine(
    client, lena, fiona, unit_a, unit_c
) -> None:
    a1 = waiting_for_finance(unit_a, "甲一")
    waiting_for_finance(unit_a, "甲二")
    c1 = waiting_for_finance(unit_c, "丙一")
    client.force_login(fiona)
    assert set(shown(client)) == {"甲一", "甲二", "丙一"}  # no division yet: everything
    client.force_login(lena)
    response = client.post(
        reverse("projects:assignments"),
        {"department": [unit_a.parent_id, unit_c.parent_id], "reviewer": fiona.pk},
        follow=True,
    )
    assert "已分配 2 个主管部门。" in response.content.decode()
    # one form of A's department goes to lena herself (a form's own assignment wins)
    client.post(
        reverse("projects:queue_assign"),
        {"form": [a1.pk], "reviewer": lena.pk, "query": "assigned=all"},
    )
    assert shown(client) == ["甲一"]
    assert set(shown(client, assigned="all")) == {"甲一", "甲二", "丙一"}
    html = client.get(QUEUE).content.decode()
    assert "分配给我" in html and "assigned=all" in html and "分配所选的表" in html
    client.force_login(fiona)
    assert set(shown(client)) == {"甲二", "丙一"}
    # reassigned: C's department moves to lena
    assign_departments(
        actor=Actor.for_user(lena), department_ids=[unit_c.parent_id], reviewer_id=lena.pk
    )
    assert shown(client) == ["甲二"]
    # an assignment divides the work, it does not fence it: fiona may still approve 丙一
    act(fiona, c1, "approve")
    loads = {load.name: load for load in reviewer_loads()}
    assert loads["fiona"].waiting == 1 and loads["fiona"].done_this_week == 1
    assert loads["lena"].waiting == 1 and loads["lena"].done_this_week == 0
    assert loads["未分配"].waiting == 0
    client.force_login(lena)
    html = client.get(reverse("projects:dashboard")).content.decode()
    assert "财政审核分工" in html and "分配审核…" in html


def test_each_load_averages_the_days_its_waiting_forms_have_waited(
    lena, fiona, unit_a, unit_c
) -> None:
    """The forms of A's department go to fiona but one, assigned to lena itself; C's are
    nobody's. Each load counts its forms and averages their days (the database sums them by
    pair of assignments, the page divides)."""
    waited = {"甲一": 3, "甲二": 1, "甲三": 2, "丙一": 5, "丙二": 6}
    forms = {
        name: waiting_for_finance(unit_a if name.startswith("甲") else unit_c, name)
        for name in waited
    }
    now = timezone.now()
    for name, days in waited.items():  # no event: a form waits since its last change
        PerformanceForm.objects.filter(pk=forms[name].pk).update(
            updated_at=now - datetime.timedelta(days=days)
        )
    lead = Actor.for_user(lena)
    assign_departments(actor=lead, department_ids=[unit_a.parent_id], reviewer_id=fiona.pk)
    assign_forms(actor=lead, form_ids=[forms["甲一"].pk], reviewer_id=lena.pk)
    loads = {load.name: (load.waiting, load.average_days) for load in reviewer_loads()}
    assert loads["fiona"] == (2, 1.5)
    assert loads["lena"] == (1, 3.0)
    assert loads["未分配"] == (2, 5.5)


def test_only_a_reviewer_who_may_assign_assigns(client, fiona, lena, unit_a) -> None:
    with pytest.raises(AssignmentRefused, match="只有负责分配审核任务"):
        assign_departments(
            actor=Actor.for_user(fiona), department_ids=[unit_a.parent_id], reviewer_id=fiona.pk
        )
    client.force_login(fiona)
    assert client.get(reverse("projects:assignments")).status_code == 403
    assert not Assignment.objects.exists()


def test_nobody_is_assigned_a_form_they_may_not_review(
    lena, alice, cora, dora, felix, alice_form, unit_a
) -> None:
    actor = Actor.for_user(lena)
    with pytest.raises(AssignmentRefused, match="只能分配给财政局的财政审核人"):
        assign_forms(actor=actor, form_ids=[alice_form.pk], reviewer_id=alice.pk)
    with pytest.raises(AssignmentRefused, match="只能分配给财政局的财政审核人"):
        assign_forms(actor=actor, form_ids=[alice_form.pk], reviewer_id=felix.pk)
    with pytest.raises(AssignmentRefused, match="需回避"):
        assign_forms(actor=actor, form_ids=[alice_form.pk], reviewer_id=cora.pk)
    with pytest.raises(AssignmentRefused, match="需回避"):
        assign_departments(actor=actor, department_ids=[unit_a.parent_id], reviewer_id=dora.pk)
    assert not Assignment.objects.exists()


def test_a_reviewer_s_queue_leaves_out_their_own_unit_s_and_department_s_forms(
    client, cora, dora, unit_a, unit_c
) -> None:
    waiting_for_finance(unit_a, "本单位的表")
    waiting_for_finance(unit_c, "别的部门的表")
    for reviewer in (cora, dora):
        client.force_login(reviewer)
        assert shown(client) == ["别的部门的表"]


def test_a_conflicted_reviewer_is_refused_with_the_reason(cora, alice_form) -> None:
    PerformanceForm.objects.filter(pk=alice_form.pk).update(status="department_approved")
    alice_form.refresh_from_db()
    with pytest.raises(TransitionRefused, match="需回避"):
        act(cora, alice_form, "approve")
