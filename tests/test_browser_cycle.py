"""The performance cycle in a real browser: finance opens a monitoring round; the filer fills
the monitoring report of an approved form (an unexplained shortfall is refused with what was
typed kept), submits it; finance comments on one indicator and returns it; the filer fixes it
and resubmits; finance approves. Then the filer starts the form's self-evaluation from the
form page, fills it and submits; finance approves it, its score and grade computed.

Screenshots (desktop and 390 px phone) go to $SCREENSHOTS (those in docs/ were taken with
SCREENSHOTS=docs), else to pytest's temporary directory."""

from __future__ import annotations

import pytest

from projects.models import Report
from tests.test_browser_filing import both_widths, shots  # noqa: F401 (a fixture)
from tests.test_browser_review import sign_in_as
from tests.test_cycle import approve

pytestmark = pytest.mark.browser


def step(page, label: str, reason: str = "") -> None:
    action = page.locator("form", has=page.locator("button", has_text=label)).last
    if reason:
        action.locator("textarea[name=comment]").fill(reason)
    action.locator("button", has_text=label).click()
    page.wait_for_load_state()


def open_report(page, live_server, report: Report) -> None:
    page.goto(f"{live_server.url}/cycle/{report.pk}/")


def pass_on_if_the_department_reviews(page, live_server, report: Report) -> None:
    report.refresh_from_db()
    if report.status != "submitted" or not report.form.project.department.department_review:
        return
    sign_in_as(page, live_server, "dept")
    page.goto(f"{live_server.url}/cycle/?waiting=1")
    page.click(f"text={report.form.project.name}")
    step(page, "部门审核通过，报财政")
    assert "已报财政审核" in page.inner_text("main")


def test_monitoring_returned_on_an_indicator_then_self_evaluation_approved(
    page,
    live_server,
    transactional_db,
    seeded,
    shots,  # noqa: F811
) -> None:
    forms, users = seeded
    form = approve(forms[0], users)

    # finance opens the round
    sign_in_as(page, live_server, "finance")
    page.goto(f"{live_server.url}/cycle/")
    page.fill("input[name=fiscal_year]", str(form.fiscal_year))
    page.fill("input[name=months]", "7")
    page.fill("input[name=deadline]", "2023-08-15")
    page.click("#open-round ~ form button[type=submit]")
    assert "已发起" in page.inner_text("main")
    report = Report.objects.get(kind="monitoring")

    # the filer fills it: a line judged 有可能 without a reason is refused, nothing lost
    sign_in_as(page, live_server, "filer")
    page.goto(f"{live_server.url}/cycle/")
    page.click(f"text={form.project.name}")
    lines = list(report.lines.filter(not_applicable=False).order_by("order"))
    page.fill("input[name=annual_budget]", "20万")
    page.fill("input[name=executed]", "6万")  # 30 % after 7 months: 红色预警
    for line in lines:
        page.fill(f"input[name=l{line.pk}-actual]", line.target)
        page.fill(f"input[name=l{line.pk}-projected]", line.target)
        page.select_option(f"select[name=l{line.pk}-likelihood]", "确定能")
    first = lines[0]
    page.select_option(f"select[name=l{first.pk}-likelihood]", "有可能")
    page.click("button:text-is('保存并提交审核')")
    assert "未能提交" in page.inner_text("main")
    assert "红色预警" in page.inner_text("main")
    card = page.locator(f"#line-{first.pk}")
    assert "偏差原因" in card.inner_text() and "纠偏措施" in card.inner_text()
    assert page.input_value("input[name=executed]") == "60000.00"  # saved, in 元
    both_widths(page, shots, "cycle_monitoring_refused")
    page.select_option(f"select[name=l{first.pk}-reason_kind]", "经费保障")
    page.fill(f"textarea[name=l{first.pk}-reason]", "资金下达较晚")
    page.fill(f"textarea[name=l{first.pk}-measures]", "加快支付进度")
    page.click("button:text-is('保存并提交审核')")
    assert "已提交审核" in page.inner_text("main")
    pass_on_if_the_department_reviews(page, live_server, report)

    # finance comments on the indicator and returns the report
    sign_in_as(page, live_server, "finance")
    open_report(page, live_server, report)
    page.locator(f"#line-{first.pk} summary").click()
    page.locator(f"#line-{first.pk} textarea").fill("纠偏措施请写明完成时间")
    page.locator(f"#line-{first.pk} button", has_text="提出").click()
    page.wait_for_load_state()
    assert "纠偏措施请写明完成时间" in page.locator(f"#line-{first.pk}").inner_text()
    both_widths(page, shots, "cycle_monitoring_review")
    step(page, "退回修改", "请按指标意见补充")
    assert "已退回单位修改" in page.inner_text("main")

    # the filer sees the comment on its line, fixes it and resubmits
    sign_in_as(page, live_server, "filer")
    open_report(page, live_server, report)
    assert "纠偏措施请写明完成时间" in page.locator(f"#line-{first.pk}").inner_text()
    page.fill(f"textarea[name=l{first.pk}-measures]", "加快支付进度，9月底前完成")
    page.click("button:text-is('保存并提交审核')")
    assert "已提交审核" in page.inner_text("main")
    pass_on_if_the_department_reviews(page, live_server, report)

    sign_in_as(page, live_server, "finance")
    open_report(page, live_server, report)
    step(page, "审核通过")
    assert "审核通过" in page.inner_text("main")
    report.refresh_from_db()
    assert report.status == "approved" and report.light == "red"
    assert report.lines.get(pk=first.pk).measures == "加快支付进度，9月底前完成"

    # the self-evaluation, started from the form page
    sign_in_as(page, live_server, "filer")
    page.goto(f"{live_server.url}{form.get_absolute_url()}")
    page.click("button:text-is('绩效自评')")
    page.wait_for_url(f"{live_server.url}/cycle/*/")
    evaluation = Report.objects.get(kind="self_evaluation")
    assert page.input_value("input[name=annual_budget]") == "200000.00"  # from the monitoring
    page.fill("input[name=initial_budget]", "20万")
    page.fill("input[name=executed]", "19万")
    page.fill("textarea[name=goal_actual]", "全年目标完成。")
    for line in evaluation.lines.filter(not_applicable=False).order_by("order"):
        page.fill(f"input[name=l{line.pk}-actual]", line.target)
        achieved = page.locator(f"select[name=l{line.pk}-achieved]")
        if achieved.count():
            achieved.select_option("达成")
    page.click("button:text-is('保存并提交审核')")
    assert "已提交审核" in page.inner_text("main")
    main = page.inner_text("main")
    assert "99.50" in main and "优" in main  # 9.5 for the budget (95 %) and 90 for the targets
    pass_on_if_the_department_reviews(page, live_server, evaluation)
    sign_in_as(page, live_server, "finance")
    open_report(page, live_server, evaluation)
    both_widths(page, shots, "cycle_self_evaluation")
    step(page, "审核通过")
    evaluation.refresh_from_db()
    assert evaluation.status == "approved" and evaluation.grade == "优"
    page.goto(f"{live_server.url}/forms/dashboard/?year={form.fiscal_year}")
    assert "绩效监控与自评" in page.inner_text("main")
    both_widths(page, shots, "cycle_dashboard")


