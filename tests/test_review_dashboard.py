"""进度总览: the counts by department and status, the overdue rules against the year's
deadlines, a filer's overview of their unit, each persona's scope, and a fixed number of
queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from projects.models import Deadline, FormEvent, PerformanceForm
from projects.permissions import Actor
from projects.review.dashboard import (
    DepartmentRow,
    overdue_q,
    status_counts,
    total_row,
    unit_overview,
)
from tests.factories import DepartmentFactory, FormFactory, ProjectFactory, UnitFactory

pytestmark = pytest.mark.django_db
URL = reverse("projects:dashboard")
YEAR = 2023
Status = PerformanceForm.Status


def form(unit, name: str, status: str = Status.DRAFT, **fields) -> PerformanceForm:
    return FormFactory(
        project=ProjectFactory(unit=unit, name=name), status=status, fiscal_year=YEAR, **fields
    )


def deadlines(**days: int) -> None:
    """Set the year's deadlines, each ``days`` from today (negative: passed)."""
    today = timezone.localdate()
    for stage, offset in days.items():
        Deadline.objects.update_or_create(
            fiscal_year=YEAR, stage=stage, defaults={"due": today + timedelta(days=offset)}
        )


def counts(user) -> dict[str, DepartmentRow]:
    return {row.name: row for row in status_counts(Actor.for_user(user), YEAR)}


@pytest.fixture
def forms(unit_a, unit_c):
    """Unit A (东莞市财政局, which reviews) in every status, one adjustment under way; unit C
    (东莞市教育局) with one submission; a form of another year that must not count."""
    return {
        "draft": form(unit_a, "草稿一"),
        "draft2": form(unit_a, "草稿二"),
        "submitted": form(unit_a, "已提交", Status.SUBMITTED),
        "passed": form(unit_a, "部门已审", Status.DEPARTMENT_APPROVED),
        "approved": form(unit_a, "已通过", Status.APPROVED, approved_version=1),
        "returned": form(unit_a, "已退回", Status.RETURNED),
        "adjusting": form(unit_a, "调整中", Status.SUBMITTED, approved_version=1, version=2),
        "elsewhere": form(unit_c, "教育", Status.SUBMITTED),
        "last_year": FormFactory(
            project=ProjectFactory(unit=unit_a, name="去年"), fiscal_year=YEAR - 1
        ),
    }


# --------------------------------------------------------------------------- counts


def test_it_counts_each_department_by_status(fiona, forms) -> None:
    rows = status_counts(Actor.for_user(fiona), YEAR)
    # by name (pinyin on PostgreSQL: 财政 before 教育; code points on SQLite)
    names = [row.name for row in rows]
    assert sorted(names) == ["东莞市教育局", "东莞市财政局"]
    if connection.vendor == "postgresql":
        assert names == ["东莞市财政局", "东莞市教育局"]
    finance = counts(fiona)["东莞市财政局"]
    assert finance.department_id == forms["draft"].project.department_id
    # by the status in force: the form being adjusted (its adjustment submitted) is 已通过
    assert (finance.draft, finance.submitted, finance.department_approved) == (2, 1, 1)
    assert (finance.approved, finance.returned, finance.total) == (2, 1, 7)
    assert finance.adjusting == 1
    assert finance.overdue == 0  # no deadline set: nothing is late
    assert [(status, count) for status, _label, count in finance.cells] == [
        ("draft", 2),
        ("submitted", 1),
        ("department_approved", 1),
        ("approved", 2),
        ("returned", 1),
    ]
    education = counts(fiona)["东莞市教育局"]
    assert (education.submitted, education.total) == (1, 1)


def test_a_form_being_adjusted_is_listed_and_counted_as_approved(client, fiona, forms) -> None:
    """Its approved version is in force: the list's 已通过 holds it, 已提交 does not."""
    client.force_login(fiona)
    list_url = reverse("projects:form_list")
    approved = client.get(list_url, {"year": YEAR, "status": "approved"}).content.decode()
    submitted = client.get(list_url, {"year": YEAR, "status": "submitted"}).content.decode()
    link = f'href="{forms["adjusting"].get_absolute_url()}"'
    assert link in approved and link not in submitted


