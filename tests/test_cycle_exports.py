"""The performance cycle's printed tables: a self-evaluation and a monitoring report of an
approved seed form, printed as PDF and xlsx (``projects.exporting.reports``), and the xlsx read
back (``projects.cycle.sheet``) and saved with ``save_report``.

The first 东莞 seed form's indicators: 维护项目数量 1个, 项目维护质量 良好, 服务时限 1年,
项目维护费 ≤69.9万元, 财税库联网 正常运行, 工作实施效果 良好, 委托方的满意度 ≥90%. Its
self-evaluation below: 全年预算数 699,000.00, 全年执行数 650,000.50 (执行率 92.99%, budget
score 10 × 650,000.50 ÷ 699,000 = 9.2990… → 9.30); 产出 50 points over four indicators (12.50
each), 效益 30 over two (15.00 each), 满意度 10 over one; every indicator reached but 财税库联网,
部分达成 (7.50). Total 9.2990… + 82.50 = 91.80 (优).
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from projects.cycle.build import CycleRefused, fill_round, open_round, start_self_evaluation
from projects.cycle.inputs import LineInput, ReportInput
from projects.cycle.services import SheetClash, VersionConflict, save_report
from projects.cycle.sheet import read_report_sheet
from projects.exporting.reports import report_filename, report_pdf, report_xlsx
from projects.layouts.reports import REPORT_TABLES
from projects.models import Report
from projects.permissions import Actor
from tests import hostile_files as hostile
from tests.export_helpers import has_embedded_cjk_serif, needs_libreoffice, pdf_text
from tests.review_helpers import act
from tests.test_import_hostile import run_bounded

pytestmark = pytest.mark.django_db

PROJECT = "东莞市财政局信息中心财政业务系统支撑软件和硬件运维服务项目"
REASON = "=部分网点联网延迟：下年度增加巡检频次"  # looks like a formula: stays text
GOAL_ACTUAL = "系统全年正常运行，运维服务按合同完成。"
# 实际完成值 (or judgement) by indicator name
SELF_EVALUATION = {
    "维护项目数量": ("1个", ""),
    "项目维护质量": ("运行良好", "达成"),
    "服务时限": ("1年", ""),
    "项目维护费": ("65万元", ""),
    "财税库联网": ("", "部分达成"),
    "工作实施效果": ("", "达成"),
    "委托方的满意度": ("95%", ""),
}


def _approve(form, users) -> None:
    for user, verb in (("filer", "submit"), ("dept", "pass_on"), ("finance", "approve")):
        act(users[user], form, verb)


def _fresh(report: Report) -> Report:
    return Report.objects.with_related().get(pk=report.pk)


def _lines(report: Report) -> list:
    return list(report.lines.order_by("order", "id"))


def _fill_self_evaluation(report: Report, user, *, annual: str = "699000") -> Report:
    entries = ReportInput(
        initial_budget=Decimal("699000"),
        annual_budget=Decimal(annual),
        executed=Decimal("650000.50"),
        fund_rows={
            "fiscal": {
                "initial": Decimal("600000"),
                "annual": Decimal("600000"),
                "executed": Decimal("560000.50"),
            },
            "other": {
                "initial": Decimal("99000"),
                "annual": Decimal("99000"),
                "executed": Decimal("90000"),
            },
        },
        goal_actual=GOAL_ACTUAL,
        lines=tuple(
            LineInput(
                line.pk,
                actual=SELF_EVALUATION[line.name][0],
                achieved=SELF_EVALUATION[line.name][1],
                reason=REASON if line.name == "财税库联网" else "",
            )
            for line in _lines(report)
        ),
    )
    save_report(
        actor=Actor.for_user(user),
        report_id=report.pk,
        seen_version=report.version,
        entries=entries,
    )
    return _fresh(report)


def _fill_monitoring(report: Report, user) -> Report:
    entries = ReportInput(
        initial_budget=report.initial_budget,
        annual_budget=Decimal("699000"),
        executed=Decimal("300000"),
        lines=tuple(
            LineInput(
                line.pk,
                actual="1个" if line.name == "维护项目数量" else "按计划推进",
                projected="1个" if line.name == "维护项目数量" else "",
                likelihood="有可能" if line.name == "财税库联网" else "确定能",
                reason_kind="硬件条件保障" if line.name == "财税库联网" else "",
                reason="部分网点专线未开通" if line.name == "财税库联网" else "",
                measures="协调运营商于9月前开通" if line.name == "财税库联网" else "",
            )
            for line in _lines(report)
        ),
    )
    save_report(
        actor=Actor.for_user(user),
        report_id=report.pk,
        seen_version=report.version,
        entries=entries,
    )
    return _fresh(report)


@pytest.fixture
def approved(seeded):
    forms, users = seeded
    _approve(forms[0], users)
    return forms, users


@pytest.fixture
def self_evaluation(approved) -> Report:
    forms, users = approved
    report = start_self_evaluation(actor=Actor.for_user(users["filer"]), form_id=forms[0].pk)
    return _fill_self_evaluation(report, users["filer"])


@pytest.fixture
def monitoring(approved) -> Report:
    forms, users = approved
    round = open_round(
        actor=Actor.for_user(users["finance"]),
        fiscal_year=2023,
        months=7,
        deadline=datetime.date(2023, 8, 15),
    )
    fill_round(round, Actor.system())
    report = Report.objects.get(form=forms[0], kind=Report.Kind.MONITORING)
    return _fill_monitoring(report, users["filer"])


def _pdf_text(content: bytes, tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return re.sub(r"\s", "", pdf_text(path)), path


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def _saved_entries(report: Report) -> tuple:
    """What the report keeps of what was typed."""
    report = _fresh(report)
    fields = ("actual", "projected", "likelihood", "achieved", "reason_kind", "reason", "measures")
    return (
        report.initial_budget,
        report.annual_budget,
        report.executed,
        report.fund_rows,
        report.goal_actual,
        [tuple(getattr(line, name) for name in fields) for line in _lines(report)],
    )


def _edited(content: bytes, **cells: str) -> bytes:
    book = load_workbook(io.BytesIO(content))
    ws = book.active
    for ref, value in cells.items():
        ws[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- the scores


def test_every_kind_of_report_has_its_table():
    assert set(REPORT_TABLES) == set(Report.Kind.values)


def test_the_filled_self_evaluation_scores_as_computed_by_hand(self_evaluation):
    assert (self_evaluation.total, self_evaluation.grade) == (Decimal("91.80"), "优")


# --------------------------------------------------------------------------- PDF


def test_the_self_evaluation_pdf_prints_labels_amounts_and_scores(self_evaluation, tmp_path):
    text, path = _pdf_text(report_pdf(self_evaluation), tmp_path)
    for label in (
        "（2023年度）项目支出绩效自评表",
        "项目名称",
        "主管部门",
        "实施单位",
        "项目资金（元）",
        "年度资金总额",
        "其中：当年财政拨款",
        "上年结转资金",
        "其他资金",
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "执行率",
        "年度总体目标",
        "预期目标",
        "实际完成情况",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "偏差原因分析及改进措施",
        "总分",
        "自评等级",
    ):
        assert label in text, label
    assert PROJECT in text and "东莞市财政局信息中心" in text
    for figure in ("699,000.00", "650,000.50", "560,000.50", "92.99%", "9.30", "12.50", "7.50"):
        assert figure in text, figure
    assert "运行良好（达成）" in text and "部分达成" in text and REASON in text
    assert GOAL_ACTUAL in text
    assert "总分10091.80自评等级优" in text
    assert "第1页，共1页" in text
    assert has_embedded_cjk_serif(path)


def test_a_self_evaluation_without_a_total_prints_why(approved, tmp_path):
    forms, users = approved
    report = start_self_evaluation(actor=Actor.for_user(users["filer"]), form_id=forms[0].pk)
    report = _fill_self_evaluation(report, users["filer"], annual="0")
    assert report.total is None
    text, _path = _pdf_text(report_pdf(report), tmp_path)
    assert "无法计算全年预算数为零或未填写，无法计算执行率。" in text


LONG = "由于部分网点专线开通延迟，财税库联网在上半年未能全部完成。" * 60  # 延: once a sentence


def test_a_long_entry_runs_on_over_pages_whole_and_reads_back(self_evaluation, approved, tmp_path):
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    entries = read_report_sheet(
        self_evaluation,
        _edited(report_xlsx(self_evaluation), I16=LONG),
        "自评.xlsx",
    )
    save_report(
        actor=filer,
        report_id=self_evaluation.pk,
        seen_version=self_evaluation.version,
        entries=entries,
    )
    report = _fresh(self_evaluation)
    text, path = _pdf_text(report_pdf(report), tmp_path)
    pages = len(pdf_text(path).split("\f")) - 1
    assert pages > 1
    assert text.count("延") == 60  # every sentence printed, none cut off
    assert text.count("偏差原因分析及改进措施") == pages  # the head again on every page
    assert f"第{pages}页，共{pages}页" in text
    content = report_xlsx(report)
    assert _sheet(content)["I16"].value == LONG  # one cell, whole
    again = read_report_sheet(report, content, "自评.xlsx")
    saved = save_report(
        actor=filer, report_id=report.pk, seen_version=report.version, entries=again
    )
    assert not saved.changed


def test_the_monitoring_pdf_prints_the_period_funds_and_each_indicator(monitoring, tmp_path):
    text, path = _pdf_text(report_pdf(monitoring), tmp_path)
    for label in (
        "（2023年1—7月）项目支出绩效运行监控表",
        "1—7月执行数",
        "1—7月实际完成值",
        "全年预计完成值",
        "完成目标可能性",
        "偏差原因类型",
        "偏差原因说明",
        "纠偏措施",
        "预警",
    ):
        assert label in text, label
    # 300,000 ÷ 699,000 = 42.92 %, 73.6 % of the time gone by (7/12): 黄色预警
    assert "699,000.00300,000.0042.92%黄色预警" in text
    assert "有可能硬件条件保障部分网点专线未开通协调运营商于9月前开通" in text
    assert has_embedded_cjk_serif(path)


def test_the_file_names_say_the_year_project_and_table(self_evaluation, monitoring):
    assert report_filename(self_evaluation, "pdf") == f"2023_{PROJECT}_项目支出绩效自评表.pdf"
    assert report_filename(monitoring, "xlsx") == f"2023_{PROJECT}_1—7月项目支出绩效运行监控表.xlsx"


# --------------------------------------------------------------------------- xlsx


def test_the_self_evaluation_xlsx_has_each_value_in_its_cell(self_evaluation):
    ws = _sheet(report_xlsx(self_evaluation))
    assert ws.title == "绩效自评表"
    assert ws["A1"].value == "（2023年度）项目支出绩效自评表"
    assert (ws["A2"].value, ws["B2"].value) == ("项目名称", PROJECT)
    assert [ws.cell(4, c).value for c in range(4, 10)] == [
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ]
    assert ws["B5"].value == "年度资金总额"
    assert [ws.cell(5, c).value for c in range(4, 10)] == [
        699000,
        699000,
        650000.5,
        10,
        "92.99%",
        9.3,
    ]
    assert ws["F6"].value == Decimal("560000.50") and ws["F6"].number_format == "#,##0.00"
    assert ws["D7"].value is None  # 上年结转资金: nothing typed, the cell left blank
    assert ws["F10"].value == GOAL_ACTUAL
    assert ws["A11"].value == "绩效指标" and ws["I11"].value == "偏差原因分析及改进措施"
    assert [ws.cell(12, c).value for c in range(2, 9)] == [
        "产出指标",
        "数量指标",
        "维护项目数量",
        "1个",
        "1个",
        12.5,
        12.5,
    ]
    assert ws["F13"].value == "运行良好（达成）"
    assert (ws["D16"].value, ws["F16"].value, ws["H16"].value) == ("财税库联网", "部分达成", 7.5)
    assert (ws["A19"].value, ws["G19"].value, ws["H19"].value) == ("总分", 100, 91.8)
    assert (ws["A20"].value, ws["G20"].value) == ("自评等级", "优")
    merges = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A8", "A11:A18", "B12:B15", "B16:B17", "B2:I2", "F10:I10"} <= merges
    assert ws.print_title_rows == "$11:$11"
    assert (ws.page_setup.paperSize, ws.page_setup.fitToWidth) == (9, 1)  # A4, one page wide


def test_a_formula_looking_entry_stays_text(self_evaluation):
    cell = _sheet(report_xlsx(self_evaluation))["I16"]
    assert (cell.value, cell.data_type) == (REASON, "s")


def test_only_the_entry_cells_are_unlocked_on_the_protected_sheet(self_evaluation, monitoring):
    ws = _sheet(report_xlsx(self_evaluation))
    assert ws.protection.sheet
    for ref in ("D5", "E5", "F5", "D7", "F10", "F12", "I12"):
        assert not ws[ref].protection.locked, ref
    for ref in ("A1", "B2", "G5", "H5", "D12", "E12", "G12", "H12", "H19"):
        assert ws[ref].protection.locked, ref
    ws = _sheet(report_xlsx(monitoring))
    choices = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert '"确定能,有可能,完全不可能"' in choices.values()
    assert '"经费保障,制度保障,人员保障,硬件条件保障,其他"' in choices.values()


def test_the_monitoring_xlsx_has_each_value_in_its_cell(monitoring):
    ws = _sheet(report_xlsx(monitoring))
    assert ws.title == "运行监控表" and ws.page_setup.orientation == "landscape"
    assert ws["A1"].value == "（2023年1—7月）项目支出绩效运行监控表"
    assert [ws[ref].value for ref in ("C4", "E4", "G4", "I4")] == [
        "全年预算数",
        "1—7月执行数",
        "执行率",
        "预警",
    ]
    assert [ws[ref].value for ref in ("C5", "E5", "G5", "I5")] == [
        699000,
        300000,
        "42.92%",
        "黄色预警",
    ]
    row = next(r for r in range(8, 15) if ws.cell(r, 3).value == "财税库联网")
    assert [ws.cell(row, c).value for c in range(4, 11)] == [
        "正常运行",
        "按计划推进",
        None,
        "有可能",
        "硬件条件保障",
        "部分网点专线未开通",
        "协调运营商于9月前开通",
    ]


# --------------------------------------------------------------------------- reading back


def test_the_self_evaluation_reads_back_as_it_was_saved(self_evaluation, approved):
    _forms, users = approved
    before = _saved_entries(self_evaluation)
    entries = read_report_sheet(self_evaluation, report_xlsx(self_evaluation), "自评.xlsx")
    saved = save_report(
        actor=Actor.for_user(users["filer"]),
        report_id=self_evaluation.pk,
        seen_version=self_evaluation.version,
        entries=entries,
    )
    assert not saved.changed
    assert _saved_entries(self_evaluation) == before


def test_the_monitoring_report_reads_back_as_it_was_saved(monitoring, approved):
    _forms, users = approved
    before = _saved_entries(monitoring)
    entries = read_report_sheet(monitoring, report_xlsx(monitoring), "监控.xlsx")
    saved = save_report(
        actor=Actor.for_user(users["filer"]),
        report_id=monitoring.pk,
        seen_version=monitoring.version,
        entries=entries,
    )
    assert not saved.changed
    assert _saved_entries(monitoring) == before


def test_what_was_typed_offline_is_read_as_the_editor_reads_it(self_evaluation, approved):
    _forms, users = approved
    content = _edited(
        report_xlsx(self_evaluation),
        F5="66万",  # 全年执行数
        D7="1,234.5",  # 上年结转资金 年初预算数
        F16="基本联通（达成）",
        I16="",
        F17="  部分达成 ",
    )
    entries = read_report_sheet(self_evaluation, content, "自评.xlsx")
    assert entries.executed == Decimal("660000.00")
    assert entries.fund_rows["carried"]["initial"] == Decimal("1234.50")
    by_id = {line.line_id: line for line in entries.lines}
    lines = {line.name: by_id[line.pk] for line in _lines(self_evaluation)}
    assert (lines["财税库联网"].actual, lines["财税库联网"].achieved) == ("基本联通", "达成")
    assert (lines["工作实施效果"].actual, lines["工作实施效果"].achieved) == ("", "部分达成")
    saved = save_report(
        actor=Actor.for_user(users["filer"]),
        report_id=self_evaluation.pk,
        seen_version=self_evaluation.version,
        entries=entries,
    )
    assert saved.changed and saved.report.executed == Decimal("660000.00")


def test_a_sheet_printed_before_a_later_change_is_refused_when_saved(self_evaluation, approved):
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    printed_at = self_evaluation.version
    content = report_xlsx(self_evaluation)
    note = _sheet(content)["A21"].value
    assert note.startswith("填表说明：") and f"本表下载自系统中这张表的第 {printed_at} 版。" in note
    entries = read_report_sheet(self_evaluation, content, "自评.xlsx")
    assert entries.version == printed_at
    changed = replace(read_report_sheet(self_evaluation, content, "自评.xlsx"), goal_actual="改过")
    save_report(actor=filer, report_id=self_evaluation.pk, seen_version=printed_at, entries=changed)
    with pytest.raises(VersionConflict):
        save_report(
            actor=filer, report_id=self_evaluation.pk, seen_version=entries.version, entries=entries
        )
    assert _fresh(self_evaluation).goal_actual == "改过"


def test_a_sheet_filled_on_an_earlier_version_keeps_the_later_changes_it_does_not_meet(
    self_evaluation, approved
) -> None:
    """The unit downloads the sheet, uploads it filled (a new version), then fills in more
    of the same file and uploads it again; meanwhile someone changed other entries on the
    page. Each side keeps what it changed."""
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    printed_at = self_evaluation.version
    content = report_xlsx(self_evaluation)
    first = _edited(content, F5="66万")  # 全年执行数
    entries = read_report_sheet(self_evaluation, first, "自评.xlsx")
    save_report(actor=filer, report_id=self_evaluation.pk, seen_version=printed_at, entries=entries)
    # on the page: the goal's outcome
    report = _fresh(self_evaluation)
    on_page = replace(
        read_report_sheet(report, report_xlsx(report), "自评.xlsx"), goal_actual="页面上写的"
    )
    save_report(actor=filer, report_id=report.pk, seen_version=report.version, entries=on_page)
    # the first file, filled further (an indicator's outcome): printed at the first version
    again = _edited(first, F16="基本联通（达成）")
    entries = read_report_sheet(_fresh(self_evaluation), again, "自评.xlsx")
    assert entries.version == printed_at
    with pytest.raises(VersionConflict):  # the page's own save stays strict
        save_report(actor=filer, report_id=report.pk, seen_version=entries.version, entries=entries)
    saved = save_report(
        actor=filer,
        report_id=report.pk,
        seen_version=entries.version,
        entries=entries,
        rebase=True,
    )
    assert saved.changed and saved.rebased_from == printed_at
    # the sheet still shows the goal's earlier outcome: kept as the page set it, and said so
    assert saved.kept == ("年度总体目标实际完成情况",)
    report = _fresh(self_evaluation)
    assert report.version == printed_at + 3
    assert report.goal_actual == "页面上写的"  # the later change, not met by the sheet
    assert report.executed == Decimal("660000.00")  # the sheet's, unchanged since
    line = report.lines.get(name="财税库联网")
    assert (line.actual, line.achieved) == ("基本联通", "达成")  # the sheet's new entry
    # the same file once more: nothing new
    again_saved = save_report(
        actor=filer, report_id=report.pk, seen_version=printed_at, entries=entries, rebase=True
    )
    assert not again_saved.changed and _fresh(report).version == report.version


def test_a_sheet_uploaded_again_after_the_page_changed_what_it_wrote_keeps_the_page(
    self_evaluation, approved
) -> None:
    """The unit uploads the filled sheet (a new version); the page then changes an entry the
    sheet wrote; the same file, filled further, is uploaded again. Its old value of that entry
    was written before and changed since: the page's change stays, the file's new entries are
    taken, and the entry is named. A value the report never held is still refused."""
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    printed_at = self_evaluation.version
    first = _edited(report_xlsx(self_evaluation), F5="66万")  # 全年执行数
    entries = read_report_sheet(self_evaluation, first, "自评.xlsx")
    upload = {"actor": filer, "report_id": self_evaluation.pk, "rebase": True}
    save_report(seen_version=printed_at, entries=entries, **upload)  # the file uploaded
    report = _fresh(self_evaluation)
    on_page = replace(
        read_report_sheet(report, report_xlsx(report), "自评.xlsx"), executed=Decimal("650000")
    )
    save_report(actor=filer, report_id=report.pk, seen_version=report.version, entries=on_page)
    again = _edited(first, F16="基本联通（达成）")
    entries = read_report_sheet(_fresh(self_evaluation), again, "自评.xlsx")
    assert entries.version == printed_at and entries.executed == Decimal("660000")
    saved = save_report(
        actor=filer, report_id=report.pk, seen_version=printed_at, entries=entries, rebase=True
    )
    assert saved.changed and saved.superseded == ("全年执行数",) and saved.kept == ()
    report = _fresh(self_evaluation)
    assert report.executed == Decimal("650000.00")  # the page's later change
    line = report.lines.get(name="财税库联网")
    assert (line.actual, line.achieved) == ("基本联通", "达成")  # the file's new entry
    # a value of the file's that no version held: changed on both sides, refused
    other = read_report_sheet(report, _edited(again, F5="67万"), "自评.xlsx")
    with pytest.raises(SheetClash) as refused:
        save_report(
            actor=filer, report_id=report.pk, seen_version=printed_at, entries=other, rebase=True
        )
    assert "全年执行数在下载之后已有修改" in refused.value.message
    assert _fresh(self_evaluation).executed == Decimal("650000.00")


def test_a_sheet_uploaded_again_after_the_page_set_back_what_it_wrote_keeps_the_page(
    self_evaluation, approved
) -> None:
    """The page set an entry the sheet wrote back to what the sheet was printed with: the same
    file uploaded again does not write its value over that later change."""
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    printed_at = self_evaluation.version
    printed = self_evaluation.executed
    first = _edited(report_xlsx(self_evaluation), F5="66万")
    entries = read_report_sheet(self_evaluation, first, "自评.xlsx")
    upload = {"actor": filer, "report_id": self_evaluation.pk, "rebase": True}
    save_report(seen_version=printed_at, entries=entries, **upload)
    report = _fresh(self_evaluation)
    back = replace(read_report_sheet(report, report_xlsx(report), "自评.xlsx"), executed=printed)
    save_report(actor=filer, report_id=report.pk, seen_version=report.version, entries=back)
    assert _fresh(self_evaluation).executed == printed
    saved = save_report(seen_version=printed_at, entries=entries, **upload)
    assert saved.superseded == ("全年执行数",) and not saved.changed
    assert _fresh(self_evaluation).executed == printed


def test_a_sheet_value_that_only_the_page_held_before_is_still_a_clash(
    self_evaluation, approved
) -> None:
    """A value typed in a sheet that the page held for a while, not one this sheet wrote, is
    no earlier upload of it: changed on both sides, refused."""
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    printed_at = self_evaluation.version
    content = report_xlsx(self_evaluation)
    for goal in ("甲", "乙"):  # on the page, twice
        report = _fresh(self_evaluation)
        on_page = replace(
            read_report_sheet(report, report_xlsx(report), "自评.xlsx"), goal_actual=goal
        )
        save_report(actor=filer, report_id=report.pk, seen_version=report.version, entries=on_page)
    sheet = replace(read_report_sheet(self_evaluation, content, "自评.xlsx"), goal_actual="甲")
    with pytest.raises(SheetClash):
        save_report(
            actor=filer, report_id=report.pk, seen_version=printed_at, entries=sheet, rebase=True
        )
    assert _fresh(self_evaluation).goal_actual == "乙"


def test_a_sheet_and_the_page_that_changed_the_same_entry_differently_refuse_the_sheet(
    self_evaluation, approved
) -> None:
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    printed_at = self_evaluation.version
    content = report_xlsx(self_evaluation)
    before = _saved_entries(self_evaluation)
    on_page = replace(read_report_sheet(self_evaluation, content, "自评.xlsx"), goal_actual="甲")
    save_report(actor=filer, report_id=self_evaluation.pk, seen_version=printed_at, entries=on_page)
    changed = _saved_entries(self_evaluation)
    assert changed != before
    sheet = replace(read_report_sheet(self_evaluation, content, "自评.xlsx"), goal_actual="乙")
    sheet = replace(sheet, executed=Decimal("1"))  # met by nothing: would be taken
    with pytest.raises(VersionConflict) as refused:
        save_report(
            actor=filer,
            report_id=self_evaluation.pk,
            seen_version=printed_at,
            entries=sheet,
            rebase=True,
        )
    assert "年度总体目标实际完成情况在下载之后已有修改" in refused.value.message
    assert _saved_entries(self_evaluation) == changed  # nothing of the sheet was saved
    # a version the report never had: refused, saying so
    with pytest.raises(VersionConflict) as refused:
        save_report(
            actor=filer,
            report_id=self_evaluation.pk,
            seen_version=printed_at + 5,
            entries=sheet,
            rebase=True,
        )
    assert f"本表没有第 {printed_at + 5} 版" in refused.value.message
    assert _saved_entries(self_evaluation) == changed


def test_a_qualitative_entry_left_as_an_earlier_sheet_printed_it_reads_back(
    self_evaluation, approved
) -> None:
    """The sheet printed 运行良好 with no judgement yet; the page then judged it 达成. The
    sheet, filled elsewhere and uploaded, is read (its cell as printed then) and saved, the
    judgement kept."""
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    line = self_evaluation.lines.get(name="财税库联网")
    report = _fresh(self_evaluation)
    on_page = read_report_sheet(report, report_xlsx(report), "自评.xlsx")
    on_page = replace(
        on_page,
        lines=tuple(
            replace(entry, actual="运行良好", achieved="") if entry.line_id == line.pk else entry
            for entry in on_page.lines
        ),
    )
    save_report(actor=filer, report_id=report.pk, seen_version=report.version, entries=on_page)
    report = _fresh(self_evaluation)
    printed_at = report.version
    content = report_xlsx(report)  # 运行良好, not yet judged
    judged = replace(
        on_page,
        lines=tuple(
            replace(entry, achieved="达成") if entry.line_id == line.pk else entry
            for entry in on_page.lines
        ),
    )
    save_report(actor=filer, report_id=report.pk, seen_version=printed_at, entries=judged)
    report = _fresh(self_evaluation)
    entries = read_report_sheet(report, _edited(content, F5="66万"), "自评.xlsx")
    saved = save_report(
        actor=filer, report_id=report.pk, seen_version=entries.version, entries=entries, rebase=True
    )
    assert saved.changed and saved.report.executed == Decimal("660000.00")
    line.refresh_from_db()
    assert (line.actual, line.achieved) == ("运行良好", "达成")
    assert any("财税库联网" in kept for kept in saved.kept)


def test_a_not_applicable_indicator_prints_so_and_is_not_read(self_evaluation, tmp_path):
    self_evaluation.lines.filter(name="工作实施效果").update(not_applicable=True)
    report = _fresh(self_evaluation)
    text, _path = _pdf_text(report_pdf(report), tmp_path)
    assert "工作实施效果良好不适用" in text
    content = report_xlsx(report)
    ws = _sheet(content)
    assert (ws["F17"].value, ws["F17"].protection.locked) == ("不适用", True)
    entries = read_report_sheet(report, _edited(content, F17="达成"), "自评.xlsx")
    line = report.lines.get(name="工作实施效果")
    assert line.pk not in {entry.line_id for entry in entries.lines}
    assert len(entries.lines) == 6


def _refusal(report: Report, content: bytes, name: str = "填好的表.xlsx") -> str:
    with pytest.raises(CycleRefused) as refused:
        read_report_sheet(report, content, name)
    return refused.value.message


def test_another_reports_sheet_is_refused_at_its_title(self_evaluation, monitoring):
    message = _refusal(self_evaluation, report_xlsx(monitoring))
    assert message.startswith("填好的表.xlsx › 运行监控表 › A1：")
    assert "（2023年度）项目支出绩效自评表" in message


def test_another_forms_sheet_is_refused_at_its_project(self_evaluation, approved):
    forms, users = approved
    _approve(forms[1], users)
    other = start_self_evaluation(actor=Actor.for_user(users["filer"]), form_id=forms[1].pk)
    message = _refusal(self_evaluation, report_xlsx(_fresh(other)))
    assert message.startswith("填好的表.xlsx › 绩效自评表 › B2：此处应为“" + PROJECT)


def test_a_changed_indicator_is_refused_naming_its_cell(self_evaluation):
    message = _refusal(self_evaluation, _edited(report_xlsx(self_evaluation), D13="项目维护质量X"))
    assert message.startswith(
        "填好的表.xlsx › 绩效自评表 › D13：第 2 个指标（项目维护质量）的三级指标"
    )
    assert "不一致" in message


def test_an_inserted_row_is_refused_at_the_first_row_it_moves(self_evaluation):
    book = load_workbook(io.BytesIO(report_xlsx(self_evaluation)))
    ws = book.active
    ws.merged_cells.ranges.clear()
    ws.insert_rows(14)
    buffer = io.BytesIO()
    book.save(buffer)
    message = _refusal(self_evaluation, buffer.getvalue())
    assert "› C14：第 3 个指标（服务时限）的二级指标应为“时效指标”，表格中为“”" in message


def test_a_wrong_amount_is_refused_naming_its_cell(self_evaluation):
    message = _refusal(self_evaluation, _edited(report_xlsx(self_evaluation), E5="六十九万"))
    assert message.startswith("填好的表.xlsx › 绩效自评表 › E5：年度资金总额全年预算数：")
    assert "汉字数字" in message


def test_a_bad_judgement_is_refused_naming_its_cell(self_evaluation):
    message = _refusal(self_evaluation, _edited(report_xlsx(self_evaluation), F17="基本达成"))
    assert message.startswith("填好的表.xlsx › 绩效自评表 › F17：“工作实施效果”是定性指标")


def test_a_bad_choice_is_refused_naming_its_cell(monitoring):
    content = report_xlsx(monitoring)
    ws = _sheet(content)
    row = next(r for r in range(8, 15) if ws.cell(r, 3).value == "财税库联网")
    message = _refusal(monitoring, _edited(content, **{f"G{row}": "大概能"}))
    assert message.startswith(f"填好的表.xlsx › 运行监控表 › G{row}：完成目标可能性“大概能”")
    assert "确定能、有可能、完全不可能" in message


# --------------------------------------------------------------------------- hostile files


def _refusal_of(report: Report, name: str, data: bytes) -> str:
    try:
        read_report_sheet(report, data, name)
    except CycleRefused as error:
        return error.message
    return "read"


@pytest.mark.parametrize(
    ("build", "said"),
    [
        (hostile.zip_bomb_member, "压缩炸弹"),
        (hostile.long_cell, "“表1”的单元格 B2 有 40,000 个字符"),
        (hostile.far_cell, "表1"),
        (hostile.truncated_zip, "损坏"),
    ],
)
def test_a_hostile_file_is_refused_with_a_clear_message(self_evaluation, build, said):
    name, data = build()
    message, _cpu = run_bounded(_refusal_of, self_evaluation, name, data)
    assert message.startswith(f"{name}：") and said in message


def test_a_sheet_that_is_not_a_report_is_refused(self_evaluation):
    message = _refusal(self_evaluation, hostile.tiny_workbook(), "别的表.xlsx")
    assert message.startswith("别的表.xlsx › 表1 › A1：标题应为")


def _with_long_reasons(monitoring: Report, filer: Actor) -> Report:
    """The report with a long reason and measures on every line: its sheet runs over pages."""
    reason = "、".join(f"第{n}批设备到货延迟" for n in range(1, 16))
    read = read_report_sheet(monitoring, report_xlsx(monitoring), "监控.xlsx")
    lines = [
        replace(line, likelihood="有可能", reason_kind="其他", reason=reason, measures=reason)
        for line in read.lines
    ]
    save_report(
        actor=filer,
        report_id=monitoring.pk,
        seen_version=monitoring.version,
        entries=replace(read, lines=tuple(lines)),
    )
    return _fresh(monitoring)


def test_a_sheet_over_several_pages_has_each_group_label_merged_on_each_of_its_pages(
    monitoring, approved
):
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    report = _with_long_reasons(monitoring, filer)
    content = report_xlsx(report)
    ws = _sheet(content)
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks
    pages = list(zip([0, *breaks], [*breaks, ws.max_row], strict=True))  # (after, last] rows
    outputs = {line.name for line in _lines(report) if line.level1 == "产出指标"}
    label_rows = {row for row in range(1, ws.max_row + 1) if ws.cell(row, 3).value in outputs}
    assert len(label_rows) == len(outputs)
    merged = [m for m in ws.merged_cells.ranges if m.min_col == 1 and m.max_col == 1]
    for after, last in pages:
        rows = {row for row in label_rows if after < row <= last}
        if not rows:
            continue
        spans = [m for m in merged if m.min_row <= max(rows) and m.max_row >= min(rows)]
        if spans:  # one merged cell beside the group's rows on this page, and within it
            [label] = spans
            assert after < label.min_row <= min(rows) and max(rows) <= label.max_row <= last
            top = label.min_row
        else:  # a single row of the group on this page: its own cell
            assert len(rows) == 1
            top = min(rows)
        assert ws.cell(top, 1).value == "产出指标"
    again = read_report_sheet(report, content, "监控.xlsx")
    saved = save_report(
        actor=filer, report_id=report.pk, seen_version=report.version, entries=again
    )
    assert not saved.changed


@needs_libreoffice
def test_a_sheet_over_several_pages_prints_each_group_label_on_each_of_its_pages(
    monitoring, approved, tmp_path
):
    """Printed by LibreOffice: the sheet breaks where it says, and each page the 产出 group
    runs on shows its 一级 label."""
    from tests.test_export_print import printed

    _forms, users = approved
    report = _with_long_reasons(monitoring, Actor.for_user(users["filer"]))
    content = report_xlsx(report)
    breaks = [b.id for b in _sheet(content).row_breaks.brk]
    pages = printed(tmp_path, "监控.xlsx", content)
    assert breaks and len(pages) == len(breaks) + 1
    outputs = [line.name for line in _lines(report) if line.level1 == "产出指标"]
    for page in pages:
        if any(name in page for name in outputs):
            assert page.count("产出指标") == 1, page[:200]
    assert sum(page.count("第15批设备到货延迟") for page in pages) == 2 * len(_lines(report))


@needs_libreoffice
def test_a_self_evaluation_over_several_pages_prints_its_block_label_in_each_repeated_head(
    self_evaluation, approved, tmp_path
):
    """The 绩效指标 label merged down from the column header shows in the header each page
    repeats (it printed as an empty cell there, with a copy below), once a page."""
    from tests.test_export_print import printed

    _forms, users = approved
    reason = "、".join(f"第{n}批设备到货延迟" for n in range(1, 16))
    read = read_report_sheet(self_evaluation, report_xlsx(self_evaluation), "自评.xlsx")
    save_report(
        actor=Actor.for_user(users["filer"]),
        report_id=self_evaluation.pk,
        seen_version=self_evaluation.version,
        entries=replace(read, lines=tuple(replace(line, reason=reason) for line in read.lines)),
    )
    report = _fresh(self_evaluation)
    content = report_xlsx(report)
    ws = _sheet(content)
    breaks = [b.id for b in ws.row_breaks.brk]
    head = int(ws.print_title_rows.split(":")[0].strip("$"))
    assert breaks and ws.cell(head, 1).value == "绩效指标"
    assert ws.cell(head, 1).alignment.vertical == "top"
    assert all(ws.cell(row + 1, 1).value is None for row in breaks)  # no copy below
    pages = printed(tmp_path, "自评.xlsx", content)
    assert len(pages) == len(breaks) + 1
    assert all(page.count("绩效指标") == 1 for page in pages), [p[:120] for p in pages]
    # in the header, before its column labels (a copy below the header came after them)
    assert all(page.index("绩效指标") < page.index("三级指标") for page in pages)
    again = read_report_sheet(report, content, "自评.xlsx")  # still reads back
    assert not save_report(
        actor=Actor.for_user(users["filer"]),
        report_id=report.pk,
        seen_version=report.version,
        entries=again,
    ).changed


def test_a_self_evaluation_whose_indicators_begin_a_page_keeps_its_block_label(
    self_evaluation, approved
):
    """A long 实际完成情况 moves the indicator table whole to the next page: the page begins
    at the column header, whose 绩效指标 label is the original, not a copy to clear."""
    _forms, users = approved
    filer = Actor.for_user(users["filer"])
    read = read_report_sheet(self_evaluation, report_xlsx(self_evaluation), "自评.xlsx")
    goal = "；".join(f"第{n}项工作按计划完成，系统运行平稳，用户满意度较高" for n in range(1, 60))
    save_report(
        actor=filer,
        report_id=self_evaluation.pk,
        seen_version=self_evaluation.version,
        entries=replace(read, goal_actual=goal[:4900]),
    )
    report = _fresh(self_evaluation)
    content = report_xlsx(report)
    ws = _sheet(content)
    head = int(ws.print_title_rows.split(":")[0].strip("$"))
    breaks = [b.id for b in ws.row_breaks.brk]
    assert head - 1 in breaks  # a page begins at the column header
    assert ws.cell(head, 1).value == "绩效指标"
    again = read_report_sheet(report, content, "自评.xlsx")  # reads back: nothing refused
    assert not save_report(
        actor=filer, report_id=report.pk, seen_version=report.version, entries=again
    ).changed
