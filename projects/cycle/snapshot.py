"""A report as JSON: what its history keeps of each version (``ReportEvent.snapshot``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from projects.models import Report, ReportLine

REPORT_FIELDS = ("initial_budget", "annual_budget", "executed", "goal", "goal_actual")
LINE_FIELDS = (
    "level1",
    "level2",
    "name",
    "target",
    "not_applicable",
    "actual",
    "projected",
    "likelihood",
    "achieved",
    "reason_kind",
    "reason",
    "measures",
)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def report_json(report: Report, lines: Sequence[ReportLine]) -> dict[str, Any]:
    data: dict[str, Any] = {name: _plain(getattr(report, name)) for name in REPORT_FIELDS}
    data["fund_rows"] = report.fund_rows
    data["lines"] = [
        {"uid": str(line.indicator_uid), **{name: getattr(line, name) for name in LINE_FIELDS}}
        for line in lines
    ]
    return data
