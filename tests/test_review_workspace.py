"""The review page as a workspace: threads under their rows, the form's place in the queue,
the decision panel that records the grades and opens the next form, refusals that keep what
was typed, htmx answers that are parts of the page, and a query count that does not grow with
the comments."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects.models import Comment, Indicator, PerformanceForm, ReviewGrade
from projects.permissions import Actor
from projects.review.comments import add_comment, answer_comment
from tests.review_helpers import act

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def waiting(seeded):
    """Three of the seed forms submitted to the department, in the queue's order."""
    forms, users = seeded
    for form in forms[:3]:
        act(users["filer"], form, "submit")
    return forms[:3], users


def grades(value: str) -> dict[str, str]:
    keys = ("completeness", "relevance", "appropriateness", "feasibility")
    return {key: value for key in keys}


def test_the_page_numbers_the_form_in_the_queue_with_its_neighbours(client, waiting) -> None:
    forms, users = waiting
    client.force_login(users["dept"])
    html = client.get(forms[1].get_absolute_url()).content.decode()
    assert "第 2 / 3 张" in html
    assert f'id="queue-prev" href="/forms/{forms[0].pk}/"' in html
    assert f'id="queue-next" href="/forms/{forms[2].pk}/"' in html
    # the queue's filters are kept by previous and next
    department = forms[0].project.department_id
    html = client.get(forms[0].get_absolute_url(), {"queue": f"department={department}"})
    assert f"/forms/{forms[1].pk}/?queue=department%3D{department}" in html.content.decode()


def test_a_decision_from_the_panel_records_the_grades_and_opens_the_next_form(
    client, waiting
) -> None:
    forms, users = waiting
    client.force_login(users["dept"])
    post = {"version": 1, "status": "submitted", "panel": "1", "after": forms[1].pk}
    response = client.post(
        reverse("projects:form_act", args=[forms[0].pk, "pass_on"]), post | grades("优")
    )
    assert response.status_code == 302 and response["Location"] == f"/forms/{forms[1].pk}/"
    grade = ReviewGrade.objects.get(form=forms[0])
    assert grade.grades == ["优"] * 4 and grade.stage == "department"
    assert PerformanceForm.objects.get(pk=forms[0].pk).status == "department_approved"


