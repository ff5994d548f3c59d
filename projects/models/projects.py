"""Projects: what a yearly 绩效目标表 is filed for."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from projects.models.organizations import Organization


class Project(models.Model):
    """A project of a unit: its identity across the years is its code where it has one (unique),
    else its name within its unit (unique among the unit's projects without a code). What a year's
    form says about it (type, level, period, allocation…) is on that form, so that changing
    this year's draft never changes a form of another year."""

    code = models.CharField("项目编码", max_length=64, blank=True)
    name = models.CharField("项目名称", max_length=300)
    department = models.ForeignKey(
        Organization,
        verbose_name="主管部门",
        on_delete=models.PROTECT,
        related_name="department_projects",
        limit_choices_to={"kind": Organization.Kind.DEPARTMENT},
    )
    unit = models.ForeignKey(
        Organization,
        verbose_name="用款单位",
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"kind": Organization.Kind.UNIT},
    )

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["department__name", "unit__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="project_unique_code"
            ),
            # a project without a code is known by its name within its unit (the importer
            # matches it so: projects.services.import_matching)
            models.UniqueConstraint(
                fields=["unit", "name"], condition=Q(code=""), name="project_unique_name_in_unit"
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
