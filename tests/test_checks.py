"""The filing checks: each id fires on a real case made from the seed forms, and stays silent
on the seed forms that are clean in that respect."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from decimal import Decimal

import pytest

from indicators.models import Framework
from projects.content import FormContent, IndicatorContent, ProjectContent, load_content
from projects.filing.checking import check_content, check_form
from projects.filing.checks import REGISTRY
from projects.filing.last_year import LastActual, Source
from projects.filing.rollover import roll_over
from projects.models import CheckSetting, PerformanceForm, Severity
from projects.services.importing import import_files
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED

pytestmark = pytest.mark.django_db
IDS = {
    "required-field",
    "years-order",
    "funding-sum",
    "category-missing",
    "value-empty",
    "value-qualitative",
    "value-no-unit",
    "cost-over-budget",
    "annual-over-period",
    "unit-wan-yuan",
    "indicator-duplicate",
    "satisfaction-low",
    "target-below-last-year",
    "target-below-last-actual",
    "goal-stale-year",
}


@pytest.fixture
def seeds() -> dict[str, list[PerformanceForm]]:
    import_files(paths=[DONGGUAN_SEED, SHENZHEN_SEED, GUANGZHOU_SEED], year=2023)
    forms = list(PerformanceForm.objects.with_content().order_by("pk"))
    return {
        layout: [f for f in forms if f.layout == layout]
        for layout in ("dongguan", "shenzhen", "guangzhou")
    }


def framework_id() -> int:
    return Framework.objects.get(is_default=True).pk


def ids(content: FormContent, last_year: FormContent | None = None) -> list[str]:
    return [
        f.check for f in check_content(content, framework_id=framework_id(), last_year=last_year)
    ]


def fired(check_id: str, forms: list[PerformanceForm]) -> Iterator[str]:
    for form in forms:
        if check_id in ids(load_content(form)):
            yield form.project.name


def first_dongguan(seeds) -> FormContent:
    """东莞市财政局信息中心财政业务系统支撑软件和硬件运维服务项目: clean in every respect."""
    content = load_content(seeds["dongguan"][0])
    assert ids(content) == []
    return content


def item(content: FormContent, name: str) -> IndicatorContent:
    return next(i for i in content.indicators if i.name == name)


def test_the_registry_has_every_agreed_check_with_a_property_and_a_title() -> None:
    assert set(REGISTRY) == IDS  # a check added without its tests here fails
    for registered in REGISTRY.values():
        assert registered.title and str(registered.prop) in ("完整性", "相关性", "适当性", "可行性")


def test_every_registered_check_has_a_test_of_its_own() -> None:
    tests = [
        inspect.getsource(function)
        for name, function in globals().items()
        if name.startswith("test_") and callable(function)
    ]
    untested = {
        check_id for check_id in REGISTRY if not any(f'"{check_id}"' in text for text in tests)
    }
    assert not untested


def test_a_finding_and_a_check_setting_name_a_severity_alike() -> None:
    assert CheckSetting.Severity is Severity
    assert [str(s.label) for s in Severity] == ["错误", "警告", "提示"]
    assert str(Severity("error").label) == str(
        CheckSetting(severity="error").get_severity_display()
    )


def test_required_field_finds_the_empty_annual_goal_of_the_video_conference_form(seeds):
    assert list(fired("required-field", seeds["dongguan"])) == ["东莞市财政局视频会议服务项目"]
    [finding] = [f for f in check_form(seeds["dongguan"][11]) if f.check == "required-field"]
    assert (finding.field, finding.where, finding.severity) == ("goals.annual", "年度目标", "error")
    assert finding.to_json()["property"] == "完整性"


def test_years_order(seeds):
    content = first_dongguan(seeds)
    content.project.start_year = 2025
    assert "years-order" in ids(content)
    content.project.start_year, content.project.end_year = 2021, 2022
    [message] = [
        f.message
        for f in check_content(content, framework_id=framework_id())
        if f.check == "years-order"
    ]
    assert "2022" in message and "2023" in message
    assert not any(fired("years-order", [*seeds["dongguan"], *seeds["shenzhen"]]))


def test_funding_sum(seeds):
    assert not any(fired("funding-sum", seeds["guangzhou"]))
    content = load_content(seeds["guangzhou"][0])
    content.amounts["fiscal"] += Decimal("0.01")
    assert "funding-sum" in ids(content)


def test_category_missing(seeds):
    content = first_dongguan(seeds)
    content.indicators = [i for i in content.indicators if i.level2 != "时效指标"]
    findings = [
        f
        for f in check_content(content, framework_id=framework_id())
        if f.check == "category-missing"
    ]
    assert [(f.category, f.severity) for f in findings] == [(("产出指标", "时效指标"), "error")]
    content.indicators.append(
        IndicatorContent("产出指标", "时效指标", not_applicable=True, explanation="一次性采购")
    )
    assert "category-missing" not in ids(content)
    assert not any(fired("category-missing", seeds["dongguan"]))
    # a 广州 form with no 效益 indicator at all
    assert "非税收入代收银行手续费及国库集中支付业务代理银行代理服务费用" in fired(
        "category-missing", seeds["guangzhou"]
    )


def test_value_empty(seeds):
    content = first_dongguan(seeds)
    item(content, "财税库联网").annual_value = ""
    [finding] = [
        f for f in check_content(content, framework_id=framework_id()) if f.check == "value-empty"
    ]
    assert finding.where == "经济效益指标／财税库联网（第 5 个指标）"
    assert finding.indicator == 4 and finding.indicator_uid == content.indicators[4].uid


def test_value_qualitative(seeds):
    content = first_dongguan(seeds)
    item(content, "维护项目数量").annual_value = "良好"
    assert "value-qualitative" in ids(content)
    assert not any(fired("value-qualitative", [*seeds["dongguan"], *seeds["shenzhen"]]))


def test_value_no_unit_finds_the_bare_numbers_of_a_guangzhou_form(seeds):
    assert "实施省非税一体化系统运营服务经费" in fired("value-no-unit", seeds["guangzhou"])
    assert not any(fired("value-no-unit", seeds["dongguan"]))


def test_cost_over_budget(seeds):
    content = first_dongguan(seeds)  # ≤69.9万元 against 699,000 元: fine
    item(content, "项目维护费").annual_value = "≤80万元"
    [finding] = [
        f
        for f in check_content(content, framework_id=framework_id())
        if f.check == "cost-over-budget"
    ]
    assert "800,000.00" in finding.message and "699,000.00" in finding.message
    assert not any(fired("cost-over-budget", seeds["dongguan"]))


def test_annual_over_period(seeds):
    content = first_dongguan(seeds)
    target = item(content, "维护项目数量")
    target.period_value, target.annual_value = "1个", "2个"
    assert "annual-over-period" in ids(content)
    assert not any(fired("annual-over-period", seeds["dongguan"]))


def test_unit_wan_yuan_fires_on_every_shenzhen_seed_only(seeds):
    assert len(list(fired("unit-wan-yuan", seeds["shenzhen"]))) == 6
    assert not any(fired("unit-wan-yuan", [*seeds["dongguan"], *seeds["guangzhou"]]))


def test_indicator_duplicate(seeds):
    content = first_dongguan(seeds)
    twin = item(content, "维护项目数量")
    content.indicators.append(IndicatorContent(twin.level1, twin.level2, twin.name, "2个", "2个"))
    assert "indicator-duplicate" in ids(content)
    assert not any(fired("indicator-duplicate", [*seeds["dongguan"], *seeds["shenzhen"]]))


def test_satisfaction_low(seeds):
    content = first_dongguan(seeds)
    item(content, "委托方的满意度").annual_value = "≥75%"
    assert "satisfaction-low" in ids(content)
    # 投诉率≤3% (a 广州 satisfaction indicator) is no low satisfaction
    assert not any(fired("satisfaction-low", [*seeds["dongguan"], *seeds["guangzhou"]]))


def test_target_below_last_year(seeds):
    last_year = first_dongguan(seeds)
    content = first_dongguan(seeds)
    item(content, "委托方的满意度").annual_value = "≥85%"
    item(content, "项目维护费").annual_value = "≤70万元"  # a higher cost ceiling is weaker too
    findings = [
        f.where
        for f in check_content(content, framework_id=framework_id(), last_year=last_year)
        if f.check == "target-below-last-year"
    ]
    assert len(findings) == 2
    assert "target-below-last-year" not in ids(last_year, last_year=last_year)


def below_last_actual(
    target: str, actual: str | None, source: Source = Source.SELF_EVALUATION, approved=True
) -> list[str]:
    """The messages of ``target-below-last-actual`` on a one-indicator form whose indicator
    was rolled over from one (renamed since) that achieved ``actual`` (``None``: no report
    says)."""
    row = IndicatorContent("产出指标", "数量指标", "运维系统数量", annual_value=target, uid="u1")
    content = FormContent(ProjectContent(name="运维项目"), 2024, indicators=[row])
    before = IndicatorContent("产出指标", "数量指标", "维护项目数量", annual_value="≥100个")
    before.uid = "u0"
    last_year = FormContent(ProjectContent(name="运维项目"), 2023, indicators=[before])
    last = {"u0": LastActual(actual, source, approved, months=7)} if actual is not None else {}
    return [
        f.message
        for f in check_content(
            content,
            framework_id=framework_id(),
            last_year=last_year,
            origins={"u1": "u0"},
            last_actuals=last,
        )
        if f.check == "target-below-last-actual"
    ]


@pytest.mark.parametrize(
    ("target", "actual", "warned"),
    [
        # higher is better: below last year's actual is weaker, at or above it is not
        ("≥100个", "118个", True),
        ("不少于100个", "118个", True),
        (">100个", "118个", True),
        ("100个", "118个", True),  # a bare number reads as 达到
        ("≥118个", "118个", False),
        ("≥120个", "118个", False),
        ("≥95%", "98%", True),
        ("≥0.95", "98%", False),  # no unit against %: nothing to reconcile by
        ("≥100个", "118", True),  # an actual typed without a unit is in the target's
        ("≥100个", "153个系统", True),  # a classifier with its noun counts alike
        # lower is better: above last year's actual is weaker
        ("≤80万元", "75万元", True),
        ("<80万元", "75万元", True),
        ("不超过80万元", "75万元", True),
        ("≤70万元", "75万元", False),
        ("≤2小时", "2小时", False),
        # one unit: 万元 against 元, % against ‰
        ("≥50万元", "600000元", True),
        ("≥60万元", "600000元", False),
        ("≤700000元", "65万元", True),
        ("≤650000元", "65万元", False),
        ("≤3‰", "0.2%", True),
        # units that do not reconcile, qualitative values: nothing to say
        ("≥10小时", "2天", False),
        ("≤50万元", "30%", False),
        ("有效提升", "达成", False),
        ("≥100个", "基本完成", False),
        ("≥100个", "达成", False),
        ("2024年12月31日前", "2023年11月", False),
    ],
)
def test_target_below_last_actual(target, actual, warned):
    assert bool(below_last_actual(target, actual)) is warned


def test_target_below_last_actual_names_last_years_actual():
    assert below_last_actual("≥100个", "118个") == ["目标 ≥100个 低于上年实际完成 118个。"]
    assert below_last_actual("≥100个", "118个", approved=False) == [
        "目标 ≥100个 低于上年实际完成 118个（未审核）。"
    ]
    assert below_last_actual("≤80万元", "75万元", Source.FORECAST) == [
        "目标 ≤80万元 高于上年运行监控预计全年完成 75万元。"
    ]
    assert below_last_actual("≥100个", "110个", Source.TO_DATE) == [
        "目标 ≥100个 低于上年 1—7 月已完成 110个。"
    ]


def test_target_below_last_actual_holds_a_partial_year_against_higher_targets_only():
    # seven months' cost is no ceiling for the year's
    assert below_last_actual("≤80万元", "90万元", Source.TO_DATE) == []
    assert below_last_actual("≤80万元", "90万元", Source.FORECAST) == []
    assert below_last_actual("≤80万元", "75万元", Source.FORECAST) != []


def test_target_below_last_actual_needs_a_last_actual():
    assert below_last_actual("≥100个", None) == []
    row = IndicatorContent("产出指标", "数量指标", "维护项目数量", annual_value="≥1个", uid="u1")
    content = FormContent(ProjectContent(name="运维项目"), 2024, indicators=[row])
    assert "target-below-last-actual" not in [
        f.check for f in check_content(content, framework_id=framework_id())
    ]


def test_target_below_last_actual_finds_last_years_indicator_by_name_without_an_origin():
    """A form imported (not rolled over) continues last year's indicator of the same category
    and name."""
    row = IndicatorContent("产出指标", "数量指标", "维护项目数量", annual_value="≥100个")
    content = FormContent(ProjectContent(name="运维项目"), 2024, indicators=[row])
    before = IndicatorContent("产出指标", "数量指标", "维护项目数量", annual_value="≥90个")
    before.uid = "u0"
    last_year = FormContent(ProjectContent(name="运维项目"), 2023, indicators=[before])
    found = check_content(
        content,
        framework_id=framework_id(),
        last_year=last_year,
        last_actuals={"u0": LastActual("118个", Source.SELF_EVALUATION, True)},
    )
    assert [f.message for f in found if f.check == "target-below-last-actual"] == [
        "目标 ≥100个 低于上年实际完成 118个。"
    ]


def test_goal_stale_year_after_a_roll_over(seeds):
    source = seeds["dongguan"][1]  # 东莞市财政局部门决算管理系统运维服务项目: “2023年委托…”
    assert source.annual_goal.startswith("2023年")
    [draft] = roll_over(form_ids=[source.pk]).created
    findings = [
        f
        for f in check_form(PerformanceForm.objects.with_content().get(pk=draft.pk))
        if f.check == "goal-stale-year"
    ]
    assert [f.field for f in findings] == ["goals.annual"]
    # a year in the project's own name is not stale
    assert "广州市财政局2021年电子政务外网设备购置及安全加固项目" not in fired(
        "goal-stale-year", seeds["guangzhou"]
    )
    assert not any(
        fired("goal-stale-year", [*seeds["dongguan"], *seeds["shenzhen"], *seeds["guangzhou"]])
    )


def test_a_framework_can_switch_a_check_off_or_change_its_severity(seeds):
    content = load_content(seeds["shenzhen"][0])
    framework = Framework.objects.get(is_default=True)
    setting = CheckSetting.objects.create(
        framework=framework, check_id="unit-wan-yuan", severity="error"
    )
    [finding] = [
        f for f in check_content(content, framework_id=framework.pk) if f.check == "unit-wan-yuan"
    ]
    assert finding.severity is Severity.ERROR and finding.is_error
    setting.enabled = False
    setting.save()
    assert "unit-wan-yuan" not in ids(content)


def test_checks_on_a_form_take_a_fixed_number_of_queries(seeds, django_assert_num_queries):
    form = seeds["dongguan"][0]
    # 1 last year's form of the project (there is none, so no indicator prefetch follows),
    # 2 the framework's categories, 3 its check settings
    with django_assert_num_queries(3):
        check_form(form)
