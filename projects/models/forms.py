"""The yearly 绩效目标表 of a project and its indicator rows (三级指标)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from indicators.models import Category
from indicators.parsing import ParsedTarget, parse_target
from projects.models.fields import MAX_YEAR, MIN_YEAR, amount_field, pinyin
from projects.models.projects import Project


class Scoped(Protocol):
    """Whoever reads forms: ``projects.permissions.Actor`` (which sits above the models) says
    which forms it may read as a filter, ``None`` for all of them."""

    def form_scope(self) -> Q | None: ...


class Reviewable(Protocol):
    """What goes through the review workflow (``projects.workflow``): a form, or a report on
    an approved form (``projects.models.cycle.Report``). The rules read its state and, through
    its project, its unit and department."""

    @property
    def status(self) -> str: ...

    @property
    def project(self) -> Project: ...

    @property
    def is_adjusting(self) -> bool: ...

    def get_status_display(self) -> str: ...

    def review_begun(self) -> bool: ...


# The layout a new form is drawn up in, unless it says otherwise (a key of
# ``projects.layouts.LAYOUTS``).
DEFAULT_LAYOUT = "dongguan"

AMOUNT_FIELD_NAMES = (
    "annual_amount",
    "total_amount",
    "fiscal_amount",
    "special_amount",
    "other_amount",
)


# the form's long texts (``PerformanceFormQuerySet.for_rows`` leaves them out)
LONG_TEXTS = (
    "content",
    "policy_basis",
    "calculation_basis",
    "period_goal",
    "annual_goal",
    "indicator_text",
)


class PerformanceFormQuerySet(models.QuerySet["PerformanceForm"]):
    def visible_to(self, actor: Scoped) -> PerformanceFormQuerySet:
        """The forms the actor may read (the one rule is ``Actor.form_scope``)."""
        scope = actor.form_scope()
        if scope is None:
            return self
        return self.filter(scope)

    def for_year(self, year: int) -> PerformanceFormQuerySet:
        return self.filter(fiscal_year=year)

    def matching(
        self,
        *,
        year: int | None = None,
        department: int | str | None = None,
        unit: int | str | None = None,
    ) -> PerformanceFormQuerySet:
        """The forms of a year, a department and a unit (each left out when ``None``): the one
        way every page, export and command selects forms by them. A department or unit is its
        id, or (a command's argument) its name."""
        lookups: dict[str, object] = {}
        if year is not None:
            lookups["fiscal_year"] = year
        # a form's own department (kept from its project), its project's unit
        for owner, value in (("department", department), ("project__unit", unit)):
            if isinstance(value, str):
                lookups[f"{owner}__name"] = value
            elif value is not None:
                lookups[f"{owner}_id"] = value
        return self.filter(**lookups)

    def in_list_order(self) -> PerformanceFormQuerySet:
        """Newest year first, then unit and project name in pinyin order."""
        return self.order_by(
            "-fiscal_year", pinyin("project__unit__name"), pinyin("project__name"), "id"
        )

    def with_related(self) -> PerformanceFormQuerySet:
        return self.select_related("project__department", "project__unit", "framework")

    def for_rows(self) -> PerformanceFormQuerySet:
        """As a list shows its forms, a row each: with the project and its organisations,
        without the form's long texts (its content, goals, bases, the indicators' original
        text), which no row shows and which are most of a form's bytes. (What an import left
        unread is kept: a row marks the forms that have some.)"""
        return self.select_related("project__department", "project__unit").defer(*LONG_TEXTS)

    def with_content(self) -> PerformanceFormQuerySet:
        """With everything ``projects.content.load_content`` reads: the project and its
        organisations, and the indicators (in the order typed) with their categories."""
        return self.with_related().prefetch_related(
            models.Prefetch(
                "indicators",
                queryset=Indicator.objects.select_related("category__parent").order_by(
                    "order", "id"
                ),
            )
        )


class NarrowPaginator(Paginator["PerformanceForm"]):
    """Pages of forms, each still one query: the page's forms are chosen among narrow rows
    (each form's id and the columns its order reads) and only those are loaded whole, with
    their organisations. Sorting thousands of whole rows, joined to their project,
    department, unit and framework, to keep a page of them was the slowest step of a queue
    or a list filtered across years (7,600 submitted forms: 125 ms against 32).

    The page holds the same forms in the same order as a slice of ``forms`` would: the
    outer query keeps its filters, annotations and order."""

    def __init__(self, forms: PerformanceFormQuerySet, per_page: int) -> None:
        super().__init__(forms, per_page)
        self.forms = forms

    def page(self, number: int | str) -> Page[PerformanceForm]:
        page = super().page(number)
        chosen = page.object_list  # the page's slice of the forms
        if isinstance(chosen, models.QuerySet):  # not yet run (a list when it already was)
            page.object_list = self.forms.filter(pk__in=chosen.values("pk"))
        return page


class PerformanceForm(models.Model):
    """One project's 绩效目标表 for one fiscal year."""

    class Level(models.TextChoices):
        FIRST = "一级项目", "一级项目"
        SECOND = "二级项目", "二级项目"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        DEPARTMENT_APPROVED = "department_approved", "部门已审"
        APPROVED = "approved", "已通过"
        RETURNED = "returned", "已退回"

    EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})

    # What the services write beside the content (``projects.content.FIELDS``): which
    # project and year the form is, its framework, its place in the workflow, its version and
    # the version in force, what the checks found at submission and what an import could not
    # place. Only the services change them (with a version and an event); the Django admin
    # shows them read-only (``projects.content.service_written``).
    WORKFLOW_FIELDS = (
        "project",
        "fiscal_year",
        "framework",
        "status",
        "version",
        "approved_version",
        "check_errors",
        "check_warnings",
        "import_leftover",
    )

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="forms"
    )
    # The project's 主管部门, kept by the database (migration 0024: triggers on the forms and
    # the projects, SQLite and PostgreSQL), so that the queues and counts filter the waiting
    # forms by department without joining 50,000 projects. For queries only: the code never
    # writes it, and a form just created in this process holds None here until read again
    # (read ``project.department_id``).
    department = models.ForeignKey(
        "projects.Organization",
        verbose_name="主管部门",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        editable=False,
        related_name="+",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        "预算年度", validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
    )
    # The official layouts are described in ``projects.layouts``, which sits above the models:
    # ``ProjectsConfig.ready`` gives this field the registered layouts as its choices.
    layout = models.CharField("表样", max_length=20, choices=[], default=DEFAULT_LAYOUT)
    framework = models.ForeignKey(
        "indicators.Framework",
        verbose_name="指标体系",
        on_delete=models.PROTECT,
        related_name="forms",
    )
    project_type = models.CharField("项目类型", max_length=100, blank=True)
    level = models.CharField("项目等级", max_length=10, choices=Level.choices, blank=True)
    start_year = models.PositiveSmallIntegerField(
        "起始年度",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    end_year = models.PositiveSmallIntegerField(
        "到期年度",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    duration_years = models.PositiveSmallIntegerField(
        "实施期限（年）", null=True, blank=True, validators=[MaxValueValidator(50)]
    )
    allocation_method = models.CharField("分配方式", max_length=50, blank=True)
    is_new = models.BooleanField("是否新增项目", null=True, blank=True)
    annual_amount = amount_field("本年度预算金额（元）")
    total_amount = amount_field("项目总金额（中期规划，元）")
    fiscal_amount = amount_field("财政拨款（元）")
    special_amount = amount_field("财政专户拨款（元）")
    other_amount = amount_field("其他资金（元）")
    amount_unit_label = models.CharField(
        "原表金额单位",
        max_length=10,
        blank=True,
        help_text="原表上标注的金额单位；金额一律以元保存。",
    )
    content = models.TextField("项目内容", blank=True)
    policy_basis = models.TextField("政策依据", blank=True)
    calculation_basis = models.TextField("测算依据", blank=True)
    period_goal = models.TextField("实施周期总目标（长期目标）", blank=True)
    annual_goal = models.TextField("年度目标", blank=True)
    # 广州: the 绩效指标 cell as it was typed (ASCII colons and spaces kept); printed again
    # while the indicators still say what it says, else the layout writes its own text
    indicator_text = models.TextField("绩效指标（原文）", blank=True)
    # what an import could not place (rows whose category or cells it could not read), kept
    # as text for the unit to move into the form: the form is 待修正 while this is not empty
    import_leftover = models.TextField("导入时未能识别的内容", blank=True)
    status = models.CharField(
        "状态", max_length=30, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField("版本", default=1)
    # The version last approved, which stays in force while an adjustment (调整) of it is
    # drafted and reviewed; empty until the form is first approved.
    approved_version = models.PositiveIntegerField("现行有效版本", null=True, blank=True)
    # What the filing checks found when the form was last submitted (a submitted form's
    # content no longer changes): the queue filters on them.
    check_errors = models.PositiveIntegerField("检查错误数", null=True, blank=True)
    check_warnings = models.PositiveIntegerField("检查提醒数", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PerformanceFormQuerySet.as_manager()

    class Meta:
        verbose_name = "绩效目标表"
        verbose_name_plural = "绩效目标表"
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
                for field in AMOUNT_FIELD_NAMES
            ],
            models.CheckConstraint(condition=Q(version__gte=1), name="form_version_positive"),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="form_years_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "status"], name="form_year_status_idx"),
            # 进度总览: a year's counts by department and status read this index alone,
            # never the wide rows (key columns rather than INCLUDE, which SQLite lacks)
            models.Index(
                fields=["fiscal_year", "project", "status", "approved_version", "id"],
                name="form_year_counts_idx",
            ),
            # 待我审核: the forms waiting for a review, with every column the queue
            # filters, counts and sorts on, by department (the stage a submitted form is at
            # is its department's, and a reviewer's queue is their departments')
            models.Index(
                fields=[
                    "department",
                    "status",
                    "id",
                    "updated_at",
                    "fiscal_year",
                    "project_type",
                    "check_errors",
                    "check_warnings",
                    "project",
                ],
                condition=Q(status__in=["submitted", "department_approved"]),
                name="form_waiting_department_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.project.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:form_detail", kwargs={"pk": self.pk})

    @staticmethod
    def url_maker() -> Callable[[int], str]:
        """``get_absolute_url`` of any form by its id, from one ``reverse``: the lists draw
        dozens of rows, and a reverse each was some percent of their pages."""
        marker = "987654321"
        head, _, tail = reverse("projects:form_detail", kwargs={"pk": marker}).partition(marker)
        return lambda pk: f"{head}{pk:d}{tail}"

    @classmethod
    def layout_keys(cls) -> list[str]:
        """The registered layouts' keys (the choices of ``layout``)."""
        field = cls._meta.get_field("layout")
        assert isinstance(field, models.Field)
        return [str(key) for key, _label in field.flatchoices]

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    def move_to(self, status: str) -> list[str]:
        """Put the form in ``status`` (unsaved); reaching 已通过 puts its current version in
        force. Returns the attributes changed, for ``save(update_fields=...)``."""
        self.status = status
        if status == self.Status.APPROVED:
            self.approved_version = self.version
            return ["status", "approved_version"]
        return ["status"]

    def review_begun(self) -> bool:
        """A reviewer has acted on the submission in hand: graded it or commented on it since
        it was last submitted (one query). Withdrawing it would take that work back to the
        draft unseen, so a form under review is returned by its reviewer instead."""
        if self.pk is None:
            return False
        submissions = self.events.filter(kind="submit")
        last = models.Subquery(submissions.order_by("-created_at", "-id").values("created_at")[:1])
        never = ~models.Exists(submissions)  # (a form imported as submitted)
        return (
            type(self)
            .objects.filter(pk=self.pk)
            .filter(
                models.Exists(self.grades.filter(Q(updated_at__gte=last) | never))
                | models.Exists(self.comments.filter(Q(created_at__gte=last) | never))
            )
            .exists()
        )

    @property
    def is_adjusting(self) -> bool:
        """An approved form whose adjustment is being drafted or reviewed: the approved
        version (``approved_version``) stays in force until the new one is approved."""
        return self.approved_version is not None and self.status != self.Status.APPROVED

    @property
    def status_in_force(self) -> str:
        """The status lists, counts and exports show: 已通过 for a form being adjusted (its
        approved version is in force; ``status`` is the adjustment's)."""
        return self.Status.APPROVED if self.is_adjusting else self.status

    def get_status_in_force_display(self) -> str:
        return str(self.Status(self.status_in_force).label)

    @property
    def version_in_force(self) -> int:
        """The version that is printed and counted: the approved one while an adjustment is
        open, else the current one."""
        if self.is_adjusting:
            assert self.approved_version is not None
            return self.approved_version
        return self.version


# The forms being adjusted (``PerformanceForm.is_adjusting``), as a filter.
ADJUSTING = Q(approved_version__isnull=False) & ~Q(status=PerformanceForm.Status.APPROVED)


def in_force_status(status: str) -> Q:
    """The forms whose status in force (``PerformanceForm.status_in_force``) is ``status``: a
    form being adjusted counts as 已通过, not as the adjustment's draft or review."""
    if status == PerformanceForm.Status.APPROVED:
        return Q(status=status) | ADJUSTING
    return Q(status=status) & ~ADJUSTING


class Indicator(models.Model):
    """三级指标 on one form. ``uid`` stays the same through edits and re-imports (the row is
    updated in place), so comments stay attached; ``origin`` is last year's indicator it was
    rolled over from."""

    uid = models.UUIDField("指标标识", default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(
        PerformanceForm,
        verbose_name="绩效目标表",
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    category = models.ForeignKey(
        Category, verbose_name="指标类别", on_delete=models.PROTECT, related_name="indicators"
    )
    name = models.CharField("三级指标", max_length=300, blank=True)
    period_value = models.CharField("实施周期指标值", max_length=500, blank=True)
    annual_value = models.CharField("当年度指标值", max_length=500, blank=True)
    value = models.CharField("指标值", max_length=500, blank=True)
    explanation = models.TextField("指标解释", blank=True)
    is_core = models.BooleanField("核心指标", default=False)
    not_applicable = models.BooleanField("不适用", default=False)
    order = models.PositiveIntegerField("排序", default=0)
    origin = models.ForeignKey(
        "self",
        verbose_name="上年指标",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_into",
        help_text="结转时，本指标所来自的上一年度指标。",
    )

    # The target value (当年度指标值, else 指标值) as parsed; kept in step by set_parsed().
    target_kind = models.CharField("指标值类型", max_length=20, blank=True)
    target_comparator = models.CharField("比较符", max_length=2, blank=True)
    target_number = models.DecimalField(
        "数值", max_digits=24, decimal_places=6, null=True, blank=True
    )
    target_unit = models.CharField("计量单位", max_length=30, blank=True)
    target_qualifier = models.CharField("限定", max_length=50, blank=True)

    class Meta:
        verbose_name = "三级指标"
        verbose_name_plural = "三级指标"
        # The order typed: the per-form grids group by category themselves, and the 广州
        # numbered text keeps the form's own order.
        # by the form's id: the form's own order joined its project and organisations
        ordering = ["form_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(not_applicable=True) | ~Q(name=""),
                name="indicator_named_unless_not_applicable",
            ),
        ]
        indexes = [models.Index(fields=["form", "order"], name="indicator_form_order_idx")]

    def __str__(self) -> str:
        return self.name or "不适用"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_parsed()
        super().save(*args, **kwargs)

    @property
    def target_text(self) -> str:
        return self.annual_value or self.value

    @property
    def target(self) -> ParsedTarget:
        return parse_target(self.target_text)

    @property
    def period_target(self) -> ParsedTarget:
        return parse_target(self.period_value)

    def set_parsed(self) -> None:
        parsed = self.target
        self.target_kind = str(parsed.kind)
        self.target_comparator = str(parsed.comparator) if parsed.comparator else ""
        self.target_number = parsed.number
        self.target_unit = parsed.unit[:30]
        self.target_qualifier = parsed.qualifier[:50]

    def clean(self) -> None:
        if (
            self.form_id is not None
            and self.category_id is not None
            and self.category.framework_id != self.form.framework_id
        ):
            raise ValidationError({"category": "指标类别不属于本表所用的指标体系。"})
