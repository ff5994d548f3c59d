r"""Scoring a project's year-end self-evaluation (绩效自评) against its approved targets.

Pure functions over numbers and texts: the funds, and per indicator its target (as approved),
its actual value (or, for a qualitative target, whether it was reached) and the reason given
for a shortfall. Nothing is typed by a person but those; every score is computed here.

Rules, in order:

1. **Budget execution**: 10 points × min(B ÷ A, 1), where A is the 全年预算数 and B the
   全年执行数. A = 0 (or A missing) is an error, and the form has no budget score.
2. **Weights**: the indicators share 90 points by their 一级 category, as the framework sets
   them (``weights``: 产出 50, 效益 30, 满意度 10; where 成本 is a 一级 category of its own,
   产出 40, 成本 10, 效益 30, 满意度 10). Within a category its points are split evenly among
   its applicable indicators (a 不适用 row does not count). A category with no applicable
   indicator gives its points to the others in proportion to theirs, so the indicators always
   share 90. An indicator under a 一级 the weights do not name is an error.
3. **An indicator's score**, from its target as :func:`indicators.parsing.parse_target` reads
   it and the actual value read the same way:

   * higher is better (``≥``, ``>``, ``不少于``, ``不低于``, ``达到``, ``大于``, or a bare number
     such as ``120个``, read as ``=``): weight × min(actual ÷ target, 1); a target of 0 scores
     the full weight;
   * lower is better (``≤``, ``<``, ``不超过``, ``不高于``, ``低于``, ``以内``): the full weight
     when actual ≤ target, else weight × target ÷ actual;
   * qualitative (what the parser reads without one number to compare: descriptions,
     deadlines such as ``2023年12月31日前``, several targets in one value): 达成 1, 部分达成
     0.5, 未达成 0, times the weight;
   * a qualifier (``年均``, ``累计``) does not change the comparison. Actual and target are
     compared in one unit: a multiplier (万, 亿, 千 …) is applied (``50万元`` against
     ``1,000,000元``), ``%`` and ``‰`` convert, a classifier with a noun matches the classifier
     alone (``153个系统`` against ``150个``), and an actual typed without a unit takes the
     target's. Units that cannot be reconciled (``小时`` against ``天``, ``元`` against ``%``) are
     an error on that indicator, not a guess; so is a missing actual value or a missing
     judgement of a qualitative target.
4. **Total** = budget score + indicator scores, computed exactly (fractions, not floats) and
   rounded once, half up, to two decimals; the **grade** is read from the rounded total: 优 from
   90, 良 from 80, 中 from 60, 差 below. A form with an error in rule 1 or 3 has no total and no
   grade (the scores that could be computed are still given).
5. **Checks**: an indicator below its full score without a 偏差原因 is an error
   (``reason-missing``); a warning (``results-outrun-spending``) when the indicators'
   achievement (their points ÷ 90) is more than 1.05 × the execution rate B ÷ A (uncapped):
   results running ahead of spending; a warning (``execution-low``) when B ÷ A < 80 %.

Scores and weights are given as :class:`~fractions.Fraction`; :func:`two_decimals` rounds one
for display (half up), as the total is rounded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from indicators.parsing import Comparator, ParsedTarget, TargetKind, parse_target

__all__ = [
    "ACHIEVED",
    "DEFAULT_WEIGHTS",
    "WEIGHTS_WITH_COST",
    "EvaluatedIndicator",
    "Funds",
    "IndicatorScore",
    "ScoreProblem",
    "Scoring",
    "compare_to_target",
    "grade_of",
    "is_judged",
    "score_self_evaluation",
    "two_decimals",
]

BUDGET_POINTS = Fraction(10)
INDICATOR_POINTS = Fraction(90)
# What a qualitative target's judgement is worth.
ACHIEVED: dict[str, Fraction] = {
    "达成": Fraction(1),
    "部分达成": Fraction(1, 2),
    "未达成": Fraction(0),
}
DEFAULT_WEIGHTS: dict[str, Fraction] = {
    "产出指标": Fraction(50),
    "效益指标": Fraction(30),
    "满意度指标": Fraction(10),
}
WEIGHTS_WITH_COST: dict[str, Fraction] = {
    "产出指标": Fraction(40),
    "成本指标": Fraction(10),
    "效益指标": Fraction(30),
    "满意度指标": Fraction(10),
}
GRADES: tuple[tuple[Fraction, str], ...] = (
    (Fraction(90), "优"),
    (Fraction(80), "良"),
    (Fraction(60), "中"),
)
OUTRUN = Fraction(105, 100)
LOW_EXECUTION = Fraction(80, 100)

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Funds:
    """全年预算数 (A) and 全年执行数 (B), in one unit."""

    annual_budget: Decimal | None
    executed: Decimal | None


@dataclass(frozen=True)
class EvaluatedIndicator:
    level1: str
    level2: str
    name: str
    target: str  # the approved 年度指标值, as typed
    actual: str = ""  # 实际完成值, as typed
    achieved: str | None = None  # 达成 / 部分达成 / 未达成, for a qualitative target
    reason: str = ""  # 偏差原因分析及改进措施
    not_applicable: bool = False


@dataclass(frozen=True)
class ScoreProblem:
    check: str
    severity: Severity
    where: str  # the indicator's name, or 资金 / 总分
    message: str


@dataclass(frozen=True)
class IndicatorScore:
    name: str
    weight: Fraction  # 0 for a 不适用 row
    score: Fraction | None  # None when it cannot be computed (an error says why)


@dataclass
class Scoring:
    budget_score: Fraction | None
    indicators: list[IndicatorScore]
    total: Decimal | None  # rounded once, half up, to two decimals
    grade: str  # 优 / 良 / 中 / 差, "" without a total
    problems: list[ScoreProblem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == "error" for problem in self.problems)


def two_decimals(value: Fraction | Decimal) -> Decimal:
    """Rounded half up (away from zero) to two decimals: for display, and the total."""
    fraction = Fraction(value)
    cents = math.floor(abs(fraction) * 100 + Fraction(1, 2))
    return (Decimal(-cents if fraction < 0 else cents) / 100).quantize(Decimal("0.01"))


def grade_of(total: Decimal) -> str:
    """优 from 90, 良 from 80, 中 from 60, 差 below, read from the rounded total."""
    for floor, grade in GRADES:
        if total >= floor:
            return grade
    return "差"


def score_self_evaluation(
    funds: Funds,
    indicators: Sequence[EvaluatedIndicator],
    weights: Mapping[str, Fraction] = DEFAULT_WEIGHTS,
) -> Scoring:
    """The self-evaluation's scores, total, grade and problems (the module's rules)."""
    problems: list[ScoreProblem] = []
    budget, rate = _budget(funds, problems)
    shares = _weights(indicators, weights, problems)
    scores: list[IndicatorScore] = []
    for item, weight in zip(indicators, shares, strict=True):
        if item.not_applicable:
            scores.append(IndicatorScore(item.name, Fraction(0), None))
            continue
        score = None if weight is None else _indicator_score(item, weight, problems)
        scores.append(IndicatorScore(item.name, weight or Fraction(0), score))
        if score is not None and weight is not None and score < weight and not item.reason.strip():
            problems.append(
                ScoreProblem(
                    "reason-missing",
                    "error",
                    item.name,
                    "得分低于分值，请填写偏差原因分析及改进措施。",
                )
            )
    applicable = [s for s, i in zip(scores, indicators, strict=True) if not i.not_applicable]
    computed = all(s.score is not None for s in applicable)
    if rate is not None and computed and applicable:
        achievement = sum((s.score or Fraction(0) for s in applicable), Fraction(0))
        if achievement / INDICATOR_POINTS > OUTRUN * rate:
            problems.append(
                ScoreProblem(
                    "results-outrun-spending",
                    "warning",
                    "总分",
                    f"指标完成程度（{two_decimals(achievement / INDICATOR_POINTS * 100)}%）"
                    f"明显高于预算执行率（{two_decimals(rate * 100)}%），请核实实际完成值。",
                )
            )
    total: Decimal | None = None
    grade = ""
    errors = [p for p in problems if p.severity == "error" and p.check != "reason-missing"]
    if budget is not None and computed and not errors:
        exact = budget + sum((s.score or Fraction(0) for s in applicable), Fraction(0))
        total = two_decimals(exact)
        grade = grade_of(total)
    return Scoring(budget, scores, total, grade, problems)


# --------------------------------------------------------------------------- the budget


def _budget(funds: Funds, problems: list[ScoreProblem]) -> tuple[Fraction | None, Fraction | None]:
    """The budget score and the execution rate B ÷ A (uncapped)."""
    budget, executed = funds.annual_budget, funds.executed
    if budget is None or budget <= 0:
        problems.append(
            ScoreProblem("budget-zero", "error", "资金", "全年预算数为零或未填写，无法计算执行率。")
        )
        return None, None
    if executed is None or executed < 0:
        problems.append(ScoreProblem("executed-missing", "error", "资金", "请填写全年执行数。"))
        return None, None
    rate = Fraction(executed) / Fraction(budget)
    if rate < LOW_EXECUTION:
        problems.append(
            ScoreProblem(
                "execution-low",
                "warning",
                "资金",
                f"预算执行率 {two_decimals(rate * 100)}%，低于 80%。",
            )
        )
    return BUDGET_POINTS * min(rate, Fraction(1)), rate


# --------------------------------------------------------------------------- the weights


def _category(level1: str, weights: Mapping[str, Fraction]) -> str | None:
    """The weights' 一级 name the indicator's 一级 is (full or short: 产出 = 产出指标)."""
    text = re.sub(r"\s+", "", level1)
    for name in weights:
        if text in (name, name.removesuffix("指标")):
            return name
    return None


def _weights(
    indicators: Sequence[EvaluatedIndicator],
    weights: Mapping[str, Fraction],
    problems: list[ScoreProblem],
) -> list[Fraction | None]:
    """Each indicator's share of the 90 points (None where its 一级 has no weight)."""
    categories = [_category(item.level1, weights) for item in indicators]
    counts: dict[str, int] = {}
    for item, category in zip(indicators, categories, strict=True):
        if item.not_applicable:
            continue
        if category is None:
            problems.append(
                ScoreProblem(
                    "category-unknown",
                    "error",
                    item.name,
                    f"一级指标“{item.level1}”不在评分权重中（{'、'.join(weights)}）。",
                )
            )
            continue
        counts[category] = counts.get(category, 0) + 1
    used = {name: Fraction(weights[name]) for name in counts}
    scale = INDICATOR_POINTS / sum(used.values()) if used else Fraction(0)
    shares: list[Fraction | None] = []
    for item, category in zip(indicators, categories, strict=True):
        if item.not_applicable or category is None:
            shares.append(None if category is None and not item.not_applicable else Fraction(0))
            continue
        shares.append(used[category] * scale / counts[category])
    return shares


