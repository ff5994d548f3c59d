"""What follows from a report's entries: the budget's progress and light (monitoring), the
scores, total and grade (self-evaluation), and the problems the unit must see — computed by the
pure rules of ``indicators.monitoring`` and ``indicators.scoring``, never typed.

``evaluate(report, lines)`` reads the stored report; ``services.save_report`` writes its
figures back beside the entries, so that lists and the dashboard count them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from indicators.monitoring import (
    BudgetProgress,
    MonitoredIndicator,
    budget_progress,
    check_indicators,
)
from indicators.scoring import (
    EvaluatedIndicator,
    Funds,
    Scoring,
    score_self_evaluation,
    two_decimals,
)
from projects.cycle.inputs import FUND_COLUMNS, FUND_ROWS
from projects.models import Report, ReportLine


@dataclass(frozen=True)
class Problem:
    check: str
    severity: str  # "error" or "warning"
    message: str
    line: int | None = None  # the place of the indicator it is about; None: the report
    where: str = ""  # the indicator's name, or 资金 / 总分

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class Evaluation:
    progress: BudgetProgress | None = None
    scoring: Scoring | None = None
    problems: list[Problem] = field(default_factory=list)
    # by the line's place: (分值, 得分), rounded for display; None where it cannot be computed
    scores: dict[int, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def light(self) -> str:
        return self.progress.light if self.progress is not None else ""

    @property
    def execution_rate(self) -> Decimal | None:
        """执行数 ÷ 全年预算数, in per cent, two decimals."""
        if self.progress is not None:
            return two_decimals(self.progress.rate * 100)
        return None

    @property
    def total(self) -> Decimal | None:
        return self.scoring.total if self.scoring is not None else None

    @property
    def grade(self) -> str:
        return self.scoring.grade if self.scoring is not None else ""

    @property
    def budget_score(self) -> Decimal | None:
        if self.scoring is None or self.scoring.budget_score is None:
            return None
        return two_decimals(self.scoring.budget_score)

    def for_line(self, place: int) -> list[Problem]:
        return [p for p in self.problems if p.line == place]

    def for_report(self) -> list[Problem]:
        return [p for p in self.problems if p.line is None]


def evaluate(
    report: Report,
    lines: Sequence[ReportLine],
    *,
    weights: Mapping[str, Fraction] | None = None,
) -> Evaluation:
    """``weights``: the framework's (``Framework.score_weights``, one query) when the caller
    has them already, as the building of many reports has."""
    if report.is_monitoring:
        return _monitoring(report, lines)
    return _self_evaluation(report, lines, weights)


LINE_FIGURES = ("weight", "score")


def refresh_figures(
    report: Report,
    lines: Sequence[ReportLine],
    *,
    weights: Mapping[str, Fraction] | None = None,
) -> Evaluation:
    """Recompute what follows from the entries and set it on the report (light, total, grade,
    the counts of errors and warnings) and its lines (``LINE_FIGURES``); the caller saves
    them."""
    result = evaluate(report, lines, weights=weights)
    report.light = result.light if report.is_monitoring else ""
    report.total = result.total
    report.grade = result.grade
    report.check_errors = len(result.errors)
    report.check_warnings = len(result.warnings)
    for place, line in enumerate(lines):
        line.weight, line.score = result.scores.get(place, (None, None))
    return result


def _fund_sources(report: Report) -> list[Problem]:
    """A warning for each column where the sources of the funds (当年财政拨款, 上年结转资金,
    其他资金) do not add up to the 年度资金总额: their sum is over it, or every source is given
    and the sum differs. The finance bureau checked this by eye."""
    totals = {
        "initial": report.initial_budget,
        "annual": report.annual_budget,
        "executed": report.executed,
    }
    rows = report.fund_rows or {}
    problems = []
    for column, column_label in FUND_COLUMNS:
        total = totals[column]
        given = [
            Decimal(str(rows[key][column]))
            for key, _label in FUND_ROWS
            if rows.get(key, {}).get(column) not in (None, "")
        ]
        if total is None or not given:
            continue
        added = sum(given, Decimal(0))
        every = len(given) == len(FUND_ROWS)
        if added > total or (every and added != total):
            problems.append(
                Problem(
                    "fund-sources-sum",
                    "warning",
                    f"其中各项的{column_label}之和 {added:,.2f} 元"
                    f"{'超过' if added > total else '不等于'}年度资金总额的 {total:,.2f} 元，请核对。",
                    where="资金",
                )
            )
    return problems


def execution_rate(budget: Decimal | None, executed: Decimal | None) -> Decimal | None:
    """执行率 in per cent (two decimals), for any pair of budget and execution."""
    if not budget or budget <= 0 or executed is None:
        return None
    return two_decimals(Fraction(executed) / Fraction(budget) * 100)


def _monitoring(report: Report, lines: Sequence[ReportLine]) -> Evaluation:
    result = Evaluation()
    months = report.months
    if report.annual_budget is None or report.annual_budget <= 0:
        result.problems.append(
            Problem(
                "budget-missing",
                "error",
                "请填写全年预算数（大于零），才能计算执行率。",
                where="资金",
            )
        )
    elif report.executed is None:
        result.problems.append(
            Problem("executed-missing", "error", f"请填写1—{months}月执行数。", where="资金")
        )
    else:
        result.progress = budget_progress(report.annual_budget, report.executed, months)
        if result.progress is not None and result.progress.light != "green":
            result.problems.append(
                Problem(
                    "budget-behind",
                    "warning",
                    f"预算执行率 {result.execution_rate}%，为时间进度的"
                    f" {two_decimals(result.progress.progress * 100)}%：{result.progress.label}。",
                    where="资金",
                )
            )
    for place, line in enumerate(lines):
        if line.not_applicable:
            continue
        item = MonitoredIndicator(
            name=line.name,
            target=line.target,
            projected=line.projected,
            likelihood=line.likelihood,
            reason_kind=line.reason_kind,
            reason=line.reason,
            measures=line.measures,
        )
        for found in check_indicators([item]):
            result.problems.append(
                Problem(found.check, found.severity, found.message, place, line.name)
            )
    return result


def _self_evaluation(
    report: Report, lines: Sequence[ReportLine], weights: Mapping[str, Fraction] | None
) -> Evaluation:
    result = Evaluation()
    if weights is None:
        weights = report.form.framework.score_weights()
    items = [
        EvaluatedIndicator(
            level1=line.level1,
            level2=line.level2,
            name=str(index),  # the line's place: problems name it, and are mapped back
            target=line.target,
            actual=line.actual,
            achieved=line.achieved or None,
            reason=line.reason,
            not_applicable=line.not_applicable,
        )
        for index, line in enumerate(lines)
    ]
    scoring = score_self_evaluation(
        Funds(annual_budget=report.annual_budget, executed=report.executed), items, weights
    )
    result.scoring = scoring
    for place, (line, score) in enumerate(zip(lines, scoring.indicators, strict=True)):
        if line.not_applicable:
            result.scores[place] = (None, None)
            continue
        result.scores[place] = (
            two_decimals(score.weight),
            None if score.score is None else two_decimals(score.score),
        )
    for found in scoring.problems:
        at = int(found.where) if found.where.isdigit() else None
        about = lines[at] if at is not None else None
        result.problems.append(
            Problem(
                found.check,
                found.severity,
                found.message,
                at,
                about.name if about is not None else found.where,
            )
        )
    if report.annual_budget is not None and report.annual_budget > 0:
        result.progress = budget_progress(report.annual_budget, report.executed, 12)
    result.problems.extend(_fund_sources(report))
    if not report.goal_actual.strip():
        result.problems.append(
            Problem(
                "goal-actual-missing",
                "error",
                "请填写年度总体目标的实际完成情况。",
                where="年度总体目标",
            )
        )
    return result
