"""What review adds to a form: the reviewers' graded checks, the season's deadlines and the
notifications that tell people a form needs them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from projects.models.fields import MAX_YEAR, MIN_YEAR
from projects.models.forms import PerformanceForm
from projects.models.organizations import Organization


class Grade(models.TextChoices):
    EXCELLENT = "优", "优"
    GOOD = "良", "良"
    FAIR = "中", "中"
    POOR = "差", "差"


GRADE_SCORE = {Grade.EXCELLENT: 4, Grade.GOOD: 3, Grade.FAIR: 2, Grade.POOR: 1}

# The four checks of the central method (财政部《中央部门预算绩效目标管理办法》): each a pair
# of fields on ``ReviewGrade`` (``<key>`` and ``<key>_note``).
GRADED_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("completeness", "完整性", "绩效目标、指标与项目内容对应，要素齐全"),
    ("relevance", "相关性", "指标与项目支出内容、年度目标紧密相关"),
    ("appropriateness", "适当性", "指标值与预算资金量、历史水平相匹配"),
    ("feasibility", "可行性", "目标和指标值经努力可以实现，依据充分"),
)


class Stage(models.TextChoices):
    """A review stage: the department's (when the department reviews its units' forms), then
    finance's. Which one a form is at follows from its status (``projects.workflow``)."""

    DEPARTMENT = "department", "主管部门审核"
    FINANCE = "finance", "财政审核"


def grade_field(label: str) -> models.CharField[str, str]:
    return models.CharField(label, max_length=1, choices=Grade.choices)


class ReviewGrade(models.Model):
    """One review stage's grading of one version of a form: the four checks, each 优/良/中/差
    with a note. The overall grade follows from them (``overall``) and suggests a decision;
    the reviewer decides."""

    Stage = Stage

    form = models.ForeignKey(
        PerformanceForm,
        verbose_name="绩效目标表",
        on_delete=models.CASCADE,
        related_name="grades",
    )
    version = models.PositiveIntegerField("版本")
    stage = models.CharField("审核阶段", max_length=20, choices=Stage.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT
    )
    completeness = grade_field("完整性")
    completeness_note = models.TextField("完整性说明", blank=True)
    relevance = grade_field("相关性")
    relevance_note = models.TextField("相关性说明", blank=True)
    appropriateness = grade_field("适当性")
    appropriateness_note = models.TextField("适当性说明", blank=True)
    feasibility = grade_field("可行性")
    feasibility_note = models.TextField("可行性说明", blank=True)
    updated_at = models.DateTimeField("评定时间", auto_now=True)

    class Meta:
        verbose_name = "审核评定"
        verbose_name_plural = "审核评定"
        ordering = ["form", "version", "updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "version", "stage"], name="grade_one_per_version_and_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} v{self.version} {self.get_stage_display()} {self.overall}"

    @property
    def grades(self) -> list[str]:
        return [getattr(self, key) for key, _label, _hint in GRADED_CHECKS]

    @property
    def overall(self) -> str:
        return overall_grade(self.grades)


def overall_grade(grades: list[str]) -> str:
    """The overall grade of the four checks: 差 if any check is 差 (a form that fails one
    check fails), else the mean of the scores (优 4, 良 3, 中 2) rounded down, so one 中 among
    three 优 still reads 良 and two 中 read 中."""
    if not grades or any(grade not in GRADE_SCORE for grade in grades):
        return ""
    scores = [GRADE_SCORE[Grade(grade)] for grade in grades]
    if min(scores) == 1:
        return Grade.POOR.value
    mean = sum(scores) / len(scores)
    if mean >= 3.75:
        return Grade.EXCELLENT.value
    if mean >= 2.75:
        return Grade.GOOD.value
    return Grade.FAIR.value


