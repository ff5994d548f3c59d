"""Filing in a real browser (Debian's Chromium driven by Playwright): a filer creates a complete
东莞-layout form from nothing, starts a 深圳-layout form from last year's, sees the checks fire,
fixes what they say and saves; two windows editing one form cannot overwrite each other.

Screenshots go to $SCREENSHOTS (the ones in docs/ were taken with SCREENSHOTS=docs), else to
pytest's temporary directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from projects.models import FormEvent, Indicator, PerformanceForm
from tests.factories import (
    FormFactory,
    IndicatorFactory,
    ProjectFactory,
    category,
    default_framework,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/forms/")


def row_in(page, category_name: str, number: int = 0):
    """The n-th indicator row under a category of the editor."""
    group = page.locator(".indicator-group", has=page.locator("h3", has_text=category_name))
    return group.locator(".indicator-row").nth(number)


def fill_row(page, category_name: str, name: str, *values: str, number: int = 0) -> None:
    row = row_in(page, category_name, number)
    row.locator("input[name$='-name']").fill(name)
    inputs = row.locator("input[type=text]:not([name$='-name'])")
    for index, value in enumerate(values):
        inputs.nth(index).fill(value)


def both_widths(page, shots: Path, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / f"{name}_phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide on a phone"
    page.set_viewport_size(DESKTOP)


def test_a_filer_files_a_complete_dongguan_form_from_nothing(page, live_server, alice, shots):
    default_framework()  # a transactional test before this one may have flushed it
    sign_in(page, live_server, "alice")
    page.click("text=新建绩效目标表")
    page.fill("input[name=name]", "财政云平台运维服务项目")
    page.fill("input[name=fiscal_year]", "2024")
    page.select_option("select[name=layout]", "dongguan")
    page.click("text=新建并开始填写")
    page.wait_for_url("**/edit/")

    # the checks fire on the empty form
    checklist = page.locator("#checklist")
    assert "“数量指标”没有指标" in checklist.inner_text()
    assert "项目类型" in checklist.inner_text()
    both_widths(page, shots, "filing_editor_checks")

    page.fill("input[name=project__type]", "其他运转类（信息化运维类）")
    page.select_option("select[name=project__level]", "二级项目")
    page.fill("input[name=project__start_year]", "2024")
    page.fill("input[name=project__end_year]", "2026")
    page.select_option("select[name=amount_unit]", "万元")
    page.fill("input[name=amounts__annual]", "69.9")
    page.fill("textarea[name=goals__period]", "建立集中运维体系，保障财政云平台稳定运行。")
    page.fill("textarea[name=goals__annual]", "全年保障财政云平台正常运行，故障及时处理。")
    fill_row(page, "数量指标", "维护系统数量", "3个", "3个")
    fill_row(page, "质量指标", "系统可用率", "≥99%", "≥99%")
    fill_row(page, "时效指标", "故障响应时间", "2小时内", "2小时内")
    fill_row(page, "成本指标", "项目维护费", "年均≤69.9万元", "≤80万元")  # over budget
    fill_row(page, "社会效益指标", "财政业务连续性", "有效保障", "有效保障")
    fill_row(page, "服务对象满意度指标", "使用单位满意度", "≥90%", "≥90%")
    page.click("button:text('保存')")
    page.wait_for_url("**/edit/")
    assert "已保存为第" in page.content()
    assert "成本 800,000.00 元超过本年度预算 699,000.00 元" in checklist.inner_text()

    fill_row(page, "成本指标", "项目维护费", "年均≤69.9万元", "≤69.9万元")
    page.click("button:text('保存')")
    page.wait_for_url("**/edit/")
    assert "没有发现问题" in page.locator("#checklist").inner_text()
    both_widths(page, shots, "filing_editor")
    form = PerformanceForm.objects.get(project__name="财政云平台运维服务项目")
    assert form.annual_amount == 699000 and form.indicators.count() == 6
    assert form.events.filter(kind="edit").count() == 2

    page.click("text=查看表样")
    assert page.locator("td.cell-title").inner_text() == "项目绩效目标表"
    both_widths(page, shots, "filing_form_page")


def test_a_filer_starts_a_shenzhen_form_from_last_years(page, live_server, alice, unit_a, shots):
    last_year = FormFactory(
        project=ProjectFactory(unit=unit_a, name="信息安全运行维护"),
        layout="shenzhen",
        fiscal_year=2023,
        annual_goal="2023年完成全局信息安全运维。",
    )
    for name, cat, value in [
        ("安全巡检次数", "数量指标", "≥12次"),
        ("漏洞修复率", "质量指标", "100%"),
        ("响应时间", "时效指标", "≤2小时"),
        ("运维费用", "成本指标", "≤50万元"),
        ("安全事件减少", "社会效益指标", "有效减少"),
        ("用户满意度", "服务对象满意度指标", "≥90%"),
    ]:
        IndicatorFactory(
            form=last_year,
            category=category(cat),
            name=name,
            value=value,
            period_value="",
            annual_value="",
        )
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/forms/{last_year.pk}/")
    page.click("text=以此表填报 2024 年度")
    assert "将生成一张 2024 年度的草稿" in page.content()
    both_widths(page, shots, "filing_roll_over")
    page.click("text=生成 2024 年度草稿并开始填写")
    page.wait_for_url("**/edit/")
    assert "上年：≥90%" in page.content()
    assert "年度目标提到 2023 年" in page.locator("#checklist").inner_text()

    page.fill("textarea[name=goals__annual]", "2024年完成全局信息安全运维。")
    fill_row(page, "服务对象满意度指标", "用户满意度", "≥85%")
    page.click("button:text('保存')")
    page.wait_for_url("**/edit/")
    assert "目标 ≥85% 比上年的 ≥90% 低" in page.locator("#checklist").inner_text()
    fill_row(page, "服务对象满意度指标", "用户满意度", "≥95%")
    page.click("button:text('保存')")
    page.wait_for_url("**/edit/")
    text = page.locator("#checklist").inner_text()
    assert "比上年" not in text and "2023 年" not in text
    draft = PerformanceForm.objects.get(project=last_year.project, fiscal_year=2024)
    row = Indicator.objects.get(form=draft, name="用户满意度")
    assert (row.value, row.origin.form_id) == ("≥95%", last_year.pk)


def test_two_windows_cannot_overwrite_each_other(page, live_server, alice, alice_form):
    IndicatorFactory(form=alice_form, name="维护项目数量", period_value="1个", annual_value="1个")
    sign_in(page, live_server, "alice")
    other = page.context.browser.new_context(locale="zh-CN").new_page()
    sign_in(other, live_server, "alice")
    url = f"{live_server.url}/forms/{alice_form.pk}/edit/"
    page.goto(url)
    other.goto(url)
    # the second window stops saving in the background while the first saves
    other.evaluate("document.getElementById('editor').removeAttribute('hx-trigger')")
    page.fill("textarea[name=goals__annual]", "第一个窗口的目标")
    page.click("button:text('保存')")
    page.wait_for_url("**/edit/")
    other.fill("textarea[name=goals__annual]", "第二个窗口的目标")
    other.click("button:text('保存')")
    other.wait_for_load_state()
    conflict = other.locator("#conflict")
    assert "已被保存为第 2 版" in conflict.inner_text()
    assert "第一个窗口的目标" in conflict.inner_text()
    assert other.locator("textarea[name=goals__annual]").input_value() == "第二个窗口的目标"
    assert PerformanceForm.objects.get(pk=alice_form.pk).annual_goal == "第一个窗口的目标"
    other.context.close()


def test_changes_save_themselves_in_the_background(page, live_server, alice, alice_form):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/forms/{alice_form.pk}/edit/")
    page.fill("textarea[name=goals__annual]", "自动保存的年度目标")
    page.locator("textarea[name=goals__annual]").blur()
    page.wait_for_selector("#save-status:has-text('已自动保存为第 2 版')")
    assert page.locator("#version").input_value() == "2"
    assert PerformanceForm.objects.get(pk=alice_form.pk).annual_goal == "自动保存的年度目标"
    assert FormEvent.objects.filter(form=alice_form, kind="edit").count() == 1
    # the page's version followed, so the button saves without a conflict
    page.fill("textarea[name=goals__period]", "新的实施周期目标")
    page.click("button:text('保存')")
    page.wait_for_url("**/edit/")
    assert "已被保存为" not in page.content()


def test_the_list_reads_as_cards_on_a_phone(page, live_server, alice, alice_form, shots):
    sign_in(page, live_server, "alice")
    both_widths(page, shots, "form_list")  # no page wider than the phone
    page.set_viewport_size(PHONE)
    cell = page.locator("td[data-label='用款单位']").first
    assert cell.evaluate("el => getComputedStyle(el).display") == "flex"
    assert page.locator("thead").first.is_hidden()


def test_rows_are_added_and_pasted_from_excel_in_place(page, live_server, alice, alice_form):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/forms/{alice_form.pk}/edit/")
    group = page.locator(".indicator-group", has=page.locator("h3", has_text="数量指标"))
    group.get_by_role("button", name="添加一行").click()
    group.locator(".indicator-row").nth(1).wait_for()
    fill_row(page, "数量指标", "巡检次数", "12次", "12次", number=0)
    fill_row(page, "数量指标", "培训场次", "4场", "4场", number=1)
    cost = page.locator(".indicator-group", has=page.locator("h3", has_text="成本指标"))
    cost.locator("input[name$='-name']").first.evaluate(
        """el => {
            const data = new DataTransfer();
            data.setData("text/plain", "人员费用\\t≤50万元\\t≤50万元\\n设备费用\\t≤19.9万元\\t≤19.9万元");
            el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }"""
    )
    cost.locator("input[value='设备费用']").wait_for()
    assert cost.locator(".paste-box").input_value() == ""
    page.click("button:text('保存')")
    page.wait_for_url("**/edit/")
    names = set(Indicator.objects.filter(form=alice_form).values_list("name", flat=True))
    assert {"巡检次数", "培训场次", "人员费用", "设备费用"} <= names
    assert Indicator.objects.get(form=alice_form, name="设备费用").annual_value == "≤19.9万元"
