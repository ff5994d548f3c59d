"""Batch exports running in the background, and their files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _export_upload_to(job: ExportJob, filename: str) -> str:
    return f"exports/{job.created_at:%Y/%m}/{job.pk}-{filename}"


class ExportJob(models.Model):
    """A batch export running in the background (projects.tasks.run_export_job): its request,
    progress and, when done, the file. Only the user who asked may see it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    selection: models.JSONField[Any] = models.JSONField(_("导出条件"), default=dict)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("表数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    file = models.FileField(_("文件"), upload_to=_export_upload_to, blank=True)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    error = models.TextField(_("错误"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
