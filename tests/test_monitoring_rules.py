"""The mid-year monitoring report's warnings (indicators/monitoring.py)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from indicators.monitoring import MonitoredIndicator, budget_progress, check_indicators


@pytest.mark.parametrize(
    ("executed", "months", "light"),
    [
        # 7 months of 12: 58.33 % spent is in step (progress 100 %)
        ("350000", 7, "green"),  # 58.3 % of the year's budget: progress 100 %
        ("280000", 7, "green"),  # 46.7 %: progress 80 % exactly
        ("279999", 7, "yellow"),
        ("210000", 7, "yellow"),  # 35 %: progress 60 % exactly
        ("209999", 7, "red"),
        ("0", 7, "red"),
        ("600000", 12, "green"),
    ],
)
def test_budget_progress_is_the_execution_rate_over_the_months_elapsed(executed, months, light):
    progress = budget_progress(Decimal("600000"), Decimal(executed), months)
    assert progress is not None and progress.light == light
    assert progress.rate == Fraction(Decimal(executed)) / 600000


def test_no_budget_means_no_progress():
    assert budget_progress(Decimal("0"), Decimal("10"), 7) is None
    assert budget_progress(None, Decimal("10"), 7) is None
    assert budget_progress(Decimal("10"), Decimal("10"), 0) is None


def item(target: str, projected: str = "", likelihood: str = "确定能", **kwargs: str):
    return MonitoredIndicator("指标", target, projected, likelihood, **kwargs)


def test_an_indicator_on_track_needs_nothing_more():
    assert check_indicators([item("≥100个", "120个"), item("≤30万元", "25万元")]) == []
    assert check_indicators([item("良好", likelihood="确定能")]) == []


@pytest.mark.parametrize(
    ("target", "projected"), [("≥100个", "90个"), ("≤30万元", "320000元"), ("≥95%", "0.9")]
)
def test_a_projection_short_of_its_target_needs_a_reason_and_measures(target, projected):
    [problem] = check_indicators([item(target, projected)])
    assert problem.check == "deviation-unexplained" and problem.severity == "error"
    assert "偏差原因类型、偏差原因说明、纠偏措施" in problem.message
    explained = item(target, projected, reason_kind="经费保障", reason="资金晚到", measures="加快")
    assert check_indicators([explained]) == []


def test_a_likelihood_other_than_certain_needs_them_too_even_for_a_qualitative_target():
    [problem] = check_indicators(
        [item("良好", likelihood="有可能", reason_kind="其他", reason="x")]
    )
    assert "完成目标可能性为“有可能”" in problem.message and "纠偏措施" in problem.message
    assert "偏差原因" not in problem.message.split("：")[1]


def test_missing_likelihood_projection_or_a_unit_that_does_not_reconcile_is_an_error():
    checks = [
        p.check
        for p in check_indicators(
            [item("≥100个", "90个", likelihood=""), item("≥100个", ""), item("24小时内", "2天")]
        )
    ]
    assert checks == ["likelihood-missing", "projection-missing", "unit-mismatch"]


def test_not_applicable_rows_are_not_monitored():
    row = MonitoredIndicator("", "不适用", not_applicable=True)
    assert check_indicators([row]) == []
