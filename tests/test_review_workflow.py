"""The workflow: each transition through its service (lock, rule, state, version, checks, one
event), refusals with their reasons, two reviewers at once, and the buttons on the form page."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from projects.models import COMMENT_LIMIT, FormEvent, Membership, PerformanceForm
from projects.permissions import Actor
from projects.review.services import TransitionRefused, take_transition
from tests.factories import MembershipFactory, UserFactory
from tests.review_helpers import act

pytestmark = pytest.mark.django_db


def test_the_whole_path_records_one_event_per_step(seeded) -> None:
    forms, users = seeded
    form = forms[0]  # clean in every respect
    assert act(users["filer"], form, "submit").status == "submitted"
    assert act(users["dept"], form, "pass_on").status == "department_approved"
    assert act(users["finance"], form, "return", "指标值偏低").status == "returned"
    assert act(users["filer"], form, "submit").status == "submitted"
    assert act(users["dept"], form, "pass_on").status == "department_approved"
    assert act(users["finance"], form, "approve").status == "approved"
    steps = [
        (e.kind, e.from_status, e.to_status, e.actor.username)
        for e in form.events.exclude(kind="import").select_related("actor")
    ]
    assert steps == [
        ("submit", "draft", "submitted", "filer"),
        ("pass_on", "submitted", "department_approved", "dept"),
        ("return", "department_approved", "returned", "finance"),
        ("submit", "returned", "submitted", "filer"),
        ("pass_on", "submitted", "department_approved", "dept"),
        ("approve", "department_approved", "approved", "finance"),
    ]
    returned = form.events.get(kind="return")
    assert returned.comment == "指标值偏低" and returned.snapshot["indicators"]


def test_without_department_review_finance_reviews_the_submission(seeded) -> None:
    forms, users = seeded
    form = forms[0]
    department = form.project.department
    department.department_review = False
    department.save()
    act(users["filer"], form, "submit")
    with pytest.raises(TransitionRefused, match="只有负责本部门的财政审核人"):
        act(users["dept"], form, "return", "不行")
    assert act(users["finance"], form, "approve").status == "approved"


def test_a_submission_with_check_errors_is_refused(seeded) -> None:
    forms, users = seeded
    video = next(f for f in forms if f.project.name == "东莞市财政局视频会议服务项目")
    with pytest.raises(TransitionRefused, match=r"检查发现 1 个错误.*年度目标"):
        act(users["filer"], video, "submit")
    video.refresh_from_db()
    assert video.status == "draft" and not video.events.filter(kind="submit").exists()


def test_refusals_say_why(seeded) -> None:
    forms, users = seeded
    form = forms[0]
    with pytest.raises(TransitionRefused, match="只有本单位的填报人"):
        act(users["dept"], form, "submit")
    act(users["filer"], form, "submit")
    with pytest.raises(TransitionRefused, match="请写明退回的理由"):
        act(users["dept"], form, "return", "  ")
    with pytest.raises(TransitionRefused, match="还在主管部门审核阶段"):
        act(users["finance"], form, "approve")
    with pytest.raises(TransitionRefused, match="第 7 版"):
        PerformanceForm.objects.filter(pk=form.pk).update(version=7)
        take_transition(
            actor=Actor.for_user(users["dept"]),
            verb="pass_on",
            form_id=form.pk,
            seen_version=1,
            seen_status="submitted",
        )
    with pytest.raises(TransitionRefused, match="未知的操作"):
        act(users["dept"], form, "publish")


def test_a_reviewer_acting_on_an_old_page_is_told_what_happened(seeded) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    act(users["filer"], form, "withdraw")
    with pytest.raises(TransitionRefused, match=r"已由.*撤回.*草稿"):
        take_transition(
            actor=Actor.for_user(users["dept"]),
            verb="pass_on",
            form_id=form.pk,
            seen_version=form.version,
            seen_status="submitted",
        )


def test_two_reviewers_approving_at_once_one_wins(seeded, transactional_db) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    act(users["dept"], form, "pass_on")
    second = UserFactory(username="finance2")
    MembershipFactory(
        user=second,
        organization=users["finance"].memberships.get().organization,
        role=Membership.Role.FINANCE_REVIEWER,
    )
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approve(user) -> None:
        barrier.wait()
        try:
            take_transition(
                actor=Actor.for_user(user),
                verb="approve",
                form_id=form.pk,
                seen_version=1,
                seen_status="department_approved",
            )
            outcomes.append("approved")
        except TransitionRefused as refused:
            outcomes.append(refused.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (users["finance"], second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("approved") == 1
    [loser] = [o for o in outcomes if o != "approved"]
    assert "审核通过" in loser and "您的操作没有执行" in loser
    assert FormEvent.objects.filter(form=form, kind="approve").count() == 1


def test_the_form_page_offers_each_persona_its_steps(client, seeded) -> None:
    forms, users = seeded
    form = forms[0]
    url = form.get_absolute_url()
    client.force_login(users["filer"])
    html = client.get(url).content.decode()
    assert "提交审核" in html and "审核通过" not in html
    response = client.post(
        reverse("projects:form_act", kwargs={"pk": form.pk, "verb": "submit"}),
        {"version": form.version, "status": form.status},
        follow=True,
    )
    assert "已提交审核。" in response.content.decode()
    client.force_login(users["dept"])
    html = client.get(url).content.decode()
    assert "部门审核通过，报财政" in html and "退回修改" in html and "提交审核" not in html
    act_url = reverse("projects:form_act", kwargs={"pk": form.pk, "verb": "approve"})
    response = client.post(act_url, {"version": 1, "status": "submitted"}, follow=True)
    assert "还在主管部门审核阶段" in response.content.decode()
    assert (
        client.post(reverse("projects:form_act", kwargs={"pk": form.pk, "verb": "x"})).status_code
        == 404
    )
    outsider = UserFactory(username="outsider")
    client.force_login(outsider)
    assert client.post(act_url, {"version": 1}).status_code == 404


def test_a_reason_over_the_comment_limit_is_refused_and_nothing_changes(client, seeded) -> None:
    """One limit (``COMMENT_LIMIT``) for the page's field and the service: a reason one
    character over it is refused with a Chinese message, never cut off and recorded."""
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    form.refresh_from_db()
    events = form.events.count()
    client.force_login(users["dept"])
    url = reverse("projects:form_act", kwargs={"pk": form.pk, "verb": "return"})
    page = client.get(form.get_absolute_url()).content.decode()
    assert f'maxlength="{COMMENT_LIMIT}"' in page
    too_long = "理" * (COMMENT_LIMIT + 1)
    response = client.post(
        url, {"version": form.version, "status": form.status, "comment": too_long}, follow=True
    )
    assert "说明不能超过 2000 个字（现有 2001 个字）" in response.content.decode()
    form.refresh_from_db()
    assert form.status == "submitted" and form.events.count() == events
    client.post(url, {"version": form.version, "status": form.status, "comment": too_long[1:]})
    form.refresh_from_db()
    assert form.status == "returned"
    assert form.events.order_by("-id").first().comment == too_long[1:]  # all of it


def _grade(user, form: PerformanceForm) -> None:
    from projects.review.grading import grade_form

    form.refresh_from_db()
    checks = ("completeness", "relevance", "appropriateness", "feasibility")
    grade_form(
        actor=Actor.for_user(user),
        form_id=form.pk,
        seen_version=form.version,
        grades=dict.fromkeys(checks, "中"),
        notes=dict.fromkeys(checks, "还要细化"),
    )


@pytest.mark.parametrize("review", ["grade", "comment"])
def test_a_submission_cannot_be_withdrawn_once_its_review_has_begun(seeded, review) -> None:
    from projects.review.comments import add_comment

    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    if review == "grade":
        _grade(users["dept"], form)
    else:
        add_comment(actor=Actor.for_user(users["dept"]), form_id=form.pk, text="请细化")
    with pytest.raises(TransitionRefused, match="审核人已开始审核这张表"):
        act(users["filer"], form, "withdraw")
    form.refresh_from_db()
    assert form.status == "submitted" and not form.events.filter(kind="withdraw").exists()
    # the button is not offered either
    from projects.permissions import available_transitions

    form = PerformanceForm.objects.with_related().get(pk=form.pk)
    verbs = [t.verb for t in available_transitions(Actor.for_user(users["filer"]), form)]
    assert "withdraw" not in verbs and verbs == []


def test_the_review_of_an_earlier_submission_does_not_stop_a_withdrawal(seeded) -> None:
    """Graded and commented, returned, resubmitted as it was: the new submission has no
    review yet, and may be withdrawn."""
    from projects.review.comments import add_comment

    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    _grade(users["dept"], form)
    add_comment(actor=Actor.for_user(users["dept"]), form_id=form.pk, text="请细化")
    act(users["dept"], form, "return", "指标值偏低")
    act(users["filer"], form, "submit")
    assert act(users["filer"], form, "withdraw").status == "draft"
