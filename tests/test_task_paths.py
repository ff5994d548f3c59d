"""The background tasks live beside their features: the worker finds each by the path the
backend stored, the rows queued under the old ``projects.tasks`` paths are pointed at the new
ones, and no task module sits in an import circle or imports from a layer above its own."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from projects.exporting.tasks import run_export_job
from projects.filing.library import rebuild_library_task
from projects.review.tasks import send_notification_mail
from projects.services.import_tasks import run_import_job

moved = importlib.import_module("projects.migrations.0012_task_paths_by_feature")


def imported_modules(module: str) -> set[str]:
    """Every module the file imports, at the top or inside a function."""
    path = Path(settings.BASE_DIR) / (module.replace(".", "/") + ".py")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_each_task_is_found_by_the_path_the_backend_stores() -> None:
    tasks = [run_export_job, run_import_job, rebuild_library_task, send_notification_mail]
    assert sorted(task.module_path for task in tasks) == sorted(moved.MOVED.values())
    for task in tasks:
        assert import_string(task.module_path) is task


def test_the_old_module_is_gone() -> None:
    with pytest.raises(ImportError):
        importlib.import_module("projects.tasks")


@pytest.mark.django_db
def test_tasks_queued_under_the_old_paths_run_from_the_new_ones() -> None:
    results = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for old in moved.MOVED:
        results.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path=old,
            backend_name="default",
            run_after=timezone.now(),
        )
    results.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="elsewhere.tasks.other",
        backend_name="default",
        run_after=timezone.now(),
    )
    moved.forwards(apps, None)
    paths = set(results.values_list("task_path", flat=True))
    assert paths == {*moved.MOVED.values(), "elsewhere.tasks.other"}
    for row in results.exclude(task_path="elsewhere.tasks.other"):
        # what the worker does with a row it picks (``DBTaskResult.task``)
        assert isinstance(import_string(row.task_path), Task)
    moved.backwards(apps, None)
    assert set(results.values_list("task_path", flat=True)) == {
        *moved.MOVED,
        "elsewhere.tasks.other",
    }


def test_the_import_services_do_not_import_the_import_task() -> None:
    for module in ("projects.services.importing", "projects.filing.rollover"):
        assert not {name for name in imported_modules(module) if name.endswith("tasks")}, module
