"""The counts of forms the database keeps (``FormCount``, ``ProjectTypeCount``: triggers of
migration 0016) stay equal to a count of the forms through every kind of write: creation,
transitions, adjustments, a change of year or project type, a unit moved to another
department, deletion; and the dashboard and the list's filters read them."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from projects.models import FormCount, PerformanceForm, ProjectTypeCount
from projects.permissions import Actor
from projects.review.dashboard import fiscal_years, status_counts
from projects.review.services import take_transition
from tests.factories import DepartmentFactory, FormFactory, ProjectFactory, UnitFactory

pytestmark = pytest.mark.django_db
Status = PerformanceForm.Status


def kept() -> tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]]]:
    """The counts the database keeps, the rows at zero left out."""
    forms = Counter(
        {
            (row.fiscal_year, row.department_id, row.status, row.adjusting): row.forms
            for row in FormCount.objects.all()
            if row.forms
        }
    )
    types = Counter(
        {
            (row.department_id, row.project_type): row.forms
            for row in ProjectTypeCount.objects.all()
            if row.forms
        }
    )
    return forms, types


def counted() -> tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]]]:
    """The same counts, counted from the forms."""
    forms: Counter[tuple[object, ...]] = Counter()
    types: Counter[tuple[object, ...]] = Counter()
    for form in PerformanceForm.objects.select_related("project"):
        department = form.project.department_id
        forms[(form.fiscal_year, department, form.status, form.is_adjusting)] += 1
        if form.project_type:
            types[(department, form.project_type)] += 1
    return forms, types


def test_the_kept_counts_follow_every_write(department, unit_a, alice) -> None:
    other = DepartmentFactory(name="东莞市教育局")
    unit = unit_a
    forms = [
        FormFactory(project=ProjectFactory(unit=unit), status=status, project_type=kind)
        for status, kind in (
            (Status.DRAFT, "运维"),
            (Status.DRAFT, ""),
            (Status.SUBMITTED, "运维"),
            (Status.APPROVED, "建设"),
        )
    ]
    assert kept() == counted()
    assert sum(kept()[0].values()) == 4

    # a transition, through the one service that takes them
    submitted = forms[2]
    take_transition(
        actor=Actor.for_user(alice), verb="withdraw", form_id=submitted.pk, seen_version=1
    )
    assert PerformanceForm.objects.get(pk=submitted.pk).status == Status.DRAFT
    assert kept() == counted()

    # an adjustment under way: approved once, back in draft
    PerformanceForm.objects.filter(pk=forms[3].pk).update(status=Status.DRAFT, approved_version=1)
    assert kept()[0][(2023, department.pk, Status.DRAFT, True)] == 1
    assert kept() == counted()

    # the year, the project type, a bulk update
    PerformanceForm.objects.filter(pk=forms[1].pk).update(fiscal_year=2024, project_type="新增")
    PerformanceForm.objects.filter(status=Status.DRAFT).update(status=Status.RETURNED)
    assert kept() == counted()

    # the unit moves to another department: its projects and their forms follow
    unit.parent = other
    unit.save()
    assert {key[1] for key in kept()[0]} == {other.pk}
    assert kept() == counted()

    # deleted, one and then all
    forms[2].delete()
    assert kept() == counted()
    PerformanceForm.objects.all().delete()
    assert kept() == (Counter(), Counter())


def test_the_dashboard_reads_the_kept_counts(department, fiona) -> None:
    """A finance reviewer's dashboard and years come from the kept counts; a department with
    no form left drops out."""
    unit = UnitFactory(parent=department)
    for status, adjusting in (
        (Status.DRAFT, False),
        (Status.SUBMITTED, False),
        (Status.APPROVED, False),
        (Status.DRAFT, True),
    ):
        FormFactory(
            project=ProjectFactory(unit=unit),
            status=status,
            approved_version=1 if adjusting or status == Status.APPROVED else None,
        )
    emptied = UnitFactory(parent=DepartmentFactory(name="东莞市水务局"))
    FormFactory(project=ProjectFactory(unit=emptied)).delete()
    finance = Actor.for_user(fiona)
    assert fiscal_years(finance) == [2023]
    (row,) = status_counts(finance, 2023)
    assert (row.name, row.draft, row.submitted, row.approved, row.total, row.adjusting) == (
        department.name,
        1,
        1,
        2,
        4,
        1,
    )


def test_the_list_filter_reads_the_kept_types(client, department, fiona) -> None:
    unit = UnitFactory(parent=department)
    for kind in ("运维", "建设", "运维", ""):
        FormFactory(project=ProjectFactory(unit=unit), project_type=kind)
    FormFactory(project=ProjectFactory(unit=unit), project_type="撤销").delete()
    client.force_login(fiona)
    page = client.get(reverse("projects:form_list"))
    choices = [
        value for value, _label in page.context["filter_form"].fields["project_type"].choices
    ]
    assert choices == ["", "建设", "运维"]
