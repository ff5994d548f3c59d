"""Indicator frameworks (指标体系) and the indicator library (指标库). The indicators on a form
belong with the form (``projects.models.Indicator``)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from indicators.scoring import DEFAULT_WEIGHTS, WEIGHTS_WITH_COST


class Framework(models.Model):
    """A versioned set of first- and second-level indicator categories."""

    code = models.SlugField("代码", max_length=50, unique=True)
    name = models.CharField("名称", max_length=100)
    version = models.CharField("版本", max_length=20)
    description = models.TextField("说明", blank=True)
    is_default = models.BooleanField("默认", default=False)

    class Meta:
        verbose_name = "指标体系"
        verbose_name_plural = "指标体系"
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="framework_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"

    def score_weights(self) -> dict[str, Fraction]:
        """The points of each 一级 category in a self-evaluation (``indicators.scoring``):
        as set on the categories, else the central method's (产出 50, 效益 30, 满意度 10; where
        成本 is a 一级 category, 产出 40, 成本 10, 效益 30, 满意度 10)."""
        tops = list(self.categories.filter(level=1).order_by("order", "id"))
        if any(top.score_weight is not None for top in tops):
            return {top.name: Fraction(top.score_weight) for top in tops if top.score_weight}
        names = {top.name for top in tops}
        return dict(WEIGHTS_WITH_COST if "成本指标" in names else DEFAULT_WEIGHTS)


class Category(models.Model):
    """一级指标 (level 1, no parent) or 二级指标 (level 2, parent is a level-1 category)."""

    framework = models.ForeignKey(
        Framework, verbose_name="指标体系", on_delete=models.CASCADE, related_name="categories"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="一级指标",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField("级次", choices=[(1, "一级"), (2, "二级")])
    name = models.CharField("名称", max_length=50, help_text="如“数量指标”")
    short_name = models.CharField("简称", max_length=50, help_text="如“数量”，深圳、广州表样使用")
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_core = models.BooleanField(
        "核心指标", default=False, help_text="深圳表样以“*”标记的必填类别"
    )
    score_weight = models.DecimalField(
        "自评分值",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="一级指标在绩效自评中分得的分值（指标共 90 分，按各一级指标的分值分配）。",
    )

    class Meta:
        verbose_name = "指标类别"
        verbose_name_plural = "指标类别"
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
            raise ValidationError({"parent": "上级类别必须属于同一指标体系。"})
        if self.score_weight is not None and self.parent is not None:
            raise ValidationError({"score_weight": "只有一级指标有自评分值。"})


class LibraryEntry(models.Model):
    """指标库: an indicator name seen on forms, with its usual units and values."""

    category = models.ForeignKey(
        Category, verbose_name="指标类别", on_delete=models.CASCADE, related_name="library"
    )
    name = models.CharField("三级指标", max_length=300)
    units: models.JSONField[Any] = models.JSONField("常用单位", default=list, blank=True)
    sample_values: models.JSONField[Any] = models.JSONField("常见指标值", default=list, blank=True)
    usage_count = models.PositiveIntegerField("使用次数", default=0)

    class Meta:
        verbose_name = "指标库条目"
        verbose_name_plural = "指标库"
        ordering = ["category", "-usage_count", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="library_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
