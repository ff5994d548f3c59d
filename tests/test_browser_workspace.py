"""Reviewing at budget-season scale, in a real browser: the department and then finance each
review five forms in a row from the keyboard (grading, one comment made by clicking an
indicator's row in the table, the decision with its confirmation, the next form opening by
itself), counting every click, key and full page load; finance sees the department's grades
beside its own; a return shows the unit the grading, and the unit answers under the row.

Screenshots (1440 and 390 px) go to $SCREENSHOTS (docs/review_workspace*.png were taken with
SCREENSHOTS=docs), else to pytest's temporary directory."""

from __future__ import annotations

import re

import pytest

from projects.models import Comment, PerformanceForm, ReviewGrade
from projects.review.services import TransitionRefused
from tests.test_browser_filing import DESKTOP, PHONE, shots  # noqa: F401 (a fixture)
from tests.test_browser_review import sign_in_as

pytestmark = pytest.mark.browser

FORMS = 5


class Counter:
    """The clicks and keys a reviewer spends, and the full page loads they cause."""

    def __init__(self, page) -> None:
        self.page = page
        self.actions = 0
        self.loads = 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def press(self, key: str) -> None:
        self.actions += 1
        self.page.keyboard.press(key)

    def click(self, selector: str) -> None:
        self.actions += 1
        self.page.click(selector)

    def reset(self) -> None:
        self.actions = self.loads = 0


def review_one(page, counter: Counter, grade_key: str, pick: str, decided: str) -> int:
    """Review the form on the page: four grades (one key), a comment on the first indicator
    (click its row, click a quick pick), the decision (its key, Enter to confirm). Returns
    the form's id, once the next one (or the queue) has opened."""
    form_id = int(re.search(r"/forms/(\d+)/", page.url).group(1))
    counter.reset()
    counter.press(grade_key)  # Shift+1: 优 for all four checks
    page.wait_for_selector("#review .badge:has-text('综合评定')")  # saved (htmx, no reload)
    row = "tr[data-comment-target^='i:']"
    counter.click(row)
    assert page.locator("#comment-box-row").is_visible()
    counter.click(f"#comment-form button.quick-pick:text-is('{pick}')")
    page.wait_for_selector(f"tr.thread-row:has-text('{pick}')")  # under the row, no reload
    assert "待答复" in page.inner_text(f"{row} >> nth=0")
    counter.press("a")
    assert page.locator(".decision-confirm:not([hidden])").is_visible()  # nothing yet
    assert PerformanceForm.objects.get(pk=form_id).status != decided
    counter.press("Enter")
    page.wait_for_url(lambda url: f"/forms/{form_id}/" not in url)
    page.wait_for_load_state()
    return form_id


