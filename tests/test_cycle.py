"""The performance cycle of an approved form: a monitoring round pre-fills a report for every
approved form of its year from the version in force; the unit fills it, its figures are
computed as it is saved, and it goes through the form's workflow, with comments on an
indicator; a self-evaluation is scored by the rules of ``indicators.scoring``."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from projects.cycle.build import CycleRefused, open_round, start_self_evaluation
from projects.cycle.forms import ReportForm
from projects.cycle.inputs import LineInput, ReportInput
from projects.cycle.services import VersionConflict, add_comment, save_report, take_step
from projects.cycle.tasks import fill_round
from projects.models import Report, ReportEvent
from projects.permissions import Actor
from tests.review_helpers import act

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2023, 8, 15)


def approve(form, users):
    act(users["filer"], form, "submit")
    if form.project.department.department_review:
        act(users["dept"], form, "pass_on")
    return act(users["finance"], form, "approve")


@pytest.fixture
def approved(seeded):
    forms, users = seeded
    form = approve(forms[0], users)
    return form, users, forms


def actor(user) -> Actor:
    return Actor.for_user(user)


def step(users, who: str, verb: str, report, comment: str = ""):
    """``who`` takes the step on the report as it stands now."""
    report.refresh_from_db()
    return take_step(
        actor=actor(users[who]),
        verb=verb,
        report_id=report.pk,
        seen_version=report.version,
        comment=comment,
    )


def open_july(users, year, months=7):
    """A round opened, and its reports made as the background job makes them."""
    round = open_round(
        actor=actor(users["finance"]), fiscal_year=year, months=months, deadline=DEADLINE
    )
    made = fill_round.call(round.pk)
    round.refresh_from_db()
    return round, made


def test_a_round_gives_each_approved_form_a_report_pre_filled_from_its_approved_version(approved):
    form, users, _forms = approved
    round, made = open_july(users, form.fiscal_year)
    assert made == 1  # only the approved one of the seeds
    report = Report.objects.get(round=round)
    lines = list(report.lines.order_by("order"))
    indicators = list(form.indicators.order_by("order", "id"))
    assert [str(line.indicator_uid) for line in lines] == [str(i.uid) for i in indicators]
    assert [line.target for line in lines] == [i.annual_value or i.value for i in indicators]
    assert report.target_version == form.approved_version
    assert report.annual_budget == form.annual_amount
    assert report.goal == form.annual_goal
    assert report.status == "draft"
    assert ReportEvent.objects.filter(report=report, kind="create").count() == 1


def test_only_finance_opens_a_round_and_only_once(approved):
    form, users, _forms = approved
    with pytest.raises(CycleRefused, match="财政局"):
        open_round(
            actor=actor(users["filer"]), fiscal_year=form.fiscal_year, months=7, deadline=DEADLINE
        )
    open_july(users, form.fiscal_year)
    with pytest.raises(CycleRefused, match="已经发起过"):
        open_july(users, form.fiscal_year)


def _monitoring_entries(
    report, *, executed, likelihood="确定能", reason_kind="", reason="", measures=""
):
    lines = list(report.lines.order_by("order"))
    return ReportInput(
        annual_budget=report.annual_budget,
        executed=executed,
        lines=tuple(
            LineInput(
                line_id=line.pk,
                actual=line.target,
                projected=line.target,
                likelihood=likelihood,
                reason_kind=reason_kind,
                reason=reason,
                measures=measures,
            )
            for line in lines
            if not line.not_applicable
        ),
    )


def test_monitoring_light_and_the_deviation_rule_block_submission_until_explained(approved):
    form, users, _forms = approved
    round, _made = open_july(users, form.fiscal_year)
    report = Report.objects.get(round=round)
    filer = actor(users["filer"])
    budget = report.annual_budget
    # 30 % spent after 7 months: progress 0.3 / (7/12) = 51 % → red
    saved = save_report(
        actor=filer,
        report_id=report.pk,
        seen_version=report.version,
        entries=_monitoring_entries(report, executed=budget * Decimal("0.3"), likelihood="有可能"),
    )
    report = saved.report
    assert report.light == "red"
    assert report.version == 2
    assert report.check_errors == report.lines.filter(not_applicable=False).count()
    with pytest.raises(CycleRefused, match="不能提交"):
        take_step(actor=filer, verb="submit", report_id=report.pk, seen_version=report.version)
    saved = save_report(
        actor=filer,
        report_id=report.pk,
        seen_version=report.version,
        entries=_monitoring_entries(
            report,
            executed=budget * Decimal("0.5"),
            likelihood="有可能",
            reason_kind="经费保障",
            reason="资金下达较晚",
            measures="加快支付进度",
        ),
    )
    assert saved.report.light == "green"  # 0.5 / (7/12) = 85.7 %
    assert saved.report.check_errors == 0
    report = take_step(
        actor=filer, verb="submit", report_id=report.pk, seen_version=saved.report.version
    )
    assert report.status == "submitted"


def test_a_stale_page_is_refused_and_nothing_changes(approved):
    form, users, _forms = approved
    round, _made = open_july(users, form.fiscal_year)
    report = Report.objects.get(round=round)
    filer = actor(users["filer"])
    entries = _monitoring_entries(report, executed=Decimal("1"))
    save_report(actor=filer, report_id=report.pk, seen_version=1, entries=entries)
    with pytest.raises(VersionConflict):
        save_report(
            actor=filer,
            report_id=report.pk,
            seen_version=1,
            entries=_monitoring_entries(report, executed=Decimal("2")),
        )
    report.refresh_from_db()
    assert report.executed == Decimal("1.00")


def test_another_unit_can_neither_see_nor_fill_it(approved, charlie):
    form, users, _forms = approved
    round, _made = open_july(users, form.fiscal_year)
    report = Report.objects.get(round=round)
    assert not Report.objects.visible_to(actor(charlie)).filter(pk=report.pk).exists()
    with pytest.raises(CycleRefused, match="本单位的填报人"):
        save_report(
            actor=actor(charlie), report_id=report.pk, seen_version=1, entries=ReportInput()
        )


def _fill_self_evaluation(report, users, *, executed_share="0.9", reason="原因已分析"):
    lines = list(report.lines.order_by("order"))
    entries = ReportInput(
        initial_budget=report.annual_budget,
        annual_budget=report.annual_budget,
        executed=report.annual_budget * Decimal(executed_share),
        goal_actual="全年目标基本完成。",
        lines=tuple(
            LineInput(line_id=line.pk, actual=line.target, achieved="达成", reason=reason)
            for line in lines
            if not line.not_applicable
        ),
    )
    return save_report(
        actor=actor(users["filer"]),
        report_id=report.pk,
        seen_version=report.version,
        entries=entries,
    )


def test_a_self_evaluation_is_scored_and_graded_on_save(approved):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    assert report.kind == "self_evaluation"
    saved = _fill_self_evaluation(report, users)
    report = saved.report
    # every target met: 90 indicator points; 90 % spent: 9 budget points
    assert report.total == Decimal("99.00")
    assert report.grade == "优"
    scores = [line.score for line in report.lines.filter(not_applicable=False)]
    assert all(score is not None for score in scores)
    assert sum(scores) == Decimal("90.00") or abs(sum(scores) - Decimal("90")) <= Decimal("0.05")
    # the same form again: the same report, not a second one
    assert start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk).pk == report.pk


def test_a_return_with_a_comment_on_an_indicator_then_resubmission_and_approval(approved):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    report = _fill_self_evaluation(report, users).report
    report = take_step(
        actor=actor(users["filer"]), verb="submit", report_id=report.pk, seen_version=report.version
    )
    line = report.lines.filter(not_applicable=False).first()
    if form.project.department.department_review:
        report = take_step(
            actor=actor(users["dept"]),
            verb="pass_on",
            report_id=report.pk,
            seen_version=report.version,
        )
    finance = actor(users["finance"])
    comment = add_comment(
        actor=finance, report_id=report.pk, line_id=line.pk, text="实际完成值请附佐证"
    )
    assert comment.line_id == line.pk
    with pytest.raises(CycleRefused, match="退回的理由"):
        take_step(actor=finance, verb="return", report_id=report.pk, seen_version=report.version)
    report = take_step(
        actor=finance,
        verb="return",
        report_id=report.pk,
        seen_version=report.version,
        comment="见指标意见",
    )
    assert report.status == "returned"
    report = _fill_self_evaluation(report, users, reason="已补充佐证").report
    report = take_step(
        actor=actor(users["filer"]), verb="submit", report_id=report.pk, seen_version=report.version
    )
    if form.project.department.department_review:
        report = take_step(
            actor=actor(users["dept"]),
            verb="pass_on",
            report_id=report.pk,
            seen_version=report.version,
        )
    report = take_step(
        actor=finance, verb="approve", report_id=report.pk, seen_version=report.version
    )
    assert report.status == "approved"
    kinds = list(report.events.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds[0] == "create" and kinds[-1] == "approve" and "return" in kinds
    assert not report.comments.filter(resolved_at__isnull=True).exists()


def test_the_filer_cannot_approve_and_finance_cannot_fill(approved):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    report = _fill_self_evaluation(report, users).report
    report = take_step(
        actor=actor(users["filer"]), verb="submit", report_id=report.pk, seen_version=report.version
    )
    with pytest.raises(CycleRefused):
        take_step(
            actor=actor(users["filer"]),
            verb="approve",
            report_id=report.pk,
            seen_version=report.version,
        )
    with pytest.raises(CycleRefused, match="本单位的填报人"):
        save_report(
            actor=actor(users["finance"]),
            report_id=report.pk,
            seen_version=report.version,
            entries=ReportInput(),
        )


def test_a_draft_form_has_no_self_evaluation(seeded):
    forms, users = seeded
    with pytest.raises(CycleRefused, match="还没有审核通过"):
        start_self_evaluation(actor=actor(users["filer"]), form_id=forms[1].pk)


# --------------------------------------------------------------------------- the pages


def test_the_page_keeps_what_was_typed_when_an_amount_is_wrong(approved, client):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    lines = list(report.lines.order_by("order"))
    data = {
        "version": report.version,
        "annual_budget": "一百万",
        "executed": "50万",
        "goal_actual": "完成了大部分目标",
    }
    data[f"l{lines[0].pk}-actual"] = "118个"
    response = client.post(reverse("cycle:report", args=[report.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "汉字数字" in page
    assert "完成了大部分目标" in page and "118个" in page and "50万" in page
    report.refresh_from_db()
    assert report.version == 1 and report.goal_actual == ""


def test_the_page_saves_and_submits_in_one_go(approved, client):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    lines = list(report.lines.order_by("order"))
    data = {
        "version": report.version,
        "annual_budget": str(report.annual_budget),
        "initial_budget": str(report.annual_budget),
        "executed": str(report.annual_budget),
        "goal_actual": "目标全部完成。",
        "fund-fiscal-annual": "10万",
        "fund-fiscal-executed": "8万",
        "then": "submit",
    }
    for line in lines:
        data[f"l{line.pk}-actual"] = line.target
        data[f"l{line.pk}-achieved"] = "达成"
    response = client.post(reverse("cycle:report", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted", list(ReportEvent.objects.values_list("kind", flat=True))
    assert report.grade == "优"
    page = client.get(reverse("cycle:report", args=[report.pk])).content.decode()
    assert "已提交" in page and "100.00" in page
    assert report.fund_rows == {
        "fiscal": {"initial": None, "annual": "100000.00", "executed": "80000.00"}
    }
    assert "当年财政拨款" in page and "80.00%" in page  # its own execution rate, read only


def test_pages_hide_another_units_report(approved, client, charlie):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(charlie)
    assert client.get(reverse("cycle:report", args=[report.pk])).status_code == 404
    assert form.project.name not in client.get(reverse("cycle:list")).content.decode()


def test_finance_opens_a_round_from_the_list_page(
    approved, client, django_capture_on_commit_callbacks
):
    form, users, _forms = approved
    client.force_login(users["finance"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(
            reverse("cycle:round_open"),
            {"fiscal_year": form.fiscal_year, "months": 7, "deadline": "2023-08-15"},
        )
    assert response.status_code == 302
    assert len(queued) == 1  # the job that makes the reports, once the round is committed
    assert Report.objects.filter(kind="monitoring").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "1 张" in page and form.project.name in page
    bad = client.post(
        reverse("cycle:round_open"), {"fiscal_year": form.fiscal_year, "months": 13, "deadline": ""}
    )
    assert bad.status_code == 400
    assert "13" in bad.content.decode() or "小于或等于" in bad.content.decode()


def test_a_refused_tool_shows_the_list_as_it_was_filtered(approved, client) -> None:
    form, users, _forms = approved
    client.force_login(users["finance"])
    start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    listed = f"?kind=monitoring&year={form.fiscal_year}"
    page = client.get(reverse("cycle:list") + listed).content.decode()
    action = f'action="{reverse("cycle:round_open")}?kind=monitoring&amp;year={form.fiscal_year}"'
    assert action in page  # the tool posts with the list's filters
    assert form.project.name not in page  # a self-evaluation: not a monitoring report
    refused = client.post(
        reverse("cycle:round_open") + listed,
        {"fiscal_year": form.fiscal_year, "months": 13, "deadline": ""},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert '<option value="monitoring" selected>' in page
    assert f'name="year" value="{form.fiscal_year}"' in page
    assert form.project.name not in page  # the same (empty) list, not every report
    assert action in page
    # the page's own links and its filter lead to the list, not to the tool's address
    assert f'<form method="get" action="{reverse("cycle:list")}"' in page
    unfiltered = client.post(
        reverse("cycle:self_evaluations_start"), {"fiscal_year": "abc"}
    ).content.decode()
    assert form.project.name in unfiltered  # no filter: every report, as before


def test_the_report_form_reads_amounts_as_the_editor_does(approved):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    lines = list(report.lines.order_by("order"))
    bound = ReportForm(report, lines, {"annual_budget": "24.5万", "executed": "１２３,４５６.５"})
    assert bound.is_valid(), bound.errors
    entries = bound.entries()
    assert entries.annual_budget == Decimal("245000.0")
    assert entries.executed == Decimal("123456.5")


# --------------------------------------------------------------------------- the dashboard


def test_the_dashboard_counts_lights_and_grades_by_department_in_fixed_queries(
    approved, client, django_assert_num_queries
):
    form, users, forms = approved
    round, _made = open_july(users, form.fiscal_year)
    report = Report.objects.get(round=round)
    save_report(
        actor=actor(users["filer"]),
        report_id=report.pk,
        seen_version=report.version,
        entries=_monitoring_entries(report, executed=report.annual_budget * Decimal("0.1")),
    )
    evaluation = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    _fill_self_evaluation(evaluation, users)
    client.force_login(users["finance"])
    url = reverse("projects:dashboard") + f"?year={form.fiscal_year}"
    # a draft's grade is not yet the unit's word: counted as 填报中
    [row] = client.get(url).context["cycle"].rows
    assert row.grades == {"filling": 1}
    step(users, "filer", "submit", evaluation)
    response = client.get(url)
    summary = response.context["cycle"]
    [row] = summary.rows
    assert row.department == form.project.department.name
    assert row.lights == {"red": 1}
    assert row.grades == {"优": 1}
    page = response.content.decode()
    assert "绩效监控与自评" in page and "红色预警" in page
    # the page's own queries (see test_review_dashboard), three of them the cycle's
    with django_assert_num_queries(12):
        client.get(url)
    # more approved forms and reports: the same number of queries
    for other in forms[1:3]:
        approve(other, users)
    open_july(users, form.fiscal_year, months=9)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert sum(response.context["cycle"].light_totals()) == 3  # the latest round's (9 months)


# --------------------------------------------------------------------------- print and upload


def test_the_unit_downloads_its_tables_and_another_unit_cannot(approved, client, charlie):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    pdf = client.get(reverse("cycle:export", args=[report.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    sheet = client.get(reverse("cycle:export", args=[report.pk, "xlsx"]))
    assert sheet.status_code == 200 and sheet.content.startswith(b"PK")
    assert client.get(reverse("cycle:export", args=[report.pk, "doc"])).status_code == 404
    client.force_login(charlie)
    assert client.get(reverse("cycle:export", args=[report.pk, "pdf"])).status_code == 404


def _upload(client, report, content: bytes, name: str = "自评表.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("cycle:upload", args=[report.pk]),
        {"sheet": SimpleUploadedFile(name, content)},
    )


def test_a_sheet_filled_offline_is_read_and_saved_and_a_stale_one_refused(approved, client):
    import io

    import openpyxl

    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    blank = client.get(reverse("cycle:export", args=[report.pk, "xlsx"])).content
    response = _upload(client, report, blank)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.version == 1  # the same as the report: nothing to save
    # the unit fills the goal's outcome offline
    book = openpyxl.load_workbook(io.BytesIO(blank))
    sheet = book.active
    label = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "实际完成情况")
    goal = sheet.cell(row=label.row + 1, column=label.column)  # the entry under its label
    assert goal.value is None and goal.protection.locked is False
    goal.value = "=全年目标基本完成"  # looks like a formula: stays text
    goal.data_type = "s"
    filled = io.BytesIO()
    book.save(filled)
    response = _upload(client, report, filled.getvalue())
    assert response.status_code == 302, response.content.decode()[:2000]
    report.refresh_from_db()
    assert report.version == 2 and report.goal_actual == "=全年目标基本完成"
    # the same sheet again, printed at version 1: nothing new in it
    response = _upload(client, report, filled.getvalue())
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.version == 2
    # the page changes the goal's outcome; the file, printed at version 1, says another
    # thing there: refused, naming the entry, nothing changed
    saved = save_report(
        actor=actor(users["filer"]),
        report_id=report.pk,
        seen_version=2,
        entries=ReportInput(goal_actual="页面上写的"),
    )
    assert saved.report.version == 3
    goal.value = "表里又写的"
    refilled = io.BytesIO()
    book.save(refilled)
    response = _upload(client, report, refilled.getvalue())
    assert response.status_code == 400
    page = response.content.decode()
    assert "这份表是从第 1 版下载的" in page and "现为第 3 版" in page
    assert "年度总体目标实际完成情况在下载之后已有修改" in page
    assert "仍在页面上" not in page  # the typing is in the file, not on the page
    report.refresh_from_db()
    assert report.version == 3 and report.goal_actual == "页面上写的"


def _uploaded_goal_sheet(approved, client) -> tuple[Report, bytes]:
    """A self-evaluation started by the filer, its sheet downloaded, its goal's 实际完成情况
    filled in (``表里写的``) and uploaded (version 2): the report and the file."""
    import io

    import openpyxl

    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("cycle:export", args=[report.pk, "xlsx"])).content)
    )
    sheet = book.active
    label = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "实际完成情况")
    sheet.cell(row=label.row + 1, column=label.column).value = "表里写的"
    filled = io.BytesIO()
    book.save(filled)
    assert _upload(client, report, filled.getvalue()).status_code == 302  # version 2
    report.refresh_from_db()
    return report, filled.getvalue()


def test_a_sheet_uploaded_again_after_other_changes_says_what_it_kept(approved, client):
    users = approved[1]
    report, filled = _uploaded_goal_sheet(approved, client)
    save_report(  # then, on the page, the 全年执行数
        actor=actor(users["filer"]),
        report_id=report.pk,
        seen_version=report.version,
        entries=ReportInput(
            initial_budget=report.initial_budget,
            annual_budget=report.annual_budget,
            executed=Decimal("650000"),
            goal_actual="表里写的",
        ),
    )
    response = _upload(client, report, filled)  # printed at version 1
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert (
        "没有需要写入的新内容，本表没有变化（这份表是从第 1 版下载的，下载之后的修改都已保留）"
        in page
    )
    assert "已按本表保留：全年执行数。" in page
    report.refresh_from_db()
    assert report.version == 3 and report.executed == Decimal("650000.00")


def test_the_same_sheet_uploaded_after_the_page_changed_its_entry_keeps_the_page(approved, client):
    """The file was uploaded once; the page then changed the entry it wrote. Uploading the
    file again is not refused: the page's change stays, and the message says so."""
    users = approved[1]
    report, filled = _uploaded_goal_sheet(approved, client)
    save_report(  # then, on the page, the same entry
        actor=actor(users["filer"]),
        report_id=report.pk,
        seen_version=report.version,
        entries=ReportInput(
            initial_budget=report.initial_budget,
            annual_budget=report.annual_budget,
            executed=report.executed,
            goal_actual="页面上改的",
        ),
    )
    response = _upload(client, report, filled)  # printed at version 1
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已保留之后的修改：年度总体目标实际完成情况。" in page
    assert "没有需要写入的新内容" in page
    report.refresh_from_db()
    assert report.version == 3 and report.goal_actual == "页面上改的"


