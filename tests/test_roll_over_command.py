"""Roll-over from the command line and from the admin's action."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from projects.models import PerformanceForm
from tests.factories import FormFactory, IndicatorFactory, ProjectFactory


def test_command_rolls_a_unit_over_once(alice_form, unit_a):
    IndicatorFactory(form=alice_form, name="维护项目数量")
    other = FormFactory(project=ProjectFactory(unit=unit_a), fiscal_year=2022)
    out = StringIO()
    call_command("roll_over", "--year", "2023", "--unit", unit_a.name, stdout=out)
    assert "已结转 1 张为 2024 年度草稿" in out.getvalue()
    draft = PerformanceForm.objects.get(project=alice_form.project, fiscal_year=2024)
    assert draft.status == PerformanceForm.Status.DRAFT
    assert [i.name for i in draft.indicators.all()] == ["维护项目数量"]
    assert not PerformanceForm.objects.filter(project=other.project, fiscal_year=2023).exists()
    out = StringIO()
    call_command("roll_over", "--year", "2023", "--unit", unit_a.name, stdout=out)
    assert "已结转 0 张" in out.getvalue() and "跳过：" in out.getvalue()


def test_command_says_when_nothing_matches(db):
    with pytest.raises(CommandError, match="没有符合条件"):
        call_command("roll_over", "--year", "1999", stdout=StringIO())


def test_admin_action_rolls_selected_forms_over(client, alice_form, charlie_form, adam, stan):
    client.force_login(stan)  # staff without the administrator role: refused, nothing made
    response = client.post(
        reverse("admin:projects_performanceform_changelist"),
        {"action": "roll_over_selected", "_selected_action": [alice_form.pk]},
        follow=True,
    )
    assert "只能结转本单位的表" in response.content.decode()
    assert PerformanceForm.objects.filter(fiscal_year=2024).count() == 0
    client.force_login(adam)
    response = client.post(
        reverse("admin:projects_performanceform_changelist"),
        {"action": "roll_over_selected", "_selected_action": [alice_form.pk]},
        follow=True,
    )
    assert "已结转 1 张表" in response.content.decode()
    assert PerformanceForm.objects.filter(fiscal_year=2024).count() == 1
