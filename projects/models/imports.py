"""Uploads waiting for their import preview to be confirmed (the bulk import pages).

They live in the database, so that every process and host serving the site sees the same
ones; only the user who uploaded may preview, commit or cancel them. A commit marks its upload
consumed in the commit's own transaction (so a second submission of the same preview commits
nothing) and drops the files; anything older than ``STAGED_IMPORT_LIFETIME`` is purged
(``projects.services.importing.purge_staged_imports``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from projects.models.jobs import ACTIVE_STATUSES, BackgroundJob, JobQuerySet

STAGED_IMPORT_LIFETIME = timedelta(hours=24)


class StagedImportQuerySet(models.QuerySet["StagedImport"]):
    def of_user(self, user_id: int | None) -> StagedImportQuerySet:
        return self.filter(user_id=user_id) if user_id is not None else self.none()

    def expired(self, now: datetime | None = None) -> StagedImportQuerySet:
        return self.filter(created_at__lt=(now or timezone.now()) - STAGED_IMPORT_LIFETIME)


class StagedImport(models.Model):
    """One upload (files and pasted text) between its preview and its commit or cancel."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.CASCADE,
        related_name="staged_imports",
    )
    text = models.TextField("粘贴的文本", blank=True)
    year = models.PositiveIntegerField("预算年度", null=True, blank=True)
    created_at = models.DateTimeField("上传时间", default=timezone.now, db_index=True)
    consumed_at = models.DateTimeField("导入时间", null=True, blank=True)

    objects = StagedImportQuerySet.as_manager()

    class Meta:
        verbose_name = "待确认的导入"
        verbose_name_plural = "待确认的导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.pk)

    @property
    def is_consumed(self) -> bool:
        return self.consumed_at is not None

    def uploads(self) -> list[tuple[str, bytes]]:
        """The uploaded files, in the order they came: (name, bytes)."""
        return [
            (name, bytes(data))
            for name, data in self.files.order_by("position").values_list("name", "data")
        ]


class StagedImportFile(models.Model):
    """One uploaded file of a staged import, as it came (at most one byte past the limit)."""

    staged = models.ForeignKey(
        StagedImport,
        verbose_name="待确认的导入",
        on_delete=models.CASCADE,
        related_name="files",
    )
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("文件名", max_length=255)
    data = models.BinaryField("内容")

    class Meta:
        verbose_name = "待确认导入的文件"
        verbose_name_plural = "待确认导入的文件"
        ordering = ["staged", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["staged", "position"], name="staged_import_file_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportJobQuerySet(JobQuerySet["ImportJob"]):
    def start(
        self, *, staged: StagedImport, kind: str, options: dict[str, Any] | None = None
    ) -> tuple[ImportJob, bool]:
        """A new job for the upload, or the one it has pending or running (a second click
        joins it; an interrupted one is queued again). The flag: a run must be enqueued."""
        return self.join_or_create(
            self.filter(staged=staged),
            lambda: self.create(staged=staged, kind=kind, options=options or {}),
        )

    def retry(self, *, pk: int, staged: StagedImport) -> tuple[ImportJob, bool]:
        """Queue the upload's interrupted (or failed read) job again, under its lock: of two
        retries at once, the second finds it pending. ``DoesNotExist`` for another upload's.
        Returns the job to show and whether a run must be enqueued."""
        return self.retry_one({"pk": pk, "staged": staged}, lambda job: self.filter(staged=staged))


class ImportJob(BackgroundJob):
    """A big upload read (for its preview) or committed by the background worker
    (``projects.services.import_tasks.run_import_job``). Only the user who uploaded may see it. An upload has at
    most one pending or running job (the database enforces it: a double click starts one)."""

    class Kind(models.TextChoices):
        READ = "read", "读取预览"
        COMMIT = "commit", "导入"

    staged = models.ForeignKey(
        StagedImport, verbose_name="待确认的导入", on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    stage = models.CharField("进度说明", max_length=100, blank=True)
    # the commit's request, as posted from the preview: its fingerprint and choice (all, hold, drafts)
    options: models.JSONField[Any] = models.JSONField("导入选项", default=dict)
    # read: the preview's summary and fingerprint; commit: what was created, updated…
    result: models.JSONField[Any] = models.JSONField("结果", default=dict)
    preview = models.TextField("预览", blank=True)  # the preview table, rendered once

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台导入任务"
        verbose_name_plural = "后台导入任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staged"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="import_job_one_active_per_upload",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.get_kind_display()} {self.get_status_display()}"

    @property
    def can_retry(self) -> bool:
        """An interrupted run may run again; so may a read that failed. A commit that failed
        is read again instead (its preview no longer holds)."""
        return self.state == self.State.INTERRUPTED or (
            self.state == self.State.FAILED and self.kind == self.Kind.READ
        )

    def _clear_result(self) -> list[str]:
        self.result, self.preview = {}, ""
        return ["result", "preview"]

    def finish(self, *, result: dict[str, Any], preview: str = "", total: int = 0) -> bool:
        """Record the outcome (of ``total`` forms) and mark the job done; ``False`` if it is no
        longer this run's."""
        now = timezone.now()
        return bool(
            self._mine().update(
                status=self.Status.DONE,
                result=result,
                preview=preview,
                total=total,
                done=total,
                heartbeat_at=now,
                finished_at=now,
            )
        )
