"""``manage.py score_self_evaluation``: self-evaluations built from the first form of each seed
(its approved targets as they read, with actual values a unit might report), scored against
totals computed by hand in the comments below; nothing is written."""

from __future__ import annotations

import datetime
import io
import json
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from projects.cycle.build import fill_round, open_round, start_self_evaluation
from projects.exporting.batch import export_form
from projects.exporting.reports import report_xlsx
from projects.models import PerformanceForm, Report, ReportLine
from projects.permissions import Actor
from projects.services.importing import read_sources
from tests import hostile_files as hostile
from tests.export_helpers import needs_libreoffice
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED
from tests.test_cycle import approve
from tests.test_cycle_exports import _fill_self_evaluation as _fill_exported
from tests.test_import_hostile import run_bounded

pytestmark = pytest.mark.django_db

# per seed: the funds, then per indicator (by name) the actual, the judgement, the reason
DONGGUAN = {
    "funds": ("699000", "650000"),
    "actuals": {
        "维护项目数量": ("1个", None, ""),
        "项目维护质量": ("", "达成", ""),
        "服务时限": ("1年", None, ""),
        "项目维护费": ("72万元", None, "硬件涨价"),
        "财税库联网": ("", "部分达成", "两周中断"),
        "工作实施效果": ("", "达成", ""),
        "委托方的满意度": ("95%", None, ""),
    },
}
# 产出 50 over 4: 12.5 each; 效益 30 over 2: 15 each; 满意度 10.
# budget 10 × 650000 / 699000 = 9.298998…
# 项目维护费 ≤69.9万元, actual 72万元: 12.5 × 69.9 / 72 = 12.135416…; 财税库联网 half: 7.5
# total 9.298998 + 12.5 × 3 + 12.135416 + 7.5 + 15 + 10 = 91.434415 → 91.43, 优
DONGGUAN_TOTAL, DONGGUAN_GRADE = "91.43", "优"

SHENZHEN = {
    "funds": ("2522400", "1765680"),  # 70 % spent
    "actuals": {
        "福田区电子政务外网安全系统保护": ("153个", None, ""),
        "商用密码安全性评估": ("1次", None, ""),
        "租用互联网数据链路出口数量": ("2条", None, "一条线路撤销"),
        "信息化系统故障率": ("1.5%", None, ""),
        "安全漏洞修复率": ("96%", None, ""),
        "信息安全事件排除率": ("100%", None, ""),
        "信息安全事故处理及时性": ("12小时", None, ""),
        "应用系统扫描完成时间": ("", "达成", ""),
        "支出进度达标率": ("70%", None, "采购延迟"),
        "信息系统安全应急响应能力提升": ("", "达成", ""),
        "对信息系统可用性及稳定性的改善或提升程度": ("", "部分达成", "改造未完"),
        "用户满意度": ("92%", None, ""),
    },
}
# 产出 50 over its 9 applicable indicators (three 效益 rows are 不适用): 50/9 each;
# 效益 30 over 2: 15 each; 满意度 10. budget 10 × 0.7 = 7.
# 产出: 50/9 × (7 + 2/3 + 70/95) = 46.686160; 效益 15 + 7.5; 满意度 10
# total 7 + 46.686160 + 22.5 + 10 = 86.186160 → 86.19, 良
# warnings: execution 70 % < 80 %; achievement 79.19/90 = 88 % > 1.05 × 70 %
SHENZHEN_TOTAL, SHENZHEN_GRADE = "86.19", "良"

GUANGZHOU = {
    "funds": ("30000000", "30000000"),
    "actuals": {
        "评审办结率": ("85%", None, ""),
        "建设单位对评审工作投诉率": ("3%", None, ""),
        "核减市本级基本建设项目预、结算不合理造价金额": ("12亿元", None, ""),
        "被抽中项目平均复核偏差率": ("3.5%", None, "两个项目复核偏差大"),
        "促进建设单位提高造价管理水平情况": ("", "达成", ""),
        "市本级基本建设项目预、结算评审的平均审减率(%)": ("5%", None, ""),
    },
}
# only 一级 named (广州): 产出 2 × 25, 效益 3 × 10, 满意度 1 × 10; budget 10
# 偏差率 <3%, actual 3.5%: 25 × 3 / 3.5 = 21.428571; the others full
# total 10 + 25 + 21.428571 + 30 + 10 = 96.428571 → 96.43, 优
GUANGZHOU_TOTAL, GUANGZHOU_GRADE = "96.43", "优"


