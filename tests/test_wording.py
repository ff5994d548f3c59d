"""Our own words for what Django would say awkwardly, and a refusal that says what to do."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from projects.models import PerformanceForm

pytestmark = pytest.mark.django_db


class Sample(forms.Form):
    name = forms.CharField(max_length=300)
    note = forms.CharField()


def test_django_s_validation_messages_read_as_ours() -> None:
    too_long = Sample({"name": "字" * 301, "note": "有\x00空字符"})
    assert not too_long.is_valid()
    assert too_long.errors["name"] == ["最多 300 个字（现在 301 个），请删减。"]
    assert "空字符" in too_long.errors["note"][0]
    empty = Sample({"name": "", "note": ""})
    assert not empty.is_valid()
    assert empty.errors["name"] == ["请填写这一项。"]
    for words in ("确保该变量", "不允许是用空字符串", "这个字段是必填项"):
        assert words not in str(too_long.errors) + str(empty.errors)


def test_editing_an_approved_form_points_to_an_adjustment(client, alice, bob, alice_form) -> None:
    PerformanceForm.objects.filter(pk=alice_form.pk).update(status="approved")
    client.force_login(alice)
    response = client.get(reverse("projects:form_edit", args=[alice_form.pk]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "申请调整" in html and f"{alice_form.get_absolute_url()}#actions-title" in html
    client.force_login(bob)  # may see it, may not adjust it: the plain refusal
    response = client.get(reverse("projects:form_edit", args=[alice_form.pk]))
    assert response.status_code == 403 and "打开这张表，申请调整" not in response.content.decode()
