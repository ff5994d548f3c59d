"""Suggestions while filling: a second-level category for an indicator filed under its first level
only (every 广州 form), read from its name and parsed value, for the filer to confirm; and the
indicator library's entries for a category, most used first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from indicators.models import LibraryEntry
from indicators.parsing import TargetKind, parse_target
from projects.content import IndicatorContent

TIME_UNITS = frozenset({"小时", "分钟", "天", "日", "个工作日", "工作日", "周", "月", "个月", "年"})
MONEY_UNITS = frozenset({"元", "万元", "亿元"})
LIBRARY_PER_CATEGORY = 30


def suggest_level2(item: IndicatorContent, children: list[str]) -> str | None:
    """The second-level category (one of ``children``, the names under the item's first-level
    category) that the name and the value point to, or None when nothing does."""
    target = parse_target(item.target)
    name = item.name

    def first(*prefixes: str) -> str | None:
        return next((c for c in children for p in prefixes if c.startswith(p)), None)

    if "满意" in name:
        found = first("服务对象满意度")
        if found:
            return found
    if target.kind is TargetKind.DEADLINE or target.unit in TIME_UNITS or "时" in name:
        found = first("时效")
        if found:
            return found
    if target.unit in MONEY_UNITS or any(word in name for word in ("成本", "费用", "经费", "资金")):
        found = first("成本", "经济成本")
        if found:
            return found
    if target.unit == "%":
        found = first("质量")
        if found:
            return found
    if target.kind is TargetKind.QUANTITATIVE and target.unit:
        found = first("数量")
        if found:
            return found
    return first("社会效益", "服务对象满意度") or (children[0] if children else None)


@dataclass(frozen=True)
class LibraryHint:
    name: str
    values: str  # the usual values, e.g. "≥90%、≥95%"
    usage: int


def library_for(framework_id: int) -> dict[int, list[LibraryHint]]:
    """The library's entries of each category of the framework, most used first (one query)."""
    found: dict[int, list[LibraryHint]] = defaultdict(list)
    rank = Window(
        RowNumber(),
        partition_by=[F("category_id")],
        order_by=[F("usage_count").desc(), F("name").asc()],
    )
    entries = (
        LibraryEntry.objects.filter(category__framework_id=framework_id)
        .annotate(rank=rank)
        .filter(rank__lte=LIBRARY_PER_CATEGORY)
        .order_by("category_id", "-usage_count", "name")
    )
    rows = entries.values_list("category_id", "name", "sample_values", "usage_count")
    for category_id, name, samples, usage in rows:
        values = "、".join(str(v) for v in samples[:3])
        found[category_id].append(LibraryHint(name, values, usage))
    return found
