r"""The warnings of a mid-year monitoring report (绩效运行监控), as pure functions.

A unit reports, for the months 1 to N of the year (N is the round's cut-off month, usually 7):
the 全年预算数 and the 1–N月执行数, and per indicator the 1–N月实际完成值, the 全年预计完成值,
the 完成目标可能性 (确定能 / 有可能 / 完全不可能), the 偏差原因 (经费保障 / 制度保障 / 人员保障 /
硬件条件保障 / 其他, with text) and the 纠偏措施.

* **Budget progress** = 执行率 ÷ (N ÷ 12), where 执行率 = 执行数 ÷ 全年预算数: red below 60 %,
  yellow from 60 % to below 80 %, green from 80 % (spending in step with the months elapsed). A
  budget of 0 (or none) has no progress: an error.
* **An indicator** needs a 偏差原因 and a 纠偏措施 (an error until both are given) when its
  全年预计完成值 falls short of its target (read and compared as
  :mod:`indicators.scoring` compares an actual value: higher or lower is better by the
  target's comparator, units reconciled) or when its 完成目标可能性 is not 确定能. A
  qualitative target is judged by the 完成目标可能性 alone. A projection whose unit cannot be
  reconciled with the target's is an error, as in the self-evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from indicators.parsing import TargetKind, parse_target
from indicators.scoring import compare_to_target

__all__ = [
    "LIKELIHOODS",
    "REASONS",
    "BudgetProgress",
    "MonitoredIndicator",
    "MonitoringProblem",
    "budget_progress",
    "check_indicators",
]

LIKELIHOODS = ("确定能", "有可能", "完全不可能")
REASONS = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
RED_BELOW = Fraction(60, 100)
GREEN_FROM = Fraction(80, 100)

Light = Literal["red", "yellow", "green"]


@dataclass(frozen=True)
class BudgetProgress:
    rate: Fraction  # 执行数 ÷ 全年预算数
    progress: Fraction  # rate ÷ (N ÷ 12)
    light: Light

    @property
    def label(self) -> str:
        return {"red": "红色预警", "yellow": "黄色预警", "green": "正常"}[self.light]


@dataclass(frozen=True)
class MonitoredIndicator:
    name: str
    target: str  # the approved 年度指标值
    projected: str = ""  # 全年预计完成值
    likelihood: str = ""  # one of LIKELIHOODS
    reason_kind: str = ""  # one of REASONS
    reason: str = ""  # 偏差原因, in words
    measures: str = ""  # 纠偏措施
    not_applicable: bool = False


@dataclass(frozen=True)
class MonitoringProblem:
    check: str
    severity: Literal["error", "warning"]
    where: str
    message: str


def budget_progress(
    annual_budget: Decimal | None, executed: Decimal | None, months: int
) -> BudgetProgress | None:
    """The budget's progress after ``months`` months (None without a budget to divide by)."""
    if not annual_budget or annual_budget <= 0 or executed is None or not 1 <= months <= 12:
        return None
    rate = Fraction(executed) / Fraction(annual_budget)
    progress = rate / Fraction(months, 12)
    light: Light = "red" if progress < RED_BELOW else "yellow" if progress < GREEN_FROM else "green"
    return BudgetProgress(rate, progress, light)


def check_indicators(items: Sequence[MonitoredIndicator]) -> list[MonitoringProblem]:
    """What each indicator still needs (see the module's rules)."""
    problems: list[MonitoringProblem] = []
    for item in items:
        if item.not_applicable:
            continue
        if item.likelihood not in LIKELIHOODS:
            problems.append(
                MonitoringProblem(
                    "likelihood-missing",
                    "error",
                    item.name,
                    "请选择完成目标可能性（确定能、有可能或完全不可能）。",
                )
            )
            continue
        short = _falls_short(item, problems)
        if short is None:
            continue
        if short or item.likelihood != "确定能":
            missing = [
                label
                for label, given in (
                    ("偏差原因类型", item.reason_kind in REASONS),
                    ("偏差原因说明", bool(item.reason.strip())),
                    ("纠偏措施", bool(item.measures.strip())),
                )
                if not given
            ]
            if missing:
                why = (
                    "全年预计完成值达不到指标值"
                    if short
                    else f"完成目标可能性为“{item.likelihood}”"
                )
                problems.append(
                    MonitoringProblem(
                        "deviation-unexplained",
                        "error",
                        item.name,
                        f"{why}：请填写{'、'.join(missing)}。",
                    )
                )
    return problems


def _falls_short(item: MonitoredIndicator, problems: list[MonitoringProblem]) -> bool | None:
    """Whether the projection falls short of the target; None after an error."""
    target = parse_target(item.target)
    if target.kind is not TargetKind.QUANTITATIVE or target.is_compound:
        return False  # judged by its likelihood alone
    projected = parse_target(item.projected)
    if projected.kind is TargetKind.EMPTY:
        problems.append(
            MonitoringProblem("projection-missing", "error", item.name, "请填写全年预计完成值。")
        )
        return None
    reached = compare_to_target(target, projected)
    if reached is None:
        problems.append(
            MonitoringProblem(
                "unit-mismatch",
                "error",
                item.name,
                f"全年预计完成值“{item.projected}”无法与指标值“{item.target}”比较"
                "（不是一个数，或单位无法换算）。",
            )
        )
        return None
    return reached < 1
