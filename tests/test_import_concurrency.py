"""Imports at the same time: two imports of the same sheets make one set of projects and forms
(the second finds the first's and leaves them unchanged), a double-clicked 确认导入 imports
once, and the database itself refuses a project twice in one unit.

The races are forced, not hoped for: the test holds the import lock (the PostgreSQL advisory
lock every commit takes first) until both importers are waiting on it, having read and matched
their sheets while the database was still empty. SQLite serializes writers by itself and runs
the tests in one in-memory database, so the races run on PostgreSQL only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from projects.models import Organization, PerformanceForm, Project, StagedImport
from projects.permissions import Actor
from projects.services.importing import (
    IMPORT_LOCK_KEY,
    ImportAlreadyCommitted,
    ImportError_,
    commit_import,
    read_sources,
    read_staged,
    stage_import,
)
from tests.factories import default_framework
from tests.import_helpers import DONGGUAN_SEED

FORMS = 50
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races need two connections to one database: SQLite runs the tests in one "
    "in-memory database and serializes writers by itself",
)


def sheets_with_forms(path: Path, count: int = FORMS) -> Path:
    """A text file of ``count`` 东莞 forms: the seed's 14, repeated under new project names."""
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    head, *blocks = text.split("项目绩效目标表\n")
    assert len(blocks) == 14
    written = [head]
    for index in range(count):
        lines = blocks[index % len(blocks)].split("\n")
        for number, line in enumerate(lines):
            if line.startswith("项目名称"):
                cells = line.split("\t")
                first = next(i for i, cell in enumerate(cells) if i and cell.strip())
                cells[first] = f"{cells[first]}（第{index // len(blocks) + 1}批）"
                lines[number] = "\t".join(cells)
        written.append("\n".join(lines))
    path.write_text("项目绩效目标表\n".join(written), encoding="utf-8")
    return path


@contextmanager
def holding_the_import_lock() -> Iterator[Callable[[int], None]]:
    """Hold the import lock; yields ``wait_for(n)``: wait until n others are waiting on it."""

    def wait_for(waiting: int) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                    " WHERE l.locktype = 'advisory' AND NOT l.granted"
                    " AND d.datname = current_database()"
                )
                if cursor.fetchone()[0] >= waiting:
                    return
            time.sleep(0.05)
        pytest.fail(f"{waiting} importers did not come to wait on the import lock")

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        yield wait_for


def start_threads(*jobs: Callable[[], Any]) -> Callable[[], list[Any]]:
    """Start each job in its own thread (its own database connection); returns ``join``,
    which waits for them and returns their results (or the exception each raised)."""
    results: list[Any] = [None] * len(jobs)

    def run(index: int) -> None:
        try:
            results[index] = jobs[index]()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()

    def join() -> list[Any]:
        for thread in threads:
            thread.join(timeout=180)
        assert not any(thread.is_alive() for thread in threads)
        return results

    return join


# --------------------------------------------------------------------------- the constraint


@pytest.mark.django_db
def test_a_project_without_a_code_is_refused_twice_in_one_unit(unit_a, unit_c) -> None:  # type: ignore[no-untyped-def]
    Project.objects.create(unit=unit_a, name="运维服务项目")
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(unit=unit_a, name="运维服务项目")
    # the same name in another unit, or with a code of its own, is another project
    Project.objects.create(unit=unit_c, name="运维服务项目")
    Project.objects.create(unit=unit_a, name="运维服务项目", code="440304231060100505005")
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(unit=unit_c, name="另一个项目", code="440304231060100505005")
    assert Project.objects.filter(name="运维服务项目").count() == 3


