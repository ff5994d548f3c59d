"""Suggestions while filling: a second-level category for the 广州 forms' indicators, the
library's indicators of a category, and how a typed value reads."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from projects.content import IndicatorContent, load_content
from projects.filing.library import rebuild_library
from projects.filing.suggest import library_for, suggest_level2
from projects.models import Membership, PerformanceForm
from projects.services.importing import import_files
from tests.factories import MembershipFactory, UserFactory
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED

pytestmark = pytest.mark.django_db
OUTPUT = ["数量指标", "质量指标", "时效指标", "成本指标"]
BENEFIT = ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"]
SATISFACTION = ["服务对象满意度指标", "其他满意度指标"]


@pytest.mark.parametrize(
    ("name", "value", "children", "expected"),
    [
        ("评审办结率", ">80%", OUTPUT, "质量指标"),
        ("评审项目数量", "≥350个", OUTPUT, "数量指标"),
        ("项目完成时限", "2023年12月31日前", OUTPUT, "时效指标"),
        ("响应时间", "≤2小时", OUTPUT, "时效指标"),
        ("委托费用", "≤120万元", OUTPUT, "成本指标"),
        ("节约财政资金", "≥500万元", BENEFIT, "社会效益指标"),
        ("建设单位满意度", "≥90%", SATISFACTION, "服务对象满意度指标"),
    ],
)
def test_a_second_level_category_is_suggested_from_name_and_value(name, value, children, expected):
    item = IndicatorContent("产出指标", "", name, annual_value=value)
    assert suggest_level2(item, children) == expected


def test_every_guangzhou_seed_indicator_gets_a_suggestion_within_its_first_level() -> None:
    import_files(paths=[GUANGZHOU_SEED])
    suggested: Counter[str] = Counter()
    for form in PerformanceForm.objects.with_content():
        for item in load_content(form).indicators:
            assert not item.level2
            children = {"产出指标": OUTPUT, "效益指标": BENEFIT, "满意度指标": SATISFACTION}[
                item.level1
            ]
            found = suggest_level2(item, children)
            assert found in children
            suggested[found] += 1
    assert suggested["质量指标"] and suggested["数量指标"] and suggested["时效指标"]


def test_the_library_offers_a_categorys_indicators_most_used_first(client) -> None:
    import_files(paths=[DONGGUAN_SEED])
    rebuild_library()
    form = PerformanceForm.objects.order_by("pk").first()
    assert form is not None
    hints = library_for(form.framework_id)
    satisfaction = next(h for hints_ in hints.values() for h in hints_ if "满意度" in h.name)
    assert satisfaction.usage >= 1 and "≥90%" in satisfaction.values
    filer = UserFactory(username="filer")
    MembershipFactory(user=filer, organization=form.project.unit, role=Membership.Role.FILER)
    client.force_login(filer)
    html = client.get(reverse("projects:form_edit", kwargs={"pk": form.pk})).content.decode()
    assert '<datalist id="library-' in html and 'list="library-' in html
    assert "读作：年均 ≤ 69.9 万元" in html


def test_the_guangzhou_editor_suggests_categories(client) -> None:
    import_files(paths=[GUANGZHOU_SEED])
    form = PerformanceForm.objects.with_content().order_by("pk").first()
    assert form is not None
    filer = UserFactory(username="filer")
    MembershipFactory(user=filer, organization=form.project.unit, role=Membership.Role.FILER)
    client.force_login(filer)
    html = client.get(reverse("projects:form_edit", kwargs={"pk": form.pk})).content.decode()
    assert "产出指标（未分二级）" in html
    assert "建议归入：" in html