def test_the_report_page_asks_before_typing_is_left_unsaved(
    page,
    live_server,
    transactional_db,
    seeded,
) -> None:
    from projects.cycle.build import start_self_evaluation
    from projects.permissions import Actor

    forms, users = seeded
    form = approve(forms[0], users)
    report = start_self_evaluation(actor=Actor.for_user(users["filer"]), form_id=form.pk)
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    sign_in_as(page, live_server, "filer")
    open_report(page, live_server, report)
    page.click("text=绩效监控与自评")  # nothing typed: leaves without asking
    page.wait_for_url(f"{live_server.url}/cycle/")
    assert asked == []
    open_report(page, live_server, report)
    page.fill("textarea[name=goal_actual]", "写了一半的说明")
    page.click("nav[aria-label=breadcrumb] >> text=绩效监控与自评")
    assert asked == ["beforeunload"]
    assert page.url.endswith(f"/cycle/{report.pk}/")
    assert page.input_value("textarea[name=goal_actual]") == "写了一半的说明"
    # a refused save shows the typing again: leaving it asks at once
    page.fill("input[name=executed]", "五十万")
    page.click("button:text-is('保存')")
    page.wait_for_load_state()
    assert "汉字数字" in page.inner_text("main")
    page.click("nav[aria-label=breadcrumb] >> text=绩效监控与自评")
    assert asked == ["beforeunload", "beforeunload"]
    assert page.input_value("textarea[name=goal_actual]") == "写了一半的说明"


@pytest.mark.parametrize("size", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}])
def test_a_paste_longer_than_a_field_takes_is_kept_whole_and_said_to_be_too_long(
    page,
    live_server,
    transactional_db,
    seeded,
    size,
    shots,  # noqa: F811
) -> None:
    """The browser would cut a paste at the field's maxlength without a word: the whole
    text stays, the field says how far over it is, and the save is refused with the text
    kept on the page."""
    from projects.cycle.build import start_self_evaluation
    from projects.permissions import Actor

    forms, users = seeded
    form = approve(forms[0], users)
    report = start_self_evaluation(actor=Actor.for_user(users["filer"]), form_id=form.pk)
    sign_in_as(page, live_server, "filer")
    page.set_viewport_size(size)
    open_report(page, live_server, report)
    long = "偏差原因说明" * 500  # 3,000 characters; the field takes 2,000
    box = page.locator("textarea[name$='-reason']").first
    box.click()
    page.evaluate(
        """([selector, text]) => {
            const box = document.querySelector(selector);
            box.focus();
            document.execCommand("insertText", false, text);
        }""",
        ["textarea[name$='-reason']", long],
    )
    assert len(box.input_value()) == 3000
    note = page.locator("textarea[name$='-reason'] + .limit-note").first
    assert note.inner_text() == "最多 2000 个字（现在 3000 个），请删减 1000 个字后再保存。"
    page.screenshot(path=str(shots / f"cycle_too_long_{size['width']}.png"), full_page=False)
    page.click("button:text-is('保存')")
    page.wait_for_load_state()
    assert "最多 2000 个字" in page.inner_text("main")
    assert len(page.locator("textarea[name$='-reason']").first.input_value()) == 3000
    report.refresh_from_db()
    assert report.version == 1
