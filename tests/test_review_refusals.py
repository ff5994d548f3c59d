"""A grading or a comment refused for what was chosen or typed: the page again (400) with every
choice and note kept, and the error beside the input it is about; nothing is recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects.models import Comment, ReviewGrade
from tests.review_helpers import act

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(seeded):
    forms, users = seeded
    form = act(users["filer"], forms[0], "submit")
    return form, users


def test_a_refused_grading_keeps_every_choice_and_note(client, submitted) -> None:
    form, users = submitted
    client.force_login(users["dept"])
    post = {
        "version": form.version,
        "completeness": "优",
        "completeness_note": "指标齐全",
        "relevance": "良",
        "relevance_note": "",
        "appropriateness": "良",
        "appropriateness_note": "金额适当",
        "feasibility": "中",  # without the note 中 needs
    }
    response = client.post(reverse("projects:form_grade", args=[form.pk]), post)
    assert response.status_code == 400
    html = response.content.decode()
    for key, grade in (("completeness", "优"), ("relevance", "良"), ("feasibility", "中")):
        assert f'name="{key}" id="{key}-' in html
        checked = html.split(f'name="{key}"')[1:]
        assert any(f'value="{grade}" checked' in part.split(">")[0] for part in checked)
    assert 'value="指标齐全"' in html and 'value="金额适当"' in html
    # the error beside the note it is about, which takes the focus
    fieldset = html[html.rindex("<fieldset", 0, html.index('name="feasibility_note"')) :]
    fieldset = fieldset[: fieldset.index("</fieldset>")]
    assert 'id="feasibility-note-error"' in fieldset
    assert "“可行性”评为中，请写明理由。" in fieldset
    assert "autofocus" in html[html.index('id="feasibility-note"') - 400 :][:1200]
    assert not ReviewGrade.objects.exists()


def test_a_grading_refused_by_the_rule_still_goes_back_with_the_reason(client, submitted):
    form, users = submitted
    client.force_login(users["filer"])
    post = {"version": form.version, "completeness": "优"}
    response = client.post(reverse("projects:form_grade", args=[form.pk]), post)
    assert response.status_code == 302


def test_a_refused_comment_keeps_what_was_typed(client, submitted) -> None:
    form, users = submitted
    client.force_login(users["dept"])
    indicator = form.indicators.order_by("order").first()
    too_long = "意" * 2001
    response = client.post(
        reverse("projects:comment_add", args=[form.pk]),
        {"target": f"i:{indicator.uid}", "quick_pick": "value_low", "text": too_long},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'value="{too_long}"' in html
    # the box is drawn under the indicator's row, on it, with the quick pick still chosen
    assert f'name="target" id="comment-target" value="i:{indicator.uid}"' in html
    assert 'value="value_low" aria-pressed="true"' in html
    form_html = html[html.index('id="comment-form"') :]
    assert "意见不能超过 2000 个字" in form_html[: form_html.index("</form>")]
    assert not Comment.objects.exists()
