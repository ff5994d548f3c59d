"""A report as its printed table shows it (``projects.layouts.reports``): the project, the funds,
the goal and the lines as stored, and what ``evaluate`` computes from them (execution rates,
scores, total, grade, light). The writers print it; the sheet reader builds the same table to
know where each entry is."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from indicators.scoring import is_qualitative
from projects.cycle.evaluate import Evaluation, Problem, evaluate, execution_rate
from projects.layouts.reports import (
    FUND_COLUMNS,
    LineFigures,
    ReportFigures,
    ReportGrid,
    build_report_grid,
)
from projects.models import Report, ReportLine


def report_lines(report: Report) -> list[ReportLine]:
    """The report's lines in their printed order."""
    return list(report.lines.order_by("order", "id"))


def _amount(text: object) -> Decimal | None:
    if text in (None, ""):
        return None
    return Decimal(str(text))


def _why_no_total(problems: Sequence[Problem]) -> str:
    """The errors that leave the report without a total, each message once with the
    indicators it is about: ``请填写实际完成值（服务时限、项目维护费）``."""
    about: dict[str, list[str]] = {}
    for problem in problems:
        names = about.setdefault(problem.message.rstrip("。"), [])
        if problem.line is not None and problem.where not in names:
            names.append(problem.where)
    return (
        "；".join(
            f"{message}（{'、'.join(names)}）" if names else message
            for message, names in about.items()
        )
        + "。"
        if about
        else ""
    )


def report_figures(
    report: Report, lines: Sequence[ReportLine], evaluation: Evaluation | None = None
) -> ReportFigures:
    """What the report's table prints (``evaluation``: the report's, when the caller has it)."""
    result = evaluation if evaluation is not None else evaluate(report, lines)
    funds: dict[str, dict[str, Decimal | None]] = {
        "total": {
            "initial": report.initial_budget,
            "annual": report.annual_budget,
            "executed": report.executed,
        }
    }
    for row, columns in (report.fund_rows or {}).items():
        funds[row] = {column: _amount(columns.get(column)) for column, _label in FUND_COLUMNS}
    rates = {
        row: execution_rate(amounts.get("annual"), amounts.get("executed"))
        for row, amounts in funds.items()
    }
    no_total = ""
    if not report.is_monitoring and report.total is None:
        blocking = [p for p in result.errors if p.check != "reason-missing"]
        no_total = _why_no_total(blocking)
    project = report.form.project
    return ReportFigures(
        kind=report.kind,
        fiscal_year=report.fiscal_year,
        months=report.months,
        project=project.name,
        department=project.department.name,
        unit=project.unit.name,
        goal=report.goal,
        goal_actual=report.goal_actual,
        funds=funds,
        rates=rates,
        budget_score=result.budget_score,
        light=report.get_light_display() if report.light else "",
        total=report.total,
        grade=report.grade,
        no_total=no_total,
        lines=tuple(
            LineFigures(
                level1=line.level1,
                level2=line.level2,
                name=line.name,
                target=line.target,
                not_applicable=line.not_applicable,
                qualitative=is_qualitative(line.target),
                actual=line.actual,
                projected=line.projected,
                likelihood=line.likelihood,
                achieved=line.achieved,
                reason_kind=line.reason_kind,
                reason=line.reason,
                measures=line.measures,
                weight=line.weight,
                score=line.score,
            )
            for line in lines
        ),
    )


def report_grid(report: Report, lines: Sequence[ReportLine] | None = None) -> ReportGrid:
    """The report's table as it prints now."""
    return build_report_grid(
        report_figures(report, report_lines(report) if lines is None else lines)
    )
