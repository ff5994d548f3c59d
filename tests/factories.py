"""Factories for object graphs: organisations, people with roles, projects, forms, indicators."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from indicators.models import Category, Framework
from indicators.reference import load_frameworks
from projects.models import Indicator, Membership, Organization, PerformanceForm, Project


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("password")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试主管部门{n}")
    kind = Organization.Kind.DEPARTMENT


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试用款单位{n}")
    kind = Organization.Kind.UNIT
    parent = factory.SubFactory(DepartmentFactory)


class FinanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name", "kind")

    name = "测试市财政局"
    kind = Organization.Kind.FINANCE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(UnitFactory)
    role = Membership.Role.FILER


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试项目{n}")
    unit = factory.SubFactory(UnitFactory)


def default_framework() -> Framework:
    """The shipped default framework. Transactional tests (live_server) flush the tables the
    data migration filled, so load the reference data again when it is gone."""
    if not Framework.objects.filter(is_default=True).exists():
        load_frameworks(Framework, Category)
    return Framework.objects.get(is_default=True)


class FormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PerformanceForm

    project = factory.SubFactory(ProjectFactory)
    fiscal_year = 2023
    framework = factory.LazyFunction(default_framework)
    project_type = "其他运转类（信息化运维类）"
    level = PerformanceForm.Level.SECOND
    start_year = 2021
    end_year = 2024
    annual_amount = Decimal("699000")
    period_goal = "通过建立集中运维外包体系，提升财政工作效率。"
    annual_goal = "保障系统正常运行。"


def category(name: str, framework: Framework | None = None) -> Category:
    return Category.objects.get(framework=framework or default_framework(), name=name)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    form = factory.SubFactory(FormFactory)
    category = factory.LazyAttribute(lambda o: category("数量指标", o.form.framework))
    name = factory.Sequence(lambda n: f"维护项目数量{n}")
    period_value = "1个"
    annual_value = "1个"
