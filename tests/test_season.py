"""The budget season is set, not guessed: the lists and the dashboard open on the year set in
the admin (``Season``), and a draft of next year moves nobody's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects.models import PerformanceForm, Season
from tests.factories import FormFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(unit_a):
    """The 2023 campaign (36 forms) and one 2024 draft filed early."""
    for i in range(36):
        FormFactory(project=ProjectFactory(unit=unit_a, name=f"2023项目{i}"), fiscal_year=2023)
    FormFactory(project=ProjectFactory(unit=unit_a, name="提前的草稿"), fiscal_year=2024)


def test_a_2024_draft_does_not_move_the_2023_lists(client, fiona, alice, campaign) -> None:
    Season.objects.create(fiscal_year=2023)
    for user in (fiona, alice):
        client.force_login(user)
        listed = client.get(reverse("projects:form_list"))
        assert listed.context["filter_form"].data["year"] == "2023"
        assert listed.context["page"].paginator.count == 36
        board = client.get(reverse("projects:dashboard"))
        assert board.context["year"] == 2023 and board.context["totals"].total == 36
        assert 2024 in board.context["years"]  # one click away
        assert client.get(reverse("projects:dashboard"), {"year": 2024}).context["year"] == 2024
        all_years = client.get(reverse("projects:form_list"), {"year": ""})
        assert all_years.context["page"].paginator.count == 37


def test_the_season_is_a_choice_before_anyone_files_for_it(client, fiona, campaign) -> None:
    Season.objects.create(fiscal_year=2025)
    client.force_login(fiona)
    listed = client.get(reverse("projects:form_list"))
    assert listed.context["page"].paginator.count == 0
    assert '<option value="2025" selected>' in listed.content.decode()
    assert client.get(reverse("projects:dashboard")).context["year"] == 2025


def test_until_it_is_set_the_latest_year_with_forms_is_shown(client, fiona, campaign) -> None:
    client.force_login(fiona)
    assert client.get(reverse("projects:dashboard")).context["year"] == 2024
    assert PerformanceForm.objects.filter(fiscal_year=2024).count() == 1


def test_the_admin_keeps_one_season(client, adam) -> None:
    client.force_login(adam)
    add = reverse("admin:projects_season_add")
    assert client.post(add, {"fiscal_year": 2023}).status_code == 302
    assert client.get(add).status_code == 403
    assert list(Season.objects.values_list("fiscal_year", flat=True)) == [2023]
