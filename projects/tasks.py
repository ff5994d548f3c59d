"""Background tasks (Django's tasks API; the database backend's worker runs them:
``manage.py db_worker``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.exporting import ExportError
from projects.exporting.batch import Selection, export_batch
from projects.models import ExportJob, Notification
from projects.permissions import Actor
from projects.services.library import rebuild_library

logger = logging.getLogger(__name__)


@task()
def run_export_job(job_id: int) -> None:
    """Render a batch export for its user and attach the file to the job, updating progress."""
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.is_finished:
        return
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        rendered = export_batch(
            actor=Actor.for_user(job.user),
            selection=Selection.from_json(job.selection),
            progress=progress,
        )
    except ExportError as error:
        job.status, job.error = ExportJob.Status.FAILED, str(error)
    except Exception:
        logger.exception("export job %s failed", job.pk)
        job.status, job.error = ExportJob.Status.FAILED, _("导出失败，请稍后重试或联系管理员。")
    else:
        job.refresh_from_db(fields=["total", "done"])
        job.file.save(rendered.filename, ContentFile(rendered.content), save=False)
        job.filename = rendered.filename
        job.status = ExportJob.Status.DONE
        job.done = job.total
    job.finished_at = timezone.now()
    job.save()


@task()
def rebuild_library_task() -> int:
    return rebuild_library()


def rebuild_library_later() -> None:
    """Queue a rebuild of the indicator library once the current transaction has committed
    (nothing if it rolls back)."""
    transaction.on_commit(rebuild_library_task.enqueue)


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
            subject=_("【绩效目标表】%(text)s") % {"text": notice.text[:60]},
            message=_("%(text)s\n\n查看：%(link)s\n") % {"text": notice.text, "link": link},
            from_email=None,
            recipient_list=[address],
        )
        Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
