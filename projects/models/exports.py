"""Batch exports running in the background, and their files.

A job's life (``projects.models.jobs``, shared with big imports): 排队中 (pending) → 生成中
(running: its task reports progress, which stamps ``heartbeat_at``, every few seconds) → 已完成
(done, with its file) → 已过期 (expired: the file is deleted ``EXPORT_FILE_TTL_HOURS`` after it
was made); or 失败 (failed). A running job whose heartbeat is older than ``JOB_LEASE_SECONDS``
was interrupted (its worker died or hangs): it shows as 生成中断，可重试, and its owner may run
it again, as a failed or an expired one. A run that lost its job (retried while it was silent)
can no longer change the job, its progress or its file.

A user has at most one pending or running job per selection (a partial unique constraint on
``(user, selection_hash)``, which the database enforces however the requests interleave): the
same request again returns that job.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import models
from django.utils import timezone

from projects.models.jobs import ACTIVE_STATUSES, BackgroundJob, JobQuerySet

logger = logging.getLogger(__name__)


def _export_upload_to(job: ExportJob, filename: str) -> str:
    return f"exports/{job.created_at:%Y/%m}/{job.pk}-{filename}"


def file_lifetime() -> timedelta:
    return timedelta(hours=settings.EXPORT_FILE_TTL_HOURS)


def selection_digest(selection: dict[str, Any]) -> str:
    """The same request (its selection JSON, keys in any order) gives the same digest."""
    text = json.dumps(selection, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class _LocalFile(File):  # type: ignore[type-arg]
    """A finished file on local disk: a file-system storage moves it into place instead of
    copying it (any other storage reads it in chunks)."""

    def temporary_file_path(self) -> str:
        return str(self.name)


class ExportJobQuerySet(JobQuerySet["ExportJob"]):
    def of_user(self, user_id: int) -> ExportJobQuerySet:
        return self.filter(user_id=user_id)

    def expired(self, now: datetime | None = None) -> ExportJobQuerySet:
        """Done jobs whose file has outlived ``EXPORT_FILE_TTL_HOURS``."""
        cutoff = (now or timezone.now()) - file_lifetime()
        return self.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff)

    def start_or_join(
        self, *, user_id: int, selection: dict[str, Any], total: int
    ) -> tuple[ExportJob, bool]:
        """A new job for the request, or the user's pending or running job for the same
        selection (an interrupted one is queued again). The flag: a run must be enqueued."""
        digest = selection_digest(selection)
        return self.join_or_create(
            self.filter(user_id=user_id, selection_hash=digest),
            lambda: self.create(
                user_id=user_id, selection=selection, selection_hash=digest, total=total
            ),
        )

    def retry(self, *, pk: int, user_id: int) -> tuple[ExportJob, bool]:
        """Queue the user's failed, interrupted or expired job again (``DoesNotExist`` for
        someone else's). The job is locked: of two retries at once, the second finds it
        pending and does nothing. Returns the job to show (the user's other job for the same
        selection, when one is already pending or running) and whether a run must be
        enqueued."""
        return self.retry_one(
            {"pk": pk, "user_id": user_id},
            lambda job: self.filter(user_id=user_id, selection_hash=job.selection_hash),
        )

    def purge_expired(self, *, limit: int | None = None, now: datetime | None = None) -> int:
        """Delete the files of expired jobs (through the storage) and mark the jobs 已过期,
        oldest first, at most ``limit``; returns how many. Each job is marked before its file
        is deleted, so no download starts on a file about to go."""
        purged = 0
        while True:
            size = 100 if limit is None else min(100, limit - purged)
            batch = list(self.expired(now).order_by("finished_at", "pk")[:size]) if size else []
            if not batch:
                return purged
            for job in batch:  # each leaves ``expired()`` here, whoever marks it
                marked = self.filter(pk=job.pk, status=ExportJob.Status.DONE).update(
                    status=ExportJob.Status.EXPIRED, file=""
                )
                if not marked:
                    continue
                purged += 1
                if job.file:
                    try:
                        job.file.delete(save=False)
                    except OSError:
                        logger.exception("could not delete the file of export job %s", job.pk)


class ExportJob(BackgroundJob):
    """A batch export running in the background (``projects.exporting.tasks.run_export_job``): its request,
    progress and, when done, the file. Only the user who asked may see it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    selection: models.JSONField[Any] = models.JSONField("导出条件", default=dict)
    selection_hash = models.CharField("导出条件摘要", max_length=64, blank=True, editable=False)
    file = models.FileField("文件", upload_to=_export_upload_to, blank=True)
    filename = models.CharField("文件名", max_length=255, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "selection_hash"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="export_job_one_active_per_selection",
            )
        ]
        indexes = [
            models.Index(fields=["status", "finished_at"], name="export_job_status_finished")
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.get_status_display()}"

    # ----------------------------------------------------------------- what the pages show

    @property
    def expires_at(self) -> datetime | None:
        if self.status != self.Status.DONE or self.finished_at is None:
            return None
        return self.finished_at + file_lifetime()

    @property
    def is_expired(self) -> bool:
        """Its file is gone, or past its lifetime and about to go."""
        expires_at = self.expires_at
        return self.status == self.Status.EXPIRED or (
            expires_at is not None and expires_at <= timezone.now()
        )

    @property
    def can_retry(self) -> bool:
        return self.state in (self.State.FAILED, self.State.INTERRUPTED, self.State.EXPIRED)

    @property
    def can_download(self) -> bool:
        return self.state == self.State.DONE and bool(self.file)

    # ----------------------------------------------------------------- what a run writes

    def _clear_result(self) -> list[str]:
        if self.file:  # an expired file not purged yet: gone now, not orphaned in the storage
            self.file.delete(save=False)
        self.file, self.filename = "", ""
        return ["file", "filename"]

    def finish(self, *, path: Path, filename: str) -> bool:
        """Store the finished file (moved from ``path``) and mark the job done; ``False``, and
        the stored file deleted again, if the job is no longer this run's."""
        with open(path, "rb") as handle:
            self.file.save(filename, _LocalFile(handle, name=str(path)), save=False)
        now = timezone.now()
        updated = self._mine().update(
            status=self.Status.DONE,
            file=self.file.name,
            filename=filename,
            done=models.F("total"),
            heartbeat_at=now,
            finished_at=now,
        )
        if not updated:
            self.file.delete(save=False)
        return bool(updated)