def test_the_totals_row_adds_up_the_departments(fiona, forms) -> None:
    totals = total_row(status_counts(Actor.for_user(fiona), YEAR))
    assert totals.department_id is None and totals.name == "合计"
    assert (totals.draft, totals.submitted, totals.total, totals.adjusting) == (2, 2, 8, 1)


def test_another_year_counts_on_its_own(fiona, forms) -> None:
    assert [(row.name, row.total) for row in status_counts(Actor.for_user(fiona), YEAR - 1)] == [
        ("东莞市财政局", 1)
    ]
    assert status_counts(Actor.for_user(fiona), 2030) == []


def test_each_persona_counts_only_what_it_may_see(alice, bob, charlie, forms, unit_c) -> None:
    form(UnitFactory(parent=unit_c.parent), "同部门别的单位", Status.DRAFT)
    assert list(counts(bob)) == ["东莞市财政局"]  # not C's department
    assert counts(bob)["东莞市财政局"].total == 7
    assert list(counts(alice)) == ["东莞市财政局"]
    assert list(counts(charlie)) == ["东莞市教育局"]
    assert counts(charlie)["东莞市教育局"].total == 1  # his unit only, not his neighbour's


def test_someone_with_no_role_counts_nothing(forms) -> None:
    assert status_counts(Actor(user_id=99, source="web"), YEAR) == []


# --------------------------------------------------------------------------- overdue


@pytest.fixture
def stages(unit_a):
    """A form at each point of the workflow, with a department that reviews and one that
    sends its submissions straight to finance."""
    no_review = UnitFactory(parent=DepartmentFactory(name="不审核的部门", department_review=False))
    return {
        "draft": form(unit_a, "草稿"),
        "returned": form(unit_a, "已退回", Status.RETURNED),
        "at_department": form(unit_a, "待部门审核", Status.SUBMITTED),
        "passed_on": form(unit_a, "部门已审", Status.DEPARTMENT_APPROVED),
        "straight_to_finance": form(no_review, "直报财政", Status.SUBMITTED),
        "approved": form(unit_a, "已通过", Status.APPROVED, approved_version=1),
    }


def late_names(stages) -> set[str]:
    today = timezone.localdate()
    late = PerformanceForm.objects.filter(
        overdue_q(Deadline.objects.filter(fiscal_year=YEAR), today)
    )
    ids = set(late.values_list("pk", flat=True))
    return {key for key, f in stages.items() if f.pk in ids}


@pytest.mark.parametrize(
    ("days", "late"),
    [
        ({}, set()),
        ({"submit": -1}, {"draft", "returned"}),
        ({"department": -1}, {"at_department"}),
        ({"finance": -1}, {"passed_on", "straight_to_finance"}),
        (
            {"submit": -3, "department": -2, "finance": -1},
            {"draft", "returned", "at_department", "passed_on", "straight_to_finance"},
        ),
        ({"submit": 0, "department": 0, "finance": 0}, set()),  # due today: still on time
        ({"submit": 1, "department": 5, "finance": 9}, set()),
        ({"submit": -1, "department": 5, "finance": 9}, {"draft", "returned"}),
    ],
)
def test_a_form_is_late_when_its_stage_deadline_has_passed(fiona, stages, days, late) -> None:
    deadlines(**days)
    assert late_names(stages) == late
    rows = status_counts(Actor.for_user(fiona), YEAR)
    assert sum(row.overdue for row in rows) == len(late)


def test_another_years_deadlines_do_not_count(fiona, stages) -> None:
    Deadline.objects.create(
        fiscal_year=YEAR + 1, stage="submit", due=timezone.localdate() - timedelta(days=30)
    )
    assert late_names(stages) == set()


def test_the_overdue_count_is_per_department(fiona, stages) -> None:
    deadlines(finance=-1)
    rows = counts(fiona)
    assert rows["东莞市财政局"].overdue == 1
    assert rows["不审核的部门"].overdue == 1


