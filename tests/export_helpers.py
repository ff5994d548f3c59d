"""Forms for the export tests, built with the ORM from the seed files' values, and readers that
turn the seed text and the exported files into comparable rows of cell text.

The importer is written alongside the exporter, so nothing here depends on it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from openpyxl import load_workbook

from indicators.models import Category, Framework
from projects.layouts import yuan_to_wan
from projects.models import Indicator, Organization, PerformanceForm, Project

SEEDS = Path(settings.BASE_DIR) / "fixtures" / "seeds"

DONGGUAN_GOAL = (
    "通过建立集中运维外包体系，进一步完善东莞市财政局信息中心财政业务系统的管理体系，"
    "提高系统全生命周期管理和服务水平，提供面向客户的高质量低成本的IT运维服务，进而提升财政工作效率。"
)
# (一级指标, 二级指标, 三级指标, 实施周期指标值, 当年度指标值)
DONGGUAN_INDICATORS = [
    ("产出指标", "数量指标", "维护项目数量", "1个", "1个"),
    ("产出指标", "质量指标", "项目维护质量", "良好", "良好"),
    ("产出指标", "时效指标", "服务时限", "1年", "1年"),
    ("产出指标", "成本指标", "项目维护费", "年均≤69.9万元", "≤69.9万元"),
    ("效益指标", "经济效益指标", "财税库联网", "正常运行", "正常运行"),
    ("效益指标", "社会效益指标", "工作实施效果", "良好", "良好"),
    ("满意度指标", "服务对象满意度指标", "委托方的满意度", "年均≥90%", "≥90%"),
]

SHENZHEN_GOAL = (
    "通过本项目的实施,保证福田区电子政务外网运行的网络设备、服务器、政府门户网站、数据库及其存储系统、"
    "业务应用系统、区机关各单位互联网网站等正常运行及网络和信息安全。"
)
SHENZHEN_POLICY = (
    "福田区政府计算机网络安全和信息化服务合同(2022-2023年)、深圳市福田区数据管理中心源代码安全审计服务合同、"
    "《深圳市密码应用推进工作协调小组办公室关于进一步加强政务信息系统密码应用与安全性评估工作的通知》"
    "(深密局字〔2020〕15号)等"
)
SHENZHEN_CALCULATION = (
    "1. 2022年度将支付299.6万元; 2. 2023年预测经费299.6万元; 3. 2024-2025年每年经费预计与2023年相当,"
    "合599.2万元。 2022年支付费用至2023年2月28日,2023年拟采购12个月服务,其中2023需支付10个月服务费250万元,"
    "2024年支付2个月服务费50万元等"
)
# (一级, 二级, 三级指标, 指标值, 指标解释, core, not applicable)
SHENZHEN_INDICATORS = [
    (
        "产出指标",
        "数量指标",
        "福田区电子政务外网安全系统保护",
        "≥153个系统",
        "反映福田区电子政务外网安全系统保护",
        True,
        False,
    ),
    ("产出指标", "数量指标", "商用密码安全性评估", "1次", "反映商用密码安全性评估", True, False),
    (
        "产出指标",
        "数量指标",
        "租用互联网数据链路出口数量",
        "3条",
        "反映租用互联网数据链路出口数量",
        True,
        False,
    ),
    ("产出指标", "质量指标", "信息化系统故障率", "≤2%", "反映信息化系统故障情况", True, False),
    ("产出指标", "质量指标", "安全漏洞修复率", ">95%", "反映安全漏洞修复情况", True, False),
    ("产出指标", "质量指标", "信息安全事件排除率", "100%", "反映信息安全事件排除情况", True, False),
    (
        "产出指标",
        "时效指标",
        "信息安全事故处理及时性",
        "24小时内",
        "反映信息安全事故处理及时性",
        True,
        False,
    ),
    (
        "产出指标",
        "时效指标",
        "应用系统扫描完成时间",
        "每季度末",
        "反映应用系统扫描完成时间",
        True,
        False,
    ),
    ("产出指标", "成本指标", "支出进度达标率", "≥95%", "反映支出进度达标情况", True, False),
    ("效益指标", "经济效益指标", "", "", "", False, True),
    (
        "效益指标",
        "社会效益指标",
        "信息系统安全应急响应能力提升",
        "显著",
        "反映信息系统安全应急响应能力",
        True,
        False,
    ),
    (
        "效益指标",
        "社会效益指标",
        "对信息系统可用性及稳定性的改善或提升程度",
        "显著",
        "反映对信息系统可用性及稳定性的改善或提升程度",
        True,
        False,
    ),
    ("效益指标", "生态效益指标", "", "", "", False, True),
    ("效益指标", "可持续影响指标", "", "", "", False, True),
    ("满意度指标", "服务对象满意度指标", "用户满意度", "≥90%", "反映用户满意情况", True, False),
]

# 广州: (unit, project, content, 总计 in 元, goal, [(一级指标, 三级指标, 年度指标值)])
GUANGZHOU_PROJECTS = [
    (
        "广州市财政局",
        "财政评审业务委托费",
        "根据财建[2009]648号、穗府办规[2019]3号,通过公开招标委托社会中介造价咨询服务机构对市本级政府投资项目"
        "开展财政投资评审业务委托服务。",
        Decimal("30000000.00"),
        "通过委托中介评审机构对市本级政府投资项目开展财政投资评审,保证评审工作顺利开展。",
        [("产出指标", "评审办结率", ">80%"), ("满意度指标", "建设单位对评审工作投诉率", "≤3%")],
    ),
    (
        "广州市财政局",
        "工作经费",
        "用于因公出国（境）经费53.75万元、派驻纪检组相关经费5万元。",
        Decimal("587500.00"),
        "通过组织市财政系统干部赴发达国家参加财政业务培训，为财政改革打好人才储备基础。",
        [("效益指标", "结合财政工作完成培训调研工作总结报告", "≥1份")],
    ),
    (
        "广州市预算评审保障中心",
        "购置经费",
        "根据财政大楼的饭堂及办公区所需办公家具、用具、设备的购置及更新情况。以及软件国产化要求，保障评审业务的顺利开展。",
        Decimal("244500.00"),
        "1.确保大楼办公家具、会议设备、安全设备等及时购置，满足大楼人员正常办公的需求； "
        "2.通过购买CAD软件，保障评审业务的顺利开展。",
        [("产出指标", "验收合格率（质量）", "100%"), ("产出指标", "设备故障率", "≤1%")],
    ),
    (
        "广州市预算评审保障中心",
        "机构运行辅助经费",
        "开支内容：聘用编外人员 开支明细：其他工资福利支出",
        Decimal("70012.34"),
        "通过该项目，加强办公大楼日常管理，提高后勤保障服务水平，保障后勤工作各项任务顺利完成。",
        [("效益指标", "后勤保障满意度", "≥90%")],
    ),
]


# --------------------------------------------------------------------------- builders


def framework() -> Framework:
    return Framework.objects.get(code="local-2023")


def department(name: str) -> Organization:
    org, _ = Organization.objects.get_or_create(
        kind=Organization.Kind.DEPARTMENT, name=name, parent=None
    )
    return org


def unit(name: str, parent: Organization) -> Organization:
    org, _ = Organization.objects.get_or_create(
        kind=Organization.Kind.UNIT, name=name, parent=parent
    )
    return org


def category(level1: str, level2: str = "") -> Category:
    fw = framework()
    if not level2:
        return Category.objects.get(framework=fw, level=1, name=level1)
    return Category.objects.get(framework=fw, level=2, name=level2, parent__name=level1)


def make_form(*, project: Project, layout: str = "dongguan", **fields: Any) -> PerformanceForm:
    fields.setdefault("fiscal_year", 2023)
    return PerformanceForm.objects.create(
        project=project, layout=layout, framework=framework(), **fields
    )


def make_dongguan_form(*, unit_name: str = "东莞市财政局信息中心") -> PerformanceForm:
    """The first form of fixtures/seeds/dongguan_finance_2023.txt."""
    dept = department("东莞市财政局")
    project = Project.objects.create(
        name="东莞市财政局信息中心财政业务系统支撑软件和硬件运维服务项目",
        department=dept,
        unit=unit(unit_name, dept),
    )
    form = make_form(
        project=project,
        project_type="其他运转类（信息化运维类）",
        level="二级项目",
        start_year=2021,
        end_year=2024,
        annual_amount=Decimal("699000"),
        period_goal=DONGGUAN_GOAL,
        annual_goal=DONGGUAN_GOAL,
        amount_unit_label="元",
    )
    for order, (one, two, name, period, annual) in enumerate(DONGGUAN_INDICATORS):
        Indicator.objects.create(
            form=form,
            category=category(one, two),
            name=name,
            period_value=period,
            annual_value=annual,
            order=order,
        )
    return form


def make_shenzhen_form() -> PerformanceForm:
    """The first form of fixtures/seeds/shenzhen_futian_2023.txt."""
    dept = department("深圳市福田区政务服务数据管理局(本级)")
    project = Project.objects.create(
        code="440304231060100505005",
        name="信息安全运行维护",
        department=dept,
        unit=unit("深圳市福田区数据管理中心", dept),
    )
    form = make_form(
        project=project,
        project_type="01 其他项目",
        duration_years=3,
        allocation_method="项目法",
        is_new=False,
        layout="shenzhen",
        total_amount=Decimal("7567200.00"),
        annual_amount=Decimal("2522400.00"),
        amount_unit_label="万元",
        policy_basis=SHENZHEN_POLICY,
        calculation_basis=SHENZHEN_CALCULATION,
        annual_goal=SHENZHEN_GOAL,
        period_goal=SHENZHEN_GOAL,
    )
    for order, (one, two, name, value, why, core, na) in enumerate(SHENZHEN_INDICATORS):
        Indicator.objects.create(
            form=form,
            category=category(one, two),
            name=name,
            value=value,
            explanation=why,
            is_core=core,
            not_applicable=na,
            order=order,
        )
    return form


def make_guangzhou_forms(year: int = 2023) -> list[PerformanceForm]:
    """A 广州 department (广州市财政局) with its two units and a few projects each."""
    dept = department("广州市财政局")
    forms = []
    for unit_name, name, content, amount, goal, items in GUANGZHOU_PROJECTS:
        project = Project.objects.create(
            name=name,
            department=dept,
            unit=unit(unit_name, dept),
        )
        form = make_form(
            project=project,
            start_year=year,
            end_year=year,
            layout="guangzhou",
            fiscal_year=year,
            content=content,
            annual_amount=amount,
            fiscal_amount=amount,
            annual_goal=goal,
            amount_unit_label="万元",
        )
        for order, (one, indicator, value) in enumerate(items):
            Indicator.objects.create(
                form=form,
                category=category(one),
                name=indicator,
                annual_value=value,
                order=order,
            )
        forms.append(form)
    return forms


def make_long_form(indicators: int = 60) -> PerformanceForm:
    """A 东莞 form with many indicators (several pages)."""
    dept = department("东莞市长表测试局")
    project = Project.objects.create(
        name="多指标测试项目",
        department=dept,
        unit=unit("东莞市长表测试中心", dept),
    )
    form = make_form(
        project=project,
        project_type="其他运转类",
        level="二级项目",
        start_year=2023,
        end_year=2025,
        annual_amount=Decimal("1000"),
        period_goal="长期目标",
        annual_goal="年度目标",
    )
    cats = [
        ("产出指标", "数量指标"),
        ("产出指标", "质量指标"),
        ("效益指标", "社会效益指标"),
        ("满意度指标", "服务对象满意度指标"),
    ]
    for number in range(indicators):
        one, two = cats[number * len(cats) // indicators]
        Indicator.objects.create(
            form=form,
            category=category(one, two),
            name=f"第{number + 1}项指标，说明文字较长" * 2,
            period_value=f"≥{number + 1}个",
            annual_value=f"≥{number + 1}个",
            order=number,
        )
    return form


# --------------------------------------------------------------------------- readers

_WIDTH = str.maketrans("（），：；！？", "(),:;!?")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Cell text compared ignoring full/half-width punctuation and spaces."""
    return _SPACES.sub("", str(text)).translate(_WIDTH)


