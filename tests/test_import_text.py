"""The seed files, read from text and committed: every form, amount, goal and indicator as in
the source (expectations written out here, not derived from the importer)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projects.models import Indicator, Organization, PerformanceForm, Project
from projects.services.importing import import_files, read_sources
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED

pytestmark = pytest.mark.django_db

DONGGUAN = [  # name, 2023 budget, indicators, start, end
    ("东莞市财政局信息中心财政业务系统支撑软件和硬件运维服务项目", 699000, 7, 2021, 2024),
    ("东莞市财政局部门决算管理系统运维服务项目", 36000, 7, 2021, 2024),
    ("广东政府采购智慧云平台东莞站点维护服务", 300000, 6, 2021, 2024),
    ("东莞市非税收入管理系统运维服务项目", 396600, 6, 2021, 2024),
    ("东莞市财政局网络安全服务项目", 599000, 6, 2021, 2024),
    ("东莞市财政局信息中心财政信息网络平台运维服务项目", 49800, 6, 2021, 2024),
    ("东莞市财政绩效管理系统运维服务项目", 34000, 6, 2021, 2024),
    ("东莞市行政事业单位资产管理系统运维服务项目", 144000, 6, 2021, 2024),
    ("东莞市财政局线路租赁项目", 19200, 6, 2021, 2024),
    ("东莞市财政局预算国库管理系统运维服务项目", 398000, 7, 2021, 2024),
    ("东莞市财政局网络安全等级保护测评项目", 240000, 7, 2023, 2024),
    ("东莞市财政局视频会议服务项目", 34600, 7, 2023, 2024),
    ("东莞市财政局运维中心服务项目", 1980000, 6, 2023, 2024),
    ("东莞市财政局网站适老化改造项目", 100000, 6, 2023, 2023),
]

SHENZHEN = [  # code, name, total, annual, years, type, allocation, indicators
    (
        "440304231060100505005",
        "信息安全运行维护",
        "7567200",
        "2522400",
        3,
        "01 其他项目",
        "项目法",
        15,
    ),
    (
        "440304231060100505003",
        "基础设施运行维护",
        "64891800",
        "21630600",
        3,
        "01 其他项目",
        "项目法",
        18,
    ),
    (
        "440304231060100505002",
        "应急项目和设备维修",
        "5786100",
        "1925800",
        3,
        "01 其他项目",
        "项目法",
        9,
    ),
    (
        "440304221061500000032",
        "劳务派遣人员",
        "1426661",
        "350000",
        4,
        "15 其他经费",
        "因素法和项目法",
        10,
    ),
    (
        "440304231060100505008",
        "数据资源运行维护",
        "44568900",
        "14856300",
        3,
        "01 其他项目",
        "项目法",
        14,
    ),
    (
        "440304221061500000024",
        "其他一般管理事务",
        "1917800",
        "352800",
        4,
        "15 其他经费",
        "因素法和项目法",
        10,
    ),
]

GZ_FINANCE = "广州市财政局"
GZ_CENTRE = "广州市预算评审保障中心"
GUANGZHOU = [  # unit, name, 总计 in 万元, indicators
    (GZ_FINANCE, "财政评审业务委托费", "3000.00", 6),
    (GZ_FINANCE, "非税收入代收银行手续费及国库集中支付业务代理银行代理服务费用", "4100.00", 6),
    (GZ_FINANCE, "财政改革专项工作经费", "1980.28", 8),
    (GZ_FINANCE, "会计管理工作经费", "1211.13", 6),
    (GZ_FINANCE, "财政票据印制费", "274.00", 6),
    (GZ_FINANCE, "工作经费", "58.75", 6),
    (GZ_FINANCE, "实施省非税一体化系统运营服务经费", "14.00", 6),
    (GZ_CENTRE, "广州市财政局2021年电子政务外网设备购置及安全加固项目", "69.36", 6),
    (GZ_CENTRE, "购置经费", "24.45", 6),
    (GZ_CENTRE, "财政改革专项工作经费", "18.58", 6),
    (GZ_CENTRE, "机构运行辅助经费", "7.00", 6),
    (GZ_CENTRE, "其他运行经费", "290.75", 8),
    (GZ_CENTRE, "广州市财政局“数字财政”推广运营项目", "986.00", 6),
    (GZ_CENTRE, "财政信息化建设管理经费", "177.23", 6),
    (GZ_CENTRE, "广州市财政局2022年财政投资评审全过程动态跟踪信息系统升级改造项目", "64.15", 6),
    (GZ_CENTRE, "广州市财政局2022年财政业务专网设备购置项目", "173.00", 6),
    (
        GZ_CENTRE,
        "广州市财政局2022年-2023年信息化基础设施及信息系统运维服务项目（2022）",
        "531.44",
        8,
    ),
    (GZ_CENTRE, "广东省非税一体化系统运营服务项目", "38.50", 6),
    (GZ_CENTRE, "广东政府采购业务服务保障（广州市）项目", "44.14", 6),
    (GZ_CENTRE, "广州市财政局2023年虚拟化接入管理项目", "48.26", 6),
    (GZ_CENTRE, "广州市财政局2023年财务核算集中监管系统数据迁移和应用整合项目", "31.80", 6),
    (GZ_CENTRE, "广州市财政局2023年-2024年信息化基础设施及信息系统运维服务项目(2023)", "250.00", 8),
]


def indicators_of(form: PerformanceForm) -> list[tuple[object, ...]]:
    rows = []
    for item in form.indicators.select_related("category__parent").order_by("order"):
        category = item.category
        level1 = category.parent.name if category.parent else category.name
        level2 = category.name if category.parent else ""
        rows.append(
            (
                level1,
                level2,
                item.name,
                item.period_value,
                item.annual_value,
                item.value,
                item.explanation,
                item.is_core,
                item.not_applicable,
            )
        )
    return rows


def form_named(name: str, unit: str | None = None) -> PerformanceForm:
    forms = PerformanceForm.objects.filter(project__name=name)
    if unit:
        forms = forms.filter(project__unit__name=unit)
    return forms.select_related("project__department", "project__unit").get()


def test_every_dongguan_form_imports_with_its_amount_years_and_indicators() -> None:
    result = import_files(paths=[DONGGUAN_SEED])
    assert result.created == 14
    for name, amount, count, start, end in DONGGUAN:
        form = form_named(name)
        assert form.fiscal_year == 2023
        assert form.layout == "dongguan"
        assert form.annual_amount == Decimal(amount)
        assert form.amount_unit_label == "元"
        assert form.indicators.count() == count, name
        assert (form.start_year, form.end_year) == (start, end)
        assert form.project.department.name == "东莞市财政局"
        assert form.project.unit.name == "东莞市财政局信息中心"
        assert form.level == "二级项目"
        assert form.status == PerformanceForm.Status.DRAFT
    assert form_named("东莞市财政局网站适老化改造项目").project_type == (
        "其他特定目标类（信息化新建类）"
    )


def test_the_first_dongguan_form_is_read_field_by_field() -> None:
    import_files(paths=[DONGGUAN_SEED])
    form = form_named("东莞市财政局信息中心财政业务系统支撑软件和硬件运维服务项目")
    goal = (
        "通过建立集中运维外包体系，进一步完善东莞市财政局信息中心财政业务系统的管理体系，提高系统全生命周期"
        "管理和服务水平，提供面向客户的高质量低成本的IT运维服务，进而提升财政工作效率。"
    )
    assert form.period_goal == goal
    assert form.annual_goal == goal
    assert form.project_type == "其他运转类（信息化运维类）"
    assert indicators_of(form) == [
        ("产出指标", "数量指标", "维护项目数量", "1个", "1个", "", "", False, False),
        ("产出指标", "质量指标", "项目维护质量", "良好", "良好", "", "", False, False),
        ("产出指标", "时效指标", "服务时限", "1年", "1年", "", "", False, False),
        ("产出指标", "成本指标", "项目维护费", "年均≤69.9万元", "≤69.9万元", "", "", False, False),
        ("效益指标", "经济效益指标", "财税库联网", "正常运行", "正常运行", "", "", False, False),
        ("效益指标", "社会效益指标", "工作实施效果", "良好", "良好", "", "", False, False),
        (
            "满意度指标",
            "服务对象满意度指标",
            "委托方的满意度",
            "年均≥90%",
            "≥90%",
            "",
            "",
            False,
            False,
        ),
    ]
    cost = form.indicators.get(name="项目维护费")
    assert (cost.target_comparator, cost.target_number, cost.target_unit) == (
        "≤",
        Decimal("69.9"),
        "万元",
    )


def test_rows_shifted_by_a_lost_merged_cell_keep_their_categories() -> None:
    # 等级保护测评: 经济效益指标 follows 成本指标 with a blank first-level cell, and the next
    # rows are shifted one column to the left.
    import_files(paths=[DONGGUAN_SEED])
    form = form_named("东莞市财政局网络安全等级保护测评项目")
    assert indicators_of(form) == [
        ("产出指标", "数量指标", "等级保护测评服务系统数", "年均4个", "4个", "", "", False, False),
        ("产出指标", "质量指标", "测评质量", "良好", "良好", "", "", False, False),
        ("产出指标", "时效指标", "测评时限", "年均1次", "1次", "", "", False, False),
        (
            "产出指标",
            "成本指标",
            "项目成本控制情况",
            "年均≤24万元",
            "≤24万元",
            "",
            "",
            False,
            False,
        ),
        (
            "效益指标",
            "经济效益指标",
            "保障项目正常运行",
            "正常运行",
            "正常运行",
            "",
            "",
            False,
            False,
        ),
        ("效益指标", "社会效益指标", "工作实施效果", "良好", "良好", "", "", False, False),
        (
            "满意度指标",
            "服务对象满意度指标",
            "委托方的满意度",
            # OCR's LaTeX in the extracted seed is read back as what the sheet printed.
            "年均≥90%",
            "≥90%",
            "",
            "",
            False,
            False,
        ),
    ]
    assert form.period_goal.startswith("等级保护的项目效益分析：开展网络安全等级保护工作")
    assert form.period_goal.endswith("提高东莞市财政局管理效率和服务水平。")
    assert "<" not in form.period_goal


def test_paragraph_tags_become_line_breaks_and_a_missing_goal_stays_empty() -> None:
    import_files(paths=[DONGGUAN_SEED])
    form = form_named("东莞市财政局运维中心服务项目")
    lines = form.period_goal.split("\n")
    assert len(lines) == 4
    assert lines[0].startswith("运维服务中心作为“数字财政”建设重要组成部分")
    assert lines[1] == "1、统一的智能管理系统，为预算单位提供了更加全面、便捷的服务渠道；"
    assert lines[3].startswith("3、面向全市财政及预算单位用户")
    assert form.annual_goal == form.period_goal
    video = form_named("东莞市财政局视频会议服务项目")
    assert video.annual_goal == ""
    assert video.period_goal.startswith("“视频会议服务能为本单位远程协作")
    assert "</p>" not in video.period_goal


def test_every_shenzhen_form_imports_with_codes_amounts_in_yuan_and_flags() -> None:
    plan = read_sources(paths=[SHENZHEN_SEED], year=2023)
    assert not plan.has_errors
    assert [f.data.project.code for f in plan.forms] == [row[0] for row in SHENZHEN]
    for form in plan.forms:  # each amount labelled 万元 but plainly 元 is flagged
        flagged = [p for p in form.warnings if "万元" in p.message]
        assert len(flagged) == 2
        assert flagged[0].where.startswith("shenzhen_futian_2023.txt › B")
    import_files(paths=[SHENZHEN_SEED], year=2023)
    for code, name, total, annual, years, kind, method, count in SHENZHEN:
        form = PerformanceForm.objects.select_related("project__department").get(project__code=code)
        project = form.project
        assert (project.name, form.duration_years, form.project_type) == (name, years, kind)
        assert (form.allocation_method, form.is_new) == (method, False)
        assert project.department.name == "深圳市福田区政务服务数据管理局（本级）"
        assert (form.total_amount, form.annual_amount) == (Decimal(total), Decimal(annual))
        assert form.amount_unit_label == "万元"
        assert form.fiscal_year == 2023
        assert form.layout == "shenzhen"
        assert form.indicators.count() == count, name
        assert form.annual_goal and form.period_goal and form.policy_basis
    # "(本级)" and "（本级）" are the same department
    assert Organization.objects.filter(kind="department").count() == 1


def test_a_shenzhen_form_is_read_field_by_field() -> None:
    import_files(paths=[SHENZHEN_SEED], year=2023)
    form = PerformanceForm.objects.get(project__code="440304231060100505002")
    assert form.policy_basis == "按照2021、2022年度执行"
    assert form.calculation_basis == "按照2021、2022年度执行"
    assert form.annual_goal == (
        "通过本项目的实施，保障我单位日常运行工作中遇到的应急项目和设备维修，以及相关系统和硬件设施的正常运行工作。"
    )
    assert indicators_of(form) == [
        (
            "产出指标",
            "数量指标",
            "设备应急和维修完次数",
            "",
            "",
            "≥1次",
            "反映设备应急和维修完次数",
            True,
            False,
        ),
        (
            "产出指标",
            "质量指标",
            "设备维修工作达标率",
            "",
            "",
            "100%",
            "反映设备维修工作达标情况",
            True,
            False,
        ),
        (
            "产出指标",
            "时效指标",
            "设备维修工作完成及时性",
            "",
            "",
            "24小时内",
            "反映设备维修工作完成时间",
            True,
            False,
        ),
        (
            "产出指标",
            "成本指标",
            "支出进度达标率",
            "",
            "",
            "≥95%",
            "反映支出进度达标率",
            True,
            False,
        ),
        ("效益指标", "经济效益指标", "", "", "", "不适用", "", False, True),
        (
            "效益指标",
            "社会效益指标",
            "对保障机构稳定运转的改善或提升程度",
            "",
            "",
            "显著",
            "反映对保障机构稳定运转的改善或提升程度",
            True,
            False,
        ),
        ("效益指标", "生态效益指标", "", "", "", "不适用", "", False, True),
        ("效益指标", "可持续影响指标", "", "", "", "不适用", "", False, True),
        ("满意度指标", "服务对象满意度指标", "", "", "", "不适用", "不适用", True, True),
    ]


def test_shenzhen_without_a_year_is_an_error_naming_the_form() -> None:
    plan = read_sources(paths=[SHENZHEN_SEED])
    assert plan.has_errors
    first = plan.forms[0].errors[0]
    assert first.where == "shenzhen_futian_2023.txt › A3"
    assert "年度" in first.message


def test_every_guangzhou_project_imports_under_its_unit_with_amounts_times_ten_thousand() -> None:
    result = import_files(paths=[GUANGZHOU_SEED])
    assert result.created == len(GUANGZHOU) == 22
    department = Organization.objects.get(kind="department", name="广州市财政局")
    assert set(department.units.values_list("name", flat=True)) == {GZ_FINANCE, GZ_CENTRE}
    for unit, name, total, count in GUANGZHOU:
        form = form_named(name, unit)
        assert form.fiscal_year == 2023
        assert form.layout == "guangzhou"
        assert form.annual_amount == Decimal(total) * 10000
        assert form.fiscal_amount == Decimal(total) * 10000
        assert form.special_amount is None and form.other_amount is None
        assert form.amount_unit_label == "万元"
        assert form.indicators.count() == count, name
        assert form.content and form.annual_goal
    total = sum(Decimal(row[2]) for row in GUANGZHOU)
    assert total == Decimal("13392.82")


def test_a_guangzhou_project_is_read_field_by_field() -> None:
    import_files(paths=[GUANGZHOU_SEED])
    form = form_named("财政评审业务委托费")
    assert form.content.startswith("根据财建[2009]648号、穗府办规[2019]3号")
    assert indicators_of(form) == [
        ("产出指标", "", "评审办结率", "", ">80%", "", "", False, False),
        ("满意度指标", "", "建设单位对评审工作投诉率", "", "≤3%", "", "", False, False),
        (
            "效益指标",
            "",
            "核减市本级基本建设项目预、结算不合理造价金额",
            "",
            "≥9亿元",
            "",
            "",
            False,
            False,
        ),
        ("产出指标", "", "被抽中项目平均复核偏差率", "", "<3%", "", "", False, False),
        ("效益指标", "", "促进建设单位提高造价管理水平情况", "", "有效促进", "", "", False, False),
        (
            "效益指标",
            "",
            "市本级基本建设项目预、结算评审的平均审减率(%)",
            "",
            "≥4%",
            "",
            "",
            False,
            False,
        ),
    ]
    bank = form_named("非税收入代收银行手续费及国库集中支付业务代理银行代理服务费用")
    assert bank.indicators.get(order=4).annual_value == "直接支付 ≥3万笔;授权支付 ≥50万笔"
    # the same project name under two units stays two projects
    assert Project.objects.filter(name="财政改革专项工作经费").count() == 2


def test_all_three_seeds_import_together() -> None:
    result = import_files(paths=[DONGGUAN_SEED, SHENZHEN_SEED, GUANGZHOU_SEED], year=2023)
    assert (result.created, result.updated, result.unchanged) == (42, 0, 0)
    assert PerformanceForm.objects.count() == 42
    assert Indicator.objects.filter(name__contains="<").count() == 0


def test_an_empty_start_year_is_left_empty_not_read_from_the_next_label(db):
    from pathlib import Path

    from projects.services.importing import read_sources

    seed = Path(__file__).resolve().parent.parent / "fixtures/seeds/dongguan_finance_2023.txt"
    first = "项目绩效目标表" + seed.read_text(encoding="utf-8").split("项目绩效目标表")[1]
    text = first.replace("起始年度\t2021\t到期年度\t2024", "起始年度\t\t到期年度\t2024")
    form = read_sources(text=text).forms[0]
    assert (form.data.project.start_year, form.data.project.end_year) == (None, 2024)
    assert form.errors == []


def test_an_indicator_row_typed_two_cells_off_is_realigned_with_a_warning() -> None:
    from projects.services.importing import read_sources
    from tests.import_helpers import DONGGUAN_SEED

    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[17] == "\t\t质量指标\t项目维护质量\t良好\t良好"
    clean = read_sources(uploads=[("东莞.txt", text.encode())], year=2023)
    lines[17] = "\t\t" + lines[17]  # shifted right by two cells
    shifted = read_sources(uploads=[("东莞.txt", "\n".join(lines).encode())], year=2023)
    assert [f.data for f in shifted.forms] == [f.data for f in clean.forms]
    notes = [(p.where, p.message) for p in shifted.forms[0].warnings if "表头" in p.message]
    assert notes == [
        ("东莞.txt › E18", "这一行比表头右移 2 列，已按指标类别的位置对齐读取，请核对。")
    ]
