"""Notices: who gets one for each step, the list in the app, the unread badge, and the mail
the worker sends after the commit (the test settings run tasks at once)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from projects.models import Indicator, Notification
from projects.permissions import Actor
from projects.review.comments import add_comment, answer_comment
from projects.review.tasks import send_notification_mail
from tests.factories import MembershipFactory, UserFactory
from tests.review_helpers import act

pytestmark = pytest.mark.django_db


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("text", flat=True))


def test_each_step_notifies_whom_it_concerns(seeded, django_capture_on_commit_callbacks) -> None:
    forms, users = seeded
    form = forms[0]
    name = f"《{form.project.name}》{form.fiscal_year} 年度绩效目标表"
    for user in users.values():
        user.email = f"{user.username}@example.gov.cn"
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        act(users["filer"], form, "submit")
    assert inbox(users["dept"]) == [f"filer提交了{name}，等待您审核。"]
    assert inbox(users["finance"]) == [] and inbox(users["filer"]) == []
    assert [m.to for m in mail.outbox] == [["dept@example.gov.cn"]]
    assert name in mail.outbox[0].body and f"/forms/{form.pk}/" in mail.outbox[0].body

    act(users["dept"], form, "pass_on")
    assert len(inbox(users["finance"])) == 1
    act(users["finance"], form, "return", "请细化指标")
    assert inbox(users["filer"]) == [f"finance退回了{name}：请细化指标"]
    act(users["filer"], form, "submit")  # after a return it goes to the department again
    assert len(inbox(users["dept"])) == 2
    act(users["dept"], form, "pass_on")
    act(users["finance"], form, "approve")
    assert inbox(users["filer"])[0] == f"{name}已审核通过。"
    # nobody is told of their own step
    assert not any("filer提交" in text for text in inbox(users["filer"]))


def test_comments_and_answers_notify_the_other_side(seeded) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    row = Indicator.objects.filter(form=form).first()
    comment = add_comment(
        actor=Actor.for_user(users["dept"]),
        form_id=form.pk,
        quick_pick="value_low",
        indicator_uid=str(row.uid),
    )
    assert inbox(users["filer"])[0].endswith("提出了审核意见：指标值偏低")
    answer_comment(
        actor=Actor.for_user(users["filer"]), form_id=form.pk, comment_id=comment.pk, text="已调高"
    )
    assert inbox(users["dept"])[0].endswith("的审核意见：已调高")


def test_a_notice_is_mailed_once_and_not_to_who_has_no_address(seeded) -> None:
    forms, users = seeded
    users["dept"].email = "dept@example.gov.cn"
    users["dept"].save()
    act(users["filer"], forms[0], "submit")
    ids = list(Notification.objects.values_list("pk", flat=True))
    silent = UserFactory(username="silent", email="")
    MembershipFactory(
        user=silent,
        organization=forms[0].project.department,
        role="department_reviewer",
    )
    send_notification_mail.call(ids)
    send_notification_mail.call(ids)  # again: the worker may run a task twice
    assert len(mail.outbox) == 1


def test_the_list_the_badge_and_opening_a_notice(client, seeded) -> None:
    forms, users = seeded
    form = forms[0]
    act(users["filer"], form, "submit")
    client.force_login(users["dept"])
    badge = client.get(reverse("projects:notification_count"))
    assert ">1<" in badge.content.decode() and "private" in badge["Cache-Control"]
    page = client.get(reverse("projects:notifications")).content.decode()
    assert "等待您审核" in page and "未读" in page
    notice = Notification.objects.get(recipient=users["dept"])
    response = client.get(reverse("projects:notification_open", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == form.get_absolute_url()
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "rounded-pill" not in client.get(reverse("projects:notification_count")).content.decode()
    # someone else's notice is not found
    client.force_login(users["finance"])
    assert client.get(reverse("projects:notification_open", args=[notice.pk])).status_code == 404
    # mark all read
    act(users["dept"], form, "pass_on")
    client.post(reverse("projects:notifications_read"))
    assert not Notification.objects.filter(recipient=users["finance"], read_at=None).exists()


def test_finance_notices_go_to_the_bureau_and_to_whom_the_department_is_assigned(
    seeded, unit_c
) -> None:
    forms, users = seeded
    form = forms[0]
    assigned = UserFactory(username="assigned")
    MembershipFactory(user=assigned, organization=form.project.department, role="finance_reviewer")
    elsewhere = UserFactory(username="elsewhere")
    MembershipFactory(user=elsewhere, organization=unit_c.parent, role="finance_reviewer")
    act(users["filer"], form, "submit")
    act(users["dept"], form, "pass_on")
    assert len(inbox(users["finance"])) == 1
    assert len(inbox(assigned)) == 1
    assert inbox(elsewhere) == []


def test_a_two_line_return_reason_is_mailed_with_a_one_line_subject(
    seeded, django_capture_on_commit_callbacks
) -> None:
    forms, users = seeded
    form = forms[0]
    users["filer"].email = "filer@example.gov.cn"
    users["filer"].save()
    act(users["filer"], form, "submit")
    act(users["dept"], form, "pass_on")
    with django_capture_on_commit_callbacks(execute=True):
        act(users["finance"], form, "return", "第一条：指标值偏低\r\n第二条：请补充满意度指标")
    [sent] = mail.outbox
    assert "\n" not in sent.subject and "\r" not in sent.subject
    assert sent.subject.startswith("【绩效目标表】finance退回了")
    assert "第一条：指标值偏低\r\n第二条：请补充满意度指标" in sent.body  # the body keeps them
    assert Notification.objects.get(recipient=users["filer"]).emailed_at is not None


def test_a_failed_mail_does_not_stop_the_others_and_is_tried_again(
    seeded, monkeypatch, caplog
) -> None:
    """The mail server refuses one notice's mail: the others of the batch go out, the failed
    one is tried again (at once here: the test backend runs tasks at once) up to the limit,
    and its reason is kept for the administrator's list."""
    from projects.models import MAIL_ATTEMPTS
    from projects.review import tasks

    forms, users = seeded
    for name in ("dept", "finance"):
        users[name].email = f"{name}@example.gov.cn"
        users[name].save()
    act(users["filer"], forms[0], "submit")
    act(users["filer"], forms[1], "submit")
    ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 2
    real = tasks.send_mail
    tries: list[str] = []

    def refuse_the_first(**kwargs):
        tries.append(kwargs["subject"])
        if forms[0].project.name[:10] in kwargs["subject"]:
            raise ConnectionRefusedError("邮件服务器拒绝连接")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "send_mail", refuse_the_first)
    send_notification_mail.call(ids)
    assert len(mail.outbox) == 1
    failed = Notification.objects.get(pk=ids[0])
    assert failed.emailed_at is None and failed.mail_failures == MAIL_ATTEMPTS
    assert "ConnectionRefusedError" in failed.mail_error and failed.mail_given_up
    assert len(tries) == MAIL_ATTEMPTS + 1
    assert Notification.objects.get(pk=ids[1]).emailed_at is not None
    assert "mail 5 of 5 failed" in caplog.text


def test_the_administrator_sees_the_failed_mails(client, seeded, adam) -> None:
    forms, users = seeded
    act(users["filer"], forms[0], "submit")
    from projects.models import MAIL_ATTEMPTS

    Notification.objects.update(mail_failures=MAIL_ATTEMPTS, mail_error="SMTPServerDisconnected")
    client.force_login(adam)
    url = reverse("admin:projects_notification_changelist")
    page = client.get(url, {"mail": "failed"}).content.decode()
    assert "发送失败，已停止重试" in page and "filer提交了" in page
    assert "filer提交了" not in client.get(url, {"mail": "sent"}).content.decode()
