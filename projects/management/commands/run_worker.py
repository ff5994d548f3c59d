"""``manage.py run_worker``: the background worker (django-tasks-db's ``db_worker``, with the
same options) that also picks up the jobs whose worker died.

When it starts, and then every third of the lease while it runs, it queues again each batch
export and background import whose run went silent past the lease (``JobQuerySet.recover``):
a worker killed in the middle of a job no longer leaves it 运行中 until someone clicks 重试.
A job interrupted on each of its ``JOB_MAX_ATTEMPTS`` runs fails instead, and says so. The
look-out runs on a thread of its own (its own database connection), so a long job does not
delay it; two workers at once queue a job again only once (each takes it under its lock).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from projects.exporting.tasks import enqueue_export_job
from projects.models import ExportJob, ImportJob
from projects.services.import_tasks import start_import_job

logger = logging.getLogger(__name__)


def recover_jobs() -> int:
    """Queue again every kind of job whose run is gone; how many were."""
    recovered = 0
    kinds: tuple[tuple[Any, Callable[[Any], object]], ...] = (
        (ExportJob.objects, enqueue_export_job),
        (ImportJob.objects, start_import_job),
    )
    for jobs, enqueue in kinds:
        queued, given_up = jobs.recover(enqueue)
        for job in queued:
            logger.warning(
                "%s %s was interrupted: queued again (run %s)",
                type(job).__name__,
                job.pk,
                job.attempts + 1,
            )
        for job in given_up:
            logger.error(
                "%s %s was interrupted %s times: failed", type(job).__name__, job.pk, job.attempts
            )
        recovered += len(queued)
    return recovered


def _look_out(stop: threading.Event) -> None:
    interval = max(5.0, settings.JOB_LEASE_SECONDS / 3)
    try:
        while not stop.wait(interval):
            try:
                recover_jobs()
            except DatabaseError:
                logger.warning("interrupted jobs not looked for", exc_info=True)
    finally:
        connections.close_all()  # this thread's connections only


class Command(DbWorkerCommand):
    help = "运行后台任务（批量导出、大文件导入、通知邮件）；启动时及运行中自动重新排队因进程中断而停止的任务。"

    def handle(self, *args: Any, **options: Any) -> None:
        recover_jobs()  # what the last worker left, before the first task
        connections.close_all()
        stop = threading.Event()
        look_out = threading.Thread(
            target=_look_out, args=(stop,), name="job look-out", daemon=True
        )
        look_out.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
