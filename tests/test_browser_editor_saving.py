"""Nothing typed in the editor is lost, in a real browser (Debian's Chromium driven by
Playwright) at a desktop's and a phone's width: an unreadable value does not stop the saving
of the rest and stays in view until fixed; pasted rows are saved like typed ones; what was
typed just before a link, 查看表样 or a reload is saved first, or the page asks.

The screenshots of an unsavable value go to $SCREENSHOTS (docs/ holds the ones taken with
SCREENSHOTS=docs), else to pytest's temporary directory."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path

import pytest

from projects.models import Indicator, PerformanceForm
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
WIDTHS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def filled(alice_form):
    IndicatorFactory(form=alice_form, name="维护项目数量", period_value="1个", annual_value="1个")
    return alice_form


def open_editor(page, live_server, form, viewport) -> list[str]:
    """Sign in as alice and open the form's editor; returns the list the page's dialogs
    (``beforeunload``: the page asked before it was left) are recorded in, each dismissed."""
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/forms/")
    page.goto(f"{live_server.url}/forms/{form.pk}/edit/")
    dialogs: list[str] = []

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    return dialogs


def type_into(page, selector: str, text: str) -> None:
    """Click the field, empty it and type as a person does (trusted key events)."""
    field = page.locator(selector)
    field.click()
    field.press("Control+a")
    field.press("Delete")
    field.press_sequentially(text)


def until(page, check, seconds: float = 10) -> None:
    """Wait for ``check`` while the page runs (Playwright handles the page's events, its
    dialogs among them, only while the test waits through it)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        page.wait_for_timeout(100)


def saved(form: PerformanceForm) -> PerformanceForm:
    return PerformanceForm.objects.get(pk=form.pk)


def top_bar_link(page, text: str):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():  # a phone: the menu is folded
        toggler.click()
    link = page.locator("#nav a.nav-link", has_text=text)
    link.wait_for(state="visible")
    return link


@pytest.mark.parametrize("viewport", WIDTHS)
def test_an_unreadable_amount_keeps_the_rest_saving_and_asks_before_leaving(
    page, live_server, alice, filled, viewport
):
    dialogs = open_editor(page, live_server, filled, viewport)
    row = page.locator(".indicator-row", has=page.locator("input[value='维护项目数量']"))
    type_into(page, "input[name=amounts__annual]", "二十四万")
    type_into(page, "textarea[name=goals__period]", "三年内建成集中运维体系。")
    type_into(page, f"#{row.locator('input[name$=-annual_value]').get_attribute('id')}", "2个")
    top_bar_link(page, "绩效目标表").click()

    until(page, lambda: "beforeunload" in dialogs)
    assert page.url.endswith(f"/forms/{filled.pk}/edit/")  # it stayed
    form = saved(filled)
    assert form.period_goal == "三年内建成集中运维体系。"
    assert Indicator.objects.get(form=form, name="维护项目数量").annual_value == "2个"
    assert form.annual_amount == Decimal("699000.00")  # as it was: 二十四万 is no number
    # the value stays in its field, marked, with the reason beside it and at the top
    amount = page.locator("input[name=amounts__annual]")
    assert amount.input_value() == "二十四万"
    assert "is-invalid" in (amount.get_attribute("class") or "")
    beside = page.locator("#field-amounts__annual .invalid-feedback")
    assert "请填写金额数字，如 240000 或 24万" in beside.inner_text()
    bar = page.locator("#save-problems")
    assert "有 1 处填写无法保存" in bar.inner_text() and "二十四万" in bar.inner_text()
    checklist = page.locator("#checklist").inner_text()
    assert "无法保存" in checklist and "没有发现问题" not in checklist
    # the bar stays in view wherever the page is scrolled
    page.locator(".editor-actions").scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None and -1 <= box["y"] <= 1 and bar.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    # fixed as the message says: saved, the bar goes, and leaving no longer asks
    type_into(page, "input[name=amounts__annual]", "24万")
    page.locator("textarea[name=goals__period]").click()
    page.wait_for_selector("#save-problems", state="hidden")
    until(page, lambda: saved(filled).annual_amount == Decimal("240000.00"))
    asked = len(dialogs)
    page.reload()
    assert len(dialogs) == asked
    assert page.locator("input[name=amounts__annual]").input_value() == "240,000.00"
    assert page.locator("textarea[name=goals__period]").input_value() == "三年内建成集中运维体系。"


