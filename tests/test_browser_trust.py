"""What is printed is what was approved, in a real browser at 1440 and 390 px:

* an adjustment under way leaves the approved version in force on the list, the dashboard and
  the downloads; the reviewer of the adjustment sees it against the approved version;
* 比较版本 on a form's only version shows it and offers last year's form;
* a refused grading or comment keeps everything chosen and typed, the error in view.

Screenshots of the adjustment under review go to $SCREENSHOTS (docs/review_adjustment*.png
were taken with SCREENSHOTS=docs), else to pytest's temporary directory."""

from __future__ import annotations

import re

import pytest

from projects.filing.services import roll_over_form
from projects.permissions import Actor
from tests.export_helpers import pdf_text
from tests.test_adjustment_in_force import ADDED, DRAFT_AMOUNT, adjusting
from tests.test_browser_filing import DESKTOP, PHONE, both_widths, shots  # noqa: F401
from tests.test_browser_review import act, sign_in_as

pytestmark = pytest.mark.browser

WIDTHS = [pytest.param(DESKTOP, id="1440"), pytest.param(PHONE, id="390")]


def in_viewport(page, selector: str) -> bool:
    """Whether the element comes wholly into the window (Bootstrap scrolls smoothly to the
    focused field: a long way takes a few seconds in a headless browser)."""
    try:
        page.wait_for_function(
            """(selector) => {
                const box = document.querySelector(selector).getBoundingClientRect();
                return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0;
            }""",
            arg=selector,
            timeout=10_000,
        )
    except Exception:  # Playwright's TimeoutError
        return False
    return True


def test_an_adjustment_leaves_the_approved_version_in_force(
    page,
    live_server,
    transactional_db,
    seeded,
    shots,  # noqa: F811
    tmp_path,
) -> None:
    forms, users = seeded
    form, approved = adjusting(forms, users)
    url = f"{live_server.url}{form.get_absolute_url()}"

    # the list shows the approved amount, marked 调整中
    sign_in_as(page, live_server, "filer")
    row = page.locator("tr", has=page.locator(f"a:text-is('{form.project.name}')"))
    text = row.inner_text()
    assert f"{approved:,.2f}" in text and f"{DRAFT_AMOUNT:,.2f}" not in text
    assert "已通过" in text and "调整中" in text

    # the form page's downloads carry the version shown: the draft says it is the draft
    page.goto(url)
    pdf = page.locator("a:has-text('PDF')").first
    assert pdf.inner_text().strip() == "下载调整稿 PDF"
    assert f"version={form.version}" in (pdf.get_attribute("href") or "")
    page.click("text=查看现行有效版本")
    pdf = page.locator("a:has-text('PDF')").first
    assert pdf.inner_text().strip() == "下载 PDF"
    response = page.request.get(f"{live_server.url}{pdf.get_attribute('href')}")
    path = tmp_path / "approved.pdf"
    path.write_bytes(response.body())
    printed = re.sub(r"[\s,]", "", pdf_text(path))
    assert ADDED not in printed and "调整稿" not in printed
    assert f"{approved:.2f}".rstrip("0").rstrip(".") in printed

    # the unit's overview on the dashboard: the approved amount, 调整中
    page.goto(f"{live_server.url}/forms/dashboard/")
    row = page.locator("tr", has=page.locator(f"a:text-is('{form.project.name}')"))
    assert f"{approved:,.2f}" in row.inner_text() and "调整中" in row.inner_text()

    # the adjustment goes to review: the reviewer sees it against the approved version
    page.goto(url)
    act(page, "提交审核")
    sign_in_as(page, live_server, "dept")
    page.goto(url)
    changes = page.inner_text("#since-return")
    assert f"与现行有效的第 {form.approved_version} 版相比的调整" in changes
    assert ADDED in changes and f"{DRAFT_AMOUNT:,.2f}" in changes.replace("，", ",")
    page.locator("#since-return").scroll_into_view_if_needed()
    both_widths(page, shots, "review_adjustment")


def test_compare_at_the_only_version_offers_last_year(
    page,
    live_server,
    transactional_db,
    seeded,
) -> None:
    forms, users = seeded
    new = roll_over_form(actor=Actor.for_user(users["filer"]), form_id=forms[0].pk)
    sign_in_as(page, live_server, "filer")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}{new.get_absolute_url()}")
        page.click("text=比较版本")
        main = page.inner_text("main")
        assert "没有第 0 版" not in main and "这张表只有第 1 版的记录" in main
        page.click("text=与 2023 年度的表比较")
        assert "2023 年度 → 2024 年度" in page.inner_text("main")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"]


@pytest.mark.parametrize("size", WIDTHS)
def test_a_refused_grading_keeps_every_choice_with_the_error_in_view(
    page,
    live_server,
    transactional_db,
    seeded,
    size,
) -> None:
    forms, users = seeded
    form = forms[0]
    from tests.review_helpers import act as take

    take(users["filer"], form, "submit")
    sign_in_as(page, live_server, "dept")
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}{form.get_absolute_url()}")
    chosen = {"completeness": "优", "relevance": "良", "appropriateness": "良", "feasibility": "中"}
    settled = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    # all four graded: the page saves them a moment later by itself (refused: 中 needs a note)
    with page.expect_response(lambda response: "/grade/" in response.url):
        for key, grade in chosen.items():
            page.click(f"label[for^='{key}-']:text-is('{grade}')")
    page.wait_for_function(settled)
    page.fill("input[name=completeness_note]", "指标齐全")
    with page.expect_response(lambda response: "/grade/" in response.url):
        page.click("text=保存评定")
    page.wait_for_selector("#feasibility-note-error")  # the panel comes back (htmx)
    # and has settled: a click on the panel being swapped in would be lost (a busy machine)
    page.wait_for_function(settled)

    for key, grade in chosen.items():
        assert page.locator(f"input[name={key}][value='{grade}']").is_checked(), key
    assert page.input_value("input[name=completeness_note]") == "指标齐全"
    error = "#feasibility-note-error"
    assert page.inner_text(error) == "“可行性”评为中，请写明理由。"
    assert in_viewport(page, error) and in_viewport(page, "#feasibility-note")
    # the reviewer writes the reason and saves: recorded
    page.fill("#feasibility-note", "指标值依据不足")
    with page.expect_response(lambda response: "/grade/" in response.url):
        page.click("text=保存评定")
    page.wait_for_selector("text=综合评定为")
    assert "综合评定为" in page.inner_text("main")


@pytest.mark.parametrize("size", WIDTHS)
def test_a_refused_comment_keeps_what_was_typed_with_the_error_in_view(
    page,
    live_server,
    transactional_db,
    seeded,
    size,
) -> None:
    forms, users = seeded
    form = forms[0]
    from tests.review_helpers import act as take

    take(users["filer"], form, "submit")
    sign_in_as(page, live_server, "dept")
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}{form.get_absolute_url()}")
    # no quick pick and no text: refused (the box opens under the row clicked in the table)
    row = page.locator("tr[data-comment-target^='i:']").first
    target = row.get_attribute("data-comment-target")
    row.click()
    page.click("#comment-form button:has-text('提出')")
    page.wait_for_selector("#comment-error")
    assert page.input_value("#comment-target") == target
    assert "请选择常用意见或写下意见" in page.inner_text("#comment-error")
    assert in_viewport(page, "#comment-error") and in_viewport(page, "#comment-text")
