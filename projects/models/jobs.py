"""What every background job shares (batch exports, big imports): its status, progress,
heartbeat and attempts, and the rules for claiming, beating and failing a run.

A job's life: 排队中 (pending) → 运行中 (running: its run stamps ``heartbeat_at`` every few
seconds, ``heartbeat()``) → 已完成 (done) or 失败 (failed). A running job whose heartbeat is
older than ``JOB_LEASE_SECONDS`` was interrupted (its worker died or hangs): it shows as such,
and may be claimed by a new run (a retry). What the pages show is ``state`` (a ``JobState``),
computed in one place from the stored status, the lease and (for an export) the file's age.

Each run of the task is an attempt (``attempts`` counts them). Everything a run writes is
conditional on the job still running under its own attempt (``_mine``), so a run that lost its
job (retried while it was silent) can no longer change it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Self

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = ("pending", "running")
HEARTBEAT_SECONDS = 5.0  # well within JOB_LEASE_SECONDS (at least 15)


def lease() -> timedelta:
    """How long a running job may stay silent before it counts as interrupted."""
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


class JobQuerySet[J: BackgroundJob](models.QuerySet[J]):
    def active(self) -> Self:
        return self.filter(status__in=ACTIVE_STATUSES)

    def join_or_create(self, twins: QuerySet[J], create: Callable[[], J]) -> tuple[J, bool]:
        """A new job (``create()``), or the pending or running one among ``twins`` (the same
        request: an interrupted one is queued again). A partial unique constraint on the active
        jobs lets only one of two requests at once create it; the other joins it. The flag: a
        run must be enqueued."""
        with transaction.atomic():
            job = twins.filter(status__in=ACTIVE_STATUSES).select_for_update().first()
            if job is None:
                try:
                    with transaction.atomic():
                        return create(), True
                except IntegrityError:  # an identical request was committed meanwhile
                    job = twins.get(status__in=ACTIVE_STATUSES)
            if job.is_interrupted():
                job._queue_again()
                return job, True
            return job, False

    def retry_one(
        self, lookup: dict[str, Any], twins: Callable[[J], QuerySet[J]]
    ) -> tuple[J, bool]:
        """Queue the job found by ``lookup`` again, if it may be (``DoesNotExist`` when none
        is), under its lock: of two retries at once, the second finds it pending. Returns the
        job to show (its active twin, when another run of the same request is under way) and
        whether a run must be enqueued."""
        with transaction.atomic():
            job = self.select_for_update().get(**lookup)
            if not job.can_retry:
                return job, False
            try:
                with transaction.atomic():
                    job._queue_again()
            except IntegrityError:
                return twins(job).get(status__in=ACTIVE_STATUSES), False
            return job, True

    def lapsed(self, now: datetime | None = None) -> Self:
        """The running jobs silent past the lease: their run is gone (its worker died)."""
        cutoff = (now or timezone.now()) - lease()
        return self.filter(status=BackgroundJob.Status.RUNNING).filter(
            models.Q(heartbeat_at__lt=cutoff)
            | models.Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
        )

    def recover(self, enqueue: Callable[[J], object]) -> tuple[list[J], list[J]]:
        """Queue again, each under its lock, the jobs whose run is gone (``lapsed``) and
        enqueue a new run of each (``enqueue(job)``), as a click on 重试 would; a job that has
        run ``JOB_MAX_ATTEMPTS`` times already fails instead, saying so. What a worker does
        when it starts, and every so often while it runs (``manage.py run_worker``). Returns
        the jobs queued again and those given up."""
        queued: list[J] = []
        given_up: list[J] = []
        for pk in list(self.lapsed().values_list("pk", flat=True)):
            with transaction.atomic():
                job = self.select_for_update(of=("self",)).filter(pk=pk).first()
                if job is None or not job.is_interrupted():
                    continue  # finished, or taken over meanwhile
                if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                    job._give_up()
                    given_up.append(job)
                    continue
                job._queue_again()
            enqueue(job)
            queued.append(job)
        return queued, given_up

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


class JobState(models.TextChoices):
    """A job's state as the user sees it: the stored status, or ``INTERRUPTED`` (running, but
    silent past the lease) or ``EXPIRED`` (an export whose file is past its lifetime, whether
    or not it is purged yet). ``BackgroundJob.state`` computes it."""

    PENDING = "pending", "排队中"
    RUNNING = "running", "生成中"
    INTERRUPTED = "interrupted", "生成中断，可重试"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    EXPIRED = "expired", "已过期"


class BackgroundJob(models.Model):
    """The state of a job that a worker runs (abstract: each kind of job adds its request and
    its result)."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        EXPIRED = "expired", "已过期"

    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField("表数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    error = models.TextField("错误", blank=True)
    task_id = models.CharField("任务编号", max_length=64, blank=True)
    attempts = models.PositiveIntegerField("运行次数", default=0)
    heartbeat_at = models.DateTimeField("最近进度时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    State = JobState  # for the templates: ``job.state == job.State.EXPIRED``

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
    def is_expired(self) -> bool:
        """Its result is gone (or about to go); only an export's file expires."""
        return self.status == self.Status.EXPIRED

    @property
    def state(self) -> JobState:
        """The one place a job's state is decided (see ``JobState``)."""
        if self.is_interrupted():
            return JobState.INTERRUPTED
        if self.is_expired:
            return JobState.EXPIRED
        return JobState(self.status)

    @property
    def state_label(self) -> str:
        return str(self.state.label)

    @property
    def runs_again(self) -> bool:
        """Queued again after an earlier run of it stopped (the worker died, or someone
        retried it): the page says it starts over by itself."""
        return self.state == JobState.PENDING and self.attempts > 0

    @property
    def in_progress(self) -> bool:
        return self.state in (JobState.PENDING, JobState.RUNNING)

    @property
    def can_retry(self) -> bool:
        raise NotImplementedError

    def _clear_result(self) -> list[str]:
        """Clear what an earlier run left (its file, its result); the fields it cleared."""
        return []

    def _queue_again(self) -> None:
        """Back to pending, as a new request would be."""
        self.status = self.Status.PENDING
        self.heartbeat_at = self.finished_at = None
        self.done, self.error = 0, ""
        cleared = self._clear_result()
        self.save(
            update_fields=["status", "heartbeat_at", "finished_at", "done", "error", *cleared]
        )

    def _give_up(self) -> None:
        """Failed: interrupted on each of its ``JOB_MAX_ATTEMPTS`` runs (it may be what kills
        its worker)."""
        self.status = self.Status.FAILED
        self.error = (
            f"后台任务已中断 {self.attempts} 次（可能是服务反复重启，或任务本身过大），"
            "不再自动重试。请稍后重试；如仍不成功，请联系系统管理员。"
        )
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "finished_at"])

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

    @contextmanager
    def heartbeat(self, progress: Callable[[], dict[str, Any]] | None = None) -> Iterator[None]:
        """While the block runs, a thread stamps the heartbeat every ``HEARTBEAT_SECONDS``
        (whatever the run is doing: loading, rendering, storing), on its own connection, with
        ``progress()`` (fields of the job) when given: so progress made inside a transaction
        shows at once. When the process dies the stamps stop, and after the lease the job
        shows as interrupted."""
        stop = threading.Event()
        name = f"{type(self).__name__} {self.pk}"

        def beat() -> None:
            try:
                while not stop.wait(HEARTBEAT_SECONDS):
                    try:
                        self.beat(**(progress() if progress else {}))
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

    def fail(self, message: str) -> bool:
        now = timezone.now()
        return bool(
            self._mine().update(
                status=self.Status.FAILED, error=message, heartbeat_at=now, finished_at=now
            )
        )
