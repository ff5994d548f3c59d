"""Next year's targets beside last year's results, in a real browser (Debian's Chromium driven
by Playwright): the filer starts 2024's form from the approved 2023 one, sees each indicator's
2023 actual on the roll-over page and under each target in the editor (marked 未审核 while the
self-evaluation is under review, 预计 where only the monitoring's forecast is known), sets a
target below what was done and is warned.

Screenshots go to $SCREENSHOTS (docs/filing_last_actual*.png were taken with
SCREENSHOTS=docs), else to pytest's temporary directory."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from projects.models import Indicator, MonitoringRound, PerformanceForm, Report, ReportLine
from tests.factories import FormFactory, IndicatorFactory, ProjectFactory, category

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# category, name, 2023 target, self-evaluation's actual (or 达成情况), monitoring's forecast
INDICATORS = [
    ("数量指标", "维护项目数量", "≥100个", "118个", ""),
    ("质量指标", "系统可用率", "≥99%", "99.6%", ""),
    ("时效指标", "故障响应时间", "≤2小时", "1.5小时", ""),
    ("成本指标", "项目维护费", "≤69.9万元", "", "68万元"),
    ("社会效益指标", "服务保障水平", "有效提升", "达成", ""),
    ("服务对象满意度指标", "委托方的满意度", "≥90%", "96%", ""),
]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def last_year(unit_a) -> PerformanceForm:
    """The approved 2023 form, its 1—7月 monitoring approved and its self-evaluation submitted
    (under review); the cost line of the self-evaluation is still blank."""
    form = FormFactory(
        project=ProjectFactory(unit=unit_a, name="财政业务系统运维服务项目"),
        status="approved",
        approved_version=1,
    )
    monitoring = Report.objects.create(
        kind=Report.Kind.MONITORING,
        form=form,
        department_id=form.project.department_id,
        round=MonitoringRound.objects.create(
            fiscal_year=2023, months=7, deadline=datetime.date(2023, 8, 15)
        ),
        fiscal_year=2023,
        target_version=1,
        status="approved",
    )
    evaluation = Report.objects.create(
        kind=Report.Kind.SELF_EVALUATION,
        form=form,
        department_id=form.project.department_id,
        fiscal_year=2023,
        target_version=1,
        status="submitted",
    )
    for order, (cat, name, target, actual, forecast) in enumerate(INDICATORS):
        row = IndicatorFactory(
            form=form,
            category=category(cat),
            name=name,
            period_value=target,
            annual_value=target,
            order=order,
        )
        said = {"report": evaluation, "indicator_uid": row.uid, "order": order, "name": name}
        if actual == "达成":
            ReportLine.objects.create(level1="效益指标", target=target, achieved=actual, **said)
        else:
            ReportLine.objects.create(level1="产出指标", target=target, actual=actual, **said)
        ReportLine.objects.create(
            report=monitoring,
            indicator_uid=row.uid,
            order=order,
            level1="产出指标",
            name=name,
            target=target,
            projected=forecast,
        )
    return form


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/forms/")


def row_in(page, category_name: str):
    group = page.locator(".indicator-group", has=page.locator("h3", has_text=category_name))
    return group.locator(".indicator-row").first


def fits_a_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a phone"


def test_the_filer_sets_next_years_targets_beside_last_years_actuals(
    page, live_server, alice, last_year, shots
):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/forms/{last_year.pk}/")
    page.click("text=以此表填报 2024 年度")
    carried = page.locator("ul.carried").inner_text()
    assert "维护项目数量 ≥100个 · 2023年实际：118个 未审核" in carried
    assert "项目维护费 ≤69.9万元 · 2023年实际：68万元 预计" in carried
    page.set_viewport_size(PHONE)
    fits_a_phone(page)
    page.screenshot(path=str(shots / "filing_last_actual_roll_over_phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.click("text=生成 2024 年度草稿并开始填写")
    page.wait_for_url("**/edit/")

    count = row_in(page, "数量指标")
    assert "上年：≥100个" in count.inner_text()
    assert "上年实际：118个 未审核" in count.locator(".last-actual").inner_text()
    assert "上年实际：68万元 预计" in row_in(page, "成本指标").locator(".last-actual").inner_text()
    assert "上年实际：达成 未审核" in row_in(page, "社会效益指标").inner_text()

    count.locator("input[name$='-annual_value']").fill("≥110个")
    row_in(page, "成本指标").locator("input[name$='-annual_value']").fill("≤70万元")
    page.click("button:text('保存')")
    page.wait_for_url("**/edit/")
    checklist = page.locator("#checklist").inner_text()
    assert "目标 ≥110个 低于上年实际完成 118个（未审核）。" in checklist
    assert "目标 ≤70万元 高于上年运行监控预计全年完成 68万元。" in checklist
    draft = PerformanceForm.objects.get(project=last_year.project, fiscal_year=2024)
    row = Indicator.objects.get(form=draft, name="维护项目数量")
    assert (row.annual_value, row.origin.form_id) == ("≥110个", last_year.pk)

    # the indicators, each with last year's target and actual under this year's
    page.set_viewport_size(DESKTOP)
    top = page.locator("#indicators-title").bounding_box()
    assert top is not None
    page.screenshot(
        path=str(shots / "filing_last_actual.png"),
        full_page=True,
        clip={"x": 0, "y": top["y"] - 24, "width": DESKTOP["width"], "height": 1480},
    )
    page.set_viewport_size(PHONE)
    fits_a_phone(page)
    row_in(page, "数量指标").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -120)")
    page.screenshot(path=str(shots / "filing_last_actual_phone.png"))