def test_a_file_that_is_not_the_sheet_is_refused_with_its_name(approved, client):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    response = _upload(client, report, b"not a workbook at all", name="随便.xlsx")
    assert response.status_code == 400
    assert "随便.xlsx" in response.content.decode()
    report.refresh_from_db()
    assert report.version == 1


# --------------------------------------------------------------------------- notices


def test_each_step_and_comment_tells_who_acts_next_and_leads_to_the_report(
    approved, client, django_capture_on_commit_callbacks
):
    from projects.models import Notification

    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    report = _fill_self_evaluation(report, users).report
    client.force_login(users["filer"])
    url = reverse("cycle:step", args=[report.pk, "submit"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"version": report.version}).status_code == 302
    reviewer = "dept" if form.project.department.department_review else "finance"
    notice = Notification.objects.get(recipient=users[reviewer], report__isnull=False)
    assert notice.report_id == report.pk and "绩效自评表" in notice.text
    client.force_login(users[reviewer])
    opened = client.get(reverse("projects:notification_open", args=[notice.pk]))
    assert opened["Location"] == reverse("cycle:report", args=[report.pk])
    if reviewer == "dept":
        report.refresh_from_db()
        client.post(reverse("cycle:step", args=[report.pk, "pass_on"]), {"version": report.version})
        client.force_login(users["finance"])
    line = report.lines.filter(not_applicable=False).first()
    client.post(reverse("cycle:comment", args=[report.pk]), {"line": line.pk, "text": "请附佐证"})
    report.refresh_from_db()
    client.post(
        reverse("cycle:step", args=[report.pk, "return"]),
        {"version": report.version, "comment": "见意见"},
    )
    told = list(
        Notification.objects.filter(recipient=users["filer"], report=report).values_list(
            "text", flat=True
        )
    )
    assert any("请附佐证" in text for text in told)
    assert any("退回了" in text and "见意见" in text for text in told)


