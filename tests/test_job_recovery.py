"""A worker picks up what a dead worker left: the jobs silent past their lease are queued
again and run without anyone clicking 重试, up to ``JOB_MAX_ATTEMPTS`` runs; then they fail,
saying so. The pages say a job goes on by itself. (The real worker killed and a new one
finishing the job: tests/test_faults.py, on PostgreSQL.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.management.commands import run_worker
from projects.models import ImportJob, PerformanceForm, StagedImport
from projects.views.imports import SESSION_KEY
from tests.import_helpers import DONGGUAN_SEED
from tests.test_export_jobs import make_job
from tests.test_import_views import upload

pytestmark = pytest.mark.django_db
SILENT = timedelta(hours=1)


@pytest.fixture(autouse=True)
def small_threshold(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_BACKGROUND_BYTES = 1000  # the seed is "big": read by the worker


def interrupted_import(client: Client, *, attempts: int = 1) -> ImportJob:
    upload(client, ("东莞.txt", DONGGUAN_SEED.read_bytes()), year="2023")  # queued, not run
    staged = StagedImport.objects.get(pk=client.session[SESSION_KEY])
    job = staged.jobs.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=attempts, heartbeat_at=timezone.now() - SILENT
    )
    return job


def test_a_starting_worker_runs_an_interrupted_import_again(
    client, adam, django_capture_on_commit_callbacks
) -> None:
    client.force_login(adam)
    job = interrupted_import(client)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_worker.recover_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)  # run at once by the test backend
    page = client.get(reverse("projects:import_preview")).content.decode()
    assert "确认导入 14 张表" in page


def test_a_live_job_and_a_finished_one_are_left_alone(client, adam, monkeypatch) -> None:
    client.force_login(adam)
    job = interrupted_import(client)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())  # alive
    export = make_job(adam, status="done", attempts=1, finished_at=timezone.now())
    enqueued: list[int] = []
    monkeypatch.setattr(run_worker, "start_import_job", lambda j: enqueued.append(j.pk))
    monkeypatch.setattr(run_worker, "enqueue_export_job", lambda j: enqueued.append(j.pk))
    assert run_worker.recover_jobs() == 0 and enqueued == []
    job.refresh_from_db()
    export.refresh_from_db()
    assert job.status == "running" and export.status == "done"


def test_the_page_says_the_job_goes_on_by_itself(client, adam, monkeypatch) -> None:
    client.force_login(adam)
    job = interrupted_import(client)
    page = client.get(reverse("projects:import_preview")).content.decode()
    assert "读取中断" in page and "会自动重新排队" in page and "重试" in page
    monkeypatch.setattr(run_worker, "start_import_job", lambda j: None)  # queued, not run yet
    assert run_worker.recover_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("pending", 1)
    page = client.get(reverse("projects:import_preview")).content.decode()
    assert "上次运行中断" in page and "已重新排队" in page and "排队等候后台任务" in page


def test_an_export_is_queued_again_and_the_page_says_so(client, alice, monkeypatch) -> None:
    export = make_job(alice, status="running", attempts=1, heartbeat_at=timezone.now() - SILENT)
    enqueued: list[int] = []
    monkeypatch.setattr(run_worker, "enqueue_export_job", lambda j: enqueued.append(j.pk))
    assert run_worker.recover_jobs() == 1 and enqueued == [export.pk]
    export.refresh_from_db()
    assert export.status == "pending" and export.runs_again
    client.force_login(alice)
    page = client.get(reverse("projects:export_job", args=[export.pk])).content.decode()
    assert "已重新排队" in page


def test_a_job_interrupted_on_every_run_fails_and_says_so(client, adam, settings) -> None:
    settings.JOB_MAX_ATTEMPTS = 3
    client.force_login(adam)
    job = interrupted_import(client, attempts=3)
    assert run_worker.recover_jobs() == 0
    job.refresh_from_db()
    assert job.status == "failed" and "已中断 3 次" in job.error
    assert "不再自动重试" in client.get(reverse("projects:import_preview")).content.decode()
    assert PerformanceForm.objects.count() == 0


def test_two_workers_queue_a_job_again_once(client, adam, monkeypatch) -> None:
    client.force_login(adam)
    job = interrupted_import(client)
    enqueued: list[int] = []
    monkeypatch.setattr(run_worker, "start_import_job", lambda j: enqueued.append(j.pk))
    run_worker.recover_jobs()
    run_worker.recover_jobs()  # the second worker finds it pending
    assert enqueued == [job.pk]