# --------------------------------------------------------------------------- two imports at once


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_sheets_at_once_make_one_set_of_forms(tmp_path: Path) -> None:
    default_framework()
    path = sheets_with_forms(tmp_path / "东莞.txt")
    plans = [read_sources(paths=[path]) for _ in range(2)]
    assert [plan.count("create") for plan in plans] == [FORMS, FORMS]

    with holding_the_import_lock() as wait_for:
        join = start_threads(*(lambda p=p: commit_import(plan=p, replan=True) for p in plans))
        wait_for(2)
    results = join()
    assert not [r for r in results if isinstance(r, Exception)], results
    counts = sorted((r.created, r.updated, r.unchanged) for r in results)
    assert counts == [(0, 0, FORMS), (FORMS, 0, 0)]
    assert PerformanceForm.objects.count() == Project.objects.count() == FORMS
    assert Organization.objects.filter(kind="unit").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_import_commands_at_once_make_one_set_of_forms(tmp_path: Path) -> None:
    default_framework()
    path = sheets_with_forms(tmp_path / "东莞.txt")
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "perfgoals.test_settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}"
            f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        ),
    }
    command = [sys.executable, "manage.py", "import_sheets", str(path)]
    with holding_the_import_lock() as wait_for:
        processes = [
            subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            wait_for(2)  # both have read the file (50 to create) and wait to commit
        except BaseException:
            for process in processes:
                process.kill()
            raise
    outputs = [process.communicate(timeout=180) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    summaries = sorted(
        line.split("；")[0]
        for out, _err in outputs
        for line in out.splitlines()
        if "张表：" in line
    )
    assert summaries == [
        f"共 {FORMS} 张表：新建 0，更新 0，不变 {FORMS}",
        f"共 {FORMS} 张表：新建 {FORMS}，更新 0，不变 0",
    ]
    assert PerformanceForm.objects.count() == Project.objects.count() == FORMS


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_of_two_previews_confirmed_at_once_the_second_is_refused_as_stale(tmp_path) -> None:  # type: ignore[no-untyped-def]
    default_framework()
    path = sheets_with_forms(tmp_path / "东莞.txt", 20)
    plans = [read_sources(paths=[path]) for _ in range(2)]
    with holding_the_import_lock() as wait_for:
        join = start_threads(*(lambda p=p: commit_import(plan=p) for p in plans))
        wait_for(2)
    results = join()
    refused = [r for r in results if isinstance(r, ImportError_)]
    assert len(refused) == 1 and "请重新预览后再导入" in refused[0].message
    assert PerformanceForm.objects.count() == Project.objects.count() == 20


# --------------------------------------------------------------------------- 确认导入 twice


@pytest.fixture
def admin_client(adam) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(adam)
    return client


def confirm(client: Client, staged: StagedImport, fingerprint: str) -> Any:
    return client.post(
        reverse("projects:import_commit"), {"staged": str(staged.pk), "fingerprint": fingerprint}
    )


@pytest.mark.django_db
def test_a_double_clicked_confirm_imports_once(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("projects:import_upload"), {"text": DONGGUAN_SEED.read_text(encoding="utf-8")}
    )
    assert response.status_code == 302
    staged = StagedImport.objects.get()
    fingerprint = admin_client.get(reverse("projects:import_preview")).context["overview"][
        "fingerprint"
    ]
    first = confirm(admin_client, staged, fingerprint)
    second = confirm(admin_client, staged, fingerprint)
    assert first["Location"] == second["Location"] == reverse("projects:form_list")
    assert PerformanceForm.objects.count() == 14
    page = admin_client.get(second["Location"]).content.decode()
    assert "这次导入已经提交过了" in page


@pytest.mark.django_db
def test_a_staged_upload_is_committed_once_by_the_service(adam, tmp_path) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.for_user(adam)
    staged = stage_import(actor=actor, uploads=[("东莞.txt", DONGGUAN_SEED.read_bytes())])
    plans = [read_staged(staged) for _ in range(2)]
    commit_import(plan=plans[0], actor=actor, staged=staged)
    with pytest.raises(ImportAlreadyCommitted) as raised:
        commit_import(plan=plans[1], actor=actor, staged=staged)
    assert raised.value.message.startswith("这次导入已经提交过了")
    assert PerformanceForm.objects.count() == 14


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_confirms_of_one_preview_at_once_import_once(adam) -> None:  # type: ignore[no-untyped-def]
    default_framework()
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(adam)
    clients[0].post(
        reverse("projects:import_upload"), {"text": DONGGUAN_SEED.read_text(encoding="utf-8")}
    )
    staged = StagedImport.objects.get()
    fingerprint = (
        clients[0].get(reverse("projects:import_preview")).context["overview"]["fingerprint"]
    )
    with holding_the_import_lock() as wait_for:
        join = start_threads(*(lambda c=c: confirm(c, staged, fingerprint) for c in clients))
        wait_for(2)  # both requests read the upload and passed the fingerprint check
    responses = join()
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert [r["Location"] for r in responses] == [reverse("projects:form_list")] * 2
    assert PerformanceForm.objects.count() == 14
    pages = [c.get(reverse("projects:form_list")).content.decode() for c in clients]
    assert sum("这次导入已经提交过了" in page for page in pages) == 1
    assert sum("导入完成：新建 14 张" in page for page in pages) == 1