# --------------------------------------------------------------------------- an indicator

_MULTIPLIERS: dict[str, Fraction] = {
    "万亿": Fraction(10) ** 12,
    "千万": Fraction(10) ** 7,
    "百万": Fraction(10) ** 6,
    "十万": Fraction(10) ** 5,
    "亿": Fraction(10) ** 8,
    "万": Fraction(10) ** 4,
    "千": Fraction(10) ** 3,
    "百": Fraction(10) ** 2,
}
_PER_CENT = {"%": Fraction(1), "‰": Fraction(1, 10)}
# classifiers a noun may follow (``个系统``): the noun does not change what is counted
_CLASSIFIERS = frozenset("个次台套人条家笔件份项处所场座辆本张户名")
_HIGHER = frozenset({Comparator.GE, Comparator.GT, Comparator.EQ})


def _in_base_unit(number: Decimal, unit: str) -> tuple[Fraction, str]:
    """The number in the unit without its multiplier (``50``, ``万元`` → 500000, ``元``)."""
    value = Fraction(number)
    if unit in _PER_CENT:
        return value * _PER_CENT[unit], "%"
    for prefix, factor in _MULTIPLIERS.items():
        if unit.startswith(prefix) and len(unit) > len(prefix) and unit != "百分点":
            rest = unit[len(prefix) :]
            if not rest.startswith("分"):  # 百分点, 千分比: not multipliers
                return value * factor, rest
    if unit in _MULTIPLIERS:  # a bare multiplier (``5亿``)
        return value * _MULTIPLIERS[unit], ""
    return value, unit