def evaluation(seed: Path, spec: dict) -> dict:
    data = read_sources(paths=[seed], year=2023).forms[0].data
    actuals = spec["actuals"]
    indicators = []
    for item in data.indicators:
        actual, achieved, reason = actuals.get(item.name, ("", None, ""))
        indicators.append(
            {
                "level1": item.level1,
                "level2": item.level2,
                "name": item.name,
                "target": item.target,
                "actual": actual,
                "achieved": achieved,
                "reason": reason,
                "not_applicable": item.not_applicable,
            }
        )
    assert {i["name"] for i in indicators if not i["not_applicable"]} == set(actuals)
    budget, executed = spec["funds"]
    return {
        "project": {"name": data.project.name, "unit": data.project.unit},
        "fiscal_year": data.fiscal_year,
        "funds": {"annual_budget": budget, "executed": executed, "unit": "元"},
        "indicators": indicators,
    }


def run(tmp_path: Path, *forms: dict, as_json: bool = True) -> tuple[int, str]:
    path = tmp_path / "自评.json"
    path.write_text(json.dumps({"forms": list(forms)}, ensure_ascii=False), encoding="utf-8")
    from io import StringIO

    out = StringIO()
    try:
        call_command(
            "score_self_evaluation", str(path), *(["--json"] if as_json else []), stdout=out
        )
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_each_seed_forms_self_evaluation_scores_as_computed_by_hand(tmp_path):
    forms = [
        evaluation(DONGGUAN_SEED, DONGGUAN),
        evaluation(SHENZHEN_SEED, SHENZHEN),
        evaluation(GUANGZHOU_SEED, GUANGZHOU),
    ]
    status, out = run(tmp_path, *forms)
    assert status == 0, out
    results = json.loads(out)["forms"]
    assert [(r["total"], r["grade"]) for r in results] == [
        (DONGGUAN_TOTAL, DONGGUAN_GRADE),
        (SHENZHEN_TOTAL, SHENZHEN_GRADE),
        (GUANGZHOU_TOTAL, GUANGZHOU_GRADE),
    ]
    dongguan, shenzhen, guangzhou = results
    assert dongguan["budget_score"] == "9.30"
    assert {i["name"]: (i["weight"], i["score"]) for i in dongguan["indicators"]}["项目维护费"] == (
        "12.50",
        "12.14",
    )
    assert shenzhen["budget_score"] == "7.00"
    assert sorted(p["check"] for p in shenzhen["problems"]) == [
        "execution-low",
        "results-outrun-spending",
    ]
    not_applicable = [i for i in shenzhen["indicators"] if i["weight"] == "0.00"]
    assert len(not_applicable) == 3 and all(i["score"] is None for i in not_applicable)
    assert guangzhou["problems"] == [] and guangzhou["budget_score"] == "10.00"
    assert dongguan["project"] == {"name": forms[0]["project"]["name"]}
    assert PerformanceForm.objects.count() == 0  # nothing written


def test_an_error_gives_no_total_and_exit_status_one(tmp_path):
    form = evaluation(DONGGUAN_SEED, DONGGUAN)
    form["funds"]["annual_budget"] = "0"
    form["indicators"][3]["reason"] = ""  # 项目维护费 below full, no reason
    status, out = run(tmp_path, form)
    assert status == 1
    [result] = json.loads(out)["forms"]
    assert result["total"] is None and result["grade"] is None and result["budget_score"] is None
    checks = [(p["check"], p["severity"], p["where"]) for p in result["problems"]]
    assert ("budget-zero", "error", "资金") in checks
    assert ("reason-missing", "error", "项目维护费") in checks


def test_the_text_output_says_it_in_chinese(tmp_path):
    status, out = run(tmp_path, evaluation(SHENZHEN_SEED, SHENZHEN), as_json=False)
    assert status == 0
    assert "总分：86.19  等级：良" in out and "[提醒] 资金：预算执行率 70.00%，低于 80%。" in out


def test_a_broken_file_is_refused_in_chinese(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "坏.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 JSON 文件"):
        call_command("score_self_evaluation", str(path))
    path.write_text('{"forms": [{"funds": {"annual_budget": "abc"}}]}', encoding="utf-8")
    with pytest.raises(CommandError, match="“abc”不是金额"):
        call_command("score_self_evaluation", str(path))


