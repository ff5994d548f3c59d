"""What every background job shares (batch exports, big imports): its status, progress,
heartbeat and attempts, and the rules for claiming, beating and failing a run.

A job's life: 排队中 (pending) → 运行中 (running: its run stamps ``heartbeat_at`` every few
seconds) → 已完成 (done) or 失败 (failed). A running job whose heartbeat is older than
``JOB_LEASE_SECONDS`` was interrupted (its worker died or hangs): it shows as such, and may be
claimed by a new run (a retry).

Each run of the task is an attempt (``attempts`` counts them). Everything a run writes is
conditional on the job still running under its own attempt (``_mine``), so a run that lost its
job (retried while it was silent) can no longer change it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Self

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ACTIVE_STATUSES = ("pending", "running")


def lease() -> timedelta:
    """How long a running job may stay silent before it counts as interrupted."""
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


class JobQuerySet[J: BackgroundJob](models.QuerySet[J]):
    def active(self) -> Self:
        return self.filter(status__in=ACTIVE_STATUSES)

    def claim(self, pk: int) -> J | None:
        """For a run of the task: the job, now running under a new attempt, if it was
        pending or interrupted; ``None`` if it is finished or another run holds it."""
        with transaction.atomic():
            job = self.select_for_update(of=("self",)).filter(pk=pk).first()
            if job is None or not (
                job.status == BackgroundJob.Status.PENDING or job.is_interrupted()
            ):
                return None
            job.status = BackgroundJob.Status.RUNNING
            job.attempts += 1
            job.heartbeat_at = timezone.now()
            job.done, job.error, job.finished_at = 0, "", None
            job.save(
                update_fields=["status", "attempts", "heartbeat_at", "done", "error", "finished_at"]
            )
            return job


class BackgroundJob(models.Model):
    """The state of a job that a worker runs (abstract: each kind of job adds its request and
    its result)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("表数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    error = models.TextField(_("错误"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    attempts = models.PositiveIntegerField(_("运行次数"), default=0)
    heartbeat_at = models.DateTimeField(_("最近进度时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        abstract = True

    # ----------------------------------------------------------------- what the pages show

    def is_interrupted(self, now: datetime | None = None) -> bool:
        """Running, but silent for longer than the lease: its run is gone."""
        if self.status != self.Status.RUNNING:
            return False
        silent_since = self.heartbeat_at or self.created_at
        return silent_since < (now or timezone.now()) - lease()

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0

    # ----------------------------------------------------------------- what a run writes

    def _mine(self) -> models.QuerySet[Any]:
        """This job, as long as it runs under this run's attempt."""
        return type(self)._default_manager.filter(
            pk=self.pk, status=self.Status.RUNNING, attempts=self.attempts
        )

    def beat(self, **progress: Any) -> bool:
        """Stamp the heartbeat, with the progress fields given (``done``, ``total``…);
        ``False``: the job is no longer this run's."""
        return bool(self._mine().update(heartbeat_at=timezone.now(), **progress))

    def fail(self, message: str) -> bool:
        now = timezone.now()
        return bool(
            self._mine().update(
                status=self.Status.FAILED, error=message, heartbeat_at=now, finished_at=now
            )
        )
