"""Organisations, people's roles in them, projects and their yearly 绩效目标表."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Exists, Q
from django.db.models.functions import Collate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

MIN_YEAR = 2000
MAX_YEAR = 2100
AMOUNT_DIGITS = 16
AMOUNT_PLACES = 2


def amount_field(label: StrOrPromise) -> models.DecimalField[Decimal | None, Decimal | None]:
    """An amount in 元, to the cent, optional (non-negative by a check constraint)."""
    return models.DecimalField(
        label, max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True
    )


def pinyin(field: str) -> models.expressions.Combinable | str:
    """Order Chinese text by pinyin where the database can (PostgreSQL's ICU collation);
    elsewhere by the field as it is."""
    if connection.vendor == "postgresql":
        return Collate(models.F(field), "zh-x-icu")
    return field


class Organization(models.Model):
    class Kind(models.TextChoices):
        FINANCE = "finance", _("财政局")
        DEPARTMENT = "department", _("主管部门")
        UNIT = "unit", _("用款单位")

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级主管部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    code = models.CharField(_("单位编码"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
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
        FILER = "filer", _("填报人")
        DEPARTMENT_REVIEWER = "department_reviewer", _("部门审核人")
        FINANCE_REVIEWER = "finance_reviewer", _("财政审核人")

    ROLE_ORGANIZATION_KIND = {
        Role.FILER: Organization.Kind.UNIT,
        Role.DEPARTMENT_REVIEWER: Organization.Kind.DEPARTMENT,
        Role.FINANCE_REVIEWER: Organization.Kind.FINANCE,
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"

    def clean(self) -> None:
        expected = self.ROLE_ORGANIZATION_KIND[self.Role(self.role)]
        if self.organization_id and self.organization.kind != expected:
            raise ValidationError(
                {
                    "organization": _("角色“%(role)s”只能属于%(kind)s。")
                    % {"role": self.get_role_display(), "kind": expected.label}
                }
            )


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


class PerformanceFormQuerySet(models.QuerySet["PerformanceForm"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> PerformanceFormQuerySet:
        """Forms the user may read: a unit its own, a department its units', finance all."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
            return self
        mine = Membership.objects.filter(user_id=user.pk)
        role = Membership.Role
        return self.filter(
            Q(project__unit__in=mine.filter(role=role.FILER).values("organization"))
            | Q(
                project__department__in=mine.filter(role=role.DEPARTMENT_REVIEWER).values(
                    "organization"
                )
            )
            | Exists(mine.filter(role=role.FINANCE_REVIEWER))
        )

    def for_year(self, year: int) -> PerformanceFormQuerySet:
        return self.filter(fiscal_year=year)

    def in_list_order(self) -> PerformanceFormQuerySet:
        """Newest year first, then unit and project name in pinyin order."""
        return self.order_by(
            "-fiscal_year", pinyin("project__unit__name"), pinyin("project__name"), "id"
        )

    def with_related(self) -> PerformanceFormQuerySet:
        return self.select_related("project__department", "project__unit", "framework")


class PerformanceForm(models.Model):
    """One project's 绩效目标表 for one fiscal year."""

    class Layout(models.TextChoices):
        DONGGUAN = "dongguan", _("东莞 项目绩效目标表")
        SHENZHEN = "shenzhen", _("深圳 二级项目支出绩效目标申报表")
        GUANGZHOU = "guangzhou", _("广州 项目支出绩效目标表")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        DEPARTMENT_APPROVED = "department_approved", _("部门已审")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="forms"
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("预算年度"), validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
    )
    layout = models.CharField(
        _("表样"), max_length=20, choices=Layout.choices, default=Layout.DONGGUAN
    )
    framework = models.ForeignKey(
        "indicators.Framework",
        verbose_name=_("指标体系"),
        on_delete=models.PROTECT,
        related_name="forms",
    )
    annual_amount = amount_field(_("本年度预算金额（元）"))
    total_amount = amount_field(_("项目总金额（中期规划，元）"))
    fiscal_amount = amount_field(_("财政拨款（元）"))
    special_amount = amount_field(_("财政专户拨款（元）"))
    other_amount = amount_field(_("其他资金（元）"))
    amount_unit_label = models.CharField(
        _("原表金额单位"),
        max_length=10,
        blank=True,
        help_text=_("原表上标注的金额单位；金额一律以元保存。"),
    )
    content = models.TextField(_("项目内容"), blank=True)
    policy_basis = models.TextField(_("政策依据"), blank=True)
    calculation_basis = models.TextField(_("测算依据"), blank=True)
    period_goal = models.TextField(_("实施周期总目标（长期目标）"), blank=True)
    annual_goal = models.TextField(_("年度目标"), blank=True)
    status = models.CharField(
        _("状态"), max_length=30, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PerformanceFormQuerySet.as_manager()

    class Meta:
        verbose_name = _("绩效目标表")
        verbose_name_plural = _("绩效目标表")
        ordering = ["-fiscal_year", "project__department__name", "project__unit__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "fiscal_year"], name="form_one_per_project_and_year"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0}),
                    name=f"form_{field}_not_negative",
                )
                for field in (
                    "annual_amount",
                    "total_amount",
                    "fiscal_amount",
                    "special_amount",
                    "other_amount",
                )
            ],
            models.CheckConstraint(condition=Q(version__gte=1), name="form_version_positive"),
        ]
        indexes = [models.Index(fields=["fiscal_year", "status"], name="form_year_status_idx")]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.project.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:form_detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def funding_total(self) -> Decimal | None:
        parts = [self.fiscal_amount, self.special_amount, self.other_amount]
        if all(part is None for part in parts):
            return None
        return sum((part or Decimal(0) for part in parts), Decimal(0))


class ReviewEvent(models.Model):
    """One workflow transition, with the form as it was at that moment."""

    form = models.ForeignKey(
        PerformanceForm,
        verbose_name=_("绩效目标表"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="review_events",
    )
    from_status = models.CharField(
        _("原状态"), max_length=30, choices=PerformanceForm.Status.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=30, choices=PerformanceForm.Status.choices)
    comment = models.TextField(_("意见"), blank=True)
    snapshot: models.JSONField[Any] = models.JSONField(_("表单快照"), default=dict)
    form_version = models.PositiveIntegerField(_("表单版本"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["form", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.form_id}: {self.from_status} → {self.to_status}"


class Comment(models.Model):
    """A reviewer's remark on the whole form or on one indicator."""

    form = models.ForeignKey(
        PerformanceForm,
        verbose_name=_("绩效目标表"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("指标"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), on_delete=models.PROTECT
    )
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


# --------------------------------------------------------------------------- exports (issue 4)


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