def test_each_framework_sets_the_points_of_its_first_level_categories():
    from fractions import Fraction

    from indicators.models import Category, Framework

    local = Framework.objects.get(code="local-2023")
    assert local.score_weights() == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    central = Framework.objects.exclude(pk=local.pk).get()
    assert central.score_weights()["成本指标"] == 10 and central.score_weights()["产出指标"] == 40
    # an administrator changes them in the admin (指标类别 › 自评分值): the scoring follows
    Category.objects.filter(framework=local, name="产出指标").update(score_weight=60)
    Category.objects.filter(framework=local, name="效益指标").update(score_weight=20)
    assert local.score_weights() == {
        "产出指标": Fraction(60),
        "效益指标": Fraction(20),
        "满意度指标": Fraction(10),
    }


# --------------------------------------------------------------------------- the 自评表 xlsx
# A self-evaluation filled and saved through the cycle, its sheet downloaded as the report page
# does, then read by the command with no report left in the database.


def run_files(*paths: Path) -> tuple[int, str]:
    """The command's exit status and what it printed (``--json``); a refused file raises."""
    out = StringIO()
    try:
        call_command("score_self_evaluation", *map(str, paths), "--json", stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def refusal(path: Path) -> tuple[int, str]:
    """The exit status and message of a file the command refuses."""
    with pytest.raises(CommandError) as refused:
        call_command("score_self_evaluation", str(path), "--json", stdout=StringIO())
    return refused.value.returncode, str(refused.value)


def edited(content: bytes, **cells: str) -> bytes:
    book = load_workbook(io.BytesIO(content))
    ws = book.active
    for ref, value in cells.items():
        ws[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def filled(seeded) -> Report:
    """The first 东莞 form approved, its self-evaluation filled in (two judgements, one partly
    reached with its reason) and scored on save."""
    forms, users = seeded
    approve(forms[0], users)
    report = start_self_evaluation(actor=Actor.for_user(users["filer"]), form_id=forms[0].pk)
    return _fill_exported(report, users["filer"])


def as_json(report: Report) -> dict:
    """The report as the command's JSON: what the sheet should read as."""
    return {
        "project": {"name": report.form.project.name, "unit": report.form.project.unit.name},
        "fiscal_year": report.fiscal_year,
        "funds": {"annual_budget": str(report.annual_budget), "executed": str(report.executed)},
        "indicators": [
            {
                "level1": line.level1,
                "level2": line.level2,
                "name": line.name,
                "target": line.target,
                "actual": line.actual,
                "achieved": line.achieved or None,
                "reason": line.reason,
                "not_applicable": line.not_applicable,
            }
            for line in report.lines.order_by("order", "id")
        ],
    }


def sheet_file(tmp_path: Path, report: Report, **cells: str) -> Path:
    """The report's sheet as downloaded (``cells`` typed over it), then the report deleted."""
    content = report_xlsx(report)
    path = tmp_path / "自评表.xlsx"
    path.write_bytes(edited(content, **cells) if cells else content)
    return path


def forget_reports() -> None:
    Report.objects.all().delete()
    assert not Report.objects.exists() and not ReportLine.objects.exists()


def test_a_downloaded_sheet_scores_as_its_report_was_scored(filled, tmp_path):
    lines = list(filled.lines.order_by("order", "id"))
    path = sheet_file(tmp_path, filled)
    from_json = run(tmp_path, as_json(filled))
    forget_reports()

    status, out = run_files(path)

    assert status == 0, out
    [result] = json.loads(out)["forms"]
    assert (result["total"], result["grade"]) == (f"{filled.total:.2f}", filled.grade)
    assert [(i["name"], i["weight"], i["score"]) for i in result["indicators"]] == [
        (line.name, f"{line.weight:.2f}", f"{line.score:.2f}") for line in lines
    ]
    assert result["project"] == {"name": filled.form.project.name}
    assert result["fiscal_year"] == filled.fiscal_year == 2023
    assert (status, out) == from_json  # the very output of the same self-evaluation as JSON


def test_a_judgement_after_what_was_reached_is_read(filled, tmp_path):
    # 财税库联网 was 部分达成 with its reason; now reached
    path = sheet_file(tmp_path, filled, F16="基本联通（达成）", I16="")
    forget_reports()
    status, out = run_files(path)
    assert status == 0, out
    [result] = json.loads(out)["forms"]
    scores = {i["name"]: (i["weight"], i["score"]) for i in result["indicators"]}
    assert scores["财税库联网"] == ("15.00", "15.00")  # 效益 30 over two


def test_a_judgement_that_is_none_of_the_three_is_refused_naming_its_cell(filled, tmp_path):
    path = sheet_file(tmp_path, filled, F17="基本达成")
    forget_reports()
    status, message = refusal(path)
    assert status == 2
    assert message.startswith("自评表.xlsx › 绩效自评表 › F17：“工作实施效果”是定性指标")


def test_a_not_applicable_row_gets_no_points(filled, tmp_path):
    filled.lines.filter(name="工作实施效果").update(not_applicable=True)
    report = Report.objects.get(pk=filled.pk)
    path = sheet_file(tmp_path, report)
    from_json = run(tmp_path, as_json(report))
    forget_reports()
    status, out = run_files(path)
    assert (status, out) == from_json
    [result] = json.loads(out)["forms"]
    scores = {i["name"]: (i["weight"], i["score"]) for i in result["indicators"]}
    # 效益 30 to its one applicable indicator left
    assert scores["工作实施效果"] == ("0.00", None)
    assert scores["财税库联网"] == ("30.00", "15.00")


def test_an_empty_actual_is_an_error_of_the_form(filled, tmp_path):
    path = sheet_file(tmp_path, filled, F12="")  # 维护项目数量
    forget_reports()
    status, out = run_files(path)
    assert status == 1
    [result] = json.loads(out)["forms"]
    assert result["total"] is None and result["grade"] is None
    assert ("actual-missing", "error", "维护项目数量") in [
        (p["check"], p["severity"], p["where"]) for p in result["problems"]
    ]


def test_a_wrong_amount_is_refused_naming_its_cell(filled, tmp_path):
    path = sheet_file(tmp_path, filled, E5="六十九万")
    forget_reports()
    status, message = refusal(path)
    assert status == 2
    assert message.startswith("自评表.xlsx › 绩效自评表 › E5：年度资金总额全年预算数：")


def test_the_monitoring_sheet_is_refused_at_its_title(seeded, tmp_path):
    forms, users = seeded
    approve(forms[0], users)
    round = open_round(
        actor=Actor.for_user(users["finance"]),
        fiscal_year=2023,
        months=7,
        deadline=datetime.date(2023, 8, 15),
    )
    fill_round(round, Actor.system())
    path = tmp_path / "监控.xlsx"
    path.write_bytes(report_xlsx(Report.objects.get(kind=Report.Kind.MONITORING)))
    status, message = refusal(path)
    assert status == 2
    assert message.startswith(
        "监控.xlsx › 运行监控表 › A1：标题应为“（YYYY年度）项目支出绩效自评表”"
    )
    assert "（2023年1—7月）项目支出绩效运行监控表" in message


def test_a_performance_target_form_is_refused(seeded, tmp_path):
    forms, _users = seeded
    path = tmp_path / "目标表.xlsx"
    path.write_bytes(export_form(form=forms[0], fmt="xlsx").content)
    status, message = refusal(path)
    assert status == 2 and message.startswith("目标表.xlsx › ")
    assert "这不是项目支出绩效自评表" in message


def test_a_self_evaluation_without_its_indicator_head_is_refused(filled, tmp_path):
    path = sheet_file(tmp_path, filled, D11="指标")  # the head's 三级指标
    status, message = refusal(path)
    assert status == 2
    assert message.startswith("自评表.xlsx › 绩效自评表 › A2：标题下没有找到“三级指标”")


def _command_refusal(path: str) -> tuple[int, str]:
    try:
        call_command("score_self_evaluation", path, stdout=StringIO())
    except CommandError as error:
        return error.returncode, str(error)
    return 0, "read"


@pytest.mark.parametrize(
    ("build", "said"),
    [
        (hostile.zip_bomb_member, "压缩炸弹"),
        (hostile.long_cell, "“表1”的单元格 B2 有 40,000 个字符"),
        (hostile.far_cell, "表1"),
        (hostile.truncated_zip, "损坏"),
        (lambda: ("别的表.xlsx", hostile.tiny_workbook()), "› 表1 › A1：标题应为"),
    ],
)
def test_a_hostile_file_is_refused_with_a_clear_message(build, said, tmp_path):
    name, data = build()
    path = tmp_path / name
    path.write_bytes(data)
    (status, message), _cpu = run_bounded(_command_refusal, str(path))
    assert status == 2
    assert message.startswith(f"{name}") and said in message


@needs_libreoffice
def test_a_sheet_saved_again_by_libreoffice_still_reads(filled, tmp_path):
    path = sheet_file(tmp_path, filled)
    expected = (f"{filled.total:.2f}", filled.grade)
    forget_reports()
    out_dir = tmp_path / "resaved"
    profile = (tmp_path / "lo-score").as_uri()  # its own profile: never a running office's
    subprocess.run(
        [
            *("soffice", f"-env:UserInstallation={profile}", "--headless"),
            *("--convert-to", "xlsx", "--outdir", str(out_dir), str(path)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    status, out = run_files(out_dir / path.name)
    assert status == 0, out
    [result] = json.loads(out)["forms"]
    assert (result["total"], result["grade"]) == expected


def _one_each(tested: dict, *, with_benefit: bool = True) -> dict:
    """A form of three indicators: the one under test alone in 产出 (50 points), a 效益 one
    reached (30) and a 满意度 one reached (10); the budget all spent (10)."""
    reached = {"actual": None, "achieved": "达成", "reason": ""}
    indicators = [
        {
            "level1": "产出指标",
            "level2": "数量指标",
            "name": "受测指标",
            "reason": "原因",
            **tested,
        },
        {
            "level1": "满意度指标",
            "level2": "服务对象满意度指标",
            "name": "满意度",
            "target": "≥90%",
            "actual": "95%",
            "achieved": None,
            "reason": "",
        },
    ]
    if with_benefit:
        indicators.append(
            {
                "level1": "效益指标",
                "level2": "社会效益指标",
                "name": "效益",
                "target": "有效提升",
                **reached,
            }
        )
    return {
        "project": {"name": "比较符测试项目", "unit": "测试单位"},
        "fiscal_year": 2023,
        "funds": {"annual_budget": "100", "executed": "100", "unit": "元"},
        "indicators": indicators,
    }


# target, actual (or the judgement of a qualitative target), the 产出 indicator's score of 50
COMPARATORS = [
    ("≥100个", "80个", "40.00"),  # higher is better: 50 × 80 / 100
    (">100个", "80个", "40.00"),
    ("不少于100个", "120个", "50.00"),  # capped at the weight
    ("不低于90%", "45%", "25.00"),
    ("达到100个", "100个", "50.00"),
    ("大于10次", "5次", "25.00"),
    ("120个", "90个", "37.50"),  # a bare number: higher is better
    ("≥0个", "0个", "50.00"),  # a target of 0 scores full weight
    ("≤10天", "20天", "25.00"),  # lower is better: 50 × 10 / 20
    ("<10天", "5天", "50.00"),
    ("不超过100万元", "125万元", "40.00"),
    ("不高于5%", "10%", "25.00"),
    ("低于5%", "4%", "50.00"),
    ("24小时以内", "48小时", "25.00"),
    ("年均≥100个", "50个", "25.00"),  # 年均 does not change the comparison
    ("≤100万元", "1250000元", "40.00"),  # one unit: 125 万元
    ("≥1.5亿元", "12000万元", "40.00"),
    ("2023年12月31日前", "部分达成", "25.00"),  # qualitative: half
    ("完成系统升级", "未达成", "0.00"),
]


@pytest.mark.parametrize(("target", "actual", "score"), COMPARATORS)
def test_each_comparator_scores_through_the_command(tmp_path, target, actual, score):
    judged = actual in ("达成", "部分达成", "未达成")
    tested = {
        "target": target,
        "actual": None if judged else actual,
        "achieved": actual if judged else None,
    }
    status, out = run(tmp_path, _one_each(tested))
    assert status == 0, out
    [result] = json.loads(out)["forms"]
    scores = {i["name"]: (i["weight"], i["score"]) for i in result["indicators"]}
    assert scores["受测指标"] == ("50.00", score)
    # budget 10, 效益 30, 满意度 10
    assert result["total"] == f"{50 + float(score):.2f}"


def test_an_empty_category_gives_its_points_to_the_others_through_the_command(tmp_path):
    form = _one_each({"target": "≥100个", "actual": "100个", "achieved": None}, with_benefit=False)
    status, out = run(tmp_path, form)
    assert status == 0, out
    [result] = json.loads(out)["forms"]
    # no 效益 indicator: its 30 points go to 产出 and 满意度 as 50 : 10, so 75 and 15
    weights = {i["name"]: i["weight"] for i in result["indicators"]}
    assert weights == {"受测指标": "75.00", "满意度": "15.00"}
    assert (result["total"], result["grade"]) == ("100.00", "优")


def test_units_that_cannot_be_reconciled_are_an_error_on_the_indicator(tmp_path):
    form = _one_each({"target": "≥90%", "actual": "80个", "achieved": None})
    status, out = run(tmp_path, form)
    assert status == 1
    [result] = json.loads(out)["forms"]
    assert result["total"] is None and result["grade"] is None
    assert result["budget_score"] == "10.00"  # the other scores are still given
    scores = {i["name"]: i["score"] for i in result["indicators"]}
    assert scores["受测指标"] is None and scores["满意度"] == "10.00"
    [problem] = [p for p in result["problems"] if p["check"] == "unit-mismatch"]
    assert (problem["severity"], problem["where"]) == ("error", "受测指标")