def _same_unit(target: str, actual: str) -> bool:
    if target == actual:
        return True
    # a classifier with its noun against the classifier alone (个系统 / 个)
    return bool(target and actual) and target[0] == actual[0] and target[0] in _CLASSIFIERS


def _indicator_score(
    item: EvaluatedIndicator, weight: Fraction, problems: list[ScoreProblem]
) -> Fraction | None:
    target = parse_target(item.target)
    if _judged(target):
        return _qualitative_score(item, weight, problems)
    assert target.number is not None and target.comparator is not None
    actual = parse_target(item.actual)
    if actual.kind is TargetKind.EMPTY:
        problems.append(ScoreProblem("actual-missing", "error", item.name, "请填写实际完成值。"))
        return None
    if not actual.is_quantitative or actual.number is None or actual.is_compound:
        problems.append(
            ScoreProblem(
                "actual-unreadable",
                "error",
                item.name,
                f"实际完成值“{item.actual}”不是一个数，无法与指标值“{item.target}”比较。",
            )
        )
        return None
    reached = compare_to_target(target, actual)
    if reached is None:
        problems.append(
            ScoreProblem(
                "unit-mismatch",
                "error",
                item.name,
                f"实际完成值的单位“{actual.unit or '无'}”与指标值的单位“{target.unit or '无'}”"
                "无法换算，请用指标值的单位填写。",
            )
        )
        return None
    return weight * reached


