"""The review's background job: mail the notices a workflow step sent (Django's tasks API;
the database backend's worker runs it: ``manage.py db_worker``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

from projects.content import one_line
from projects.models import MAIL_ATTEMPTS, Notification

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【绩效目标表】"
SUBJECT_CHARS = 60  # of the notice's text
# A notice whose mail failed is tried again after this long, then twice as long…
RETRY_AFTER = timedelta(minutes=1)


def mail_subject(text: str) -> str:
    """The subject of a notice's mail: always one line (a return reason, a comment or a
    project name may hold line breaks, which a mail header refuses), cut to its first
    ``SUBJECT_CHARS`` characters."""
    line = " ".join(one_line(text).split())
    if len(line) > SUBJECT_CHARS:
        line = line[: SUBJECT_CHARS - 1] + "…"
    return f"{SUBJECT_PREFIX}{line}"


@task()
def send_notification_mail(notification_ids: list[int]) -> None:
    """Mail each notice to its recipient (those with an address), once: a notice already
    mailed is skipped, so the task may safely run again. A mail that fails does not stop the
    others: the notice counts the failure and keeps its reason (shown in 系统管理 › 通知), and
    the notices that failed are tried again later, up to ``MAIL_ATTEMPTS`` times."""
    pending = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True, mail_failures__lt=MAIL_ATTEMPTS
    ).select_related("recipient", "form")
    failed: list[Notification] = []
    for notice in pending:
        address = notice.recipient.email
        if not address:
            continue
        link = f"{settings.SITE_URL}{notice.get_absolute_url()}"
        try:
            send_mail(
                subject=mail_subject(notice.text),
                message=f"{notice.text}\n\n查看：{link}\n",
                from_email=None,
                recipient_list=[address],
            )
        except Exception as error:  # a refused header, the mail server down…
            notice.mail_failures += 1
            notice.mail_error = f"{type(error).__name__}: {error}"[:500]
            Notification.objects.filter(pk=notice.pk).update(
                mail_failures=notice.mail_failures, mail_error=notice.mail_error
            )
            log = logger.error if notice.mail_given_up else logger.warning
            log("notice %s: mail %s of %s failed", notice.pk, notice.mail_failures, MAIL_ATTEMPTS)
            failed.append(notice)
            continue
        Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now(), mail_error="")
    again = [notice for notice in failed if not notice.mail_given_up]
    if again:
        _retry_later([notice.pk for notice in again], min(n.mail_failures for n in again))


def _retry_later(ids: list[int], failures: int) -> None:
    """Queue another try of these notices' mail, later (at once with a backend that runs
    tasks at once and cannot defer them)."""
    retry = send_notification_mail
    if retry.get_backend().supports_defer:
        delay = RETRY_AFTER * 2 ** (failures - 1)
        retry = retry.using(run_after=timezone.now() + delay)
    retry.enqueue(ids)