def test_a_refused_decision_keeps_the_reason_and_the_grades(client, waiting) -> None:
    forms, users = waiting
    client.force_login(users["dept"])
    post = {"version": 1, "status": "submitted", "panel": "1", "comment_return": ""}
    # 中 without a note: nothing is taken, the reason typed and every grade stay
    refused = grades("良") | {"feasibility": "中", "comment_return": "请补充测算依据"}
    response = client.post(
        reverse("projects:form_act", args=[forms[0].pk, "return"]), post | refused
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请补充测算依据</textarea>" in html and "“可行性”评为中，请写明理由。" in html
    assert 'value="中" checked' in html
    # a return without its reason: refused, the confirmation open with the message
    response = client.post(
        reverse("projects:form_act", args=[forms[0].pk, "return"]), post | grades("良")
    )
    assert response.status_code == 400
    assert "请写明退回的理由。" in response.content.decode()
    assert PerformanceForm.objects.get(pk=forms[0].pk).status == "submitted"


def test_htmx_gets_the_table_alone_after_a_comment_and_the_panel_after_a_grading(
    client, waiting
) -> None:
    forms, users = waiting
    client.force_login(users["dept"])
    row = Indicator.objects.filter(form=forms[0]).exclude(name="").first()
    response = client.post(
        reverse("projects:comment_add", args=[forms[0].pk]),
        {"target": f"i:{row.uid}", "quick_pick": "value_low"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="workspace"')
    assert "<html" not in html and 'class="thread-row"' in html and "待答复" in html
    response = client.post(
        reverse("projects:form_grade", args=[forms[0].pk]), {"version": 1} | grades("良"), **HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<aside id="review"') and "综合评定为“良”" in html


def test_finance_sees_the_departments_grades_and_the_unit_sees_the_grading_after_a_return(
    client, waiting
) -> None:
    forms, users = waiting
    client.force_login(users["dept"])
    post = {"version": 1, "status": "submitted", "panel": "1"}
    notes = {"completeness_note": "要素齐全"}
    client.post(
        reverse("projects:form_act", args=[forms[0].pk, "pass_on"]),
        post | grades("优") | notes,
    )
    client.force_login(users["finance"])
    html = client.get(forms[0].get_absolute_url()).content.decode()
    assert "主管部门审核：<strong>优</strong> · 要素齐全" in html
    post = {"version": 1, "status": "department_approved", "panel": "1"}
    client.post(
        reverse("projects:form_act", args=[forms[0].pk, "return"]),
        post
        | grades("差")
        | {f"{k}_note": "不足" for k in grades("")}
        | {"comment_return": "重做"},
    )
    assert PerformanceForm.objects.get(pk=forms[0].pk).status == "returned"
    client.force_login(users["filer"])
    html = client.get(forms[0].get_absolute_url()).content.decode()
    assert "财政审核对第 1 版的评定，综合评定：<strong>差</strong>" in html
    history = html[html.index('id="grade-history"') :]
    assert "主管部门审核" in history and "财政审核" in history and "finance" in history


def test_the_unit_answers_in_the_editor(client, waiting) -> None:
    forms, users = waiting
    form = forms[0]
    row = Indicator.objects.filter(form=form).exclude(name="").first()
    comment = add_comment(
        actor=Actor.for_user(users["dept"]),
        form_id=form.pk,
        text="请细化",
        indicator_uid=str(row.uid),
    )
    act(users["dept"], form, "return", "请修改")
    client.force_login(users["filer"])
    editor = client.get(reverse("projects:form_edit", args=[form.pk])).content.decode()
    assert (
        f'id="answer-form-{comment.pk}"' in editor and f'form="answer-form-{comment.pk}"' in editor
    )
    url = reverse("projects:comment_answer", args=[form.pk, comment.pk])
    response = client.post(url, {"text": "", "from": "editor"}, **HTMX)
    assert response.status_code == 400 and "没有答复" in response.content.decode()
    response = client.post(url, {"text": "已细化", "from": "editor"}, **HTMX)
    assert "已答复：已细化" in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).answer == "已细化"


def test_the_review_page_takes_as_many_queries_with_many_comments(
    client, waiting, django_assert_num_queries
) -> None:
    forms, users = waiting
    form = forms[0]
    dept = Actor.for_user(users["dept"])
    client.force_login(users["dept"])
    client.get(form.get_absolute_url())

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            client.get(form.get_absolute_url())
        return len(context)

    before = count()
    for row in Indicator.objects.filter(form=form).exclude(name=""):
        for n in range(3):
            comment = add_comment(
                actor=dept, form_id=form.pk, text=f"意见{n}", indicator_uid=str(row.uid)
            )
        answer_comment(
            actor=Actor.for_user(users["filer"]), form_id=form.pk, comment_id=comment.pk, text="答"
        )
    add_comment(actor=dept, form_id=form.pk, field="goals.annual", text="年度目标")
    add_comment(actor=dept, form_id=form.pk, text="整张表")
    assert count() == before
    # 1 session, 2 user, 3 memberships, 4 the form, 5 indicators, 6 the framework's
    # categories (for the table and the checks), 7 the comments with their indicators and
    # people, 8-9 the filing checks (last year's form, the check settings), 10 the gradings,
    # 11 the version the form was last returned at (what changed since), 12 the form's place
    # in the queue (one windowed query), 13 the history's events, 14 the quick picks of
    # opinions offered to the reviewer (the framework's and their own)
    with django_assert_num_queries(14):
        client.get(form.get_absolute_url())
