"""Indicator frameworks (指标体系), the indicators on a form and the indicator library."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from indicators.parsing import ParsedTarget


class Framework(models.Model):
    """A versioned set of first- and second-level indicator categories."""

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    version = models.CharField(_("版本"), max_length=20)
    description = models.TextField(_("说明"), blank=True)
    is_default = models.BooleanField(_("默认"), default=False)

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="framework_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"


class Category(models.Model):
    """一级指标 (level 1, no parent) or 二级指标 (level 2, parent is a level-1 category)."""

    framework = models.ForeignKey(
        Framework, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="categories"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("一级指标"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("级次"), choices=[(1, _("一级")), (2, _("二级"))])
    name = models.CharField(_("名称"), max_length=50, help_text=_("如“数量指标”"))
    short_name = models.CharField(
        _("简称"), max_length=50, help_text=_("如“数量”，深圳、广州表样使用")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_core = models.BooleanField(
        _("核心指标"), default=False, help_text=_("深圳表样以“*”标记的必填类别")
    )

    class Meta:
        verbose_name = _("指标类别")
        verbose_name_plural = _("指标类别")
        ordering = ["framework", "level", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "parent", "name"],
                condition=Q(parent__isnull=False),
                name="category_unique_name_in_parent",
            ),
            models.UniqueConstraint(
                fields=["framework", "name"],
                condition=Q(parent__isnull=True),
                name="category_unique_top_level_name",
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level=2, parent__isnull=False),
                name="category_level_matches_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent is not None and self.parent.framework_id != self.framework_id:
            raise ValidationError({"parent": _("上级类别必须属于同一指标体系。")})


class Indicator(models.Model):
    """三级指标 on one form."""

    form = models.ForeignKey(
        "projects.PerformanceForm",
        verbose_name=_("绩效目标表"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("指标类别"), on_delete=models.PROTECT, related_name="indicators"
    )
    name = models.CharField(_("三级指标"), max_length=300, blank=True)
    period_value = models.CharField(_("实施周期指标值"), max_length=500, blank=True)
    annual_value = models.CharField(_("当年度指标值"), max_length=500, blank=True)
    value = models.CharField(_("指标值"), max_length=500, blank=True)
    explanation = models.TextField(_("指标解释"), blank=True)
    is_core = models.BooleanField(_("核心指标"), default=False)
    not_applicable = models.BooleanField(_("不适用"), default=False)
    order = models.PositiveIntegerField(_("排序"), default=0)

    # The target value (当年度指标值, else 指标值) as parsed; kept in step by set_parsed().
    target_kind = models.CharField(_("指标值类型"), max_length=20, blank=True)
    target_comparator = models.CharField(_("比较符"), max_length=2, blank=True)
    target_number = models.DecimalField(
        _("数值"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    target_unit = models.CharField(_("计量单位"), max_length=30, blank=True)
    target_qualifier = models.CharField(_("限定"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("三级指标")
        verbose_name_plural = _("三级指标")
        # The order typed: the per-form grids group by category themselves, and the 广州
        # numbered text keeps the form's own order.
        ordering = ["form", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(not_applicable=True) | ~Q(name=""),
                name="indicator_named_unless_not_applicable",
            ),
        ]
        indexes = [models.Index(fields=["form", "order"], name="indicator_form_order_idx")]

    def __str__(self) -> str:
        return self.name or str(_("不适用"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_parsed()
        super().save(*args, **kwargs)

    @property
    def target_text(self) -> str:
        return self.annual_value or self.value

    @property
    def target(self) -> ParsedTarget:
        from indicators.parsing import parse_target

        return parse_target(self.target_text)

    @property
    def period_target(self) -> ParsedTarget:
        from indicators.parsing import parse_target

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
            raise ValidationError({"category": _("指标类别不属于本表所用的指标体系。")})


class LibraryEntry(models.Model):
    """指标库: an indicator name seen on forms, with its usual units and values."""

    category = models.ForeignKey(
        Category, verbose_name=_("指标类别"), on_delete=models.CASCADE, related_name="library"
    )
    name = models.CharField(_("三级指标"), max_length=300)
    units: models.JSONField[Any] = models.JSONField(_("常用单位"), default=list, blank=True)
    sample_values: models.JSONField[Any] = models.JSONField(
        _("常见指标值"), default=list, blank=True
    )
    usage_count = models.PositiveIntegerField(_("使用次数"), default=0)

    class Meta:
        verbose_name = _("指标库条目")
        verbose_name_plural = _("指标库")
        ordering = ["category", "-usage_count", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="library_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
