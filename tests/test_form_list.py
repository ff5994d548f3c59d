from __future__ import annotations

import pytest
from django.urls import reverse

from projects.models import PerformanceForm
from tests.factories import FormFactory, ProjectFactory, UnitFactory

URL = reverse("projects:form_list")


def names(response) -> list[str]:
    return [form.project.name for form in response.context["page"]]


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_owner_sees_own_forms(client, alice, alice_form, charlie_form):
    client.force_login(alice)
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["财政业务系统运维服务项目"]
    assert "教育信息化运维项目" not in response.content.decode()


def test_outsider_sees_nothing_of_alice(client, charlie, alice_form, charlie_form):
    client.force_login(charlie)
    response = client.get(URL)
    assert names(response) == ["教育信息化运维项目"]


def test_outsider_search_does_not_find_alice_form(client, charlie, alice_form):
    client.force_login(charlie)
    response = client.get(URL, {"q": "财政业务"})
    assert names(response) == []
    response = client.get(URL, {"q": alice_form.project.unit.name})
    assert names(response) == []


def test_outsider_cannot_filter_by_alice_unit(client, charlie, alice_form):
    client.force_login(charlie)
    response = client.get(URL, {"unit": alice_form.project.unit_id})
    # The unit is not among charlie's choices: the filter is invalid and shows nothing.
    assert names(response) == []
    assert alice_form.project.unit.name not in response.content.decode()


def test_department_reviewer_sees_department_forms_only(client, bob, alice_form, charlie_form):
    client.force_login(bob)
    assert names(client.get(URL)) == ["财政业务系统运维服务项目"]


def test_finance_reviewer_sees_every_form(client, fiona, alice_form, charlie_form):
    client.force_login(fiona)
    assert sorted(names(client.get(URL))) == sorted(
        ["财政业务系统运维服务项目", "教育信息化运维项目"]
    )


def test_user_without_membership_sees_nothing(client, django_user_model, alice_form):
    user = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(user)
    assert names(client.get(URL)) == []


def test_it_filters_by_year_status_type_and_search(client, alice, unit_a):
    old = FormFactory(project=ProjectFactory(unit=unit_a, name="线路租赁项目"), fiscal_year=2022)
    FormFactory(
        project=ProjectFactory(unit=unit_a, name="网站适老化改造项目"),
        project_type="其他特定目标类",
        status=PerformanceForm.Status.APPROVED,
    )
    client.force_login(alice)
    assert names(client.get(URL, {"year": 2022})) == [old.project.name]
    assert names(client.get(URL, {"status": "approved"})) == ["网站适老化改造项目"]
    assert names(client.get(URL, {"project_type": "其他特定目标类"})) == ["网站适老化改造项目"]
    assert names(client.get(URL, {"q": "线路"})) == ["线路租赁项目"]
    assert names(
        client.get(URL, {"unit": unit_a.id, "department": unit_a.parent_id, "q": "适老"})
    ) == ["网站适老化改造项目"]


def test_it_paginates(client, alice, unit_a):
    for i in range(30):
        FormFactory(project=ProjectFactory(unit=unit_a, name=f"项目{i:02d}"))
    client.force_login(alice)
    first = client.get(URL)
    second = client.get(URL, {"page": 2})
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert set(names(first)).isdisjoint(names(second))
    # each page is its slice of the whole list, in order: the page's forms are chosen among
    # narrow rows and loaded whole after (``NarrowPaginator``)
    whole = [f"项目{i:02d}" for i in range(30)]
    assert names(first) + names(second) == whole


@pytest.mark.parametrize("count", [1, 40])
def test_query_count_does_not_grow_with_forms(
    client, fiona, unit_a, count, django_assert_num_queries
):
    for i in range(count):
        FormFactory(project=ProjectFactory(unit=unit_a, name=f"项目{i:02d}"))
    client.force_login(fiona)
    # 1 session, 2 user, 3 the user's memberships (the actor), 4 filter: years, 5 filter:
    # departments and units, 6 filter: project types, 7 paginator count, 8 the page of forms
    # with project, unit, department
    with django_assert_num_queries(8):
        response = client.get(URL, {"year": 2023})
    assert response.status_code == 200


def test_units_are_listed_in_pinyin_order(client, fiona, department):
    # 安 (ān, U+5B89) sorts after 北 (běi, U+5317) by code point, before it by pinyin.
    for name in ("北京路管理处", "安全生产中心"):
        FormFactory(project=ProjectFactory(unit=UnitFactory(name=name, parent=department)))
    client.force_login(fiona)
    units = [form.project.unit.name for form in client.get(URL).context["page"]]
    assert units == ["安全生产中心", "北京路管理处"]
