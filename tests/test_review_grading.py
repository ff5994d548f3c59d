"""The four graded checks, the decision they suggest, adjustments of approved forms, and what
the reviewer sees of a resubmitted form: the changes since it was returned."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.content import load_content
from projects.filing.services import save_draft
from projects.history import content_at
from projects.models import FormEvent, PerformanceForm, ReviewGrade, overall_grade
from projects.permissions import Actor
from projects.review.grading import GradeRefused, grade_form
from projects.review.services import TransitionRefused
from projects.workflow import suggested_verb
from tests.review_helpers import act

pytestmark = pytest.mark.django_db

ALL_GOOD = {"completeness": "优", "relevance": "良", "appropriateness": "优", "feasibility": "良"}


@pytest.mark.parametrize(
    ("grades", "overall"),
    [
        (["优", "优", "优", "优"], "优"),
        (["优", "优", "优", "良"], "优"),
        (["优", "优", "良", "良"], "良"),
        (["优", "优", "优", "中"], "良"),
        (["良", "良", "中", "中"], "中"),
        (["优", "优", "优", "差"], "差"),
        (["优", "", "优", "优"], ""),
    ],
)
def test_the_overall_grade(grades, overall) -> None:
    assert overall_grade(grades) == overall


def test_the_overall_grade_suggests_a_decision() -> None:
    assert suggested_verb("优", "finance") == "approve"
    assert suggested_verb("良", "department") == "pass_on"
    assert suggested_verb("中", "finance") == "return"
    assert suggested_verb("差", "department") == "return"
    assert suggested_verb("", "finance") == ""


def grade(user, form, grades=ALL_GOOD, notes=None):
    form.refresh_from_db()
    return grade_form(
        actor=Actor.for_user(user),
        form_id=form.pk,
        seen_version=form.version,
        grades=grades,
        notes=notes or {},
    )


def test_each_stage_grades_the_version_under_review(seeded) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    with pytest.raises(GradeRefused, match="只有本部门的审核人"):
        grade(users["finance"], form)
    department = grade(users["dept"], form)
    assert (department.stage, department.overall) == ("department", "良")
    # revising the grade at the same stage updates it, it does not add another
    again = grade(
        users["dept"], form, ALL_GOOD | {"feasibility": "中"}, {"feasibility": "依据不足"}
    )
    assert again.pk == department.pk and again.overall == "良"
    act(users["dept"], form, "pass_on")
    finance = grade(users["finance"], form, ALL_GOOD | {"relevance": "差"}, {"relevance": "无关"})
    assert (finance.stage, finance.overall) == ("finance", "差")
    assert ReviewGrade.objects.filter(form=form).count() == 2


def test_a_grading_says_what_is_missing(seeded) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    with pytest.raises(GradeRefused, match="请评定“相关性”的等级"):
        grade(users["dept"], form, {"completeness": "优"})
    with pytest.raises(GradeRefused, match="“可行性”评为差，请写明理由"):
        grade(users["dept"], form, ALL_GOOD | {"feasibility": "差"})
    with pytest.raises(GradeRefused, match="请评定“完整性”的等级"):
        grade(users["dept"], form, ALL_GOOD | {"completeness": "A+"})
    with pytest.raises(GradeRefused, match="只有本部门的审核人"):
        grade(users["filer"], form)
    form.refresh_from_db()
    with pytest.raises(GradeRefused, match="已更新为第"):
        grade_form(
            actor=Actor.for_user(users["dept"]),
            form_id=form.pk,
            seen_version=form.version + 1,
            grades=ALL_GOOD,
            notes={},
        )
    assert not ReviewGrade.objects.exists()


def test_the_review_page_grades_and_marks_the_suggested_decision(client, seeded) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    client.force_login(users["dept"])
    page = client.get(form.get_absolute_url()).content.decode()
    for label in ("完整性", "相关性", "适当性", "可行性", "保存评定", "检查结果"):
        assert label in page
    post = {"version": form.version, **ALL_GOOD, "feasibility": "中", "feasibility_note": "偏低"}
    response = client.post(reverse("projects:form_grade", args=[form.pk]), post, follow=True)
    page = response.content.decode()
    assert "综合评定为“良”" in page
    assert "建议：部门审核通过，报财政" in page
    assert 'suggested">部门审核通过，报财政' in page
    # the unit sees the grading, without the form to change it
    client.force_login(users["filer"])
    page = client.get(form.get_absolute_url()).content.decode()
    assert "综合评定：良" in page and "偏低" in page and "保存评定" not in page


def test_the_submission_records_what_the_checks_found(seeded) -> None:
    forms, users = seeded
    form = act(users["filer"], forms[0], "submit")
    assert form.check_errors == 0
    assert form.check_warnings is not None


def test_an_adjustment_keeps_the_approved_version_in_force(client, seeded) -> None:
    forms, users = seeded
    form = forms[0]
    for user, verb in (("filer", "submit"), ("dept", "pass_on"), ("finance", "approve")):
        act(users[user], form, verb)
    form.refresh_from_db()
    approved = form.version
    assert form.approved_version == approved
    with pytest.raises(TransitionRefused, match="请写明调整的理由"):
        act(users["filer"], form, "adjust")
    with pytest.raises(TransitionRefused, match="只有本单位的填报人可以申请调整"):
        act(users["finance"], form, "adjust", "不是我的")
    form = act(users["filer"], form, "adjust", "预算调减，指标相应调整")
    assert (form.status, form.approved_version, form.is_adjusting) == ("draft", approved, True)
    assert form.events.filter(kind=FormEvent.Kind.ADJUST).get().comment == "预算调减，指标相应调整"

    old_goal = load_content(PerformanceForm.objects.with_content().get(pk=form.pk)).goals["annual"]
    content = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    content.goals["annual"] = "调整后的年度目标"
    save_draft(
        actor=Actor.for_user(users["filer"]),
        form_id=form.pk,
        seen_version=form.version,
        content=content,
    )
    client.force_login(users["finance"])
    page = client.get(form.get_absolute_url()).content.decode()
    assert f"已通过的第 {approved} 版继续有效" in page
    assert "调整后的年度目标" in page
    in_force = client.get(form.get_absolute_url(), {"version": approved}).content.decode()
    assert old_goal[:20] in in_force and "调整后的年度目标" not in in_force
    assert f"您在查看第 {approved} 版" in in_force

    for user, verb in (("filer", "submit"), ("dept", "pass_on"), ("finance", "approve")):
        act(users[user], form, verb)
    form.refresh_from_db()
    assert form.approved_version == form.version > approved and not form.is_adjusting


def test_the_reviewer_sees_what_changed_since_the_return(client, seeded) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    act(users["dept"], form, "return", "请细化年度目标")
    form.refresh_from_db()
    returned_at = form.version
    content = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    content.goals["annual"] = "细化后的年度目标"
    save_draft(
        actor=Actor.for_user(users["filer"]),
        form_id=form.pk,
        seen_version=returned_at,
        content=content,
    )
    act(users["filer"], form, "submit")
    client.force_login(users["dept"])
    page = client.get(form.get_absolute_url()).content.decode()
    assert f"自第 {returned_at} 版退回以来的修改" in page
    assert "细化后的年度目标" in page
    compare = client.get(reverse("projects:form_compare", args=[form.pk])).content.decode()
    assert f"默认显示自第 {returned_at} 版退回以来的修改" in compare
    assert "细化后的年度目标" in compare


def test_the_review_page_runs_a_fixed_number_of_queries(
    client, seeded, django_assert_num_queries
) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    act(users["dept"], form, "return", "请修改")
    form.refresh_from_db()
    content = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    content.goals["annual"] = "修改后的年度目标"
    filer = Actor.for_user(users["filer"])
    save_draft(actor=filer, form_id=form.pk, seen_version=form.version, content=content)
    act(users["filer"], form, "submit")
    client.force_login(users["dept"])
    # the 11 of a draft's page (see test_form_detail, the gradings among them), with the
    # version last returned, the two snapshots compared, the form's place in the reviewer's
    # queue (its number, the total and its neighbours: one windowed query), and the quick
    # picks of opinions offered to the reviewer (the framework's and their own)
    with django_assert_num_queries(16):
        client.get(form.get_absolute_url())


def test_an_adjustment_given_up_restores_the_approved_version(client, seeded) -> None:
    forms, users = seeded
    form = forms[0]
    for user, verb in (("filer", "submit"), ("dept", "pass_on"), ("finance", "approve")):
        act(users[user], form, verb)
    form.refresh_from_db()
    approved = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    uids = [row.uid for row in approved.indicators]
    with pytest.raises(TransitionRefused, match="没有在调整中"):
        act(users["filer"], form, "cancel_adjust")
    act(users["filer"], form, "adjust", "指标调整")
    form.refresh_from_db()
    content = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    content.goals["annual"] = "调整后的年度目标"
    del content.indicators[0]
    save_draft(
        actor=Actor.for_user(users["filer"]),
        form_id=form.pk,
        seen_version=form.version,
        content=content,
    )
    client.force_login(users["filer"])
    assert "撤销调整" in client.get(form.get_absolute_url()).content.decode()
    with pytest.raises(TransitionRefused, match="只有本单位的填报人可以撤销调整"):
        act(users["finance"], form, "cancel_adjust")
    form = act(users["filer"], form, "cancel_adjust")
    form.refresh_from_db()
    assert form.status == "approved" and form.approved_version == form.version
    restored = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    assert restored.goals == approved.goals
    assert [row.uid for row in restored.indicators] == uids  # the rows keep their identity
    assert form.events.order_by("-id").first().kind == FormEvent.Kind.CANCEL_ADJUST


def test_an_adjustment_given_up_is_one_new_version_saved_once(seeded) -> None:
    """Restoring the approved content and approving the form again is one write of the form
    (``write_version``) and one event, whose snapshot is the restored version."""
    forms, users = seeded
    form = forms[0]
    for user, verb in (("filer", "submit"), ("dept", "pass_on"), ("finance", "approve")):
        act(users[user], form, verb)
    act(users["filer"], form, "adjust", "指标调整")
    form.refresh_from_db()
    approved_version = form.approved_version
    content = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    content.goals["annual"] = "调整后的年度目标"
    edited = save_draft(
        actor=Actor.for_user(users["filer"]),
        form_id=form.pk,
        seen_version=form.version,
        content=content,
    ).form
    events = form.events.count()
    with CaptureQueriesContext(connection) as queries:
        act(users["filer"], form, "cancel_adjust")
    form_writes = [q for q in queries if q["sql"].startswith('UPDATE "projects_performanceform"')]
    assert len(form_writes) == 1
    form.refresh_from_db()
    assert form.events.count() == events + 1
    event = form.events.order_by("-id").first()
    assert (event.kind, event.from_status, event.to_status) == (
        "cancel_adjust",
        "draft",
        "approved",
    )
    assert event.version == form.version == form.approved_version == edited.version + 1
    restored = content_at(form, form.version)
    assert restored.goals == content_at(form, approved_version).goals
    assert restored.goals["annual"] != "调整后的年度目标"