def in_wan_as_labelled(cells: list[str]) -> list[str]:
    """The 深圳 seed's amounts as they truly are under their 万元 labels: each number after a
    label that says 万元 divided by 10,000 where it is plainly 元 (as the importer reads it,
    and as our 深圳 table prints it: in the unit its label states)."""
    fixed = list(cells)
    for index, cell in enumerate(cells[:-1]):
        if "万元" in cell and cell.endswith(":"):
            number = Decimal(cells[index + 1].replace(",", ""))
            if number >= 10000:
                fixed[index + 1] = f"{yuan_to_wan(number):,.2f}"
    return fixed


def seed_forms(filename: str, title: str) -> list[list[list[str]]]:
    """The seed's tables: each a list of rows, each row the tab-separated cells (blank rows
    dropped)."""
    tables: list[list[list[str]]] = []
    for line in (SEEDS / filename).read_text(encoding="utf-8").splitlines():
        if line.strip() == title:
            tables.append([[line.strip()]])
        elif tables and line.strip():
            tables[-1].append(line.split("\t"))
    return tables


def nonempty(rows: list[list[str]]) -> list[list[str]]:
    """Each row's non-empty cells, normalized; rows with none dropped."""
    result = []
    for row in rows:
        cells = [normalize(cell) for cell in row if cell.strip()]
        if cells:
            result.append(cells)
    return result


