"""A form's 主管部门 (``PerformanceForm.department``) is kept by the database's triggers, on SQLite
and PostgreSQL, whatever writes the forms or moves their projects: it always equals its
project's department, the oracle here. The code never writes it, and a form saved from an
instance that holds None (or another department) still gets its project's."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from projects.models import Organization, PerformanceForm, Project
from projects.permissions import Actor
from projects.review.queue import review_queue
from tests.factories import (
    DepartmentFactory,
    FormFactory,
    ProjectFactory,
    UnitFactory,
    default_framework,
)

pytestmark = pytest.mark.django_db


def assert_kept() -> None:
    rows = PerformanceForm.objects.values_list("pk", "department_id", "project__department_id")
    assert rows, "no forms"
    for pk, kept, project_department in rows:
        assert kept == project_department, pk


def test_every_write_of_a_form_or_a_project_keeps_the_forms_department() -> None:
    a, b = DepartmentFactory(), DepartmentFactory()
    unit = UnitFactory(parent=a)
    form = FormFactory(project=ProjectFactory(unit=unit, department=a))
    assert form.department_id is None  # the instance as written: the database set it
    assert_kept()
    # saved again from the instance, which holds None: the trigger puts it right
    form.save()
    assert_kept()
    # a stale instance that names another department: the project's wins
    form.department_id = b.pk
    form.save()
    form.refresh_from_db()
    assert form.department_id == a.pk
    # many at once, as an import or generate_city writes them
    projects = [ProjectFactory(unit=unit, department=a) for _ in range(3)]
    PerformanceForm.objects.bulk_create(
        PerformanceForm(project=project, fiscal_year=form.fiscal_year, framework=form.framework)
        for project in projects
    )
    assert_kept()
    # the unit moves to department B: its projects move (0002) and their forms follow
    Organization.objects.filter(pk=unit.pk).update(parent=b)
    assert set(PerformanceForm.objects.values_list("department_id", flat=True)) == {b.pk}
    assert_kept()
    # a form given to another project (of another department)
    other = ProjectFactory(unit=UnitFactory(parent=a), department=a)
    PerformanceForm.objects.filter(pk=form.pk).update(project=other)
    assert PerformanceForm.objects.get(pk=form.pk).department_id == a.pk
    assert_kept()
    # a project deleted takes its forms with it; the others stay as they were
    Project.objects.filter(pk=other.pk).delete()
    assert_kept()


def test_the_queue_finds_the_forms_of_a_project_that_moved(fiona) -> None:
    """The finance queue reads the form's own department (whether it reviews its units'
    forms): a submitted form of a unit that moves from a department that reviews to one that
    does not goes straight to finance."""
    reviewing = DepartmentFactory(department_review=True)
    not_reviewing = DepartmentFactory(department_review=False)
    unit = UnitFactory(parent=reviewing)
    form = FormFactory(project=ProjectFactory(unit=unit, department=reviewing))
    PerformanceForm.objects.filter(pk=form.pk).update(status=PerformanceForm.Status.SUBMITTED)
    finance = Actor.for_user(fiona)
    assert form.pk not in review_queue(finance).values_list("pk", flat=True)
    Organization.objects.filter(pk=unit.pk).update(parent=not_reviewing)
    assert form.pk in review_queue(finance).values_list("pk", flat=True)


@pytest.mark.django_db(transaction=True)
def test_the_column_is_taken_back_and_made_again_with_every_trigger_in_place() -> None:
    """0024 undone and done again (on SQLite without a rebuild of the forms' table, which
    would drop the triggers of 0002, 0017 and 0020): the forms get their department again."""
    form = FormFactory()
    triggers = trigger_names()
    assert "form_arrival_insert" in triggers or "form_arrival_follow_form" in triggers
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("projects")
    try:
        executor.migrate([("projects", "0023_report_event_sheet_version")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert PerformanceForm.objects.get(pk=form.pk).department_id == form.project.department_id
    assert_kept()
    assert trigger_names() == triggers


def trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def test_the_triggers_are_in_place_after_every_migration() -> None:
    """On SQLite, a later migration that rebuilds the forms' or the projects' table drops its
    triggers with it (0024's docstring says how to keep them): this says so."""
    if connection.vendor == "sqlite":
        expected = {f"form_department_{n}" for n in ("insert", "update", "project_moves")}
    else:
        expected = {"form_department_from_project", "form_department_project_moves"}
    assert expected <= trigger_names(), expected - trigger_names()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a race needs two connections to one database (SQLite serializes writers)",
)
@pytest.mark.django_db(transaction=True)
def test_a_form_made_while_its_unit_moves_gets_the_department_it_moves_to() -> None:
    """The move of a unit updates its projects' forms, but cannot see a form another
    transaction is inserting: the new form reads its project's row under a lock, so it waits
    for the move and takes its department (without the lock it kept the old one for good)."""
    a, b = DepartmentFactory(), DepartmentFactory()
    unit = UnitFactory(parent=a)
    project = ProjectFactory(unit=unit, department=a)
    framework = default_framework()
    made: list[object] = []  # the new form's id, or what its insert raised

    def make() -> None:
        try:
            made.append(FormFactory(project=project, framework=framework).pk)
        except Exception as error:
            made.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():  # the move, not yet committed
        Organization.objects.filter(pk=unit.pk).update(parent=b)
        maker = threading.Thread(target=make)
        maker.start()
        deadline = time.monotonic() + 10
        waiting = False
        while not waiting and time.monotonic() < deadline:
            with connection.cursor() as cursor:
                # the activity as it is now, not as this transaction first read it
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                waiting = cursor.fetchone()[0] > 0
            time.sleep(0.05)
        assert waiting, f"the new form did not wait for the move of its project: {made}"
    maker.join(timeout=30)
    assert made and PerformanceForm.objects.get(pk=made[0]).department_id == b.pk
    assert_kept()
