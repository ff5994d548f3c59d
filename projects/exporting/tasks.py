"""The batch export's background job (Django's tasks API; the database backend's worker runs
it: ``manage.py db_worker``), and the purge of the files it leaves."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from projects.exporting import ExportError
from projects.exporting.batch import Selection, pdf_workers, write_batch
from projects.models import ExportJob
from projects.permissions import Actor

logger = logging.getLogger(__name__)


class _JobLost(Exception):
    """The job is no longer this run's: it was queued again while the run was silent."""


def export_partial_dir() -> Path:
    """Where a run writes its file before the storage takes it (on the same disk as a
    file-system storage, which then moves it instead of copying)."""
    return Path(settings.MEDIA_ROOT) / "exports" / "partial"


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
        with job.heartbeat():
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
        job.fail("导出失败，请稍后重试或联系管理员。")
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
