"""常用意见: each framework's quick picks, edited by administrators (text, order, on/off), a
reviewer's own, and the comments made with the shipped ones before still readable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from indicators.models import Framework
from projects.models import Comment, OpinionTemplate
from projects.permissions import Actor
from projects.review.comments import CommentRefused, add_comment
from projects.review.opinions import opinion_choices
from tests.factories import default_framework
from tests.review_helpers import act

pytestmark = pytest.mark.django_db


def test_every_framework_starts_with_the_shipped_quick_picks(db) -> None:
    for framework in Framework.objects.all():
        texts = list(
            OpinionTemplate.objects.filter(framework=framework)
            .order_by("order")
            .values_list("text", flat=True)
        )
        assert texts == [str(label) for _key, label in Comment.QuickPick.choices]


def test_administrators_edit_a_framework_s_quick_picks(seeded) -> None:
    forms, users = seeded
    framework = default_framework()
    other = Framework.objects.exclude(pk=framework.pk).first()
    finance = Actor.for_user(users["finance"])
    low = OpinionTemplate.objects.get(framework=framework, key="value_low")
    low.text, low.order = "指标值低于上年实际", 0
    low.save()
    OpinionTemplate.objects.filter(framework=framework, key="split").update(active=False)
    OpinionTemplate.objects.create(framework=framework, text="请补充成本指标", order=99)
    offered = [text for _value, text in opinion_choices(finance, framework.pk)]
    assert offered[0] == "指标值低于上年实际" and offered[-1] == "请补充成本指标"
    assert "建议拆分指标" not in offered
    if other is not None:  # another framework keeps its own
        assert "建议拆分指标" in [t for _v, t in opinion_choices(finance, other.pk)]
    form = forms[0]
    act(users["filer"], form, "submit")
    comment = add_comment(actor=finance, form_id=form.pk, quick_pick="value_low", text="")
    assert comment.said == "指标值低于上年实际"
    with pytest.raises(CommentRefused, match="未知的常用意见"):
        add_comment(actor=finance, form_id=form.pk, quick_pick="split")
    # the comment keeps the text it was made with
    low.text = "又改了"
    low.save()
    comment.refresh_from_db()
    assert comment.said == "指标值低于上年实际"


def test_a_reviewer_saves_their_own_quick_picks(client, seeded) -> None:
    forms, users = seeded
    client.force_login(users["finance"])
    url = reverse("projects:my_opinions")
    response = client.post(url, {"text": "  请写明满意度调查的对象和方式 "}, follow=True)
    assert "已保存常用意见" in response.content.decode()
    response = client.post(url, {"text": "请写明满意度调查的对象和方式"}, follow=True)
    assert "已有这条常用意见" in response.content.decode()
    mine = OpinionTemplate.objects.get(owner=users["finance"])
    finance = Actor.for_user(users["finance"])
    offered = opinion_choices(finance, forms[0].framework_id)
    assert offered[-1] == (str(mine.pk), "请写明满意度调查的对象和方式")
    assert (str(mine.pk), mine.text) not in opinion_choices(
        Actor.for_user(users["dept"]), forms[0].framework_id
    )
    act(users["filer"], forms[0], "submit")
    comment = add_comment(actor=finance, form_id=forms[0].pk, quick_pick=str(mine.pk))
    assert comment.said == "请写明满意度调查的对象和方式"
    with pytest.raises(CommentRefused, match="未知的常用意见"):  # not the dept's to use
        add_comment(
            actor=Actor.for_user(users["dept"]), form_id=forms[0].pk, quick_pick=str(mine.pk)
        )
    client.post(url, {"delete": mine.pk})
    assert not OpinionTemplate.objects.filter(owner=users["finance"]).exists()
    comment.refresh_from_db()
    assert comment.said == "请写明满意度调查的对象和方式"
