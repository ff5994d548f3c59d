"""Comments on a form, a field or one indicator: who may write, answer and resolve them, and
that they stay on their indicator while the unit revises the form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects.content import load_content
from projects.filing.services import save_draft
from projects.models import COMMENT_LIMIT, Comment, Indicator, PerformanceForm
from projects.permissions import Actor
from projects.review.comments import CommentRefused, add_comment, answer_comment, resolve_comment
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice_form):
    IndicatorFactory(form=alice_form, name="维护项目数量", period_value="1个", annual_value="1个")
    PerformanceForm.objects.filter(pk=alice_form.pk).update(status="submitted")
    return PerformanceForm.objects.with_content().get(pk=alice_form.pk)


def test_a_reviewer_comments_on_an_indicator_and_the_unit_answers(alice, bob, fiona, submitted):
    row = Indicator.objects.get(form=submitted, name="维护项目数量")
    comment = add_comment(
        actor=Actor.for_user(bob),
        form_id=submitted.pk,
        quick_pick="not_quantified",
        text="请写明维护的系统名称",
        indicator_uid=str(row.uid),
    )
    assert (comment.indicator_id, comment.version, comment.is_open) == (row.pk, 1, True)
    assert comment.said == "指标不够细化量化：请写明维护的系统名称"
    answer_comment(
        actor=Actor.for_user(alice), form_id=submitted.pk, comment_id=comment.pk, text="已补充"
    )
    with pytest.raises(CommentRefused, match="只有这张表的审核人"):
        resolve_comment(actor=Actor.for_user(alice), form_id=submitted.pk, comment_id=comment.pk)
    resolve_comment(actor=Actor.for_user(fiona), form_id=submitted.pk, comment_id=comment.pk)
    comment.refresh_from_db()
    assert (comment.answer, comment.is_open, comment.resolved_by_id) == ("已补充", False, fiona.pk)


def test_who_may_comment(alice, bob, charlie, alice_form, submitted) -> None:
    with pytest.raises(CommentRefused, match="只有这张表的审核人"):
        add_comment(actor=Actor.for_user(alice), form_id=submitted.pk, text="自己评")
    with pytest.raises(CommentRefused, match="请选择常用意见或写下意见"):
        add_comment(actor=Actor.for_user(bob), form_id=submitted.pk, text="  ")
    with pytest.raises(CommentRefused, match="没有这个指标"):
        add_comment(actor=Actor.for_user(bob), form_id=submitted.pk, text="x", indicator_uid="nope")
    PerformanceForm.objects.filter(pk=submitted.pk).update(status="draft")
    with pytest.raises(CommentRefused, match="草稿尚未提交"):
        add_comment(actor=Actor.for_user(bob), form_id=submitted.pk, text="太早")
    assert Comment.objects.count() == 0


def test_a_comment_stays_on_its_indicator_while_the_unit_revises(alice, bob, submitted) -> None:
    row = Indicator.objects.get(form=submitted, name="维护项目数量")
    comment = add_comment(
        actor=Actor.for_user(bob), form_id=submitted.pk, text="偏低", indicator_uid=str(row.uid)
    )
    PerformanceForm.objects.filter(pk=submitted.pk).update(status="returned")
    content = load_content(PerformanceForm.objects.with_content().get(pk=submitted.pk))
    content.indicators[0].annual_value = "3个"
    content.goals["annual"] = "新的目标"
    save_draft(actor=Actor.for_user(alice), form_id=submitted.pk, seen_version=1, content=content)
    comment.refresh_from_db()
    assert comment.indicator_id == row.pk
    assert Indicator.objects.get(pk=row.pk).annual_value == "3个"


def test_the_form_page_shows_comments_and_the_right_buttons(client, alice, bob, charlie, submitted):
    url = submitted.get_absolute_url()
    client.force_login(bob)
    html = client.get(url).content.decode()
    assert "审核意见" in html and "指标不够细化量化" in html  # the quick picks to choose from
    response = client.post(
        reverse("projects:comment_add", kwargs={"pk": submitted.pk}),
        {"quick_pick": "value_low", "text": "<b>目标</b>再提高", "target": ""},
        follow=True,
    )
    html = response.content.decode()
    assert "已记录审核意见" in html and "指标值偏低：&lt;b&gt;目标&lt;/b&gt;再提高" in html
    comment = Comment.objects.get()
    client.force_login(alice)
    html = client.get(url).content.decode()
    assert "待解决" in html and "标为已解决" not in html
    client.post(
        reverse("projects:comment_answer", kwargs={"pk": submitted.pk, "comment_id": comment.pk}),
        {"text": "已提高"},
    )
    client.force_login(charlie)
    resolve = reverse(
        "projects:comment_resolve", kwargs={"pk": submitted.pk, "comment_id": comment.pk}
    )
    assert client.post(resolve).status_code == 404
    client.force_login(bob)
    html = client.post(resolve, follow=True).content.decode()
    assert "已标为解决" in html and "单位答复：已提高" in html and "已解决" in html


def test_the_unit_sees_open_comments_beside_the_rows_in_the_editor(client, alice, bob, submitted):
    row = Indicator.objects.get(form=submitted, name="维护项目数量")
    add_comment(
        actor=Actor.for_user(bob),
        form_id=submitted.pk,
        quick_pick="value_low",
        indicator_uid=str(row.uid),
    )
    add_comment(actor=Actor.for_user(bob), form_id=submitted.pk, text="整体目标请更具体")
    PerformanceForm.objects.filter(pk=submitted.pk).update(status="returned")
    client.force_login(alice)
    html = client.get(reverse("projects:form_edit", kwargs={"pk": submitted.pk})).content.decode()
    assert 'class="small review-comment text-break" role="note">审核意见' in html
    assert "指标值偏低" in html and "整体目标请更具体" in html


def test_a_comment_on_a_field_is_named_on_the_page_and_shown_beside_it_in_the_editor(
    client, alice, bob, submitted
) -> None:
    client.force_login(bob)
    page = client.get(submitted.get_absolute_url()).content.decode()
    # the field's cell in the table is where a reviewer comments on it
    assert 'data-comment-target="f:goals.annual"' in page
    client.post(
        reverse("projects:comment_add", kwargs={"pk": submitted.pk}),
        {"quick_pick": "", "text": "年度目标要写明可衡量的结果", "target": "f:goals.annual"},
    )
    comment = Comment.objects.get()
    assert (comment.field, comment.indicator) == ("goals.annual", None)
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert "年度目标</strong>" in page
    PerformanceForm.objects.filter(pk=submitted.pk).update(status="returned")
    client.force_login(alice)
    editor = client.get(reverse("projects:form_edit", kwargs={"pk": submitted.pk}))
    html = editor.content.decode()
    after = html[html.index('id="field-goals__annual"') :]
    next_field = after.find('id="field-', 10)
    beside = after if next_field < 0 else after[:next_field]
    assert "年度目标要写明可衡量的结果" in beside
    # a field the layout does not know is refused
    client.force_login(bob)
    PerformanceForm.objects.filter(pk=submitted.pk).update(status="submitted")
    response = client.post(
        reverse("projects:comment_add", kwargs={"pk": submitted.pk}),
        {"text": "x", "target": "f:no.such"},
        follow=True,
    )
    assert "未知的字段" in response.content.decode()


def test_a_comment_over_the_limit_is_refused_on_the_page_and_by_the_service(
    client, bob, submitted
) -> None:
    too_long = "意" * (COMMENT_LIMIT + 1)
    with pytest.raises(CommentRefused, match="意见不能超过 2000 个字"):
        add_comment(actor=Actor.for_user(bob), form_id=submitted.pk, text=too_long)
    client.force_login(bob)
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert f'id="comment-text" maxlength="{COMMENT_LIMIT}"' in page
    url = reverse("projects:comment_add", kwargs={"pk": submitted.pk})
    response = client.post(url, {"text": too_long}, follow=True)
    assert "意见不能超过 2000 个字" in response.content.decode()
    assert Comment.objects.count() == 0
    client.post(url, {"text": too_long[1:]})
    assert Comment.objects.get().text == too_long[1:]