@pytest.mark.usefixtures("forms")  # the unit's forms in every status, one being adjusted
@pytest.mark.parametrize("late", [{}, {"submit": -1}, {"department": -1, "finance": -1}])
def test_a_filers_counts_from_the_listed_forms_are_the_databases(alice, late) -> None:
    """The filer's page counts the forms it lists (no query): the same rows as the aggregate
    the database runs for anyone, every status (by the status in force), adjustment and
    lateness included, in every department of the filer's units."""
    from projects.review.dashboard import unit_overview

    deadlines(**late)
    actor = Actor.for_user(alice)
    listed = unit_overview(actor, YEAR)
    assert {row.form.status for row in listed} >= {Status.DRAFT, Status.SUBMITTED}
    assert any(row.form.is_adjusting for row in listed)
    by_rows = status_counts(actor, YEAR, own=listed)
    assert by_rows == status_counts(actor, YEAR)
    assert sum(row.total for row in by_rows) == len(listed)


def test_the_listed_forms_count_only_for_a_filer_who_sees_nothing_else(fiona, alice, forms):
    from projects.review.dashboard import unit_overview

    listed = unit_overview(Actor.for_user(alice), YEAR)
    finance = Actor.for_user(fiona)  # sees every department: the rows given are not all
    assert status_counts(finance, YEAR, own=listed) == status_counts(finance, YEAR)
    assert len(status_counts(finance, YEAR)) == 2


# --------------------------------------------------------------------------- a unit's forms


def arrived(f: PerformanceForm, days: int) -> None:
    event = FormEvent.objects.create(
        form=f, kind="submit", source="web", to_status=f.status, version=f.version
    )
    FormEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_a_filer_sees_where_each_of_the_units_forms_is(alice, forms) -> None:
    arrived(forms["submitted"], 4)
    arrived(forms["passed"], 12)
    deadlines(submit=-1)
    rows = {row.form.project.name: row for row in unit_overview(Actor.for_user(alice), YEAR)}
    assert set(rows) == {"草稿一", "草稿二", "已提交", "部门已审", "已通过", "已退回", "调整中"}
    assert {name: row.holder_label for name, row in rows.items()} == {
        "草稿一": "本单位",
        "草稿二": "本单位",
        "已提交": "主管部门",
        "部门已审": "财政",
        "已通过": "已通过",
        "已退回": "本单位",
        "调整中": "主管部门",
    }
    assert rows["已提交"].days == 4 and rows["部门已审"].days == 12
    assert rows["草稿一"].days == 0  # no event: since it was last saved
    assert {name for name, row in rows.items() if row.overdue} == {"草稿一", "草稿二", "已退回"}


def test_only_filers_have_a_unit_overview(bob, fiona, charlie, forms) -> None:
    assert unit_overview(Actor.for_user(bob), YEAR) == []
    assert unit_overview(Actor.for_user(fiona), YEAR) == []
    assert [row.form.project.name for row in unit_overview(Actor.for_user(charlie), YEAR)] == [
        "教育"
    ]


# --------------------------------------------------------------------------- the page


