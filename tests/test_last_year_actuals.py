"""Last year's actuals beside next year's targets: which report line counts for a rolled-over
indicator, the editor and the roll-over page showing it (marked when not approved, or when it
is a monitoring forecast), the check over it on a saved form, and the queries each takes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from projects.filing.checking import check_form, last_year_of
from projects.filing.forms import field_value
from projects.filing.last_year import Source, actuals_of
from projects.filing.rollover import roll_over
from projects.models import Indicator, MonitoringRound, PerformanceForm, Report, ReportLine
from tests.factories import FormFactory, IndicatorFactory, category

pytestmark = pytest.mark.django_db
APPROVED = Report.Status.APPROVED


@pytest.fixture
def last_year(alice_form: PerformanceForm) -> PerformanceForm:
    """Alice's approved 2023 form: a count, a cost ceiling and a qualitative benefit."""
    IndicatorFactory(form=alice_form, name="维护项目数量", annual_value="≥100个", order=1)
    IndicatorFactory(
        form=alice_form,
        category=category("成本指标"),
        name="项目维护费",
        annual_value="≤80万元",
        order=2,
    )
    IndicatorFactory(
        form=alice_form,
        category=category("社会效益指标"),
        name="服务保障水平",
        annual_value="有效提升",
        order=3,
    )
    PerformanceForm.objects.filter(pk=alice_form.pk).update(status="approved", approved_version=1)
    return alice_form


def indicator(form: PerformanceForm, name: str) -> Indicator:
    return Indicator.objects.get(form=form, name=name)


def report(form: PerformanceForm, kind: str, status: str = APPROVED, months: int = 0) -> Report:
    monitoring_round = None
    if months:
        monitoring_round, _new = MonitoringRound.objects.get_or_create(
            fiscal_year=form.fiscal_year,
            months=months,
            defaults={"deadline": datetime.date(form.fiscal_year, months + 1, 15)},
        )
    return Report.objects.create(
        kind=kind,
        form=form,
        department_id=form.project.department_id,
        round=monitoring_round,
        fiscal_year=form.fiscal_year,
        target_version=1,
        status=status,
    )


def line(report_: Report, row: Indicator, **said: str) -> ReportLine:
    return ReportLine.objects.create(
        report=report_,
        indicator_uid=row.uid,
        order=row.order,
        level1="产出指标",
        name=row.name,
        target=row.target_text,
        **said,
    )


def self_evaluation(form: PerformanceForm, status: str = APPROVED, **actuals: str) -> Report:
    evaluation = report(form, Report.Kind.SELF_EVALUATION, status)
    for name, actual in actuals.items():
        line(evaluation, indicator(form, name), actual=actual)
    return evaluation


def next_year(form: PerformanceForm) -> PerformanceForm:
    [draft] = roll_over(form_ids=[form.pk]).created
    return PerformanceForm.objects.with_content().get(pk=draft.pk)


# --------------------------------------------------------------------------- which line counts


def test_the_self_evaluation_counts_before_the_monitoring(last_year):
    count = indicator(last_year, "维护项目数量")
    line(
        report(last_year, Report.Kind.MONITORING, months=7), count, actual="70个", projected="110个"
    )
    assert actuals_of([last_year.pk])[str(count.uid)].source is Source.FORECAST
    self_evaluation(last_year, 维护项目数量="118个")
    actual = actuals_of([last_year.pk])[str(count.uid)]
    assert (actual.value, actual.source, actual.approved, actual.marks) == (
        "118个",
        Source.SELF_EVALUATION,
        True,
        [],
    )


def test_a_monitoring_report_gives_its_forecast_else_its_months_so_far(last_year):
    count, cost = indicator(last_year, "维护项目数量"), indicator(last_year, "项目维护费")
    monitoring = report(last_year, Report.Kind.MONITORING, status="submitted", months=7)
    line(monitoring, count, actual="70个", projected="110个")
    line(monitoring, cost, actual="46万元")
    found = actuals_of([last_year.pk])
    assert (found[str(count.uid)].value, found[str(count.uid)].marks) == (
        "110个",
        ["预计", "未审核"],
    )
    assert (found[str(cost.uid)].value, found[str(cost.uid)].marks) == (
        "46万元",
        ["1—7月", "未审核"],
    )
    assert not found[str(cost.uid)].full_year
    # a later round counts before an earlier one
    line(report(last_year, Report.Kind.MONITORING, months=9), cost, actual="60万元")
    assert actuals_of([last_year.pk])[str(cost.uid)].marks == ["1—9月"]


