"""Background tasks (Django's tasks API; the database backend's worker runs them:
``manage.py db_worker``)."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, connections, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.exporting import ExportError
from projects.exporting.batch import Selection, pdf_workers, write_batch
from projects.models import ExportJob, ImportJob, Notification
from projects.models.jobs import BackgroundJob
from projects.permissions import Actor
from projects.services.library import rebuild_library

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0  # well within JOB_LEASE_SECONDS (at least 15)


class _JobLost(Exception):
    """The job is no longer this run's: it was queued again while the run was silent."""


def export_partial_dir() -> Path:
    """Where a run writes its file before the storage takes it (on the same disk as a
    file-system storage, which then moves it instead of copying)."""
    return Path(settings.MEDIA_ROOT) / "exports" / "partial"


@contextmanager
def _heartbeat(
    job: BackgroundJob, progress: Callable[[], dict[str, Any]] | None = None
) -> Iterator[None]:
    """While the block runs, a thread stamps the job's heartbeat every ``HEARTBEAT_SECONDS``
    (whatever the run is doing: loading, rendering, storing), on its own connection, with
    ``progress()`` (fields of the job) when given: so progress made inside a transaction shows
    at once. When the process dies the stamps stop, and after the lease the job shows as
    interrupted."""
    stop = threading.Event()
    name = f"{type(job).__name__} {job.pk}"

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    job.beat(**(progress() if progress else {}))
                except DatabaseError:
                    logger.warning("%s: heartbeat not recorded", name, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=beat, name=f"{name} heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@task()
def run_export_job(job_id: int) -> None:
    """Render a batch export for its user and attach the file to the job.

    The run claims the job (a pending one, or a running one whose run went silent past the
    lease: it takes it over), stamps its heartbeat every few seconds while it works and
    records the forms done as it goes. The file is written to disk as it is rendered, then
    handed to the storage. A run that finds the job finished or held by a live run does
    nothing; one that lost its job (queued again while it was silent) stops at its next
    progress without touching the job."""
    job = ExportJob.objects.claim(job_id)
    if job is None:
        return

    def progress(done: int, total: int) -> None:
        if not job.beat(done=done, total=total):
            raise _JobLost

    folder = export_partial_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(f"{job.pk}-*.part"):  # of earlier runs that died
        leftover.unlink(missing_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=f"{job.pk}-", suffix=".part")
    path = Path(name)
    try:
        with _heartbeat(job):
            with os.fdopen(handle, "wb") as output:
                filename = write_batch(
                    actor=Actor.for_user(job.user),
                    selection=Selection.from_json(job.selection),
                    output=output,
                    progress=progress,
                    workers=pdf_workers(),
                )
            job.finish(path=path, filename=filename)
    except _JobLost:
        logger.warning("export job %s was taken over by another run", job.pk)
    except ExportError as error:
        job.fail(str(error))
    except Exception:
        logger.exception("export job %s failed", job.pk)
        job.fail(_("导出失败，请稍后重试或联系管理员。"))
    finally:
        path.unlink(missing_ok=True)  # gone already when the storage moved it


def enqueue_export_job(job: ExportJob) -> None:
    """Queue a run of the job (a new one, or one queued again) and note the task's id."""
    result = run_export_job.enqueue(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))


def purge_exports(*, limit: int | None = None) -> int:
    """Delete expired export files (the jobs are marked 已过期) and partial files left by runs
    that died; returns how many jobs expired."""
    purged = ExportJob.objects.purge_expired(limit=limit)
    if limit is None and export_partial_dir().is_dir():
        cutoff = timezone.now().timestamp() - settings.EXPORT_FILE_TTL_HOURS * 3600
        for leftover in export_partial_dir().iterdir():
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
    return purged


class _ImportProgress:
    """What a background import is doing, set by the run and stamped by its heartbeat."""

    def __init__(self) -> None:
        self.stage = ""
        self.done = 0
        self.total = 0

    def fields(self) -> dict[str, Any]:
        return {"stage": self.stage[:100], "done": self.done, "total": self.total}


@task()
def run_import_job(job_id: int) -> None:
    """Read a big upload for its preview, or commit it, for the user who uploaded it.

    The run claims the job as an export's run does, and its heartbeat stamps what it is doing
    (so progress made inside the commit's transaction shows at once). A commit is all or
    nothing: a run killed in the middle leaves nothing written, and the job, interrupted, may
    run again. A commit that finds its upload committed already (its run died after the
    commit, before it could say so) finishes with that."""
    from projects.filing.checking import check_plan
    from projects.importing.errors import ImportError_
    from projects.services.importing import (
        ImportAlreadyCommitted,
        commit_staged,
        done_message,
        read_staged,
    )

    job = ImportJob.objects.claim(job_id)
    if job is None:
        return
    staged = job.staged
    now = _ImportProgress()

    def say(stage: str) -> None:
        now.stage = stage

    try:
        with _heartbeat(job, now.fields):
            if job.kind == ImportJob.Kind.READ:
                say(str(_("读取文件")))
                plan = read_staged(staged)
                now.total = len(plan.forms)
                say(str(_("检查")))
                check_plan(plan, progress=lambda done: setattr(now, "done", done))
                job.finish(
                    result=plan.overview(),
                    preview=render_to_string("projects/partials/import_plan.html", {"plan": plan}),
                    total=len(plan.forms),
                )
            else:
                result, held_back = commit_staged(
                    staged=staged,
                    actor=Actor.for_user(staged.user),
                    fingerprint=str(job.options.get("fingerprint", "")),
                    choice=str(job.options.get("choice", "all")),
                    stage=say,
                )
                job.finish(
                    result={"message": done_message(result, held_back)},
                    total=result.created + result.updated + result.unchanged,
                )
    except ImportAlreadyCommitted as done:
        job.finish(result={"message": done.message})
    except ImportError_ as error:
        job.fail(error.message)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        job.fail(_("导入失败，请稍后重试或联系管理员。"))


def start_import_job(job: ImportJob) -> None:
    """Queue a run of the job, once the transaction that made it has committed."""

    def enqueue() -> None:
        result = run_import_job.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)


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
