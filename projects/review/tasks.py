"""The review's background job: mail the notices a workflow step sent (Django's tasks API;
the database backend's worker runs it: ``manage.py db_worker``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

from projects.models import Notification


@task()
def send_notification_mail(notification_ids: list[int]) -> None:
    """Mail each notice to its recipient (those with an address), once: a notice already
    mailed is skipped, so the task may safely run again."""
    pending = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("recipient", "form")
    for notice in pending:
        address = notice.recipient.email
        if not address:
            continue
        link = f"{settings.SITE_URL}{notice.form.get_absolute_url()}"
        send_mail(
            subject=f"【绩效目标表】{notice.text[:60]}",
            message=f"{notice.text}\n\n查看：{link}\n",
            from_email=None,
            recipient_list=[address],
        )
        Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