def test_a_blank_self_evaluation_line_gives_way_and_a_qualitative_one_says_its_judgement(
    last_year,
):
    count, benefit = indicator(last_year, "维护项目数量"), indicator(last_year, "服务保障水平")
    line(report(last_year, Report.Kind.MONITORING, months=7), count, projected="110个")
    evaluation = report(last_year, Report.Kind.SELF_EVALUATION, status="draft")
    line(evaluation, count, actual="")
    line(evaluation, benefit, achieved="部分达成")
    found = actuals_of([last_year.pk])
    assert found[str(count.uid)].source is Source.FORECAST
    assert (found[str(benefit.uid)].value, found[str(benefit.uid)].marks) == (
        "部分达成",
        ["未审核"],
    )


def test_the_roll_over_keeps_each_origin_and_an_indicator_without_reports_has_no_actual(
    last_year,
):
    draft = next_year(last_year)
    before = last_year_of(draft)
    assert len(before.origins) == 3
    for row in Indicator.objects.filter(form=draft):
        assert row.origin == indicator(last_year, row.name)
        assert before.origins[str(row.uid)] == str(row.origin.uid)
    assert before.actuals == {}


# --------------------------------------------------------------------------- the check


def test_the_check_on_a_saved_form_reads_last_years_actuals(last_year):
    self_evaluation(last_year, status="submitted", 维护项目数量="118个", 项目维护费="75万元")
    draft = next_year(last_year)
    count, cost = [f for f in check_form(draft) if f.check == "target-below-last-actual"]
    assert count.indicator_uid == str(indicator(draft, "维护项目数量").uid)
    assert count.message == "目标 ≥100个 低于上年实际完成 118个（未审核）。"
    assert count.severity == "warning" and count.to_json()["property"] == "适当性"
    assert cost.message == "目标 ≤80万元 高于上年实际完成 75万元（未审核）。"


def test_the_check_on_a_saved_form_takes_two_queries_more_whatever_the_indicators(
    last_year, django_assert_num_queries
):
    self_evaluation(last_year, 维护项目数量="118个")
    for n in range(20):
        IndicatorFactory(form=last_year, name=f"指标{n}", annual_value="≥1个", order=10 + n)
    draft = next_year(last_year)
    # 1 last year's form, 2 its indicators, 3 the draft's origins, 4 their report lines,
    # 5 the framework's categories, 6 its check settings
    with django_assert_num_queries(6):
        check_form(draft)


# --------------------------------------------------------------------------- the pages


def edit_url(form: PerformanceForm) -> str:
    return reverse("projects:form_edit", kwargs={"pk": form.pk})


def test_the_editor_shows_last_years_target_and_actual_under_the_target(client, alice, last_year):
    self_evaluation(last_year, 维护项目数量="118个")
    cost = indicator(last_year, "项目维护费")
    monitoring = report(last_year, Report.Kind.MONITORING, status="returned", months=7)
    line(monitoring, cost, projected="75万元")
    draft = next_year(last_year)
    Indicator.objects.filter(form=draft, name="维护项目数量").update(name="运维系统数量")
    client.force_login(alice)
    response = client.get(edit_url(draft))
    html = response.content.decode()
    rows = {
        field_value(row.form, "name"): row
        for group in response.context["groups"]
        for row in group.rows
    }
    renamed = rows["运维系统数量"]  # found by its origin, not by its name
    assert (renamed.last_year, renamed.last_actual.value) == ("≥100个", "118个")
    assert "上年：≥100个" in html and '上年实际：<span class="text-body">118个</span>' in html
    assert rows["项目维护费"].last_actual.marks == ["预计", "未审核"]
    assert ">预计</span>" in html and ">未审核</span>" in html
    assert "上年 1—7 月运行监控填报的全年预计完成值" in html
    assert rows["服务保障水平"].last_actual is None
    assert "目标 ≥100个 低于上年实际完成 118个。" in html  # the checklist


