"""待我审核 at length: a page's forms are chosen among narrow rows and only they are loaded
whole (``NarrowPaginator``), and each page still holds exactly its slice of the queue, in the
queue's order, ties included; how long a form has waited is its last arrival into its status;
and finance's queue takes the same queries however long it is, on any page, with any filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Deadline, FormEvent, NarrowPaginator, PerformanceForm
from projects.permissions import Actor
from projects.review import views
from projects.review.queue import review_queue
from tests.factories import DepartmentFactory, FormFactory, ProjectFactory, UnitFactory

pytestmark = pytest.mark.django_db
URL = reverse("projects:queue")
Status = PerformanceForm.Status


def waiting(unit, name: str, status: str, *days: int) -> PerformanceForm:
    """A form in ``status`` that arrived in it ``days`` ago (once per number given; none: it
    has no such event and has waited since it was last saved)."""
    form = FormFactory(project=ProjectFactory(unit=unit, name=name), status=status)
    for ago in days:
        event = FormEvent.objects.create(
            form=form, kind="pass_on", source="web", to_status=status, version=1
        )
        FormEvent.objects.filter(pk=event.pk).update(
            created_at=timezone.now() - timedelta(days=ago)
        )
    return form


@pytest.fixture
def straight(db):
    """A unit of a department that does not review: its submissions go straight to finance."""
    return UnitFactory(parent=DepartmentFactory(name="不审核的部门", department_review=False))


@pytest.fixture
def long_queue(unit_a, straight):
    """Finance's queue of 14 forms with ties in their waiting time, one that arrived twice,
    one with no arrival event; and forms that wait for someone else or for no one."""
    forms = [
        waiting(unit_a, f"部门已审{i}", Status.DEPARTMENT_APPROVED, 5 - i // 3) for i in range(9)
    ]
    forms += [waiting(straight, f"直报{i}", Status.SUBMITTED, 3) for i in range(3)]
    forms.append(waiting(unit_a, "两次报送", Status.DEPARTMENT_APPROVED, 20, 1))
    forms.append(waiting(straight, "没有记录", Status.SUBMITTED))
    waiting(unit_a, "等部门审核", Status.SUBMITTED, 30)  # bob's, not finance's
    waiting(unit_a, "草稿", Status.DRAFT, 30)
    return forms


def ids(forms) -> list[int]:
    return [form.pk for form in forms]


@pytest.mark.parametrize("per_page", [1, 3, 5, 50])
def test_each_page_holds_its_slice_of_the_queue_in_order(fiona, long_queue, per_page) -> None:
    queue = review_queue(Actor.for_user(fiona))
    whole = list(queue)
    assert len(whole) == 14
    paginator = NarrowPaginator(queue, per_page)
    pages = [list(paginator.page(number)) for number in paginator.page_range]
    for number, page in enumerate(pages):
        chunk = whole[number * per_page : (number + 1) * per_page]
        assert ids(page) == ids(chunk)
        assert [f.waiting_since for f in page] == [f.waiting_since for f in chunk]
    assert ids(form for page in pages for form in page) == ids(whole)


def test_the_queue_is_oldest_first_by_the_last_arrival(fiona, long_queue) -> None:
    queue = list(review_queue(Actor.for_user(fiona)))
    names = [form.project.name for form in queue]
    assert names[:3] == ["部门已审0", "部门已审1", "部门已审2"]  # 5 days, by id
    assert names[-2:] == ["两次报送", "没有记录"]  # its later arrival, 1 day; then no event
    twice = queue[-2]
    assert (timezone.now() - twice.waiting_since).days == 1
    never = queue[-1]
    assert never.waiting_since == never.updated_at


def test_the_page_walks_the_whole_filtered_queue(client, fiona, long_queue, monkeypatch) -> None:
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 4)
    client.force_login(fiona)
    department = long_queue[0].project.department_id
    for params, expected in [
        ({}, review_queue(Actor.for_user(fiona))),
        (
            {"department": department},
            review_queue(Actor.for_user(fiona)).filter(project__department_id=department),
        ),
    ]:
        seen = []
        for number in (1, 2, 3, 4):
            response = client.get(URL, {**params, "page": number})
            seen += [form.pk for form, _days in response.context["rows"]]
            if not response.context["page"].has_next():
                break
        assert seen == ids(expected)
    rows = client.get(URL, {"page": 99}).context["rows"]  # past the end: the last page
    assert ids(form for form, _days in rows) == ids(review_queue(Actor.for_user(fiona)))[12:]


@pytest.mark.parametrize("extra", [0, 40])
@pytest.mark.parametrize(
    "params",
    [{}, {"page": "2"}, {"page": "x"}, {"department": "straight", "overdue": "1", "page": "3"}],
)
def test_the_finance_queue_takes_a_fixed_number_of_queries(
    client, fiona, long_queue, straight, extra, params, django_assert_num_queries
) -> None:
    Deadline.objects.create(
        fiscal_year=2023, stage="finance", due=timezone.localdate() - timedelta(days=1)
    )
    for i in range(extra):
        waiting(straight, f"又一个{i}", Status.SUBMITTED, i % 7)
    if params.get("department"):
        params = {**params, "department": straight.parent_id}
    client.force_login(fiona)
    # 1 session, 2 user, 3 memberships, 4 the departments and project types to filter by,
    # 5 the deadlines, 6 whether the bureau divides its review (any assignment), 7 count,
    # 8 the page of forms: chosen among the narrow rows of the queue, loaded whole with
    # their organisations and when each arrived
    with django_assert_num_queries(8):
        response = client.get(URL, params)
    assert response.context["rows"]
    # nothing to show: no page to load
    with django_assert_num_queries(7):
        response = client.get(URL, {**params, "checks": "errors"})
    assert response.context["rows"] == []
