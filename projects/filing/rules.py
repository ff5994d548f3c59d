"""The checks themselves, in the order the checklist shows them (registered by ``@check``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

from indicators.parsing import Comparator, TargetKind, parse_target
from indicators.scoring import compare_to_target
from projects.content.findings import Finding, Property
from projects.filing.checks import (
    YEAR_IN_TEXT,
    Check,
    CheckContext,
    amount_in_yuan,
    check,
    is_category,
    yuan_text,
)
from projects.layouts import LAYOUTS
from projects.models import Severity

# The fields each layout asks for, among those it prints.
REQUIRED_FIELDS = (
    "project.name",
    "project.type",
    "project.start_year",
    "project.end_year",
    "amounts.annual",
    "goals.period",
    "goals.annual",
    "details.content",
)
BENEFIT = "效益"  # at least one 效益 category; every other core category on its own
SATISFACTION_FLOOR = Decimal(80)
STRONGER_IS_HIGHER = (Comparator.GE, Comparator.GT, Comparator.EQ)
STRONGER_IS_LOWER = (Comparator.LE, Comparator.LT)


@check("required-field", "必填项未填", Severity.ERROR, Property.COMPLETENESS)
def required_field(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    content = ctx.content
    carried = LAYOUTS[content.layout].carries
    for key in REQUIRED_FIELDS:
        if key not in carried:
            continue
        value = content.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            yield this.on_field(key, "这一项必须填写。", "请填写后再提交。")


@check("years-order", "年度顺序不对", Severity.ERROR, Property.FEASIBILITY)
def years_order(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    project = ctx.content.project
    start, end, year = project.start_year, project.end_year, ctx.content.fiscal_year
    if start and end and start > end:
        yield this.on_field(
            "project.end_year",
            f"到期年度 {end} 早于起始年度 {start}。",
            "请核对实施周期的起止年度。",
        )
        return
    if year and start and year < start:
        yield this.on_field(
            "project.start_year",
            f"预算年度 {year} 在实施周期（{start} 起）之前。",
            "请核对起始年度，或确认这张表的预算年度。",
        )
    if year and end and year > end:
        yield this.on_field(
            "project.end_year",
            f"预算年度 {year} 在实施周期（到 {end} 年）之后。",
            "项目已到期：请延长实施周期，或不再为它填报。",
        )


@check("funding-sum", "资金来源合计与总额不符", Severity.ERROR, Property.FEASIBILITY)
def funding_sum(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    amounts = ctx.content.amounts
    parts = [amounts[key] for key in ("fiscal", "special", "other") if key in amounts]
    total = amounts.get("annual")
    if not parts or total is None:
        return
    added = sum(parts, Decimal(0))
    if added != total:
        yield this.on_field(
            "amounts.annual",
            f"财政拨款、财政专户拨款和其他资金合计 {yuan_text(added)} 元，与总额 {yuan_text(total)} 元不一致。",
            "请核对各项资金来源或总额。",
        )


@check("category-missing", "缺少必填的指标类别", Severity.ERROR, Property.COMPLETENESS)
def category_missing(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    present = {item.category for item in ctx.content.indicators if item.name or item.not_applicable}
    # indicators filed under a first-level category only (every 广州 form) leave its
    # second-level categories undetermined: they are not reported missing
    unsorted = {level1 for level1, level2 in present if not level2}
    benefit = [c for c in ctx.categories if c.level1.startswith(BENEFIT)]
    covered = any((c.level1, c.level2) in present or c.level1 in unsorted for c in benefit)
    if benefit and not covered:
        yield this.on_category(
            (benefit[0].level1, ""),
            "没有任何效益指标。",
            "请至少填写一项经济、社会、生态效益或可持续影响指标。",
        )
    for category in ctx.categories:
        key = (category.level1, category.level2)
        if (
            category.is_core
            and not category.level1.startswith(BENEFIT)
            and key not in present
            and category.level1 not in unsorted
        ):
            yield this.on_category(
                key,
                f"“{category.level2 or category.level1}”没有指标，也没有标为不适用。",
                "请填写至少一项指标；确实不适用的，请标为不适用并说明理由。",
            )


@check("value-empty", "指标值未填", Severity.ERROR, Property.COMPLETENESS)
def value_empty(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    for index, item in enumerate(ctx.content.indicators):
        if item.name and not item.not_applicable and not item.target.strip():
            yield this.on_indicator(index, item, "指标值没有填写。", "请填写目标值。")


@check("value-qualitative", "数量或成本指标用了定性值", Severity.WARNING, Property.APPROPRIATENESS)
def value_qualitative(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    for index, item, target in ctx.targets():
        if target.kind is TargetKind.QUALITATIVE and is_category(item, "数量", "成本"):
            yield this.on_indicator(
                index,
                item,
                f"“{item.target}”不是一个数量。",
                "数量和成本指标请写成可衡量的数值，如“≥6次”“≤69.9万元”。",
            )


@check("value-no-unit", "指标值没有计量单位", Severity.WARNING, Property.APPROPRIATENESS)
def value_no_unit(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    for index, item, target in ctx.targets():
        if target.kind is TargetKind.QUANTITATIVE and target.number is not None and not target.unit:
            yield this.on_indicator(
                index, item, f"“{item.target}”没有计量单位。", "请写明单位，如“个”“%”“万元”。"
            )


@check("cost-over-budget", "成本指标超过预算", Severity.WARNING, Property.FEASIBILITY)
def cost_over_budget(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    budget = ctx.content.amounts.get("annual")
    if budget is None:
        return
    for index, item, target in ctx.targets():
        cost = amount_in_yuan(target)
        if cost is None or not is_category(item, "成本", "经济成本"):
            continue
        if target.comparator in (Comparator.LE, Comparator.LT, Comparator.EQ) and cost > budget:
            yield this.on_indicator(
                index,
                item,
                f"成本 {yuan_text(cost)} 元超过本年度预算 {yuan_text(budget)} 元。",
                "请核对成本指标的数值和单位（元或万元）。",
            )


@check("annual-over-period", "年度指标值大于实施周期指标值", Severity.WARNING, Property.FEASIBILITY)
def annual_over_period(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    for index, item, annual in ctx.targets():
        if not item.period_value or not item.annual_value or not is_category(item, "数量"):
            continue
        period = parse_target(item.period_value)
        if (
            period.number is None
            or annual.number is None
            or period.unit != annual.unit
            or period.qualifier
            or annual.qualifier
        ):
            continue
        if annual.number > period.number:
            yield this.on_indicator(
                index,
                item,
                f"当年度 {item.annual_value} 多于整个实施周期的 {item.period_value}。",
                "一年的数量不应超过整个周期：请核对两个指标值。",
            )


@check("unit-wan-yuan", "标为万元的金额实为元", Severity.WARNING, Property.APPROPRIATENESS)
def unit_wan_yuan(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    content = ctx.content
    if content.amount_unit_label != "万元" or not LAYOUTS[content.layout].prints_sheet_unit:
        return
    for key in ("amounts.annual", "amounts.total"):
        if content.get(key) is not None:
            yield this.on_field(
                key,
                "原表标注单位为万元，但金额显然是以元填写的（系统按元保存）。",
                "请确认金额单位：本系统一律以元保存并显示。",
            )
            return


@check("indicator-duplicate", "指标重复", Severity.WARNING, Property.APPROPRIATENESS)
def indicator_duplicate(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for index, item, _target in ctx.targets():
        name = item.name.strip()
        if name in seen:
            yield this.on_indicator(
                index,
                item,
                f"与第 {seen[name] + 1} 个指标同名。",
                "请合并重复的指标，或改名以区分。",
            )
        else:
            seen[name] = index


@check("satisfaction-low", "满意度目标偏低", Severity.WARNING, Property.APPROPRIATENESS)
def satisfaction_low(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    for index, item, target in ctx.targets():
        if not is_category(item, "满意度", "服务对象满意度") or target.unit != "%":
            continue
        if target.comparator not in STRONGER_IS_HIGHER:  # 投诉率≤3% is no satisfaction
            continue
        if target.number is not None and target.number < SATISFACTION_FLOOR:
            yield this.on_indicator(
                index,
                item,
                f"满意度目标 {item.target} 低于 80%。",
                "满意度目标一般不低于 80%，请核对。",
            )


@check("target-below-last-year", "目标低于上年", Severity.WARNING, Property.APPROPRIATENESS)
def target_below_last_year(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    if ctx.last_year is None:
        return
    for index, item, target in ctx.targets():
        before = ctx.last_of(item)
        if before is None or target.number is None:
            continue
        old = parse_target(before.target)
        if old.number is None or old.unit != target.unit or old.comparator != target.comparator:
            continue
        weaker = (target.comparator in STRONGER_IS_HIGHER and target.number < old.number) or (
            target.comparator in STRONGER_IS_LOWER and target.number > old.number
        )
        if weaker:
            yield this.on_indicator(
                index,
                item,
                f"目标 {item.target} 比上年的 {before.target} 低。",
                "绩效目标一般不应低于上年；确需降低的，请在指标解释中说明理由。",
            )


@check(
    "target-below-last-actual", "目标低于上年实际完成", Severity.WARNING, Property.APPROPRIATENESS
)
def target_below_last_actual(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    """A target weaker than what its indicator achieved last year: a higher-is-better target
    below last year's actual, a lower-is-better one above it, compared in one unit (万元
    against 元). A partial year's actual (1—N月) is a floor for the year, not a ceiling: it is
    held against higher-is-better targets only. Qualitative values and units that do not
    reconcile say nothing."""
    for index, item, target in ctx.targets():
        actual = ctx.last_actual(item)
        if actual is None or target.comparator is None:
            continue
        lower_is_better = target.comparator in STRONGER_IS_LOWER
        if lower_is_better and not actual.full_year:
            continue
        done = parse_target(actual.value)
        if done.number is None or done.is_compound or done.kind is not TargetKind.QUANTITATIVE:
            continue
        if done.unit and not target.unit:  # ``≥0.95`` against ``98%``: no telling
            continue
        # last year's actual as the bar, with this year's comparator; the new target is
        # measured against it (an actual typed without a unit is in the target's)
        bar = replace(done, comparator=target.comparator, unit=done.unit or target.unit)
        reached = compare_to_target(bar, target)
        if reached is None or reached >= 1:
            continue
        said = "低于" if not lower_is_better else "高于"
        yield this.on_indicator(
            index,
            item,
            f"目标 {item.target} {said}{actual.wording}。",
            "上年已经做到的，今年的目标一般不应更弱；确需如此的，请在指标解释中说明理由。",
        )


@check("goal-stale-year", "年度目标写的是往年", Severity.WARNING, Property.RELEVANCE)
def goal_stale_year(ctx: CheckContext, this: Check) -> Iterator[Finding]:
    year = ctx.content.fiscal_year
    # a year in the project's own name (“2021年电子政务外网设备购置项目”) is not stale
    text = ctx.content.goals.get("annual", "").replace(ctx.content.project.name, "")
    stale = sorted({int(y) for y in YEAR_IN_TEXT.findall(text) if year and int(y) < year})
    if stale:
        yield this.on_field(
            "goals.annual",
            f"年度目标提到 {'、'.join(map(str, stale))} 年，而这是 {year} 年度的表。",
            "结转的表请把年度目标改写为本年度的目标。",
        )