class Deadline(models.Model):
    """When a stage of a budget year's filing is due: the units' submission, the
    departments' review, the finance review."""

    class Stage(models.TextChoices):
        SUBMIT = "submit", "单位提交"
        DEPARTMENT = "department", "主管部门审核"
        FINANCE = "finance", "财政审核"

    fiscal_year = models.PositiveSmallIntegerField("预算年度")
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices)
    due = models.DateField("截止日期")

    class Meta:
        verbose_name = "截止日期"
        verbose_name_plural = "截止日期"
        ordering = ["-fiscal_year", "due"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "stage"], name="deadline_one_per_year_and_stage"
            ),
            models.CheckConstraint(
                condition=models.Q(fiscal_year__gte=MIN_YEAR, fiscal_year__lte=MAX_YEAR),
                name="deadline_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.get_stage_display()} {self.due:%Y-%m-%d}"


class Season(models.Model):
    """The budget season under way: the year the lists, the queue and the dashboard open on
    (anyone may still pick another year). One row, edited in the Django admin beside the
    deadlines; with none, the calendar's next year (budgets are filed the year before)."""

    fiscal_year = models.PositiveSmallIntegerField(
        "当前预算年度", help_text="列表、待我审核和进度总览默认打开的预算年度。"
    )

    class Meta:
        verbose_name = "当前预算年度"
        verbose_name_plural = "当前预算年度"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year__gte=MIN_YEAR, fiscal_year__lte=MAX_YEAR),
                name="season_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} 年度"

    @classmethod
    def current(cls) -> int | None:
        """The season's year as set (one query), or ``None`` while nobody has set it."""
        year: int | None = cls.objects.order_by("pk").values_list("fiscal_year", flat=True).first()
        return year


class Assignment(models.Model):
    """Whose finance review a department's forms (or one form) are: the finance bureau divides
    the work among its reviewers. A form's own assignment wins over its department's. It
    divides the work, it does not fence it: any finance reviewer of the form may still act
    (the queue opens on 分配给我, 全部 one click away)."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="财政审核人",
        on_delete=models.CASCADE,
        related_name="review_assignments",
    )
    department = models.ForeignKey(
        Organization,
        verbose_name="主管部门",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_assignments",
    )
    form = models.ForeignKey(
        PerformanceForm,
        verbose_name="绩效目标表",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="分配人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_at = models.DateTimeField("分配时间", auto_now=True)

    class Meta:
        verbose_name = "审核分配"
        verbose_name_plural = "审核分配"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=True, form__isnull=False)
                | models.Q(department__isnull=False, form__isnull=True),
                name="assignment_of_a_department_or_a_form",
            ),
            models.UniqueConstraint(
                fields=["department"],
                condition=models.Q(department__isnull=False),
                name="assignment_one_per_department",
            ),
            models.UniqueConstraint(
                fields=["form"],
                condition=models.Q(form__isnull=False),
                name="assignment_one_per_form",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_id or self.form_id} → {self.reviewer_id}"


# How many times the worker tries to mail a notice before it gives up (and the admin's list of
# notices shows it as 发送失败).
MAIL_ATTEMPTS = 5


class Notification(models.Model):
    """Something a person should know about a form (it was submitted to them, returned,
    approved, commented on): shown in the app, and sent by email by the background worker."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    form = models.ForeignKey(
        PerformanceForm,
        verbose_name="绩效目标表",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # A notice about one of the form's reports (监控表 or 自评表): opened at the report.
    report = models.ForeignKey(
        "projects.Report",
        verbose_name="监控或自评表",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    text = models.CharField("内容", max_length=500)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    # The mail's tries that failed (the worker tries again later, up to MAIL_ATTEMPTS) and
    # the last failure, for an administrator to see in 系统管理 › 通知.
    mail_failures = models.PositiveSmallIntegerField("邮件发送失败次数", default=0)
    mail_error = models.CharField("邮件发送失败原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    def get_absolute_url(self) -> str:
        """Where the notice leads: its report's page, or its form's."""
        if self.report_id is not None:
            return reverse("cycle:report", args=[self.report_id])
        return self.form.get_absolute_url()

    @property
    def mail_given_up(self) -> bool:
        """Every try of its mail failed: it stays unmailed until an administrator looks."""
        return self.emailed_at is None and self.mail_failures >= MAIL_ATTEMPTS
