"""``manage.py score_self_evaluation``: self-evaluations built from the first form of each seed
(its approved targets as they read, with actual values a unit might report), scored against
totals computed by hand in the comments below; nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from projects.models import PerformanceForm
from projects.services.importing import read_sources
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED

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
