"""The self-evaluation's scoring rules (indicators/scoring.py), one by one."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from indicators.scoring import (
    DEFAULT_WEIGHTS,
    WEIGHTS_WITH_COST,
    EvaluatedIndicator,
    Funds,
    grade_of,
    score_self_evaluation,
    two_decimals,
)

FULL = Funds(Decimal("100"), Decimal("100"))


def one(target: str, actual: str = "", achieved: str | None = None, level1: str = "产出指标"):
    """A self-evaluation with one indicator (it takes all 90 points), fully spent."""
    item = EvaluatedIndicator(level1, "", "指标", target, actual, achieved, reason="原因")
    return score_self_evaluation(FULL, [item])


def share(target: str, actual: str) -> Fraction:
    """The share of its weight the indicator scores."""
    [scored] = one(target, actual).indicators
    assert scored.score is not None, one(target, actual).problems
    return scored.score / scored.weight


@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        # higher is better: weight × min(actual ÷ target, 1)
        ("≥100个", "80个", Fraction(4, 5)),
        (">100个", "120个", Fraction(1)),
        ("不少于100个", "50个", Fraction(1, 2)),
        ("不低于90%", "45%", Fraction(1, 2)),
        ("达到95%", "95%", Fraction(1)),
        ("大于10次", "5次", Fraction(1, 2)),
        ("120个", "118个", Fraction(118, 120)),  # a bare number: higher is better
        ("≥0个", "0个", Fraction(1)),  # a target of 0 scores the full weight
        # lower is better: full when actual ≤ target, else weight × target ÷ actual
        ("≤30万元", "40万元", Fraction(3, 4)),
        ("≤30万元", "30万元", Fraction(1)),
        ("<5%", "10%", Fraction(1, 2)),
        ("不超过10天", "20天", Fraction(1, 2)),
        ("不高于3%", "1%", Fraction(1)),
        ("低于2小时", "4小时", Fraction(1, 2)),
        ("24小时内", "48小时", Fraction(1, 2)),
        # a qualifier does not change the comparison; units are reconciled
        ("年均≤69.9万元", "699000元", Fraction(1)),
        ("年均≤69.9万元", "139.8万元", Fraction(1, 2)),
        ("≥50万元", "250000元", Fraction(1, 2)),
        ("≤5‰", "1%", Fraction(1, 2)),
        ("≥153个系统", "150个", Fraction(150, 153)),
        ("≥120个", "60", Fraction(1, 2)),  # an actual without a unit takes the target's
        ("≥9亿元", "4.5亿元", Fraction(1, 2)),
    ],
)
def test_each_comparator_scores_as_the_rules_say(target, actual, expected):
    assert share(target, actual) == expected


@pytest.mark.parametrize(
    "target", ["良好", "显著", "2023年12月31日前", "每季度末", "直接支付 ≥3万笔;授权支付≥50万笔"]
)
def test_a_qualitative_target_scores_by_its_judgement(target):
    weights = {
        judged: one(target, achieved=judged).indicators[0].score
        for judged in ("达成", "部分达成", "未达成")
    }
    assert weights == {"达成": Fraction(90), "部分达成": Fraction(45), "未达成": Fraction(0)}
    missing = one(target)
    assert missing.total is None
    assert [p.check for p in missing.problems] == ["achieved-missing"]


@pytest.mark.parametrize(
    ("target", "actual"), [("24小时内", "2天"), ("≥90%", "90分"), ("≤30万元", "3%")]
)
def test_units_that_cannot_be_reconciled_are_an_error_not_a_guess(target, actual):
    scoring = one(target, actual)
    assert scoring.indicators[0].score is None
    assert scoring.total is None and scoring.grade == ""
    assert scoring.budget_score == 10  # what could be computed still is
    [problem] = scoring.problems
    assert problem.check == "unit-mismatch" and problem.severity == "error"


def test_a_missing_or_unreadable_actual_is_an_error():
    assert [p.check for p in one("≥100个", "").problems] == ["actual-missing"]
    assert [p.check for p in one("≥100个", "很多").problems] == ["actual-unreadable"]


def test_categories_share_the_ninety_points_evenly_and_not_applicable_rows_do_not_count():
    items = [
        EvaluatedIndicator("产出指标", "数量指标", "a", "1个", "1个"),
        EvaluatedIndicator("产出指标", "质量指标", "b", "良好", achieved="达成"),
        EvaluatedIndicator("效益指标", "经济效益指标", "", "不适用", not_applicable=True),
        EvaluatedIndicator("效益", "社会效益", "c", "良好", achieved="达成"),  # short names
        EvaluatedIndicator("满意度指标", "服务对象满意度指标", "d", "≥90%", "95%"),
    ]
    scoring = score_self_evaluation(FULL, items)
    assert [s.weight for s in scoring.indicators] == [25, 25, 0, 30, 10]
    assert scoring.indicators[2].score is None  # 不适用: no score, no weight
    assert scoring.total == Decimal("100.00") and scoring.grade == "优"


def test_a_category_without_an_applicable_indicator_gives_its_points_to_the_others():
    items = [
        EvaluatedIndicator("产出指标", "数量指标", "a", "1个", "1个"),
        EvaluatedIndicator("效益指标", "经济效益指标", "", "不适用", not_applicable=True),
        EvaluatedIndicator("满意度指标", "服务对象满意度指标", "d", "≥90%", "95%"),
    ]
    scoring = score_self_evaluation(FULL, items)
    # 效益's 30 points go to 产出 (50) and 满意度 (10) in proportion: 75 and 15
    assert [s.weight for s in scoring.indicators] == [75, 0, 15]
    assert sum(s.weight for s in scoring.indicators) == 90


def test_a_framework_with_cost_as_a_first_level_category_weighs_it_ten():
    items = [
        EvaluatedIndicator("产出指标", "数量指标", "a", "1个", "1个"),
        EvaluatedIndicator("成本指标", "经济成本指标", "b", "≤10万元", "8万元"),
        EvaluatedIndicator("效益指标", "社会效益指标", "c", "良好", achieved="达成"),
        EvaluatedIndicator("满意度指标", "服务对象满意度指标", "d", "≥90%", "95%"),
    ]
    scoring = score_self_evaluation(FULL, items, WEIGHTS_WITH_COST)
    assert [s.weight for s in scoring.indicators] == [40, 10, 30, 10]
    unknown = score_self_evaluation(FULL, items, DEFAULT_WEIGHTS)
    assert [p.check for p in unknown.problems] == ["category-unknown"]
    assert unknown.total is None


def test_the_budget_scores_ten_times_the_execution_rate_capped_at_one():
    item = EvaluatedIndicator("产出指标", "", "a", "1个", "1个")
    half = score_self_evaluation(Funds(Decimal("200"), Decimal("100")), [item])
    assert half.budget_score == 5 and half.total == Decimal("95.00")
    over = score_self_evaluation(Funds(Decimal("100"), Decimal("150")), [item])
    assert over.budget_score == 10


def test_a_zero_budget_is_an_error_and_leaves_no_total():
    item = EvaluatedIndicator("产出指标", "", "a", "1个", "1个")
    scoring = score_self_evaluation(Funds(Decimal("0"), Decimal("100")), [item])
    assert scoring.budget_score is None and scoring.total is None and scoring.grade == ""
    assert scoring.indicators[0].score == 90  # still shown
    assert [p.check for p in scoring.problems] == ["budget-zero"]


def test_an_indicator_below_full_score_needs_a_reason():
    item = EvaluatedIndicator("产出指标", "", "a", "≥100个", "80个")
    scoring = score_self_evaluation(FULL, [item])
    [problem] = scoring.problems
    assert (problem.check, problem.severity, problem.where) == ("reason-missing", "error", "a")
    # the scores and the total stand: the reason is what is missing
    assert scoring.total == Decimal("82.00")


def test_results_running_ahead_of_spending_and_low_execution_are_warned_of():
    item = EvaluatedIndicator("产出指标", "", "a", "≥100个", "100个")
    scoring = score_self_evaluation(Funds(Decimal("100"), Decimal("70")), [item])
    assert [(p.check, p.severity) for p in scoring.problems] == [
        ("execution-low", "warning"),
        ("results-outrun-spending", "warning"),
    ]
    # at 95 % spent, 100 % achieved is within 1.05 × the rate: no warning
    fine = score_self_evaluation(Funds(Decimal("100"), Decimal("96")), [item])
    assert fine.problems == []


def test_the_total_is_exact_and_rounded_once_half_up():
    items = [
        EvaluatedIndicator("产出指标", "", "a", "1个", "1个"),
        EvaluatedIndicator("效益指标", "", "b", "良好", achieved="达成"),
        EvaluatedIndicator("满意度指标", "", "c", "满意", achieved="未达成", reason="原因"),
    ]
    # budget 10 × 0.0125 = 0.125; indicators 50 + 30 + 0: 80.125 → 80.13 (not 80.12)
    scoring = score_self_evaluation(Funds(Decimal("1000"), Decimal("12.5")), items)
    assert scoring.total == Decimal("80.13") and scoring.grade == "良"
    thirds = [
        EvaluatedIndicator("产出指标", "", str(n), "≥3个", "1个", reason="r") for n in range(3)
    ]
    # three thirds of a third: exact fractions add up to 30 (floats would not be asked)
    assert score_self_evaluation(FULL, thirds).total == Decimal("40.00")


def test_two_decimals_rounds_half_up():
    assert two_decimals(Fraction(80125, 1000)) == Decimal("80.13")
    assert two_decimals(Fraction(1, 3)) == Decimal("0.33")
    assert two_decimals(Fraction(2, 3)) == Decimal("0.67")


@pytest.mark.parametrize(
    ("total", "grade"),
    [("100", "优"), ("90.00", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"),
     ("60", "中"), ("59.99", "差"), ("0", "差")],
)  # fmt: skip
def test_the_grade_is_read_from_the_rounded_total(total, grade):
    assert grade_of(Decimal(total)) == grade