def _cell_text(cell: Any) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):
        fmt = cell.number_format
        if fmt.startswith("#,##0"):
            places = len(fmt.split(".", 1)[1]) if "." in fmt else 0
            return f"{Decimal(str(value)):,.{places}f}"
        if fmt.startswith("0."):
            return f"{Decimal(str(value)):.{len(fmt) - 2}f}"
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


def xlsx_rows(content: bytes, sheet: int = 0) -> list[list[str]]:
    """A sheet's cells as text (numbers shown with their number format)."""
    ws = load_workbook(io.BytesIO(content)).worksheets[sheet]
    return [[_cell_text(cell) for cell in row] for row in ws.iter_rows()]


def xlsx_merges(content: bytes, sheet: int = 0) -> set[str]:
    ws = load_workbook(io.BytesIO(content)).worksheets[sheet]
    return {str(r) for r in ws.merged_cells.ranges}


def pdf_text(path: Path, mode: str = "-raw") -> str:
    """The PDF's text; ``-raw`` keeps each cell's lines together (content-stream order)."""
    return subprocess.run(
        ["pdftotext", mode, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_pages(path: Path) -> list[str]:
    return pdf_text(path).split("\f")[:-1] or [pdf_text(path)]


def embedded_fonts(path: Path) -> list[str]:
    """Names of the fonts ``pdffonts`` lists as embedded (emb = yes), subset prefix removed."""
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    names = []
    for line in lines:
        fields = line.split()
        # name, type words…, encoding, emb, sub, uni, object, generation
        if len(fields) >= 6 and fields[-5] == "yes":
            names.append(fields[0].split("+", 1)[-1])
    return names


def has_embedded_cjk_serif(path: Path) -> bool:
    return any(re.match(r"Noto-?Serif-?CJK", name) for name in embedded_fonts(path))


# The tests that print an xlsx through LibreOffice: skipped where it is missing, except in CI
# (``scripts/system-packages.sh test`` installs it), where a missing LibreOffice fails them.
needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (scripts/system-packages.sh test installs it)",
)