@pytest.mark.parametrize("viewport", WIDTHS)
def test_rows_pasted_into_a_name_cell_are_saved(page, live_server, alice, filled, viewport):
    dialogs = open_editor(page, live_server, filled, viewport)
    cost = page.locator(".indicator-group", has=page.locator("h3", has_text="成本指标"))
    cost.locator("input[name$='-name']").first.evaluate(
        """el => {
            const data = new DataTransfer();
            data.setData("text/plain", "人员费用\\t≤50万元\\t≤50万元\\n设备费用\\t≤19.9万元\\t≤19.9万元");
            el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }"""
    )
    cost.locator("input[value='设备费用']").wait_for()
    until(page, lambda: Indicator.objects.filter(form=filled, name="设备费用").exists())
    page.wait_for_selector("#save-status:has-text('已自动保存')")
    page.reload()
    assert dialogs == []
    assert page.locator("input[value='人员费用']").count() == 1
    assert page.locator("input[value='设备费用']").count() == 1
    assert Indicator.objects.get(form=filled, name="设备费用").annual_value == "≤19.9万元"
    assert saved(filled).events.filter(kind="edit").count() == 1


@pytest.mark.parametrize("viewport", WIDTHS)
def test_typing_then_viewing_the_table_at_once_saves_first(
    page, live_server, alice, filled, viewport
):
    dialogs = open_editor(page, live_server, filled, viewport)
    type_into(page, "textarea[name=goals__annual]", "马上查看表样前写的目标")
    page.click("text=查看表样")  # well within the 1.5 s the save waits for a pause
    page.wait_for_url(f"**/forms/{filled.pk}/")
    assert dialogs == []
    assert saved(filled).annual_goal == "马上查看表样前写的目标"
    assert "马上查看表样前写的目标" in page.content()
    page.goto(f"{live_server.url}/forms/{filled.pk}/edit/")
    assert page.locator("textarea[name=goals__annual]").input_value() == "马上查看表样前写的目标"


@pytest.mark.parametrize("viewport", WIDTHS)
def test_typing_then_following_a_link_or_reloading_at_once_loses_nothing(
    page, live_server, alice, filled, viewport
):
    dialogs = open_editor(page, live_server, filled, viewport)
    type_into(page, "textarea[name=goals__annual]", "点链接前写的目标")
    page.locator(".breadcrumb a", has_text="绩效目标表").click()
    page.wait_for_url(f"{live_server.url}/forms/")
    assert dialogs == [] and saved(filled).annual_goal == "点链接前写的目标"

    page.goto(f"{live_server.url}/forms/{filled.pk}/edit/")
    type_into(page, "textarea[name=goals__annual]", "刷新前写的目标")
    page.evaluate("setTimeout(() => location.reload(), 0)")
    until(page, lambda: "beforeunload" in dialogs)  # asked, and stayed
    # what was typed went out as the page asked
    until(page, lambda: saved(filled).annual_goal == "刷新前写的目标")
    page.wait_for_selector("#save-status:has-text('已自动保存')")
    page.reload()
    assert page.locator("textarea[name=goals__annual]").input_value() == "刷新前写的目标"


@pytest.mark.parametrize(
    ("viewport", "name"),
    [
        pytest.param(DESKTOP, "filing_editor_unsavable", id="desktop"),
        pytest.param(PHONE, "filing_editor_unsavable_phone", id="phone"),
    ],
)
def test_the_unsavable_value_as_the_filer_sees_it(
    page, live_server, alice, filled, shots, viewport, name
):
    open_editor(page, live_server, filled, viewport)
    type_into(page, "input[name=amounts__annual]", "二十四万")
    page.locator("textarea[name=goals__period]").click()
    page.wait_for_selector("#save-problems:visible")
    page.locator("#field-amounts__annual").evaluate(
        "el => el.scrollIntoView({block: 'center', behavior: 'instant'})"
    )
    page.screenshot(path=str(shots / f"{name}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
