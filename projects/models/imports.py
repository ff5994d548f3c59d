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

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
        verbose_name=_("上传人"),
        on_delete=models.CASCADE,
        related_name="staged_imports",
    )
    text = models.TextField(_("粘贴的文本"), blank=True)
    year = models.PositiveIntegerField(_("预算年度"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    consumed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    objects = StagedImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("待确认的导入")
        verbose_name_plural = _("待确认的导入")
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
        verbose_name=_("待确认的导入"),
        on_delete=models.CASCADE,
        related_name="files",
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("文件名"), max_length=255)
    data = models.BinaryField(_("内容"))

    class Meta:
        verbose_name = _("待确认导入的文件")
        verbose_name_plural = _("待确认导入的文件")
        ordering = ["staged", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["staged", "position"], name="staged_import_file_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.name
