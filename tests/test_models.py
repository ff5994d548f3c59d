"""Constraints the database enforces, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicators.models import Category, Framework
from projects.models import Indicator, Membership, Organization, PerformanceForm, Project
from tests.factories import (
    DepartmentFactory,
    FormFactory,
    IndicatorFactory,
    ProjectFactory,
    UnitFactory,
    category,
)


def refused(action) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


def test_one_form_per_project_and_year(db):
    form = FormFactory()
    refused(lambda: FormFactory(project=form.project, fiscal_year=form.fiscal_year))
    FormFactory(project=form.project, fiscal_year=form.fiscal_year + 1)


@pytest.mark.parametrize(
    "field", ["annual_amount", "total_amount", "fiscal_amount", "special_amount", "other_amount"]
)
def test_amounts_are_not_negative(db, field):
    refused(lambda: FormFactory(**{field: Decimal("-0.01")}))
    FormFactory(**{field: Decimal("0")})


def test_amounts_keep_cents_exactly(db):
    form = FormFactory(annual_amount=Decimal("2522400.05"))
    form.refresh_from_db()
    assert form.annual_amount == Decimal("2522400.05")


def test_project_years_in_order(db):
    refused(lambda: FormFactory(start_year=2024, end_year=2021))
    FormFactory(start_year=2023, end_year=2023)


def test_project_code_is_unique_when_given(db):
    ProjectFactory(code="440304231060100505005")
    refused(lambda: ProjectFactory(code="440304231060100505005"))
    ProjectFactory(code="")
    ProjectFactory(code="")


def test_unit_needs_a_department(db):
    refused(lambda: Organization.objects.create(name="孤立单位", kind=Organization.Kind.UNIT))


def test_unit_names_are_unique_within_a_department(db):
    department = DepartmentFactory()
    UnitFactory(name="信息中心", parent=department)
    refused(lambda: UnitFactory(name="信息中心", parent=department))
    UnitFactory(name="信息中心", parent=DepartmentFactory())


def test_a_department_and_its_unit_may_share_a_name(db):
    # 广州: the department 广州市财政局 has a unit called 广州市财政局 (its own office).
    department = DepartmentFactory(name="广州市财政局")
    UnitFactory(name="广州市财政局", parent=department)


def test_category_must_belong_to_the_form_framework(db):
    form = FormFactory()
    central = Framework.objects.get(code="central-2021")
    foreign = Category.objects.get(framework=central, name="经济成本指标")
    refused(lambda: Indicator.objects.create(form=form, category=foreign, name="成本"))
    indicator = IndicatorFactory(form=form)
    indicator.category = foreign
    refused(indicator.save)
    with pytest.raises(ValidationError):
        Indicator(form=form, category=foreign, name="成本").full_clean()


def test_a_projects_department_is_always_its_units_parent(db):
    unit = UnitFactory()
    other = DepartmentFactory(name="另一个主管部门")
    project = ProjectFactory(unit=unit, department=other)  # save() follows the unit
    assert project.department_id == unit.parent_id
    refused(lambda: Project.objects.bulk_create([Project(name="x", unit=unit, department=other)]))
    refused(lambda: Project.objects.filter(pk=project.pk).update(department=other))
    unit.parent = other  # the unit moves: its projects follow
    unit.save()
    project.refresh_from_db()
    assert project.department_id == other.pk


def test_indicator_uids_are_unique_and_stable(db):
    indicator = IndicatorFactory()
    uid = indicator.uid
    indicator.annual_value = "2个"
    indicator.save()
    indicator.refresh_from_db()
    assert indicator.uid == uid
    refused(lambda: IndicatorFactory(form=indicator.form, uid=uid))


def test_form_framework_cannot_change_under_its_indicators(db):
    indicator = IndicatorFactory()
    form = indicator.form
    form.framework = Framework.objects.get(code="central-2021")
    refused(form.save)
    empty = FormFactory()
    empty.framework = Framework.objects.get(code="central-2021")
    empty.save()


def test_indicator_needs_a_name_unless_not_applicable(db):
    form = FormFactory()
    refused(lambda: Indicator.objects.create(form=form, category=category("经济效益指标")))
    Indicator.objects.create(
        form=form, category=category("经济效益指标"), not_applicable=True, value="不适用"
    )


def test_saving_an_indicator_parses_its_target(db):
    indicator = IndicatorFactory(period_value="年均≤69.9万元", annual_value="≤69.9万元")
    indicator.refresh_from_db()
    assert indicator.target_comparator == "≤"
    assert indicator.target_number == Decimal("69.9")
    assert indicator.target_unit == "万元"
    assert indicator.period_target.qualifier == "年均"


def test_only_one_default_framework(db):
    refused(lambda: Framework.objects.create(code="x", name="x", version="1", is_default=True))


def test_shipped_frameworks_have_the_expected_categories(db):
    local = Framework.objects.get(code="local-2023")
    top = list(local.categories.filter(level=1).values_list("name", flat=True))
    assert top == ["产出指标", "效益指标", "满意度指标"]
    output = local.categories.get(name="产出指标")
    assert [c.name for c in output.children.order_by("order")] == [
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
    ]
    central = Framework.objects.get(code="central-2021")
    assert list(central.categories.filter(level=1).values_list("name", flat=True)) == [
        "产出指标",
        "成本指标",
        "效益指标",
        "满意度指标",
    ]
    cost = central.categories.get(name="成本指标")
    assert [c.name for c in cost.children.order_by("order")] == [
        "经济成本指标",
        "社会成本指标",
        "生态环境成本指标",
    ]


def test_membership_role_must_fit_the_organization(db):
    unit = UnitFactory()
    from tests.factories import UserFactory

    membership = Membership(
        user=UserFactory(), organization=unit, role=Membership.Role.FINANCE_REVIEWER
    )
    with pytest.raises(ValidationError):
        membership.full_clean()


def test_form_is_editable_only_in_draft_or_returned(db):
    form = FormFactory()
    editable = {
        status for status in PerformanceForm.Status if FormFactory.build(status=status).is_editable
    }
    assert editable == {PerformanceForm.Status.DRAFT, PerformanceForm.Status.RETURNED}
    assert form.is_editable


def test_chinese_names_sort_by_pinyin_on_every_database(db) -> None:
    from projects.models import Organization, pinyin

    for name in ("中山市", "北京市", "安庆市", "广州市", "深圳市"):
        Organization.objects.create(kind=Organization.Kind.DEPARTMENT, name=name)
    names = list(
        Organization.objects.filter(kind="department")
        .order_by(pinyin("name"))
        .values_list("name", flat=True)
    )
    # by code point 中 (U+4E2D) would come first and 安 (U+5B89) after 北 (U+5317)
    assert names == ["安庆市", "北京市", "广州市", "深圳市", "中山市"]


@pytest.mark.django_db
def test_matching_selects_forms_by_year_department_and_unit_by_id_or_name(
    alice_form, charlie_form
) -> None:
    older = FormFactory(project=alice_form.project, fiscal_year=2022)
    unit_a, unit_c = alice_form.project.unit, charlie_form.project.unit
    forms = PerformanceForm.objects

    def pks(queryset) -> set[int]:
        return set(queryset.values_list("pk", flat=True))

    assert pks(forms.matching()) == {alice_form.pk, charlie_form.pk, older.pk}
    assert pks(forms.matching(year=2023)) == {alice_form.pk, charlie_form.pk}
    assert pks(forms.matching(year=2022, department=unit_a.parent_id)) == {older.pk}
    assert pks(forms.matching(department="东莞市教育局")) == {charlie_form.pk}
    assert pks(forms.matching(year=2023, unit=unit_a.name)) == {alice_form.pk}
    assert pks(forms.matching(unit=unit_c.pk, department=unit_a.parent_id)) == set()
