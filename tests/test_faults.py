"""Faults, on PostgreSQL: the database connection lost in the middle of a save gives an error
page and leaves no half-written form; an import killed in the middle of its commit (the
command, or the background worker running a big upload's commit) leaves nothing
half-written, and runs again to the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from projects.content import load_content
from projects.models import FormEvent, Indicator, PerformanceForm, Project
from projects.services.importing import IMPORT_LOCK_KEY
from tests.factories import IndicatorFactory, default_framework
from tests.import_helpers import DONGGUAN_SEED
from tests.test_filing_views import edit_url, page_data, row_prefix

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="kills PostgreSQL connections"
)


def test_a_connection_lost_during_a_save_leaves_the_form_as_it_was(
    client, alice, alice_form, transactional_db, monkeypatch
) -> None:
    default_framework()
    IndicatorFactory(form=alice_form, name="维护项目数量", period_value="1个", annual_value="1个")
    before = load_content(PerformanceForm.objects.with_content().get(pk=alice_form.pk))
    client.force_login(alice)
    data = page_data(client, alice_form)
    data[f"{row_prefix(data, '维护项目数量')}-annual_value"] = "5个"
    data["goals__annual"] = "改过的年度目标"

    from projects import history  # the one writer of a new version (write_version)

    real = history.apply_indicators

    def lose_the_connection(*args, **kwargs):  # half-way through the save's transaction
        changed = real(*args, **kwargs)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return changed

    monkeypatch.setattr(history, "apply_indicators", lose_the_connection)
    client.raise_request_exception = False
    response = client.post(edit_url(alice_form), data)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Server Error" not in page and "系统出错了" in page, page
    monkeypatch.undo()
    connection.close()  # the test's own connection died with the request's: a new one
    after = PerformanceForm.objects.with_content().get(pk=alice_form.pk)
    assert after.version == alice_form.version
    assert load_content(after) == before
    assert not FormEvent.objects.filter(form=after, kind="edit").exists()


def _holds_the_import_lock(pid_of_other: int | None = None) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid <> pg_backend_pid() AND (classid::bigint << 32 | objid::bigint) = %s",
            [IMPORT_LOCK_KEY],
        )
        return cursor.fetchone()[0] > 0


def test_an_import_killed_during_its_commit_writes_nothing_and_runs_again(
    transactional_db, tmp_path: Path
) -> None:
    default_framework()
    # a big file: the seed's forms, each under many names, so the commit takes a while
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    copies = [text.replace("东莞市财政局", f"东莞市第{n}局") for n in range(12)]
    source = tmp_path / "大批.txt"
    source.write_text("\n\n".join(copies), encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "perfgoals.settings", "DEBUG": "1"}
    env["DATABASE_URL"] = _url()
    command = [sys.executable, "manage.py", "import_sheets", "--year", "2023", str(source)]
    process = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not _holds_the_import_lock() and process.poll() is None:
        assert time.monotonic() < deadline, "the import never reached its commit"
        time.sleep(0.02)
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    time.sleep(0.5)  # the server notices the dropped connection and rolls back
    assert PerformanceForm.objects.count() == 0
    assert Project.objects.count() == 0 and Indicator.objects.count() == 0
    done = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert PerformanceForm.objects.count() == 14 * 12


def _url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_a_background_import_killed_in_its_commit_writes_nothing_and_can_be_retried(
    transactional_db, adam, client
) -> None:
    """The real worker (``db_worker``, the database backend) runs the commit of a big upload
    and is killed while it holds the import lock: nothing is written, the job shows as
    interrupted once its lease is over, and a retry runs it to the end."""
    from django.urls import reverse

    from projects.models import ImportJob
    from projects.permissions import Actor
    from projects.services.importing import read_staged, stage_import
    from projects.views.imports import SESSION_KEY

    default_framework()
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    big = "\n\n".join(text.replace("东莞市财政局", f"东莞市第{n}局") for n in range(12))
    staged = stage_import(
        actor=Actor.for_user(adam), uploads=[("大批.txt", big.encode())], year=2023
    )
    fingerprint = read_staged(staged).fingerprint()
    job = ImportJob.objects.create(
        staged=staged, kind="commit", options={"fingerprint": fingerprint, "choice": "all"}
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "perfgoals.settings", "DEBUG": "1"}
    env["DATABASE_URL"] = _url()
    manage = [sys.executable, "manage.py"]
    enqueue = f"from projects.services.import_tasks import run_import_job; run_import_job.enqueue({job.pk})"
    subprocess.run(
        [*manage, "shell", "-c", enqueue], cwd=settings.BASE_DIR, env=env, check=True, timeout=60
    )
    worker = subprocess.Popen(
        [*manage, "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not _holds_the_import_lock() and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker never reached the commit"
            time.sleep(0.02)
        assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    time.sleep(0.5)  # the server notices the dropped connection and rolls back
    assert PerformanceForm.objects.count() == 0 and Project.objects.count() == 0
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    staged.refresh_from_db()
    assert not staged.is_consumed and staged.files.count() == 1  # the upload is still there
    # the lease runs out: the page says so and offers a retry, which runs it to the end
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at - timedelta(hours=1))
    client.force_login(adam)
    session = client.session
    session[SESSION_KEY] = str(staged.pk)
    session.save()
    page = client.get(reverse("projects:import_preview")).content.decode()
    assert "导入中断" in page and "没有写入任何数据" in page
    client.post(reverse("projects:import_retry"), {"staged": str(staged.pk), "job": str(job.pk)})
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2), job.error
    assert PerformanceForm.objects.count() == 14 * 12
    done = client.get(reverse("projects:import_preview"), follow=True).content.decode()
    assert "导入完成：新建 168 张" in done


def test_a_killed_workers_import_is_finished_by_the_next_worker_without_a_click(
    transactional_db, adam
) -> None:
    """The worker (``run_worker``) is killed in the middle of a big upload's commit; once the
    lease has run out, the next worker to start queues the job again by itself and runs it to
    the end: nobody clicks 重试."""
    from projects.models import ImportJob
    from projects.permissions import Actor
    from projects.services.importing import read_staged, stage_import

    default_framework()
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    big = "\n\n".join(text.replace("东莞市财政局", f"东莞市第{n}局") for n in range(12))
    staged = stage_import(
        actor=Actor.for_user(adam), uploads=[("大批.txt", big.encode())], year=2023
    )
    fingerprint = read_staged(staged).fingerprint()
    job = ImportJob.objects.create(
        staged=staged, kind="commit", options={"fingerprint": fingerprint, "choice": "all"}
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "perfgoals.settings", "DEBUG": "1"}
    env["DATABASE_URL"] = _url()
    manage = [sys.executable, "manage.py"]
    enqueue = f"from projects.services.import_tasks import run_import_job; run_import_job.enqueue({job.pk})"
    subprocess.run(
        [*manage, "shell", "-c", enqueue], cwd=settings.BASE_DIR, env=env, check=True, timeout=60
    )
    worker = [*manage, "run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]
    first = subprocess.Popen(
        worker,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not _holds_the_import_lock() and first.poll() is None:
            assert time.monotonic() < deadline, "the worker never reached the commit"
            time.sleep(0.02)
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    time.sleep(0.5)  # the server notices the dropped connection and rolls back
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert PerformanceForm.objects.count() == 0
    # the lease runs out; the next worker starts (and stops once nothing is left: --batch)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at - timedelta(hours=1))
    second = subprocess.run(
        [*worker, "--batch"], cwd=settings.BASE_DIR, env=env, capture_output=True, timeout=300
    )
    assert second.returncode == 0, second.stderr.decode()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2), job.error
    assert PerformanceForm.objects.count() == 14 * 12
    assert "queued again" in second.stderr.decode()
