"""比较版本 on a form with one version on record (every imported or rolled-over form): the
page shows that version and offers last year's form instead of answering 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects.filing.services import roll_over_form
from projects.permissions import Actor

pytestmark = pytest.mark.django_db


def compare_url(form) -> str:
    return reverse("projects:form_compare", kwargs={"pk": form.pk})


def test_an_imported_form_shows_its_one_version(client, seeded) -> None:
    forms, users = seeded
    form = forms[0]
    assert form.version == 1
    client.force_login(users["filer"])
    response = client.get(compare_url(form))
    assert response.status_code == 200
    html = response.content.decode()
    assert "这张表只有第 1 版的记录" in html and "没有第 0 版" not in html
    assert "这个项目没有上一年度的绩效目标表" in html


def test_a_rolled_over_form_offers_last_years_form(client, seeded) -> None:
    forms, users = seeded
    new = roll_over_form(actor=Actor.for_user(users["filer"]), form_id=forms[0].pk)
    assert new.version == 1
    client.force_login(users["filer"])
    html = client.get(compare_url(new)).content.decode()
    assert "这张表只有第 1 版的记录" in html
    assert 'href="?against=last_year"' in html and "与 2023 年度的表比较" in html
    against = client.get(compare_url(new), {"against": "last_year"})
    assert against.status_code == 200 and "2023 年度 → 2024 年度" in against.content.decode()


def test_a_version_with_no_record_asked_for_is_still_404(client, seeded) -> None:
    forms, users = seeded
    client.force_login(users["filer"])
    assert client.get(compare_url(forms[0]), {"old": 0, "new": 1}).status_code == 404
