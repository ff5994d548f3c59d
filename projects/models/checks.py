"""Per framework, which checks run and how severe they are (the admin sets them)."""

from __future__ import annotations

from django.db import models


class Severity(models.TextChoices):
    """How severe a check's finding is: an error blocks submission, a warning or an info does
    not. The one definition: the checks' findings and the admin's settings both use it."""

    ERROR = "error", "错误"
    WARNING = "warning", "警告"
    INFO = "info", "提示"


class CheckSetting(models.Model):
    Severity = Severity

    framework = models.ForeignKey(
        "indicators.Framework",
        verbose_name="指标体系",
        on_delete=models.CASCADE,
        related_name="check_settings",
    )
    # The checks are registered in ``projects.filing.checks``, above the models:
    # ``ProjectsConfig.ready`` gives this field their ids as its choices.
    check_id = models.CharField("检查项", max_length=50, choices=[])
    enabled = models.BooleanField("启用", default=True)
    severity = models.CharField(
        "严重程度",
        max_length=10,
        choices=Severity.choices,
        blank=True,
        help_text="留空则用检查项的默认严重程度。“错误”阻止提交。",
    )

    class Meta:
        verbose_name = "检查设置"
        verbose_name_plural = "检查设置"
        ordering = ["framework", "check_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "check_id"], name="check_setting_unique_per_framework"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework_id} {self.check_id}"
