"""A person in a real browser (Debian's Chromium driven by Playwright): sign in, find a form,
open it as its official table and read a parsed value on hover."""

from __future__ import annotations

import pytest

from tests.factories import IndicatorFactory, category

pytestmark = pytest.mark.browser


def test_filer_signs_in_finds_and_reads_a_form(page, live_server, alice, alice_form, charlie_form):
    IndicatorFactory(
        form=alice_form,
        category=category("成本指标"),
        name="项目维护费",
        period_value="年均≤69.9万元",
        annual_value="≤69.9万元",
    )
    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/forms/")
    assert page.locator("h1").inner_text() == "绩效目标表"
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "教育信息化运维项目" not in page.content()

    page.fill("input[name=q]", "财政业务")
    page.click("text=筛选")
    page.click("text=财政业务系统运维服务项目")
    table = page.locator("table.official-table")
    assert table.locator("td.cell-title").inner_text() == "项目绩效目标表"
    cell = table.locator("td", has_text="年均≤69.9万元")
    assert cell.get_attribute("title") == "年均 ≤ 69.9 万元"
    # The CSS from static/ applied: label cells are centred.
    label = table.locator("td.cell-label", has_text="项目名称")
    assert label.evaluate("el => getComputedStyle(el).textAlign") == "center"

    # Column widths from the layout, applied by static/js/app.js (no inline styles under the CSP).
    widths = table.locator("col").evaluate_all("cols => cols.map(c => c.style.width)")
    assert len(widths) == 6 and all(width.endswith("%") for width in widths)

    page.click("text=深圳 二级项目支出绩效目标申报表")
    assert page.locator("td.cell-title").inner_text() == "二级项目支出绩效目标申报表"


def test_outsider_gets_not_found_in_the_browser(page, live_server, charlie, alice_form):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "charlie")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/forms/")
    response = page.goto(f"{live_server.url}/forms/{alice_form.pk}/")
    assert response is not None and response.status == 404