def test_a_report_follows_its_project_to_another_department(approved):
    from tests.factories import DepartmentFactory

    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    assert report.department_id == form.project.department_id
    unit = form.project.unit
    unit.parent = DepartmentFactory(name="东莞市数据局")
    unit.save()  # the unit moves: its projects follow, and their reports (a trigger)
    report.refresh_from_db()
    assert report.department.name == "东莞市数据局"


def test_a_save_after_the_report_was_submitted_elsewhere_keeps_the_typing(approved, client):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    report = _fill_self_evaluation(report, users).report
    take_step(
        actor=actor(users["filer"]), verb="submit", report_id=report.pk, seen_version=report.version
    )
    client.force_login(users["filer"])
    response = client.post(
        reverse("cycle:report", args=[report.pk]),
        {"version": report.version, "goal_actual": "在另一个标签页里写的说明"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "在另一个标签页里写的说明" in page and "没有保存" in page
    report.refresh_from_db()
    assert report.goal_actual == "全年目标基本完成。"


def test_a_form_being_adjusted_is_reported_on_as_approved_not_as_drafted(seeded):
    """While an adjustment is drafted, the approved version stays in force: the round's report
    carries its amount and indicators, not the draft's new amount nor its added indicator."""
    from tests.test_adjustment_in_force import ADDED, DRAFT_AMOUNT, adjusting

    forms, users = seeded
    form, approved_amount = adjusting(forms, users)
    round, made = open_july(users, form.fiscal_year)
    assert made == 1
    report = Report.objects.get(round=round, form=form)
    assert report.target_version == form.approved_version < form.version
    assert report.annual_budget == approved_amount != DRAFT_AMOUNT
    names = list(report.lines.values_list("name", flat=True))
    assert ADDED not in names
    assert len(names) == form.indicators.count() - 1  # the draft's added row is not there


# --------------------------------------------------------------------------- trust


def test_a_page_refused_for_someone_elses_save_stays_refused_until_it_is_opened_again(
    approved, client
):
    """Two tabs on one report: B saves, A's save is refused (409) with A's typing kept; a
    second 保存 from A's refused page is refused too (it carries the version A opened), so
    B's save is not undone; once A opens the page again, A may save."""
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    line = report.lines.order_by("order").first()
    url = reverse("cycle:report", args=[report.pk])
    opened = report.version
    assert client.post(url, {"version": opened, f"l{line.pk}-actual": "2个"}).status_code == 302
    mine = {"version": opened, f"l{line.pk}-actual": "0个", "goal_actual": "A 写的"}
    refused = client.post(url, mine)
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "A 写的" in page and f'name="version" value="{opened}"' in page
    assert client.post(url, mine).status_code == 409  # the refused page's next 保存
    line.refresh_from_db()
    assert line.actual == "2个"
    again = client.get(url).content.decode()
    assert f'name="version" value="{opened + 1}"' in again


def test_the_report_form_posts_to_the_report_after_a_refused_upload(approved, client):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    response = _upload(client, report, b"\x89PNG not a workbook", name="截图.xlsx")
    assert response.status_code == 400
    page = response.content.decode()
    action = reverse("cycle:report", args=[report.pk])
    assert f'<form method="post" action="{action}" id="report-form"' in page


def test_a_sheet_with_a_text_longer_than_the_page_takes_is_refused_at_its_cell(approved, client):
    from projects.exporting.reports import report_xlsx

    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    sheet = book.active
    unlocked = [
        cell
        for row in sheet.iter_rows()
        for cell in row
        if cell.protection.locked is False and cell.number_format != "#,##0.00"
    ]
    reason = unlocked[-1]  # the last line's 偏差原因分析及改进措施
    reason.value = "原因" * 1500
    filled = io.BytesIO()
    book.save(filled)
    response = _upload(client, report, filled.getvalue())
    assert response.status_code == 400
    page = response.content.decode()
    assert f"{reason.coordinate}" in page and "最多 2000 个字（现在 3000 个）" in page
    report.refresh_from_db()
    assert report.version == 1


def test_a_refused_return_keeps_the_reason_typed_in_view(approved, client):
    """The department returns a report from a page opened before it passed it on: refused,
    and the reason typed is shown with the refusal (the page has no 退回 box any more)."""
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    _fill_self_evaluation(report, users)
    step(users, "filer", "submit", report)
    opened = report.version
    step(users, "dept", "pass_on", report)
    client.force_login(users["dept"])
    response = client.post(
        reverse("cycle:step", args=[report.pk, "return"]),
        {"version": opened, "comment": "请补充佐证材料再报"},
    )
    assert response.status_code in (400, 409)
    assert "请补充佐证材料再报" in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("12.345", "金额最多精确到分（两位小数）"),
        ("0.005", "金额最多精确到分（两位小数）"),
        ("1,2,3", "千位分隔符位置不对"),
    ],
)
def test_an_amount_with_finer_parts_or_wrong_separators_is_refused_not_rounded(
    approved, client, typed, said
):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    response = client.post(
        reverse("cycle:report", args=[report.pk]),
        {"version": report.version, "executed": typed, "annual_budget": "1,234,567.89"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert said in page and typed in page  # what was typed stays in its field
    report.refresh_from_db()
    assert report.version == 1 and report.executed is None


def test_a_returned_report_says_why_at_the_top_and_its_reviewer_resolves_a_comment(
    approved, client
):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    report = _fill_self_evaluation(report, users).report
    step(users, "filer", "submit", report)
    reviewer = "finance"
    if form.project.department.department_review:
        step(users, "dept", "pass_on", report)
    line = report.lines.filter(not_applicable=False).first()
    comment = add_comment(
        actor=actor(users[reviewer]), report_id=report.pk, line_id=line.pk, text="请附佐证"
    )
    step(users, reviewer, "return", report, comment="实际完成值与佐证不一致")
    client.force_login(users["filer"])
    page = client.get(reverse("cycle:report", args=[report.pk])).content.decode()
    top = page.index("已退回修改")
    assert top < page.index("评分结果") and "实际完成值与佐证不一致" in page[top : top + 300]
    assert "标为已解决" not in page  # the unit does not resolve a reviewer's remark
    client.force_login(users[reviewer])
    page = client.get(reverse("cycle:report", args=[report.pk])).content.decode()
    resolve = reverse("cycle:comment_resolve", args=[report.pk, comment.pk])
    assert f'action="{resolve}"' in page and "标为已解决" in page
    assert client.post(resolve).status_code == 302
    page = client.get(reverse("cycle:report", args=[report.pk])).content.decode()
    assert "（已解决）" in page and "待处理" not in page


def test_a_refused_submission_lists_three_problems_and_says_how_many_more(approved):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    with pytest.raises(CycleRefused) as refused:
        step(users, "filer", "submit", report)
    message = refused.value.message
    count = int(message.split("还有 ")[1].split(" 处")[0])
    assert count > 3  # nothing filled: the funds and every indicator
    assert f"等（其余 {count - 3} 处见页面上标红的内容）。" in message
    assert "。；" not in message and "。等" not in message


@pytest.mark.parametrize(
    ("fiscal", "carried", "other", "warned"),
    [
        ("150000", "", "", "超过"),  # one source alone over the 100,000.00 total
        ("60000", "30000", "5000", "不等于"),  # every source given, 95,000.00
        ("60000", "40000", "", ""),  # two sources, adding up: nothing to say
        ("60000", "30000", "10000", ""),  # all three, adding up
    ],
)
def test_sources_of_funds_that_do_not_add_up_to_the_total_are_pointed_out(
    approved, client, fiscal, carried, other, warned
):
    form, users, _forms = approved
    report = start_self_evaluation(actor=actor(users["filer"]), form_id=form.pk)
    client.force_login(users["filer"])
    data = {
        "version": report.version,
        "annual_budget": "100000",
        "executed": "90000",
        "fund-fiscal-annual": fiscal,
        "fund-carried-annual": carried,
        "fund-other-annual": other,
    }
    assert client.post(reverse("cycle:report", args=[report.pk]), data).status_code == 302
    page = client.get(reverse("cycle:report", args=[report.pk])).content.decode()
    if warned:
        assert (
            "其中各项的全年预算数之和" in page and f"{warned}年度资金总额的 100,000.00 元" in page
        )
    else:
        assert "其中各项的" not in page