def test_anonymous_is_sent_to_sign_in(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_finance_reviewer_sees_every_department_with_links(client, fiona, forms) -> None:
    deadlines(submit=-2, finance=10)
    client.force_login(fiona)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["year"] == YEAR  # the latest year with forms
    assert response.context["years"] == [YEAR, YEAR - 1]
    assert "进度总览" in html and "东莞市财政局" in html and "东莞市教育局" in html
    assert "本单位的表" not in html  # files for no unit
    assert "已过期" in html  # the submission deadline
    department = forms["draft"].project.department_id
    list_url = reverse("projects:form_list")
    assert (
        f'href="{list_url}?year={YEAR}&amp;department={department}&amp;status=draft">2</a>' in html
    )
    assert f'href="{list_url}?year={YEAR}&amp;status=submitted">2</a>' in html
    assert response.context["totals"].overdue == 3
    assert 'nav-link active" href="' + URL in html


def test_the_status_links_open_the_filtered_list(client, fiona, forms) -> None:
    client.force_login(fiona)
    department = forms["draft"].project.department_id
    response = client.get(
        reverse("projects:form_list"), {"year": YEAR, "department": department, "status": "draft"}
    )
    assert {f.project.name for f in response.context["page"]} == {"草稿一", "草稿二"}


def test_the_department_reviewer_sees_only_its_department(client, bob, forms) -> None:
    client.force_login(bob)
    html = client.get(URL).content.decode()
    assert "东莞市财政局" in html and "东莞市教育局" not in html


def test_the_filer_sees_the_units_forms_above_the_counts(client, alice, forms) -> None:
    deadlines(submit=-1)
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert "本单位的表" in html and "已逾期" in html
    assert html.index("本单位的表") < html.index("各主管部门进度")
    assert "草稿一" in html and "教育" not in html


def test_the_outsider_sees_nothing_of_alices(client, charlie, forms) -> None:
    client.force_login(charlie)
    html = client.get(URL).content.decode()
    assert "东莞市教育局" in html and "东莞市财政局" not in html
    assert "草稿一" not in html


def test_the_year_can_be_chosen(client, fiona, forms) -> None:
    client.force_login(fiona)
    response = client.get(URL, {"year": YEAR - 1})
    assert response.context["year"] == YEAR - 1
    assert [row.total for row in response.context["rows"]] == [1]
    assert f'<option value="{YEAR - 1}" selected>' in response.content.decode()
    assert client.get(URL, {"year": "abc"}).context["year"] == YEAR
    response = client.get(URL, {"year": 2030})  # a year with no forms yet
    assert response.context["year"] == 2030 and 2030 in response.context["years"]
    assert "本年度没有您可以查看的绩效目标表" in response.content.decode()


def test_with_no_forms_it_shows_this_year(client, fiona) -> None:
    client.force_login(fiona)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


@pytest.mark.parametrize("extra", [0, 27])
def test_the_page_takes_a_fixed_number_of_queries(
    client, fiona, alice, unit_a, unit_c, extra, django_assert_num_queries
) -> None:
    deadlines(submit=-1, department=3, finance=9)
    form(unit_a, "已提交", Status.SUBMITTED)
    form(unit_c, "别的部门", Status.DEPARTMENT_APPROVED)
    for i in range(extra + 1):
        arrived(form(unit_a, f"项目{i}", Status.SUBMITTED if i % 2 else Status.DRAFT), i)
    assert PerformanceForm.objects.count() == 3 + extra
    client.force_login(fiona)
    # 1 session, 2 user, 3 memberships, 4 the years to choose from, 5 the budget season as
    # set, 6 the year's deadlines, 7 the counts of every department in one aggregate; the
    # reviewers' load: 8 the bureau's finance reviewers, 9 whom each form waiting for
    # finance is assigned to and since when, 10 this week's decisions by reviewer; the cycle:
    # 11 the year's latest monitoring round (none here, so no count of its reports by
    # department and light: test_cycle counts the page with one), 12 the self-evaluations by
    # department and grade
    with django_assert_num_queries(12):
        assert client.get(URL).status_code == 200
    client.force_login(alice)
    # the first six, and 7 the unit's forms with their organisations and when each arrived
    # (counted from those rows: no aggregate; no reviewers' load for a filer), and the
    # cycle's two
    with django_assert_num_queries(9):
        assert client.get(URL).status_code == 200


def test_a_filer_of_two_units_sees_which_unit_each_form_is_of(client, alice, forms) -> None:
    from projects.models import Membership
    from tests.factories import MembershipFactory

    other = UnitFactory(name="第二用款单位", parent=forms["draft"].project.department)
    MembershipFactory(user=alice, organization=other, role=Membership.Role.FILER)
    form(other, "第二单位的项目")
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert '<th scope="col">用款单位</th>' in html
    assert '<td data-label="用款单位">第二用款单位</td>' in html
    assert "第二单位的项目" in html
