"""Mail that arrives: the demo's accounts have addresses, and in development the console
backend prints each notice's mail the worker sends."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from projects.models import Notification
from projects.review.tasks import send_notification_mail
from tests.review_helpers import act

pytestmark = pytest.mark.django_db

CONSOLE = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}


def test_the_console_backend_prints_the_mail_the_worker_sends(seeded, capsys) -> None:
    forms, users = seeded
    users["dept"].email = "dept@demo.perfgoals.test"
    users["dept"].save()
    with override_settings(MAILERS=CONSOLE):
        act(users["filer"], forms[0], "submit")  # the department's reviewer is told
        notice = Notification.objects.get(recipient=users["dept"])
        send_notification_mail.call([notice.pk])  # what the worker runs
    printed = capsys.readouterr().out
    assert "To: dept@demo.perfgoals.test" in printed
    assert "Subject: =?utf-8?" in printed or "【绩效目标表】" in printed
    notice.refresh_from_db()
    assert notice.emailed_at is not None


def test_every_demo_account_has_an_address(db) -> None:
    call_command("load_demo", verbosity=0)
    users = get_user_model().objects.filter(username__in=["filer", "dept", "finance", "admin"])
    assert len(users) == 4 and all(user.email for user in users)
