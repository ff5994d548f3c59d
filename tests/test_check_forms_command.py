"""manage.py check_forms: checks sheets without importing them (and saved forms), and reports
each check id on a seed-based case."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from projects.models import PerformanceForm, Report, ReportLine
from projects.services.importing import import_files
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED
from tests.test_checks import IDS

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("check_forms", "--json", *args, stdout=out, stderr=StringIO())
        status = 0
    except SystemExit as exit:
        status = int(exit.code or 0)
    return status, json.loads(out.getvalue())


def first_dongguan_form_of_2024(tmp_path: Path) -> Path:
    """The first 东莞 seed form as next year's sheet, with a fault for each check one form can
    show (the comment names the check)."""
    lines = DONGGUAN_SEED.read_text(encoding="utf-8").splitlines()[2:26]
    text = "\n".join(lines)
    edits = [
        ("2023年预算金额（元）", "2024年预算金额（元）"),
        ("2023年度目标", "2024年度目标"),
        ("项目类型\t\t其他运转类（信息化运维类）", "项目类型\t\t"),  # required-field
        ("到期年度\t2024", "到期年度\t2023"),  # years-order
        ("通过建立集中运维外包体系，进一步", "2023年通过建立集中运维外包体系，进一步"),
        # goal-stale-year: the annual goal (the second such paragraph) names 2023
        # annual-over-period, and target-below-last-actual (last year: 3个 done)
        ("维护项目数量\t1个\t1个", "维护项目数量\t1个\t2个"),
        ("项目维护质量\t良好\t良好", "项目维护质量\t良好\t"),  # value-empty
        ("时效指标\t服务时限\t1年\t1年", "时效指标\t\t\t"),  # category-missing
        ("项目维护费\t年均≤69.9万元\t≤69.9万元", "项目维护费\t年均≤80万元\t≤80万元"),
        # satisfaction-low, and target-below-last-year (last year: ≥90%)
        ("委托方的满意度\t年均≥90%\t≥90%", "委托方的满意度\t年均≥75%\t≥75%"),
        ("工作实施效果\t良好\t良好", "财税库联网\t稳定\t稳定"),  # indicator-duplicate
        (
            "维护项目数量\t1个\t2个",
            "维护项目数量\t1个\t2个\n\t\t\t巡检次数\t较多\t较多"  # value-qualitative
            "\n\t\t\t对接系统数量\t3\t3",  # value-no-unit
        ),
    ]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "东莞2024.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_reports_every_check_id_on_seed_based_cases(tmp_path: Path) -> None:
    import_files(paths=[DONGGUAN_SEED])  # last year's forms, for target-below-last-year
    last_year = PerformanceForm.objects.get(
        project__name__startswith="东莞市财政局信息中心财政业务系统"
    )
    evaluation = Report.objects.create(
        kind=Report.Kind.SELF_EVALUATION,
        form=last_year,
        department_id=last_year.project.department_id,
        fiscal_year=2023,
        target_version=1,
    )
    done = last_year.indicators.get(name="维护项目数量")
    ReportLine.objects.create(
        report=evaluation, indicator_uid=done.uid, level1="产出指标", name=done.name, actual="3个"
    )
    forms_before = PerformanceForm.objects.count()

    status, dongguan = run(str(first_dongguan_form_of_2024(tmp_path)))
    assert status == 1
    _status, shenzhen = run("--year", "2023", str(SHENZHEN_SEED))
    _status, guangzhou_report = run(str(_unbalanced_guangzhou(tmp_path)))
    found = {
        problem["check"]
        for report in (dongguan, shenzhen, guangzhou_report)
        for entry in report["forms"]
        for problem in entry["problems"]
    }
    assert found >= IDS
    assert PerformanceForm.objects.count() == forms_before  # nothing imported
    [entry] = dongguan["forms"]
    assert entry["project"]["name"].startswith("东莞市财政局信息中心财政业务系统")
    assert entry["fiscal_year"] == 2024
    assert entry["source"].startswith("东莞2024.txt › 第 1–")
    for problem in entry["problems"]:
        assert set(problem) == {"check", "severity", "property", "where", "message", "suggestion"}
        assert problem["severity"] in ("error", "warning", "info")
        assert problem["property"] in ("完整性", "相关性", "适当性", "可行性")


def _unbalanced_guangzhou(tmp_path: Path) -> Path:
    """The 广州 seed with one project's 财政拨款 changed, so its sources no longer add up."""
    text = GUANGZHOU_SEED.read_text(encoding="utf-8")
    lines = text.splitlines()
    for index, line in enumerate(lines):
        cells = line.split("\t")
        if len(cells) >= 8 and cells[0] == "财政评审业务委托费":
            cells[3] = "1.00"
            lines[index] = "\t".join(cells)
            break
    else:
        raise AssertionError("财政评审业务委托费 not found")
    path = tmp_path / "广州.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_a_clean_saved_form_reports_nothing_and_exits_0() -> None:
    import_files(paths=[DONGGUAN_SEED])
    form = PerformanceForm.objects.order_by("pk").first()
    assert form is not None
    status, report = run("--form", str(form.pk))
    assert status == 0
    assert report["forms"][0]["problems"] == []


def test_an_unknown_form_or_no_input_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="没有这些编号的表"):
        call_command("check_forms", "--form", "999", stdout=StringIO())
    with pytest.raises(CommandError, match="请给出要检查的文件"):
        call_command("check_forms", stdout=StringIO())
