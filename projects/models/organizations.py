"""Organisations (the finance bureau, 主管部门, 用款单位) and people's roles in them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Organization(models.Model):
    class Kind(models.TextChoices):
        FINANCE = "finance", "财政局"
        DEPARTMENT = "department", "主管部门"
        UNIT = "unit", "用款单位"

    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级主管部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    code = models.CharField("单位编码", max_length=50, blank=True)
    department_review = models.BooleanField(
        "部门审核",
        default=True,
        help_text="主管部门是否先审核其单位提交的表（关闭则直接交财政审核）。",
    )

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=Q(parent__isnull=True),
                name="organization_unique_top_level_name",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(parent__isnull=False),
                name="organization_unique_name_per_parent",
            ),
            models.CheckConstraint(
                condition=Q(kind="unit", parent__isnull=False) | ~Q(kind="unit"),
                name="organization_unit_has_department",
            ),
            models.CheckConstraint(
                condition=Q(kind="unit") | Q(parent__isnull=True),
                name="organization_only_units_have_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        FILER = "filer", "填报人"
        DEPARTMENT_REVIEWER = "department_reviewer", "部门审核人"
        FINANCE_REVIEWER = "finance_reviewer", "财政审核人"
        ADMINISTRATOR = "administrator", "管理员"

    # A finance reviewer belongs to the finance bureau (and reviews every department) or to
    # the departments assigned to them.
    ROLE_ORGANIZATION_KINDS = {
        Role.FILER: (Organization.Kind.UNIT,),
        Role.DEPARTMENT_REVIEWER: (Organization.Kind.DEPARTMENT,),
        Role.FINANCE_REVIEWER: (Organization.Kind.FINANCE, Organization.Kind.DEPARTMENT),
        Role.ADMINISTRATOR: (Organization.Kind.FINANCE,),
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="单位",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    # A finance reviewer of the finance bureau who divides the review among the reviewers
    # (assigns departments or single forms to them: ``permissions.can_assign``).
    assigns_work = models.BooleanField(
        "分配审核任务",
        default=False,
        help_text="财政局的财政审核人可勾选：可把主管部门或单张表分配给各财政审核人。",
    )

    class Meta:
        verbose_name = "成员"
        verbose_name_plural = "成员"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.assigns_work and not (
            self.role == self.Role.FINANCE_REVIEWER
            and (not self.organization_id or self.organization.kind == Organization.Kind.FINANCE)
        ):
            raise ValidationError({"assigns_work": "只有财政局的财政审核人可以分配审核任务。"})
        expected = self.ROLE_ORGANIZATION_KINDS[self.Role(self.role)]
        if self.organization_id and self.organization.kind not in expected:
            raise ValidationError(
                {
                    "organization": "角色“{role}”只能属于{kind}。".format(
                        role=self.get_role_display(),
                        kind="或".join(str(kind.label) for kind in expected),
                    )
                }
            )