def _judged(target: ParsedTarget) -> bool:
    return target.kind is not TargetKind.QUANTITATIVE or target.is_compound


def is_judged(target: str) -> bool:
    """Whether a target is qualitative (rule 3): judged 达成 / 部分达成 / 未达成, not compared
    with an actual value."""
    return _judged(parse_target(target))


def compare_to_target(target: ParsedTarget, actual: ParsedTarget) -> Fraction | None:
    """The share of a quantitative target an actual (or projected) value reaches, 0 to 1, by
    the rules above; None when either is no one number or their units do not reconcile."""
    if target.number is None or target.comparator is None or target.is_compound:
        return None
    if not actual.is_quantitative or actual.number is None or actual.is_compound:
        return None
    goal, goal_unit = _in_base_unit(target.number, target.unit)
    # an actual without a unit is in the target's
    done, done_unit = _in_base_unit(actual.number, actual.unit or target.unit)
    if not _same_unit(goal_unit, done_unit):
        return None
    if target.comparator in _HIGHER:
        if goal <= 0:
            return Fraction(1)
        return min(done / goal, Fraction(1)) if done > 0 else Fraction(0)
    if done <= goal:
        return Fraction(1)
    return goal / done


def _qualitative_score(
    item: EvaluatedIndicator, weight: Fraction, problems: list[ScoreProblem]
) -> Fraction | None:
    judged = (item.achieved or "").strip()
    if judged not in ACHIEVED:
        problems.append(
            ScoreProblem(
                "achieved-missing",
                "error",
                item.name,
                "这是定性指标：请选择 达成、部分达成 或 未达成。",
            )
        )
        return None
    return weight * ACHIEVED[judged]