def test_the_editor_of_a_form_filed_afresh_finds_last_years_indicator_by_name(
    client, alice, last_year
):
    """Next year's form imported or typed (no origins): last year's indicator of the same
    category and name gives the target and the actual."""
    self_evaluation(last_year, 维护项目数量="118个")
    draft = FormFactory(project=last_year.project, fiscal_year=2024)
    IndicatorFactory(form=draft, name="维护项目数量", annual_value="≥120个")
    IndicatorFactory(form=draft, name="新增系统数量", annual_value="≥2个")
    client.force_login(alice)
    response = client.get(edit_url(draft))
    rows = {
        field_value(row.form, "name"): row
        for group in response.context["groups"]
        for row in group.rows
    }
    assert (rows["维护项目数量"].last_year, rows["维护项目数量"].last_actual.value) == (
        "≥100个",
        "118个",
    )
    assert (rows["新增系统数量"].last_year, rows["新增系统数量"].last_actual) == ("", None)
    assert "低于上年实际完成" not in response.content.decode()  # ≥120个 is above 118个


def test_the_editor_of_a_form_with_last_years_actuals_takes_a_fixed_number_of_queries(
    client, alice, last_year, django_assert_num_queries
):
    for n in range(20):
        IndicatorFactory(form=last_year, name=f"指标{n}", annual_value="≥1个", order=10 + n)
    self_evaluation(last_year, **{f"指标{n}": "2个" for n in range(20)})
    draft = next_year(last_year)
    client.force_login(alice)
    client.get(edit_url(draft))
    # 1 session, 2 user, 3 memberships, 4 the form with project, unit, department, framework,
    # 5 its indicators with categories, 6 the framework's categories (editor), 7-8 last
    # year's form and its indicators, 9 the origins of the form's indicators, 10 their report
    # lines, 11 categories for the checks, 12 check settings, 13 the reviewers' open
    # comments, 14 the indicator library of the framework (suggestions)
    with django_assert_num_queries(14):
        html = client.get(edit_url(draft)).content.decode()
    assert html.count('class="form-text last-actual"') == 20


def test_the_roll_over_page_shows_this_years_actuals(client, alice, last_year):
    self_evaluation(last_year, status="department_approved", 维护项目数量="118个")
    cost = indicator(last_year, "项目维护费")
    line(report(last_year, Report.Kind.MONITORING, months=7), cost, actual="46万元")
    client.force_login(alice)
    url = reverse("projects:form_roll_over", kwargs={"pk": last_year.pk})
    response = client.get(url)
    html = response.content.decode()
    assert "2023年实际：<strong>118个</strong>" in html
    assert "2023年实际：<strong>46万元</strong>" in html and ">1—7月</span>" in html
    carried = {row.name: actual for row, actual in response.context["carried"]}
    assert carried["维护项目数量"].marks == ["未审核"] and carried["服务保障水平"] is None
    # the draft's indicators keep their origins: the editor shows the same actual
    client.post(url)
    draft = PerformanceForm.objects.get(project=last_year.project, fiscal_year=2024)
    assert "118个" in client.get(edit_url(draft)).content.decode()


def test_the_roll_over_page_takes_a_fixed_number_of_queries(
    client, alice, last_year, django_assert_num_queries
):
    for n in range(20):
        IndicatorFactory(form=last_year, name=f"指标{n}", annual_value="≥1个", order=10 + n)
    self_evaluation(last_year, **{f"指标{n}": "2个" for n in range(20)})
    client.force_login(alice)
    url = reverse("projects:form_roll_over", kwargs={"pk": last_year.pk})
    # 1 session, 2 user, 3 memberships, 4 the form with project, unit, department,
    # framework, 5 its indicators with categories, 6 next year's form (none), 7 the
    # indicators' report lines
    with django_assert_num_queries(7):
        html = client.get(url).content.decode()
    assert html.count("2023年实际：") == 20
