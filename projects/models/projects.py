"""Projects: what a yearly 绩效目标表 is filed for."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models.fields import MAX_YEAR, MIN_YEAR
from projects.models.organizations import Organization


class Project(models.Model):
    class Level(models.TextChoices):
        FIRST = "一级项目", _("一级项目")
        SECOND = "二级项目", _("二级项目")

    code = models.CharField(_("项目编码"), max_length=64, blank=True)
    name = models.CharField(_("项目名称"), max_length=300)
    department = models.ForeignKey(
        Organization,
        verbose_name=_("主管部门"),
        on_delete=models.PROTECT,
        related_name="department_projects",
        limit_choices_to={"kind": Organization.Kind.DEPARTMENT},
    )
    unit = models.ForeignKey(
        Organization,
        verbose_name=_("用款单位"),
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"kind": Organization.Kind.UNIT},
    )
    project_type = models.CharField(_("项目类型"), max_length=100, blank=True)
    level = models.CharField(_("项目等级"), max_length=10, choices=Level.choices, blank=True)
    start_year = models.PositiveSmallIntegerField(
        _("起始年度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    end_year = models.PositiveSmallIntegerField(
        _("到期年度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    duration_years = models.PositiveSmallIntegerField(
        _("实施期限（年）"), null=True, blank=True, validators=[MaxValueValidator(50)]
    )
    allocation_method = models.CharField(_("分配方式"), max_length=50, blank=True)
    is_new = models.BooleanField(_("是否新增项目"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["department__name", "unit__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="project_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="project_years_in_order",
            ),
        ]
        indexes = [models.Index(fields=["unit", "name"], name="project_unit_name_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A project's department is always its unit's parent (a database trigger enforces it
        # too, and follows a unit that moves to another department).
        if self.unit_id is not None and self.unit.parent_id is not None:
            self.department_id = self.unit.parent_id
        super().save(*args, **kwargs)
