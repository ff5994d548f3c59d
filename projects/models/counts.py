"""Counts of forms kept by the database: what the progress dashboard and the list's filters
read instead of counting 50,000 forms on every view.

Triggers (migration ``0017_form_counts``, on SQLite and PostgreSQL alike) keep them in the
same transaction as every write of a form or of a project's department, whatever writes it
(a transition, an import, a roll-over, the admin, ``generate_city``): a row is never edited
by the application. ``tests/test_form_counts.py`` holds them equal to a count of the forms.
"""

from __future__ import annotations

from django.db import models

from projects.models.organizations import Organization


class FormCount(models.Model):
    """How many forms of a year and department are in a status, apart (``adjusting``) those
    approved once whose adjustment is under way: the dashboard's cells are sums of these."""

    fiscal_year = models.PositiveSmallIntegerField("预算年度")
    department = models.ForeignKey(
        Organization, verbose_name="主管部门", on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField("状态", max_length=30)
    adjusting = models.BooleanField("调整中")
    forms = models.IntegerField("表数")

    class Meta:
        verbose_name = verbose_name_plural = "绩效目标表计数"
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "department", "status", "adjusting"],
                name="form_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.department_id} {self.status}: {self.forms}"


class ProjectTypeCount(models.Model):
    """How many forms of a department have a project type: the list's 项目类型 choices."""

    department = models.ForeignKey(
        Organization, verbose_name="主管部门", on_delete=models.CASCADE, related_name="+"
    )
    project_type = models.CharField("项目类型", max_length=100)
    forms = models.IntegerField("表数")

    class Meta:
        verbose_name = verbose_name_plural = "项目类型计数"
        constraints = [
            models.UniqueConstraint(
                fields=["department", "project_type"], name="project_type_count_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.project_type}: {self.forms}"
