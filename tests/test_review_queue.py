"""待我审核: each reviewer's queue holds exactly the forms waiting for them, oldest first, in a
fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import FormEvent, PerformanceForm
from projects.permissions import Actor
from projects.review.queue import review_queue
from tests.factories import FormFactory, ProjectFactory

pytestmark = pytest.mark.django_db
URL = reverse("projects:queue")


def waiting(form: PerformanceForm, status: str, days: int) -> PerformanceForm:
    PerformanceForm.objects.filter(pk=form.pk).update(status=status)
    event = FormEvent.objects.create(
        form=form, kind="submit", source="web", to_status=status, version=1
    )
    FormEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=days))
    return form


@pytest.fixture
def forms(unit_a, unit_c):
    return {
        "new": waiting(
            FormFactory(project=ProjectFactory(unit=unit_a, name="新提交")), "submitted", 1
        ),
        "old": waiting(
            FormFactory(project=ProjectFactory(unit=unit_a, name="早提交")), "submitted", 9
        ),
        "passed": waiting(
            FormFactory(project=ProjectFactory(unit=unit_a, name="部门已审")),
            "department_approved",
            3,
        ),
        "elsewhere": waiting(
            FormFactory(project=ProjectFactory(unit=unit_c, name="别的部门")), "submitted", 5
        ),
        "draft": FormFactory(project=ProjectFactory(unit=unit_a, name="草稿")),
    }


def names(user) -> list[str]:
    return [f.project.name for f in review_queue(Actor.for_user(user))]


def test_each_reviewer_sees_what_waits_for_them_oldest_first(bob, fiona, alice, forms) -> None:
    assert names(bob) == ["早提交", "新提交"]
    assert names(fiona) == ["部门已审"]
    assert names(alice) == []
    department = forms["elsewhere"].project.department
    department.department_review = False  # no department review: straight to finance
    department.save()
    assert names(fiona) == ["别的部门", "部门已审"]


def test_the_page_shows_days_waiting_and_filters(client, bob, forms) -> None:
    client.force_login(bob)
    response = client.get(URL)
    html = response.content.decode()
    assert "待我审核" in html and "早提交" in html and "草稿" not in html
    assert [days for _form, days in response.context["rows"]] == [9, 1]
    response = client.get(URL, {"project_type": "没有这种类型"})
    assert response.context["rows"] == []
    department = forms["old"].project.department
    assert response.context["departments"] == [(str(department.pk), department.name)]
    response = client.get(URL, {"department": department.pk})
    assert [f.project.name for f, _days in response.context["rows"]] == ["早提交", "新提交"]
    assert f'<option value="{department.pk}" selected>' in response.content.decode()


@pytest.mark.parametrize("extra", [0, 30])
def test_the_queue_takes_a_fixed_number_of_queries(
    client, bob, unit_a, extra, django_assert_num_queries
):
    for i in range(extra + 1):
        waiting(FormFactory(project=ProjectFactory(unit=unit_a, name=f"项目{i}")), "submitted", i)
    client.force_login(bob)
    # 1 session, 2 user, 3 memberships, 4 the departments and project types to filter by,
    # 5 the deadlines, 6 count, 7 the page of forms with their organisations and when each
    # arrived
    with django_assert_num_queries(7):
        client.get(URL)
