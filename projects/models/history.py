"""What happened to a form: one event per change (with the content as it then stood) and the
reviewers' comments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from indicators.models import Framework
from projects.models.forms import Indicator, PerformanceForm

# The longest text a person writes about a form: a reviewer's comment, the unit's answer, the
# reason given with a workflow step (退回, 调整…). The services refuse longer text (nothing is
# cut off) and the pages' fields stop there.
COMMENT_LIMIT = 2000
# The longest quick pick (常用意见): one line.
OPINION_LIMIT = 100


class FormEvent(models.Model):
    """One change to a form: who (empty for a command or the system, which ``source`` names),
    what kind, the status before and after, the version it left and a snapshot of the content
    at that version (``projects.content`` JSON), so any two versions can be rebuilt and
    compared. Written only by the services, inside the transaction that made the change."""

    class Kind(models.TextChoices):
        IMPORT = "import", "导入"
        ROLL_OVER = "roll_over", "结转"
        CREATE = "create", "新建"
        EDIT = "edit", "修改"
        SUBMIT = "submit", "提交"
        WITHDRAW = "withdraw", "撤回"
        PASS_ON = "pass_on", "部门审核通过"
        RETURN = "return", "退回"
        APPROVE = "approve", "审核通过"
        ADJUST = "adjust", "申请调整"
        CANCEL_ADJUST = "cancel_adjust", "撤销调整"

    class Source(models.TextChoices):
        WEB = "web", "网页"
        ADMIN = "admin", "系统管理"
        COMMAND = "command", "命令行"
        SYSTEM = "system", "系统"

    form = models.ForeignKey(
        PerformanceForm,
        verbose_name="绩效目标表",
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField("操作", max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="form_events",
    )
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    from_status = models.CharField(
        "原状态", max_length=30, choices=PerformanceForm.Status.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=30, choices=PerformanceForm.Status.choices)
    version = models.PositiveIntegerField("版本")
    comment = models.TextField("说明", blank=True)
    # The editor page a save came from (one per page opened): a page's own earlier saves
    # (its background saves) are no conflict for it; anyone else's are.
    edit_session = models.CharField("编辑页面", max_length=64, blank=True)
    # When that page sent the save (its clock, in ms): a page's later save wins over its own
    # earlier one, whichever reaches the server first.
    edit_seq = models.BigIntegerField("编辑序号", null=True, blank=True)
    snapshot: models.JSONField[Any] = models.JSONField("内容快照", default=dict)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        # by the form's id: the form's own order joined its project and organisations
        ordering = ["form_id", "created_at", "id"]
        indexes = [models.Index(fields=["form", "version"], name="event_form_version_idx")]

    def __str__(self) -> str:
        return f"{self.form_id} v{self.version} {self.get_kind_display()}"

    @property
    def actor_label(self) -> str:
        """The person, or where a change without one came from (命令行, 系统…)."""
        if self.actor_id is not None:
            user = self.actor
            assert user is not None
            return user.get_full_name() or user.get_username()
        return str(self.get_source_display())


class FormArrival(models.Model):
    """When a form reached the status it is in: the time of its last event into that status
    (``arrived_at``), None for a form with no such event (``in_status_since`` then reads the
    form's last change). One row a form, kept by database triggers on the forms and their
    events (migration 0020) in the same transaction as every write, whatever wrote it (a
    step, an edit, an import, ``generate_city``'s COPY, a test moving an event's time); never
    written by the code. The queues, their places and the reviewers' loads sort and average
    it as a column, where each form's events were searched for its last arrival."""

    form = models.OneToOneField(
        PerformanceForm,
        verbose_name="绩效目标表",
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the form's trigger deletes the row with the form
        db_constraint=False,
        related_name="arrival",
    )
    arrived_at = models.DateTimeField("进入当前状态的时间", null=True)

    class Meta:
        verbose_name = "进入当前状态的时间"
        verbose_name_plural = "进入当前状态的时间"

    def __str__(self) -> str:
        return f"{self.form_id}: {self.arrived_at}"


class Comment(models.Model):
    """A reviewer's remark on the whole form, one of its fields or one indicator. It stays on
    its indicator across versions (the row keeps its identity) until a reviewer resolves it;
    the unit answers it."""

    # The quick picks the product shipped with, by the key older comments stored: now the
    # seeded opinion templates of every framework (``OpinionTemplate.key``).
    class QuickPick(models.TextChoices):
        INCOMPLETE = "incomplete", "指标不够完整"
        NOT_QUANTIFIED = "not_quantified", "指标不够细化量化"
        NOT_RELEVANT = "not_relevant", "指标与项目相关性不够"
        VALUE_MISMATCH = "value_mismatch", "指标与指标值不匹配"
        SPLIT = "split", "建议拆分指标"
        WRONG_CATEGORY = "wrong_category", "一级/二级指标类型错误"
        ADD_INDICATORS = "add_indicators", "建议增加产出/效益/满意度指标"
        VALUE_LOW = "value_low", "指标值偏低"

    form = models.ForeignKey(
        PerformanceForm,
        verbose_name="绩效目标表",
        on_delete=models.CASCADE,
        related_name="comments",
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name="指标",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    field = models.CharField("字段", max_length=50, blank=True)  # a content key
    # The text of the opinion template picked, as it read then (editing the template later
    # changes no comment made with it).
    quick_pick = models.CharField("常用意见", max_length=OPINION_LIMIT, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="作者", on_delete=models.PROTECT
    )
    text = models.TextField("内容", blank=True)
    version = models.PositiveIntegerField("针对的版本", default=1)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    answer = models.TextField("单位答复", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="标为解决的人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(text="") | ~models.Q(quick_pick=""),
                name="comment_says_something",
            ),
        ]

    def __str__(self) -> str:
        return (self.text or self.quick_pick)[:40]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def said(self) -> str:
        """The quick pick and the text, as one line."""
        return "：".join(part for part in (self.quick_pick, self.text) if part)


class OpinionTemplate(models.Model):
    """A quick pick of review opinions (常用意见): a framework's, edited by administrators in
    the Django admin (text, order, on/off), or a reviewer's own (``owner``), offered to them
    on every form. The shipped ones keep the key older comments stored (``key``)."""

    framework = models.ForeignKey(
        Framework,
        verbose_name="指标体系",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="opinion_templates",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="opinion_templates",
        help_text="留空为指标体系的常用意见；填写则为该审核人自己的常用意见。",
    )
    text = models.CharField("意见", max_length=OPINION_LIMIT)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)
    key = models.CharField("原代码", max_length=30, blank=True, editable=False)

    class Meta:
        verbose_name = "常用意见"
        verbose_name_plural = "常用意见"
        ordering = ["framework", "owner", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(framework__isnull=True, owner__isnull=False)
                | models.Q(framework__isnull=False, owner__isnull=True),
                name="opinion_of_a_framework_or_a_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return self.text
