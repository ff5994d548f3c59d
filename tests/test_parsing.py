"""Tests for the target-value (指标值) parser in ``indicators.parsing``.

The seed tables below list, value by value, every distinct target value that occurs in the three
seed files (东莞市财政局, 深圳市福田区, 广州市财政局 2023).  They are written out by hand so the
tests never read the seed files at run time.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from decimal import Decimal
from typing import Any, cast

import pytest

from indicators.parsing import (
    MAX_ANALYSED_LENGTH,
    Comparator,
    ParsedTarget,
    TargetKind,
    clean_ocr_math,
    normalize_target_text,
    parse_target,
)

QN = TargetKind.QUANTITATIVE
QL = TargetKind.QUALITATIVE
DL = TargetKind.DEADLINE
NA = TargetKind.NOT_APPLICABLE
EM = TargetKind.EMPTY

GE = Comparator.GE
LE = Comparator.LE
GT = Comparator.GT
LT = Comparator.LT
EQ = Comparator.EQ

# (raw value, kind, comparator, number, unit, qualifier)
Row = tuple[str, TargetKind, Comparator | None, str | None, str, str]

# dongguan_finance_2023.txt, columns 实施周期指标值 / 当年度指标值
DONGGUAN: list[Row] = [
    ("", EM, None, None, "", ""),
    ("1个", QN, EQ, "1", "个", ""),
    ("1年", QN, EQ, "1", "年", ""),
    ("1次", QN, EQ, "1", "次", ""),
    ("2条", QN, EQ, "2", "条", ""),
    ("4个", QN, EQ, "4", "个", ""),
    ("100%", QN, EQ, "100", "%", ""),
    ("良好", QL, None, None, "", ""),
    ("正常运行", QL, None, None, "", ""),
    ("≥90%", QN, GE, "90", "%", ""),
    ("大于90%", QN, GT, "90", "%", ""),
    ("年均≥90%", QN, GE, "90", "%", "年均"),
    ("年均1次", QN, EQ, "1", "次", "年均"),
    ("年均4个", QN, EQ, "4", "个", "年均"),
    ("≤1.92万元", QN, LE, "1.92", "万元", ""),
    ("≤3.4万元", QN, LE, "3.4", "万元", ""),
    ("≤3.46万元", QN, LE, "3.46", "万元", ""),
    ("≤3.6万元", QN, LE, "3.6", "万元", ""),
    ("≤4.98万元", QN, LE, "4.98", "万元", ""),
    ("≤10万元", QN, LE, "10", "万元", ""),
    ("≤14.4万元", QN, LE, "14.4", "万元", ""),
    ("≤24万元", QN, LE, "24", "万元", ""),
    ("≤30万元", QN, LE, "30", "万元", ""),
    ("≤39.66万元", QN, LE, "39.66", "万元", ""),
    ("≤39.8万元", QN, LE, "39.8", "万元", ""),
    ("≤59.9万元", QN, LE, "59.9", "万元", ""),
    ("≤69.9万元", QN, LE, "69.9", "万元", ""),
    ("≤198万元", QN, LE, "198", "万元", ""),
    ("年均≤1.92万元", QN, LE, "1.92", "万元", "年均"),
    ("年均≤3.4万元", QN, LE, "3.4", "万元", "年均"),
    ("年均≤3.46万元", QN, LE, "3.46", "万元", "年均"),
    ("年均≤3.6万元", QN, LE, "3.6", "万元", "年均"),
    ("年均≤4.98万元", QN, LE, "4.98", "万元", "年均"),
    ("年均≤10万元", QN, LE, "10", "万元", "年均"),
    ("年均≤14.4万元", QN, LE, "14.4", "万元", "年均"),
    ("年均≤24万元", QN, LE, "24", "万元", "年均"),
    ("年均≤30万元", QN, LE, "30", "万元", "年均"),
    ("年均≤39.66万元", QN, LE, "39.66", "万元", "年均"),
    ("年均≤39.8万元", QN, LE, "39.8", "万元", "年均"),
    ("年均≤59.9万元", QN, LE, "59.9", "万元", "年均"),
    ("年均≤69.9万元", QN, LE, "69.9", "万元", "年均"),
    ("年均≤198万元", QN, LE, "198", "万元", "年均"),
]

# shenzhen_futian_2023.txt, column 指标值 (values not already listed above)
SHENZHEN: list[Row] = [
    ("≥153个系统", QN, GE, "153", "个系统", ""),
    ("≥1000万条", QN, GE, "1000", "万条", ""),
    ("≥1次", QN, GE, "1", "次", ""),
    ("≥4次", QN, GE, "4", "次", ""),
    ("≥95%", QN, GE, "95", "%", ""),
    (">95%", QN, GT, "95", "%", ""),
    ("≤2%", QN, LE, "2", "%", ""),
    ("≤0.1秒", QN, LE, "0.1", "秒", ""),
    ("3条", QN, EQ, "3", "条", ""),
    ("7个", QN, EQ, "7", "个", ""),
    ("110个", QN, EQ, "110", "个", ""),
    ("293台", QN, EQ, "293", "台", ""),
    ("6套", QN, EQ, "6", "套", ""),
    ("2人", QN, EQ, "2", "人", ""),
    ("24小时内", QN, LE, "24", "小时", ""),
    ("24小时之内", QN, LE, "24", "小时", ""),
    ("2023年12月31日前", DL, LE, None, "", ""),
    ("每季度末", QL, None, None, "", "每季度"),
    ("按月发放", QL, None, None, "", ""),
    ("显著", QL, None, None, "", ""),
    ("有效", QL, None, None, "", ""),
    ("不适用", NA, None, None, "", ""),
]

# guangzhou_finance_2023.txt, text after 年度指标值：/年度指标值: (values not already listed above)
GUANGZHOU: list[Row] = [
    (">80%", QN, GT, "80", "%", ""),
    ("≤3%", QN, LE, "3", "%", ""),
    ("≥9亿元", QN, GE, "9", "亿元", ""),
    ("<3%", QN, LT, "3", "%", ""),
    ("有效促进", QL, None, None, "", ""),
    ("≥4%", QN, GE, "4", "%", ""),
    ("≥200亿", QN, GE, "200", "亿", ""),
    ("≥3000家", QN, GE, "3000", "家", ""),
    (
        "通过对代理银行支付结算水平、信息反馈质量、管理协调水平、人员业务素质的考评,"
        "促进代理银行服务水平的提高",
        QL,
        None,
        None,
        "",
        "",
    ),
    ("直接支付 ≥3万笔;授权支付 ≥50万笔", QN, GE, "3", "万笔", "直接支付"),
    ("达到95%以上", QN, GE, "95", "%", ""),
    ("依法行政、依法理财能力有效增强", QL, None, None, "", ""),
    ("第三方绩效评价结果网上公示率100%", QN, EQ, "100", "%", "第三方绩效评价结果网上公示率"),
    ("有效规范", QL, None, None, "", ""),
    ("90%以上", QN, GE, "90", "%", ""),
    ("通过上级部门审核", QL, None, None, "", ""),
    (">90%", QN, GT, "90", "%", ""),
    ("培训内容安排合理,提升培训人员专业素质", QL, None, None, "", ""),
    (">40%", QN, GT, "40", "%", ""),
    (">2次", QN, GT, "2", "次", ""),
    ("≥98%", QN, GE, "98", "%", ""),
    ("≥99%", QN, GE, "99", "%", ""),
    (
        "通过财政票据的供应和管理，提升财政票据管理水平，确保非税收入应收尽收",
        QL,
        None,
        None,
        "",
        "",
    ),
    ("≥1份", QN, GE, "1", "份", ""),
    ("≥3场次", QN, GE, "3", "场次", ""),
    ("≥60课时", QN, GE, "60", "课时", ""),
    ("≥1件", QN, GE, "1", "件", ""),
    ("2", QN, EQ, "2", "", ""),
    ("21", QN, EQ, "21", "", ""),
    ("0", QN, EQ, "0", "", ""),
    ("≥30%", QN, GE, "30", "%", ""),
    ("≤1%", QN, LE, "1", "%", ""),
    ("有效提升", QL, None, None, "", ""),
    ("95%", QN, EQ, "95", "%", ""),
    ("正常开展", QL, None, None, "", ""),
    ("及时", QL, None, None, "", ""),
    ("规范", QL, None, None, "", ""),
    ("<5", QN, LT, "5", "", ""),
    ("按时完成", QL, None, None, "", ""),
    ("按期完成", QL, None, None, "", ""),
    ("2次或以上", QN, GE, "2", "次", ""),
    ("按规定支付", QL, None, None, "", ""),
    ("≤5%", QN, LE, "5", "%", ""),
    ("90%", QN, EQ, "90", "%", ""),
    ("熟悉", QL, None, None, "", ""),
    ("合理", QL, None, None, "", ""),
]

SEED_VALUES: list[Row] = DONGGUAN + SHENZHEN + GUANGZHOU


def _check(parsed: ParsedTarget, row: Row) -> None:
    _raw, kind, comparator, number, unit, qualifier = row
    assert parsed.kind is kind
    assert parsed.comparator is comparator
    if number is None:
        assert parsed.number is None
    else:
        assert isinstance(parsed.number, Decimal)
        assert parsed.number == Decimal(number)
        assert str(parsed.number) == number
    assert parsed.unit == unit
    assert parsed.qualifier == qualifier


# --------------------------------------------------------------------------- seed values


def test_the_seed_table_lists_each_of_the_110_distinct_seed_values_once() -> None:
    values = [row[0] for row in SEED_VALUES]
    assert len(values) == len(set(values)) == 110


@pytest.mark.parametrize("row", SEED_VALUES, ids=[repr(row[0]) for row in SEED_VALUES])
def test_it_parses_every_seed_value_as_expected(row: Row) -> None:
    parsed = parse_target(row[0])
    assert parsed.raw == row[0]
    _check(parsed, row)


@pytest.mark.parametrize("row", SEED_VALUES, ids=[repr(row[0]) for row in SEED_VALUES])
def test_it_parses_seed_values_identically_after_normalisation(row: Row) -> None:
    first = parse_target(row[0])
    again = parse_target(first.normalized)
    assert again.normalized == first.normalized
    _check(again, row)


def test_it_parses_annual_average_cost_ceiling() -> None:
    parsed = parse_target("年均≤69.9万元")
    assert parsed.is_quantitative
    assert parsed.qualifier == "年均"
    assert parsed.comparator is Comparator.LE
    assert parsed.number == Decimal("69.9")
    assert parsed.unit == "万元"
    assert parsed.display() == "年均 ≤ 69.9 万元"


def test_it_keeps_numbers_exactly_as_written_as_decimals() -> None:
    assert str(parse_target("≤69.9万元").number) == "69.9"
    assert str(parse_target("0.10").number) == "0.10"
    assert str(parse_target("≤39.66万元").number) == "39.66"
    assert type(parse_target("≤0.1秒").number) is Decimal


def test_it_splits_a_compound_payment_volume_into_parts() -> None:
    parsed = parse_target("直接支付 ≥3万笔;授权支付 ≥50万笔")
    assert parsed.kind is TargetKind.QUANTITATIVE
    assert parsed.is_compound
    assert len(parsed.parts) == 2
    _check(parsed.parts[0], ("", QN, GE, "3", "万笔", "直接支付"))
    _check(parsed.parts[1], ("", QN, GE, "50", "万笔", "授权支付"))
    assert parsed.parts[0].raw == "直接支付 ≥3万笔"
    assert parsed.parts[1].raw == "授权支付 ≥50万笔"
    assert parsed.display() == "直接支付 ≥ 3 万笔；授权支付 ≥ 50 万笔"


def test_it_splits_a_compound_with_full_width_punctuation() -> None:
    parsed = parse_target("直接支付≥3万笔；授权支付≥50万笔")
    assert [p.number for p in parsed.parts] == [Decimal("3"), Decimal("50")]
    parsed = parse_target("直接支付≥3万笔，授权支付≥50万笔")
    assert [p.qualifier for p in parsed.parts] == ["直接支付", "授权支付"]


def test_it_does_not_treat_a_list_of_bare_numbers_as_a_compound() -> None:
    parsed = parse_target("1,2,3")
    assert parsed.kind is TargetKind.QUALITATIVE
    assert parsed.parts == ()


def test_it_does_not_split_sentences_with_enumeration_commas() -> None:
    parsed = parse_target("依法行政、依法理财能力有效增强")
    assert parsed.kind is TargetKind.QUALITATIVE
    assert parsed.parts == ()


def test_it_reads_the_seed_deadline_as_a_date() -> None:
    parsed = parse_target("2023年12月31日前")
    assert parsed.kind is TargetKind.DEADLINE
    assert parsed.comparator is Comparator.LE
    assert parsed.deadline == datetime.date(2023, 12, 31)
    assert parsed.number is None
    assert parsed.display() == "截止 2023-12-31"


def test_it_treats_every_quarter_end_as_qualitative_with_a_recurring_qualifier() -> None:
    parsed = parse_target("每季度末")
    assert parsed.kind is TargetKind.QUALITATIVE
    assert parsed.qualifier == "每季度"
    assert parsed.normalized == "每季度末"
    assert parsed.deadline is None


# --------------------------------------------------------------------------- comparators


COMPARATOR_WORDS: list[Row] = [
    ("不少于6次", QN, GE, "6", "次", ""),
    ("不低于95%", QN, GE, "95", "%", ""),
    ("不小于3个", QN, GE, "3", "个", ""),
    ("至少3个", QN, GE, "3", "个", ""),
    ("大于等于90%", QN, GE, "90", "%", ""),
    ("3个以上", QN, GE, "3", "个", ""),
    ("5%及以上", QN, GE, "5", "%", ""),
    ("不少于6次以上", QN, GE, "6", "次", ""),
    ("达到95%", QN, GE, "95", "%", ""),
    ("不超过5%", QN, LE, "5", "%", ""),
    ("不高于2%", QN, LE, "2", "%", ""),
    ("不大于3次", QN, LE, "3", "次", ""),
    ("小于等于1秒", QN, LE, "1", "秒", ""),
    ("5%以内", QN, LE, "5", "%", ""),
    ("3%以下", QN, LE, "3", "%", ""),
    ("2次及以下", QN, LE, "2", "次", ""),
    ("控制在5%以内", QN, LE, "5", "%", ""),
    ("5个工作日内", QN, LE, "5", "个工作日", ""),
    ("10日内", QN, LE, "10", "日", ""),
    ("低于5%", QN, LT, "5", "%", ""),
    ("小于1秒", QN, LT, "1", "秒", ""),
    ("少于3次", QN, LT, "3", "次", ""),
    ("大于90%", QN, GT, "90", "%", ""),
    ("高于90%", QN, GT, "90", "%", ""),
    ("超过3次", QN, GT, "3", "次", ""),
    ("90%以上(不含)", QN, GT, "90", "%", ""),
    ("90%以上(含)", QN, GE, "90", "%", ""),
    ("5%以下（不含）", QN, LT, "5", "%", ""),
    ("等于100%", QN, EQ, "100", "%", ""),
    ("=100%", QN, EQ, "100", "%", ""),
    ("故障率为0", QN, EQ, "0", "", "故障率"),
    ("培训人数不少于100人", QN, GE, "100", "人", "培训人数"),
    ("故障率不高于2%", QN, LE, "2", "%", "故障率"),
    ("累计≥100人次", QN, GE, "100", "人次", "累计"),
    ("每年≥2次", QN, GE, "2", "次", "每年"),
    ("每季度1次", QN, EQ, "1", "次", "每季度"),
    ("每月≥1次", QN, GE, "1", "次", "每月"),
    ("直接支付:≥3万笔", QN, GE, "3", "万笔", "直接支付"),
]


@pytest.mark.parametrize("row", COMPARATOR_WORDS, ids=[row[0] for row in COMPARATOR_WORDS])
def test_it_understands_chinese_comparator_words(row: Row) -> None:
    _check(parse_target(row[0]), row)


UNITS: list[Row] = [
    ("≥153个系统", QN, GE, "153", "个系统", ""),
    ("≥5500个预算单位", QN, GE, "5500", "个预算单位", ""),
    ("≥1000万条", QN, GE, "1000", "万条", ""),
    ("≥9亿元", QN, GE, "9", "亿元", ""),
    ("≥200亿", QN, GE, "200", "亿", ""),
    ("≥3万笔", QN, GE, "3", "万笔", ""),
    ("≥10GB", QN, GE, "10", "GB", ""),
    ("2次/年", QN, EQ, "2", "次/年", ""),
    ("3个月", QN, EQ, "3", "个月", ""),
    ("≤0.5个百分点", QN, LE, "0.5", "个百分点", ""),
    ("≥2栋", QN, GE, "2", "栋", ""),
    ("≥90分", QN, GE, "90", "分", ""),
    ("每年两次", QN, EQ, "2", "次", "每年"),
    ("一次", QN, EQ, "1", "次", ""),
    ("两年内", QN, LE, "2", "年", ""),
    ("十二个", QN, EQ, "12", "个", ""),
    ("一百零五次", QN, EQ, "105", "次", ""),
    ("三十五万元", QN, EQ, "35", "万元", ""),
]


@pytest.mark.parametrize("row", UNITS, ids=[row[0] for row in UNITS])
def test_it_recognises_units_multipliers_and_chinese_numerals(row: Row) -> None:
    _check(parse_target(row[0]), row)


@pytest.mark.parametrize(
    "text",
    [
        "一般",
        "十分显著",
        "一体化建设",
        "三方协同",
        "1年内完成系统建设",
        "90%-95%",
        "90~95%",
        "千千个",
    ],
)
def test_it_keeps_words_that_only_look_numeric_qualitative(text: str) -> None:
    parsed = parse_target(text)
    assert parsed.kind is TargetKind.QUALITATIVE
    assert parsed.comparator is None
    assert parsed.number is None


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("text", "deadline", "qualifier"),
    [
        ("2023年12月31日前", datetime.date(2023, 12, 31), ""),
        ("2023年12月底前", datetime.date(2023, 12, 31), ""),
        ("2024年2月底前", datetime.date(2024, 2, 29), ""),
        ("2023年2月末", datetime.date(2023, 2, 28), ""),
        ("2023年底前", datetime.date(2023, 12, 31), ""),
        ("2023年年底前", datetime.date(2023, 12, 31), ""),
        ("2023年6月30日之前", datetime.date(2023, 6, 30), ""),
        ("2023年6月30日以前", datetime.date(2023, 6, 30), ""),
        ("2023年12月31日前完成", datetime.date(2023, 12, 31), ""),
        ("截至2023年12月31日", datetime.date(2023, 12, 31), ""),
        ("不晚于2023年9月1日", datetime.date(2023, 9, 1), ""),
        ("2023-12-31", datetime.date(2023, 12, 31), ""),
        ("2023.6.30前", datetime.date(2023, 6, 30), ""),
        ("２０２３年１２月３１日前", datetime.date(2023, 12, 31), ""),
        ("2023 年 12 月 31 日前", datetime.date(2023, 12, 31), ""),
        ("12月31日前", None, ""),
        ("12月底前", None, ""),
        ("每月10日前", None, "每月"),
        ("2023年2月30日前", None, ""),
        ("2023年12月前", None, ""),
    ],
)
def test_it_reads_deadlines(text: str, deadline: datetime.date | None, qualifier: str) -> None:
    parsed = parse_target(text)
    assert parsed.kind is TargetKind.DEADLINE
    assert parsed.comparator is Comparator.LE
    assert parsed.deadline == deadline
    assert parsed.qualifier == qualifier
    assert parsed.number is None
    assert parsed.unit == ""


def test_it_keeps_the_text_of_a_deadline_without_a_year() -> None:
    parsed = parse_target("12月31日前")
    assert parsed.deadline is None
    assert parsed.normalized == "12月31日前"
    assert parsed.display() == "截止 12月31日"


@pytest.mark.parametrize("text", ["2023年12月31日起", "2023年12月31日以后", "2023年"])
def test_it_does_not_read_start_dates_or_bare_years_as_deadlines(text: str) -> None:
    assert parse_target(text).kind is not TargetKind.DEADLINE


# --------------------------------------------------------------------------- normalisation


FULL_WIDTH: list[tuple[str, str, Row]] = [
    ("＞＝９０％", "≥90%", ("", QN, GE, "90", "%", "")),
    ("≧95%", "≥95%", ("", QN, GE, "95", "%", "")),
    ("≦3%", "≤3%", ("", QN, LE, "3", "%", "")),
    ("＜５", "<5", ("", QN, LT, "5", "", "")),
    ("＞８０％", ">80%", ("", QN, GT, "80", "%", "")),
    ("＜＝５％", "≤5%", ("", QN, LE, "5", "%", "")),
    ("≥95﹪", "≥95%", ("", QN, GE, "95", "%", "")),
    ("１，０００万条", "1,000万条", ("", QN, EQ, "1000", "万条", "")),
    ("≥1,000万条", "≥1,000万条", ("", QN, GE, "1000", "万条", "")),
    ("≥ 1,000,000 元", "≥ 1,000,000 元", ("", QN, GE, "1000000", "元", "")),
    ("> 80 %", "> 80 %", ("", QN, GT, "80", "%", "")),
    ("年均 ≥ 90%", "年均 ≥ 90%", ("", QN, GE, "90", "%", "年均")),
    ("年均　≥　９０％", "年均 ≥ 90%", ("", QN, GE, "90", "%", "年均")),
    ("  ≥90%\n", "≥90%", ("", QN, GE, "90", "%", "")),
    (">=90%", "≥90%", ("", QN, GE, "90", "%", "")),
    ("<=5%", "≤5%", ("", QN, LE, "5", "%", "")),
    ("⩾95%", "≥95%", ("", QN, GE, "95", "%", "")),
    ("≥90%。", "≥90%。", ("", QN, GE, "90", "%", "")),
    ("年均≥９０．５％", "年均≥90.5%", ("", QN, GE, "90.5", "%", "年均")),
]


@pytest.mark.parametrize(("text", "normalized", "row"), FULL_WIDTH, ids=[t[0] for t in FULL_WIDTH])
def test_it_handles_full_width_and_spaced_variants(text: str, normalized: str, row: Row) -> None:
    parsed = parse_target(text)
    assert parsed.raw == text
    assert parsed.normalized == normalized
    _check(parsed, row)


OCR: list[tuple[str, str, Row]] = [
    ("年均 $\\geq 90\\%$", "年均 ≥ 90%", ("", QN, GE, "90", "%", "年均")),
    ("$\\leq 5\\%$", "≤ 5%", ("", QN, LE, "5", "%", "")),
    ("$\\geqslant 95\\%$", "≥ 95%", ("", QN, GE, "95", "%", "")),
    ("$\\ge90\\%$", "≥90%", ("", QN, GE, "90", "%", "")),
    ("\\leq 3\\%", "≤ 3%", ("", QN, LE, "3", "%", "")),
    ("$\\gt 80\\%$", "> 80%", ("", QN, GT, "80", "%", "")),
    ("$\\lt 5$", "< 5", ("", QN, LT, "5", "", "")),
    ("$\\geq 1000$ 万条", "≥ 1000 万条", ("", QN, GE, "1000", "万条", "")),
    ("$\\geq 60\\text{课时}$", "≥ 60课时", ("", QN, GE, "60", "课时", "")),
    ("$90{\\%}$以上", "90%以上", ("", QN, GE, "90", "%", "")),
]


@pytest.mark.parametrize(("text", "normalized", "row"), OCR, ids=[t[0] for t in OCR])
def test_it_unescapes_ocr_latex(text: str, normalized: str, row: Row) -> None:
    parsed = parse_target(text)
    assert parsed.normalized == normalized
    _check(parsed, row)


HTML: list[tuple[str, str, Row]] = [
    ("<p>良好</p>", "良好", ("", QL, None, None, "", "")),
    ("<p>≥90%</p>", "≥90%", ("", QN, GE, "90", "%", "")),
    ("<b>≥</b>90%", "≥90%", ("", QN, GE, "90", "%", "")),
    ("年均<b>≤69.9</b>万元<br/>", "年均≤69.9万元", ("", QN, LE, "69.9", "万元", "年均")),
    ('<span style="color:red">≥95%</span>', "≥95%", ("", QN, GE, "95", "%", "")),
    ("&gt;=90%", "≥90%", ("", QN, GE, "90", "%", "")),
    ("&lt;5", "<5", ("", QN, LT, "5", "", "")),
    ("≥90%&nbsp;", "≥90%", ("", QN, GE, "90", "%", "")),
    ("<!-- note -->≤5%", "≤5%", ("", QN, LE, "5", "%", "")),
    ("<p>良好</p><p>显著</p>", "良好 显著", ("", QL, None, None, "", "")),
    ("<5%", "<5%", ("", QN, LT, "5", "%", "")),
]


@pytest.mark.parametrize(("text", "normalized", "row"), HTML, ids=[t[0] for t in HTML])
def test_it_strips_html(text: str, normalized: str, row: Row) -> None:
    parsed = parse_target(text)
    assert parsed.normalized == normalized
    _check(parsed, row)


def test_it_removes_invisible_and_control_characters() -> None:
    parsed = parse_target("\x00≥\u200b90%\ufeff\x07")
    assert parsed.normalized == "≥90%"
    _check(parsed, ("", QN, GE, "90", "%", ""))


def test_normalize_target_text_accepts_none() -> None:
    assert normalize_target_text(None) == ""
    assert normalize_target_text(" ＞＝９０％ ") == "≥90%"


# --------------------------------------------------------------------------- empty and n/a


@pytest.mark.parametrize(
    "text", ["不适用", "/", "无", "—", "-", "——", "N/A", "n/a", "不涉及", "不适用。"]
)
def test_it_recognises_not_applicable_markers(text: str) -> None:
    parsed = parse_target(text)
    assert parsed.kind is TargetKind.NOT_APPLICABLE
    assert parsed.comparator is None
    assert parsed.number is None


@pytest.mark.parametrize("text", [None, "", " ", "\t\n", "\u3000", "\u200b", "<p></p>", "$$"])
def test_it_reports_blank_values_as_empty(text: str | None) -> None:
    parsed = parse_target(text)
    assert parsed.kind is TargetKind.EMPTY
    assert parsed.raw == (text or "")
    assert parsed.normalized == ""
    assert parsed.comparator is None


# --------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("年均≤69.9万元", "年均 ≤ 69.9 万元"),
        ("年均≥90%", "年均 ≥ 90 %"),
        ("≥153个系统", "≥ 153 个系统"),
        ("1个", "= 1 个"),
        ("<5", "< 5"),
        ("24小时内", "≤ 24 小时"),
        ("达到95%以上", "≥ 95 %"),
        ("直接支付 ≥3万笔;授权支付 ≥50万笔", "直接支付 ≥ 3 万笔；授权支付 ≥ 50 万笔"),
        ("良好", "定性：良好"),
        ("每季度末", "定性：每季度末"),
        ("不适用", "不适用"),
        ("/", "不适用"),
        ("2023年12月31日前", "截止 2023-12-31"),
        ("12月31日前", "截止 12月31日"),
        ("每月10日前", "每月 截止 10日"),
        ("", "未填写"),
        (None, "未填写"),
    ],
)
def test_it_displays_a_short_chinese_description(text: str | None, expected: str) -> None:
    assert parse_target(text).display() == expected


def test_it_displays_small_decimals_without_exponent() -> None:
    assert parse_target("≤0.0000001秒").display() == "≤ 0.0000001 秒"


def test_kinds_have_chinese_labels() -> None:
    assert [k.label for k in TargetKind] == ["定量", "定性", "时限", "不适用", "未填写"]


def test_enums_have_the_documented_values() -> None:
    assert [k.value for k in TargetKind] == [
        "quantitative",
        "qualitative",
        "deadline",
        "not_applicable",
        "empty",
    ]
    assert [c.value for c in Comparator] == ["≥", "≤", ">", "<", "="]


# --------------------------------------------------------------------------- robustness


def test_parsed_targets_are_frozen_and_hashable() -> None:
    parsed = parse_target("≥90%")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.unit = "个"  # type: ignore[misc]
    assert hash(parsed) == hash(parse_target("≥90%"))
    assert parsed == parse_target("≥90%")


def test_it_treats_very_long_text_as_qualitative() -> None:
    text = "≥" + "9" * (MAX_ANALYSED_LENGTH + 10) + "%"
    parsed = parse_target(text)
    assert parsed.kind is TargetKind.QUALITATIVE
    assert parsed.raw == text


NASTY: list[Any] = [
    None,
    "",
    " " * 10_000,
    "≥" * 100_000,
    "9" * 100_000,
    "年均" * 50_000,
    "≥90%;" * 20_000,
    "<" * 50_000,
    "<a" * 50_000,
    "<!--" * 50_000,
    "&" * 50_000,
    "&#x110000;&#0;&#xd800;",
    "$" * 10_001,
    "\\" * 10_001,
    "\\geq" * 10_000,
    "".join(chr(c) for c in range(0, 0x20)),
    "\x00\x01\x02≥90%\x7f",
    "\ud800\udfff≥90%",
    "≥90%\U0001f600",
    "\U0001f4a9" * 1000,
    "👨‍👩‍👧‍👦≥3个",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>≥90%",
    "'; DROP TABLE indicators; --",
    "≥-5%",
    "≥.5",
    "≥9" + "9" * 5000 + "%",
    "2023年99月99日前",
    "9999年12月底前",
    "0000年1月1日前",
    "1e999",
    "NaN",
    "Infinity",
    "千千千千千个",
    "一二三个",
    "零零零次",
    "\u202e≥90%\u202c",
    "\u0301\u0301\u0301",
    "ﷺ" * 1000,
    "ǅ" * 1000,
    "\r\n\t\v\f",
    "≥≥≥≥≥90%%%%%",
    "90%以上(含",
    "((((((((((",
    "年均" + "≤" * 30 + "1万元",
    123,
    12.5,
    Decimal("1.5"),
    b"\xe2\x89\xa590%",
    ["≥90%"],
    object(),
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_it_never_raises_on_nasty_inputs(text: Any) -> None:
    parsed = parse_target(cast(str, text))
    _assert_consistent(parsed)
    assert isinstance(parsed.display(), str)


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


def test_it_never_raises_even_when_str_of_the_input_raises() -> None:
    parsed = parse_target(cast(str, _Unprintable()))
    assert parsed.kind is TargetKind.EMPTY
    assert parsed.raw == ""


_ALPHABET = (
    "0123456789０１２３４５６７８９.,，。;；、:：%％﹪‰ <>=≥≤≧≦＞＜＝()（）$\\{}/-—"
    "年均月日前底末内以上下之及或不少于低超过高大小达到至每季度个次万亿元条笔人台套课时场秒"
    "&<p></p>#;\n\t\x00\u200b\ufeff\ud800"
)


def _random_text(rng: random.Random) -> str:
    length = rng.randint(0, 40)
    chars: list[str] = []
    for _ in range(length):
        pick = rng.random()
        if pick < 0.6:
            chars.append(rng.choice(_ALPHABET))
        elif pick < 0.9:
            chars.append(chr(rng.randint(0, 0xFFFF)))
        else:
            chars.append(chr(rng.randint(0x10000, 0x10FFFF)))
    return "".join(chars)


def test_it_never_raises_on_random_unicode_strings() -> None:
    rng = random.Random(0)
    kinds: set[TargetKind] = set()
    for _ in range(4000):
        text = _random_text(rng)
        parsed = parse_target(text)
        assert parsed.raw == text
        _assert_consistent(parsed)
        assert isinstance(parsed.display(), str)
        kinds.add(parsed.kind)
    assert TargetKind.QUALITATIVE in kinds
    assert TargetKind.QUANTITATIVE in kinds


def _assert_consistent(parsed: ParsedTarget) -> None:
    assert isinstance(parsed, ParsedTarget)
    assert isinstance(parsed.raw, str)
    assert isinstance(parsed.normalized, str)
    assert parsed.normalized == parsed.normalized.strip()
    assert "  " not in parsed.normalized
    assert isinstance(parsed.kind, TargetKind)
    if parsed.kind is TargetKind.QUANTITATIVE:
        assert isinstance(parsed.number, Decimal)
        assert parsed.number.is_finite()
        assert isinstance(parsed.comparator, Comparator)
        assert parsed.is_quantitative
    else:
        assert parsed.number is None
        assert not parsed.is_quantitative
    if parsed.kind in (TargetKind.QUALITATIVE, TargetKind.EMPTY, TargetKind.NOT_APPLICABLE):
        assert parsed.comparator is None
    if parsed.kind is TargetKind.EMPTY:
        assert parsed.normalized == ""
    if parsed.kind is TargetKind.DEADLINE:
        assert parsed.comparator is Comparator.LE
    else:
        assert parsed.deadline is None
    for part in parsed.parts:
        assert part.kind is TargetKind.QUANTITATIVE


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("年均 $\\geq 90\\%$", "年均≥90%"),
        ("$\\geq 90\\%$", "≥90%"),
        ("$\\leq 5\\%$以内", "≤5%以内"),
        ("费用$100和$200", "费用$100和$200"),
        ("良好", "良好"),
    ],
)
def test_it_turns_ocr_latex_back_into_what_was_printed(text, cleaned):
    assert clean_ocr_math(text) == cleaned
