"""The review path in a real browser, as the demo accounts walk it: the filer submits, the
department passes it on, finance returns it with a comment on one indicator, the filer answers,
revises and resubmits, the department passes it on again, and finance sees what changed since
the return, resolves the comment, grades the four checks and approves.

Screenshots (desktop and 390 px phone) go to $SCREENSHOTS (those in docs/ were taken with
SCREENSHOTS=docs), else to pytest's temporary directory."""

from __future__ import annotations

import pytest

from projects.models import Comment, FormEvent, Indicator, PerformanceForm
from tests.test_browser_filing import both_widths, shots  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def sign_in_as(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/forms/")


def act(page, label: str, reason: str = "") -> None:
    """Press one of the workflow's buttons (with the reason it asks for, if any): a
    reviewer's decision is in the panel, behind its confirmation."""
    decision = page.locator("[data-decide]", has_text=label)
    if decision.count():
        decision.click()
        confirm = page.locator(".decision-confirm:not([hidden])")
        if reason:
            confirm.locator("textarea").fill(reason)
        confirm.locator("button.confirm-decision").click()
        page.wait_for_load_state()
        return
    action = page.locator("form.workflow-action", has=page.locator("button", has_text=label))
    if reason:
        action.locator("textarea[name=comment]").fill(reason)
    action.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_submit_return_answer_resubmit_and_approve(
    page,
    live_server,
    transactional_db,
    seeded,
    shots,  # noqa: F811
) -> None:
    forms, _users = seeded
    form = forms[0]
    url = f"{live_server.url}{form.get_absolute_url()}"
    row = Indicator.objects.filter(form=form).exclude(name="").order_by("order", "id").first()
    field = "annual_value" if row.annual_value else "value"
    old_value = getattr(row, field)

    # the filer submits
    sign_in_as(page, live_server, "filer")
    page.goto(url)
    act(page, "提交审核")
    assert "已提交审核" in page.inner_text("main")

    # the department passes it on, from its queue
    sign_in_as(page, live_server, "dept")
    page.goto(f"{live_server.url}/forms/queue/")
    both_widths(page, shots, "review_queue_department")
    page.click(f"text={form.project.name}")
    act(page, "部门审核通过，报财政")
    assert "已报财政审核" in page.inner_text("main")

    # finance comments on one indicator and returns the form
    sign_in_as(page, live_server, "finance")
    page.goto(url)
    page.click(f"tr[data-comment-target='i:{row.uid}']")  # the indicator's row in the table
    page.fill("#comment-text", "请对照上年实际完成情况调整")
    page.click("#comment-form button.quick-pick:text-is('指标值偏低')")
    page.wait_for_selector("tr.thread-row:has-text('请对照上年实际完成情况调整')")
    assert "指标值偏低：请对照上年实际完成情况调整" in page.inner_text("#workspace")
    act(page, "退回修改", "数量指标偏低，请调整后再报。")
    assert "已退回单位修改" in page.inner_text("main")

    # the filer answers, revises the indicator in the editor and submits again
    sign_in_as(page, live_server, "filer")
    page.goto(url)
    assert "数量指标偏低" in page.inner_text("main")
    page.fill("tr.thread-row input[name=text]", "已按上年实际完成情况调高")  # under the row
    page.click("tr.thread-row button:has-text('答复')")
    page.wait_for_selector("text=单位答复：已按上年实际完成情况调高")
    page.click("text=填写")
    page.wait_for_url("**/edit/")
    both_widths(page, shots, "review_editor_with_comment")
    page.locator(f"input[name$='-{field}'][value='{old_value}']").first.fill("120个")
    page.click("button[type=submit]:has-text('保存')")
    page.wait_for_load_state()
    page.goto(url)
    act(page, "提交审核")
    assert "已提交审核" in page.inner_text("main")

    sign_in_as(page, live_server, "dept")
    page.goto(url)
    act(page, "部门审核通过，报财政")

    # finance sees what changed since the return, resolves, grades and approves
    sign_in_as(page, live_server, "finance")
    page.goto(url)
    changes = page.inner_text("#since-return")
    assert "自第" in changes and "120个" in changes and old_value in changes
    both_widths(page, shots, "review_resubmitted")
    page.click("tr.thread-row button:has-text('标为已解决')")
    page.wait_for_selector("tr.thread-row .badge:has-text('已解决')")
    for key, grade in (
        ("completeness", "优"),
        ("relevance", "优"),
        ("appropriateness", "良"),
        ("feasibility", "良"),
    ):
        page.click(f"label[for^='{key}-']:text-is('{grade}')")
    page.click("text=保存评定")
    page.wait_for_selector("text=综合评定为“良”")
    assert "综合评定为“良”" in page.inner_text("main")
    assert page.locator("button.suggested", has_text="审核通过").count() == 1
    act(page, "审核通过")
    assert "审核通过。" in page.inner_text("main")
    page.goto(url)  # the decision opened the queue's next form (here: the empty queue)
    both_widths(page, shots, "review_approved")

    page.goto(f"{live_server.url}/forms/dashboard/")
    both_widths(page, shots, "review_dashboard_finance")

    # the filer is told, in the app
    sign_in_as(page, live_server, "filer")
    # three notices: the comment, the return, the approval
    assert page.locator("#unread-badge").inner_text().startswith("3")
    page.click("#nav >> text=通知")
    assert f"《{form.project.name}》" in page.inner_text("main")
    assert "已审核通过" in page.inner_text("main")
    both_widths(page, shots, "review_notifications")

    form.refresh_from_db()
    assert form.status == PerformanceForm.Status.APPROVED
    assert form.approved_version == form.version
    comment = Comment.objects.get(form=form)
    assert comment.answer == "已按上年实际完成情况调高" and comment.resolved_at is not None
    kinds = list(form.events.exclude(kind=FormEvent.Kind.IMPORT).values_list("kind", flat=True))
    assert kinds == ["submit", "pass_on", "return", "edit", "submit", "pass_on", "approve"]


@pytest.mark.parametrize("size", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}])
def test_a_note_typed_on_the_review_page_asks_before_it_is_left(
    page, live_server, transactional_db, seeded, size
) -> None:
    """A return's reason, a comment or a grade's note typed and not sent: the page asks
    before it is left (and keeps it when the person stays); sent by htmx, or taken back, it
    no longer asks; a refused return shows its reason again and asks at once."""
    forms, _users = seeded
    form = forms[0]
    PerformanceForm.objects.filter(pk=form.pk).update(status="department_approved")
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.set_viewport_size(size)
    page.on("dialog", answer)
    sign_in_as(page, live_server, "finance")
    url = f"{live_server.url}{form.get_absolute_url()}"
    page.goto(url)
    leave = "nav[aria-label=breadcrumb] >> text=绩效目标表"
    # the return's reason, typed behind its confirmation
    page.locator("[data-decide=return]").click()
    page.fill("#comment-return", "请补充测算依据")
    page.click(leave)
    assert asked == ["beforeunload"]
    assert page.url == url and page.input_value("#comment-return") == "请补充测算依据"
    page.fill("#comment-return", "")  # taken back: leaves without asking
    page.click(leave)
    page.wait_for_url(f"{live_server.url}/forms/")
    assert asked == ["beforeunload"]
    # a comment typed in the box, then sent by htmx: asks, then no longer
    page.goto(url)
    page.click("[data-comment-whole]")
    page.fill("#comment-text", "请细化年度目标")
    page.click(leave)
    assert asked == ["beforeunload", "beforeunload"]
    page.click("#comment-form button[type=submit]:text-is('提出')")
    page.wait_for_function("() => document.querySelector('#comment-text').value === ''")
    assert Comment.objects.filter(form=form, text="请细化年度目标").exists()
    page.click(leave)
    page.wait_for_url(f"{live_server.url}/forms/")
    assert len(asked) == 2
    # a return refused for want of a reason that the server refuses (only spaces): shown again
    page.goto(url)
    page.locator("[data-decide=return]").click()
    page.fill("#comment-return", "   ")
    page.locator("#confirm-return button.confirm-decision").click()
    page.wait_for_load_state()
    assert page.locator("#confirm-return").is_visible()
    page.fill("#comment-return", "理由写了一半")
    page.click(leave)
    assert asked == ["beforeunload"] * 3
    assert page.input_value("#comment-return") == "理由写了一半"
    form.refresh_from_db()
    assert form.status == "department_approved"