def test_department_and_finance_review_five_forms_each_from_the_keyboard(
    page,
    live_server,
    transactional_db,
    seeded,
    shots,  # noqa: F811
) -> None:
    forms, users = seeded
    from tests.review_helpers import act as take

    submitted = []
    for form in forms:
        try:
            take(users["filer"], form, "submit")
        except TransitionRefused:  # a seed form the checks refuse stays a draft
            continue
        submitted.append(form)
    assert len(submitted) >= FORMS + 1
    page.set_viewport_size(DESKTOP)

    # the department: five forms in a row, each in at most 6 clicks or keys and 1 page load
    sign_in_as(page, live_server, "dept")
    page.goto(f"{live_server.url}/forms/queue/")
    page.click("table a >> nth=0")
    page.wait_for_load_state()
    total = len(submitted)
    assert f"第 1 / {total} 张" in page.inner_text("#queue-position")
    counter = Counter(page)
    passed = []
    for n in range(FORMS):
        assert f"第 1 / {total - n} 张" in page.inner_text("#queue-position")
        passed.append(
            review_one(page, counter, "Shift+Digit1", "指标值偏低", "department_approved")
        )
        assert counter.actions <= 6, counter.actions
        assert counter.loads <= 1, counter.loads
        assert "已报财政审核" in page.inner_text("main")
    for pk in passed:
        form = PerformanceForm.objects.get(pk=pk)
        assert form.status == PerformanceForm.Status.DEPARTMENT_APPROVED
        grade = ReviewGrade.objects.get(form=form, stage="department")
        assert grade.grades == ["优"] * 4 and grade.reviewer.username == "dept"
        assert Comment.objects.filter(form=form, quick_pick="指标值偏低").count() == 1

    # finance: j and k move through the queue; the department's grades are beside its own
    sign_in_as(page, live_server, "finance")
    page.goto(f"{live_server.url}{PerformanceForm.objects.get(pk=passed[0]).get_absolute_url()}")
    assert f"第 1 / {FORMS} 张" in page.inner_text("#queue-position")
    page.keyboard.press("j")
    page.wait_for_url(f"**/forms/{passed[1]}/**")  # with the queue's filters kept
    assert f"第 2 / {FORMS} 张" in page.inner_text("#queue-position")
    page.keyboard.press("k")
    page.wait_for_url(f"**/forms/{passed[0]}/**")
    panel = page.inner_text("#review")
    assert "主管部门审核：优" in panel
    assert "指标值偏低" in page.inner_text("tr.thread-row")  # the department's comment
    page.keyboard.press("Shift+Digit2")
    page.wait_for_selector("#review .badge:has-text('综合评定：良')")
    page.click("tr[data-comment-target^='i:'] >> nth=1")
    page.fill("#comment-text", "请补充测算依据")
    page.click("#comment-form button.quick-pick:text-is('指标与指标值不匹配')")
    page.wait_for_selector("tr.thread-row:has-text('请补充测算依据')")
    page.set_viewport_size(DESKTOP)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "review_workspace.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "review_workspace_phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a phone"
    # the table scrolls sideways as a whole; a short value and a category keep their line
    wrap = page.locator(".official-wrap").first
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    lines = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              '.official-table td.cell-short, .official-table td.cell-label'))
            .filter(td => td.textContent.trim().length <= 6)
            .map(td => {
              const range = document.createRange();
              range.selectNodeContents(td);
              const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
              return [td.textContent.trim(), tops.size];
            })"""
    )
    broken = [text for text, count in lines if count > 1]
    assert lines and not broken, broken  # 产出指标, ≥90%… each on one line
    page.set_viewport_size(DESKTOP)

    # the first form is returned (r, the reason, Ctrl+Enter); the next opens
    page.keyboard.press("r")
    page.keyboard.type("指标值依据不足，请补充")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**/forms/{passed[1]}/**")  # with the queue's filters kept
    returned = PerformanceForm.objects.get(pk=passed[0])
    assert returned.status == PerformanceForm.Status.RETURNED

    counter = Counter(page)
    for _n in range(1, FORMS):
        review_one(page, counter, "Shift+Digit1", "建议拆分指标", "approved")
        assert counter.actions <= 6 and counter.loads <= 1
    approved = PerformanceForm.objects.filter(pk__in=passed[1:], status="approved").count()
    assert approved == FORMS - 1

    # the unit sees the grading that returned its form and answers under the row
    sign_in_as(page, live_server, "filer")
    page.goto(f"{live_server.url}{returned.get_absolute_url()}")
    graded = page.inner_text("#review")
    assert "财政审核对第" in graded and "综合评定：良" in graded
    answer = page.locator("tr.thread-row:has-text('请补充测算依据') input[name=text]")
    answer.fill("已补充测算依据")
    answer.press("Enter")
    page.wait_for_selector("tr.thread-row:has-text('单位答复：已补充测算依据')")
    assert Comment.objects.filter(answer="已补充测算依据").count() == 1
    history = page.inner_text("#grade-history")
    assert "主管部门审核" in history and "财政审核" in history and "finance" in history
