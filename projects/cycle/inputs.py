"""What a person types into a report, as one structure: the page's form and an uploaded sheet
both produce a ``ReportInput``, and ``services.save_report`` takes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# The rows of the self-evaluation's funds block, by key: 当年财政拨款, 上年结转资金, 其他资金.
FUND_ROWS: tuple[tuple[str, str], ...] = (
    ("fiscal", "当年财政拨款"),
    ("carried", "上年结转资金"),
    ("other", "其他资金"),
)
FUND_COLUMNS: tuple[tuple[str, str], ...] = (
    ("initial", "年初预算数"),
    ("annual", "全年预算数"),
    ("executed", "全年执行数"),
)
# The most characters each text entry holds, whichever way it comes in (the page, a sheet).
TEXT_LIMITS: dict[str, int] = {
    "actual": 500,
    "projected": 500,
    "reason": 2000,
    "measures": 2000,
    "goal_actual": 5000,
}


@dataclass(frozen=True)
class LineInput:
    """One indicator's entries, matched to its line by ``line_id`` (the page) or by position
    and name (a sheet)."""

    line_id: int
    actual: str = ""
    projected: str = ""
    likelihood: str = ""
    achieved: str = ""
    reason_kind: str = ""
    reason: str = ""
    measures: str = ""


@dataclass(frozen=True)
class ReportInput:
    initial_budget: Decimal | None = None
    annual_budget: Decimal | None = None
    executed: Decimal | None = None
    # {row key: {column key: amount in 元 or None}}
    fund_rows: dict[str, dict[str, Decimal | None]] = field(default_factory=dict)
    goal_actual: str = ""
    lines: tuple[LineInput, ...] = ()


LINE_FIELDS = ("actual", "projected", "likelihood", "achieved", "reason_kind", "reason", "measures")
