"""The performance cycle after approval: mid-year monitoring (绩效运行监控) and the year-end
self-evaluation (绩效自评) of an approved 绩效目标表.

A ``Report`` is one of them for one form. It is built from the form's approved version (its
indicators copied, each line keeping the indicator's ``uid``, so one indicator is followed from
its target to its monitoring to its self-evaluation and into next year's form, whose rows carry
an ``origin``) and goes through the same workflow as a form: the same states, the same rows of
``projects.workflow.TRANSITIONS`` (submit, withdraw, pass_on, return, approve), the same
reviewers and permissions; it keeps its own history (``ReportEvent``) and comments
(``ReportComment``, on the report or one line).

What is typed is stored; what follows from it (the execution rate and the budget's progress
light, the scores, total and grade) is computed by ``indicators.monitoring`` and
``indicators.scoring`` and written beside it on every save (``light``, ``total``, ``grade``,
``check_errors``), so that the lists and the finance dashboard count them without recomputing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from projects.models.fields import AMOUNT_DIGITS, AMOUNT_PLACES
from projects.models.forms import PerformanceForm, Scoped
from projects.models.history import FormEvent
from projects.models.projects import Project

__all__ = [
    "MonitoringRound",
    "Report",
    "ReportComment",
    "ReportEvent",
    "ReportLine",
    "ReportQuerySet",
]


class MonitoringRound(models.Model):
    """A round of mid-year monitoring the finance bureau opens for a year: every approved form
    of the year gets a report covering January to ``months``."""

    fiscal_year = models.PositiveSmallIntegerField("预算年度")
    months = models.PositiveSmallIntegerField(
        "监控截至月份",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="监控期为 1 月至该月（通常为 7 月）。",
    )
    deadline = models.DateField("填报截止日期")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField("发起时间", auto_now_add=True)
    # The reports are made in the background (``projects.cycle.tasks``): how many forms were
    # approved when the round opened, and when the last report was made.
    forms_total = models.PositiveIntegerField("应生成监控表数", default=0)
    filled_at = models.DateTimeField("监控表生成完毕时间", null=True, blank=True)

    class Meta:
        verbose_name = "运行监控批次"
        verbose_name_plural = "运行监控批次"
        ordering = ["-fiscal_year", "-months"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "months"], name="one_round_a_month"),
            models.CheckConstraint(
                condition=models.Q(months__gte=1, months__lte=12), name="round_months_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年1—{self.months}月绩效运行监控"

    @property
    def period(self) -> str:
        return f"1—{self.months}月"


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, actor: Scoped) -> ReportQuerySet:
        """The reports of the forms the actor may read (``Actor.form_scope``, over the
        report's form)."""
        scope = actor.form_scope()
        if scope is None:
            return self
        return self.filter(form__in=PerformanceForm.objects.filter(scope).values("pk"))

    def with_related(self) -> ReportQuerySet:
        return self.select_related(
            "form__project__department", "form__project__unit", "form__framework", "round"
        )


class Report(models.Model):
    """A monitoring report or a self-evaluation of one approved form."""

    class Kind(models.TextChoices):
        MONITORING = "monitoring", "绩效运行监控表"
        SELF_EVALUATION = "self_evaluation", "绩效自评表"

    class Light(models.TextChoices):
        RED = "red", "红色预警"
        YELLOW = "yellow", "黄色预警"
        GREEN = "green", "正常"

    Status = PerformanceForm.Status
    EDITABLE_STATUSES = PerformanceForm.EDITABLE_STATUSES

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    form = models.ForeignKey(
        PerformanceForm,
        verbose_name="绩效目标表",
        on_delete=models.PROTECT,
        related_name="reports",
    )
    round = models.ForeignKey(
        MonitoringRound,
        verbose_name="监控批次",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    fiscal_year = models.PositiveSmallIntegerField("预算年度")
    # The form's project's 主管部门, kept here for the dashboard's counts by department
    # (set when the report is made; a database trigger follows a project that moves:
    # migration 0018).
    department = models.ForeignKey(
        "projects.Organization",
        verbose_name="主管部门",
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_version = models.PositiveIntegerField("依据的目标表版本")
    status = models.CharField(
        "状态", max_length=30, choices=PerformanceForm.Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=1)
    # The funds, in 元. Monitoring: 全年预算数 and 1—N月执行数; self-evaluation: 年初预算数,
    # 全年预算数 (A) and 全年执行数 (B), with the rows of their sources in ``fund_rows``.
    initial_budget = models.DecimalField(
        "年初预算数（元）",
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        null=True,
        blank=True,
    )
    annual_budget = models.DecimalField(
        "全年预算数（元）",
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        null=True,
        blank=True,
    )
    executed = models.DecimalField(
        "执行数（元）",
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        null=True,
        blank=True,
    )
    # {"fiscal" | "carried" | "other": {"initial": "…", "annual": "…", "executed": "…"}}:
    # 当年财政拨款, 上年结转资金, 其他资金 (amounts as decimal strings, in 元).
    fund_rows: models.JSONField[Any] = models.JSONField("资金来源明细", default=dict, blank=True)
    goal = models.TextField("年度总体目标", blank=True)  # as approved, read-only
    goal_actual = models.TextField("年度总体目标实际完成情况", blank=True)
    # Computed on every save: the budget's light (monitoring), the total and grade
    # (self-evaluation) and the number of errors the report's checks find.
    light = models.CharField("预算执行预警", max_length=10, choices=Light.choices, blank=True)
    total = models.DecimalField("总分", max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField("等级", max_length=1, blank=True)
    check_errors = models.PositiveIntegerField("检查错误数", default=0)
    check_warnings = models.PositiveIntegerField("检查提醒数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "绩效监控与自评表"
        verbose_name_plural = "绩效监控与自评表"
        ordering = ["-fiscal_year", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "round"],
                condition=models.Q(kind="monitoring"),
                name="one_monitoring_report_a_round",
            ),
            models.UniqueConstraint(
                fields=["form"],
                condition=models.Q(kind="self_evaluation"),
                name="one_self_evaluation_a_form",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="self_evaluation", round__isnull=True)
                | models.Q(kind="monitoring", round__isnull=False),
                name="monitoring_has_a_round",
            ),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "kind", "status"], name="report_year_kind_idx"),
            # the dashboard's counts: by department and light, by department, state and grade
            models.Index(fields=["round", "department", "light"], name="report_round_light_idx"),
            models.Index(
                fields=["fiscal_year", "kind", "department", "status", "grade"],
                name="report_year_state_grade_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form.project.name} {self.title}"

    @property
    def project(self) -> Project:
        """The form's project: the permission rules read the unit and department from here,
        as they do for a form."""
        return self.form.project

    @property
    def is_monitoring(self) -> bool:
        return self.kind == self.Kind.MONITORING

    @property
    def months(self) -> int:
        """The months a monitoring report covers (12 for a self-evaluation)."""
        return self.round.months if self.round is not None else 12

    @property
    def title(self) -> str:
        if self.is_monitoring:
            return f"{self.fiscal_year}年1—{self.months}月绩效运行监控表"
        return f"{self.fiscal_year}年度项目支出绩效自评表"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def is_adjusting(self) -> bool:
        return False  # a report has no adjustment: it is corrected by returning it

    def review_begun(self) -> bool:
        """A reviewer has commented on it since it was last submitted (withdrawing it would
        take that work back unseen)."""
        if self.pk is None:
            return False
        last = (
            self.events.filter(kind=FormEvent.Kind.SUBMIT)
            .order_by("-created_at", "-id")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is None:
            return False
        return self.comments.filter(created_at__gte=last).exists()


class ReportLine(models.Model):
    """One indicator of a report: the approved target (copied, read-only) and what the unit
    reports against it."""

    class Likelihood(models.TextChoices):
        CERTAIN = "确定能", "确定能"
        POSSIBLE = "有可能", "有可能"
        IMPOSSIBLE = "完全不可能", "完全不可能"

    class ReasonKind(models.TextChoices):
        FUNDS = "经费保障", "经费保障"
        RULES = "制度保障", "制度保障"
        STAFF = "人员保障", "人员保障"
        EQUIPMENT = "硬件条件保障", "硬件条件保障"
        OTHER = "其他", "其他"

    class Achieved(models.TextChoices):
        YES = "达成", "达成"
        PARTLY = "部分达成", "部分达成"
        NO = "未达成", "未达成"

    report = models.ForeignKey(
        Report, verbose_name="报表", on_delete=models.CASCADE, related_name="lines"
    )
    # The approved indicator's identity (``Indicator.uid``): the thread from the target to
    # its monitoring, its self-evaluation and next year's indicator.
    indicator_uid = models.UUIDField("指标标识")
    order = models.PositiveIntegerField("排序", default=0)
    level1 = models.CharField("一级指标", max_length=50)
    level2 = models.CharField("二级指标", max_length=50, blank=True)
    name = models.CharField("三级指标", max_length=300, blank=True)
    target = models.CharField("年度指标值", max_length=500, blank=True)
    not_applicable = models.BooleanField("不适用", default=False)
    # Monitoring: 1—N月实际完成值; self-evaluation: 全年实际完成值.
    actual = models.CharField("实际完成值", max_length=500, blank=True)
    projected = models.CharField("全年预计完成值", max_length=500, blank=True)
    likelihood = models.CharField(
        "完成目标可能性", max_length=10, choices=Likelihood.choices, blank=True
    )
    achieved = models.CharField("达成情况", max_length=10, choices=Achieved.choices, blank=True)
    reason_kind = models.CharField(
        "偏差原因类型", max_length=10, choices=ReasonKind.choices, blank=True
    )
    reason = models.TextField("偏差原因", blank=True)
    measures = models.TextField("纠偏措施", blank=True)
    # Computed on save (self-evaluation): the line's points and score.
    weight = models.DecimalField("分值", max_digits=6, decimal_places=2, null=True, blank=True)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "监控与自评指标"
        verbose_name_plural = "监控与自评指标"
        ordering = ["report_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator_uid"], name="one_line_an_indicator"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.level2 or self.level1


class ReportEvent(models.Model):
    """One change to a report, as ``FormEvent`` is to a form: who, what, the states, the
    version it left and a snapshot of what the report said then."""

    report = models.ForeignKey(
        Report, verbose_name="报表", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("操作", max_length=20, choices=FormEvent.Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField("来源", max_length=20, choices=FormEvent.Source.choices)
    from_status = models.CharField(
        "原状态", max_length=30, choices=PerformanceForm.Status.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=30, choices=PerformanceForm.Status.choices)
    version = models.PositiveIntegerField("版本")
    comment = models.TextField("说明", blank=True)
    snapshot: models.JSONField[Any] = models.JSONField("内容快照", default=dict)
    # an uploaded sheet's save: the version the sheet was printed at (the same file uploaded
    # again is merged against what it wrote: ``projects.cycle.services._rebased``)
    sheet_version = models.PositiveIntegerField("上传表的下载版本", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "监控与自评变更记录"
        verbose_name_plural = "监控与自评变更记录"
        ordering = ["report_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version} {self.get_kind_display()}"

    @property
    def actor_label(self) -> str:
        if self.actor_id is not None:
            user = self.actor
            assert user is not None
            return user.get_full_name() or user.get_username()
        return str(self.get_source_display())


class ReportComment(models.Model):
    """A reviewer's remark on a report or one of its lines (an indicator), open until a
    reviewer resolves it."""

    report = models.ForeignKey(
        Report, verbose_name="报表", on_delete=models.CASCADE, related_name="comments"
    )
    line = models.ForeignKey(
        ReportLine,
        verbose_name="指标",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="作者", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("内容")
    version = models.PositiveIntegerField("针对的版本", default=1)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)

    class Meta:
        verbose_name = "监控与自评审核意见"
        verbose_name_plural = "监控与自评审核意见"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
