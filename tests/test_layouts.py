"""The layout grids: spans, groups and the matrix a sheet shows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Category
from projects.content import CategoryLookup, FormContent, IndicatorContent, ProjectContent
from projects.filing.checking import framework_info
from projects.layouts import (
    LAYOUTS,
    CategoryRef,
    UnitForms,
    build_grid,
    format_plain_yuan,
    format_thousands,
    framework_categories,
    yuan_to_wan,
)
from projects.layouts.normalize import CategoryNames
from tests.factories import default_framework

CATEGORIES = [
    CategoryRef("产出指标", "数量指标", "产出", "数量"),
    CategoryRef("产出指标", "质量指标", "产出", "质量"),
    CategoryRef("效益指标", "社会效益指标", "效益", "社会效益"),
    CategoryRef("满意度指标", "服务对象满意度指标", "满意度", "服务对象满意度"),
    CategoryRef("满意度指标", "其他满意度指标", "满意度", "其他满意度"),
]


def data() -> FormContent:
    return FormContent(
        project=ProjectContent(
            name="线路租赁项目",
            department="东莞市财政局",
            unit="信息中心",
            start_year=2021,
            end_year=2024,
        ),
        fiscal_year=2023,
        amounts={"annual": Decimal("19200")},
        goals={"period": "保障网络联通。", "annual": "2023年保障网络联通。"},
        indicators=[
            IndicatorContent("产出指标", "数量指标", "租用量", "2条", "2条"),
            IndicatorContent("产出指标", "数量指标", "线路数", "3条", "3条"),
            IndicatorContent("满意度指标", "服务对象满意度指标", "满意度", "年均≥90%", "≥90%"),
        ],
    )


def test_every_html_group_closes_its_rowspans():
    grid = build_grid("dongguan", data(), CATEGORIES)
    for group in grid.groups():
        covered = 0
        for offset, row in enumerate(group):
            for cell in row.cells:
                covered = max(covered, offset + cell.rowspan)
        assert covered <= len(group)
    assert sum(len(group) for group in grid.groups()) == len(grid.rows)


def test_dongguan_matrix_reads_like_the_seed():
    matrix = build_grid("dongguan", data(), CATEGORIES).matrix()
    assert matrix[1] == ["项目名称", "", "线路租赁项目", "", "", ""]
    assert matrix[6] == ["实施周期", "", "起始年度", "2021", "到期年度", "2024"]
    assert matrix[7] == ["2023年预算金额（元）", "", "19200", "", "", ""]
    head = matrix.index(
        ["绩效指标", "一级指标", "二级指标", "三级指标", "实施周期指标值", "当年度指标值"]
    )
    body = matrix[head + 1 :]
    assert body[0] == ["", "产出指标", "数量指标", "租用量", "2条", "2条"]
    assert body[1] == ["", "", "", "线路数", "3条", "3条"]  # same category: merged
    assert body[2] == ["", "", "质量指标", "", "", ""]  # empty category still listed
    # 其他满意度指标 is not part of the 东莞 table when empty.
    assert all("其他满意度指标" not in row for row in body)


def test_shenzhen_marks_core_and_lists_every_category():
    form = data()
    form.indicators[0].core = True
    form.indicators.append(
        IndicatorContent("效益指标", "社会效益指标", not_applicable=True, value="不适用")
    )
    matrix = build_grid("shenzhen", form, CATEGORIES).matrix()
    rows = [row for row in matrix if row[0] in {"产出", "效益", "满意度"}]
    assert rows[0][:4] == ["产出", "*数量", "租用量", "2条"] or rows[0][:3] == [
        "产出",
        "*数量",
        "租用量",
    ]
    assert ["效益", "社会效益", "不适用", "不适用", ""] in rows
    assert ["满意度", "其他满意度", "", "", ""] in rows


def test_amount_formats():
    assert format_plain_yuan(Decimal("699000.00")) == "699000"
    assert format_plain_yuan(Decimal("12.5")) == "12.50"
    assert format_thousands(Decimal("7567200")) == "7,567,200.00"
    assert yuan_to_wan(Decimal("133928200")) == Decimal("13392.82")


def test_the_guangzhou_subtotals_add_up_the_rows_as_printed() -> None:
    def form(name: str, yuan: str) -> FormContent:
        return FormContent(
            project=ProjectContent(name=name, department="广州市财政局", unit="本级"),
            fiscal_year=2023,
            amounts={"annual": Decimal(yuan), "fiscal": Decimal(yuan)},
        )

    # each row prints 1,000.00 (10,000,040 元 = 1,000.004 万元); the exact sum, 2,000.008,
    # would print 2,000.01 above rows adding to 2,000.00
    grid = LAYOUTS["guangzhou"].build_department(
        "广州市财政局",
        2023,
        [UnitForms("本级", [form("甲项目", "10000040"), form("乙项目", "10000040")])],
    )
    texts = [[cell.text for cell in row.cells] for row in grid.rows]
    rows = [t for t in texts if t and t[0] in ("甲项目", "乙项目")]
    assert all("1,000.00" in row for row in rows)
    subtotals = [t for t in texts if t and t[0] in ("合计", "本级")]
    assert subtotals and all("2,000.00" in t and "2,000.01" not in t for t in subtotals)


@pytest.mark.django_db
def test_one_category_lookup_serves_the_layouts_the_checks_and_the_import(
    django_assert_num_queries,
) -> None:
    framework = default_framework()
    lookup = CategoryLookup()
    with django_assert_num_queries(1):  # the framework's categories with their parents, once
        refs = framework_categories(framework.pk, lookup)
        info = framework_info(framework.pk, lookup)
        names = CategoryNames(framework_categories(framework.pk, lookup))
        level1, level2 = refs[0].level1, refs[0].level2
        found = lookup.get(framework.pk, level1, level2)
    assert [(r.level1, r.level2) for r in refs] == [(i.level1, i.level2) for i in info]
    assert ("产出指标", "数量指标") in [(r.level1, r.level2) for r in refs]
    assert found == Category.objects.get(framework=framework, parent__name=level1, name=level2).pk
    match = names.match_level2("*数量", "产出指标")
    assert match is not None and (match.level1, match.level2, match.core) == (
        "产出指标",
        "数量指标",
        True,
    )
