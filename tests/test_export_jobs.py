"""Background export jobs that survive faults: interrupted runs are retried, identical requests
share one job, finished files expire, and a job is its owner's alone.

The test settings run tasks at once (ImmediateBackend): a job enqueued by a request has run by
the time the response comes back. Where a test needs a job to stay queued, it replaces the
enqueueing with a note of the call.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from projects.exporting.batch import Selection
from projects.exporting.tasks import export_partial_dir, run_export_job
from projects.models import ExportJob
from projects.models.exports import selection_digest
from tests.export_helpers import make_dongguan_form

pytestmark = pytest.mark.django_db

XLSX = Selection(layout="dongguan", format="xlsx").as_json()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def alice_forms(unit_a):
    return [make_dongguan_form(unit_name=unit_a.name)]


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Jobs are enqueued but not run: the ids they were enqueued with."""
    calls: list[int] = []
    monkeypatch.setattr(
        "projects.views.exports.enqueue_export_job", lambda job: calls.append(job.pk)
    )
    return calls


def make_job(user, **fields) -> ExportJob:
    fields.setdefault("selection", XLSX)
    fields.setdefault("selection_hash", selection_digest(fields["selection"]))
    fields.setdefault("total", 1)
    return ExportJob.objects.create(user=user, **fields)


def done_job(user, *, finished_hours_ago: float) -> ExportJob:
    job = make_job(user, status=ExportJob.Status.DONE, filename="导出.xlsx")
    job.file.save("export.xlsx", ContentFile(b"PK workbook"), save=False)
    job.finished_at = timezone.now() - timedelta(hours=finished_hours_ago)
    job.save()
    return job


def stale_running_job(user, settings) -> ExportJob:
    silent = timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
    return make_job(
        user,
        status=ExportJob.Status.RUNNING,
        attempts=1,
        done=24,
        total=49,
        heartbeat_at=timezone.now() - silent,
    )


def retry(client, job):
    return client.post(reverse("projects:export"), {"retry": job.pk})


# --------------------------------------------------------------------------- interrupted


def test_a_silent_running_job_is_shown_interrupted_and_its_retry_runs_it_to_done(
    client, alice, alice_forms, settings
):
    job = stale_running_job(alice, settings)
    client.force_login(alice)

    page = client.get(reverse("projects:export_job", args=[job.pk])).content.decode()
    assert "生成中断，可重试" in page
    assert f'name="retry" value="{job.pk}"' in page
    assert 'http-equiv="refresh"' not in page  # nothing to wait for

    response = retry(client, job)

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:export_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.attempts == 2 and job.done == job.total == 1
    assert job.heartbeat_at is not None and job.task_id
    download = client.get(reverse("projects:export_job_download", args=[job.pk]))
    assert b"".join(download.streaming_content).startswith(b"PK")


def test_a_running_job_with_a_recent_heartbeat_is_in_progress(client, alice, settings):
    job = make_job(alice, status=ExportJob.Status.RUNNING, heartbeat_at=timezone.now())
    client.force_login(alice)

    page = client.get(reverse("projects:export_job", args=[job.pk])).content.decode()

    assert "生成中" in page and "生成中断" not in page
    assert 'name="retry"' not in page
    assert 'http-equiv="refresh"' in page


def test_retrying_twice_queues_one_run(client, alice, alice_forms, queued):
    job = make_job(alice, status=ExportJob.Status.FAILED, error="出错了")
    client.force_login(alice)

    retry(client, job)
    second = retry(client, job)

    assert queued == [job.pk]
    job.refresh_from_db()
    assert job.status == ExportJob.Status.PENDING and job.error == ""
    assert "已在重新生成" in client.get(second["Location"]).content.decode()


def test_the_task_takes_over_a_job_whose_run_died_but_leaves_a_live_one_alone(
    alice, alice_forms, settings
):
    stale = stale_running_job(alice, settings)
    live = make_job(
        alice,
        selection=Selection(layout="shenzhen", format="xlsx").as_json(),
        status=ExportJob.Status.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now(),
    )

    run_export_job.enqueue(stale.pk)
    run_export_job.enqueue(live.pk)

    stale.refresh_from_db()
    live.refresh_from_db()
    assert stale.status == ExportJob.Status.DONE and stale.attempts == 2
    assert live.status == ExportJob.Status.RUNNING and live.attempts == 1


def test_a_new_run_removes_what_dead_runs_of_the_job_left_half_written(alice, alice_forms):
    job = make_job(alice)
    other = make_job(alice, selection=Selection(layout="shenzhen", format="xlsx").as_json())
    partial = export_partial_dir()
    partial.mkdir(parents=True)
    (partial / f"{job.pk}-dead.part").write_bytes(b"half")
    (partial / f"{other.pk}-dead.part").write_bytes(b"half")

    run_export_job.enqueue(job.pk)

    assert [path.name for path in partial.iterdir()] == [f"{other.pk}-dead.part"]


def test_a_run_that_lost_its_job_changes_nothing(alice, alice_forms, settings, tmp_path):
    job = make_job(alice)
    old_run = ExportJob.objects.claim(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    new_run = ExportJob.objects.claim(job.pk)  # taken over
    partial = tmp_path / "old.part"
    partial.write_bytes(b"old")

    assert old_run.attempts == 1 and new_run.attempts == 2
    assert not old_run.beat(done=1, total=1)
    assert not old_run.finish(path=partial, filename="old.xlsx")
    assert not old_run.fail("old")
    assert new_run.beat(done=1, total=1)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING and not job.file and job.error == ""
    assert not list((tmp_path / "media").rglob("*old*"))  # the stored file was removed again


# --------------------------------------------------------------------------- one job per request


def test_the_same_request_while_a_job_runs_returns_that_job(
    client, fiona, alice_forms, charlie_form, settings, queued
):
    settings.EXPORT_INLINE_MAX_FORMS = 1
    client.force_login(fiona)
    request = {"layout": "dongguan", "format": "pdf"}

    first = client.post(reverse("projects:export"), request)
    again = [client.post(reverse("projects:export"), request) for _ in range(4)]
    other = client.post(reverse("projects:export"), {**request, "format": "xlsx"})

    job = ExportJob.objects.order_by("pk").first()
    assert ExportJob.objects.count() == 2  # one for the PDF, one for the workbook
    assert {response["Location"] for response in again} == {first["Location"]}
    assert first["Location"] == reverse("projects:export_job", args=[job.pk])
    assert other["Location"] != first["Location"]
    assert len(queued) == 2
    page = client.get(again[0]["Location"]).content.decode()
    assert "相同条件的导出任务正在进行" in page


def test_the_same_request_after_the_job_finished_makes_a_new_job(
    client, fiona, alice_forms, charlie_form, settings
):
    settings.EXPORT_INLINE_MAX_FORMS = 1
    client.force_login(fiona)
    request = {"layout": "dongguan", "format": "xlsx"}

    first = client.post(reverse("projects:export"), request)
    second = client.post(reverse("projects:export"), request)

    assert first["Location"] != second["Location"]
    assert list(ExportJob.objects.values_list("status", flat=True)) == ["done", "done"]


def test_the_same_request_restarts_its_interrupted_job(
    client, fiona, alice_forms, charlie_form, settings
):
    settings.EXPORT_INLINE_MAX_FORMS = 1
    selection = Selection(layout="dongguan", format="xlsx").as_json()
    job = stale_running_job(fiona, settings)
    ExportJob.objects.filter(pk=job.pk).update(
        selection=selection, selection_hash=selection_digest(selection)
    )
    client.force_login(fiona)

    response = client.post(reverse("projects:export"), {"layout": "dongguan", "format": "xlsx"})

    assert response["Location"] == reverse("projects:export_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 2


def test_the_database_refuses_a_second_active_job_for_one_selection(alice):
    make_job(alice, status=ExportJob.Status.RUNNING)
    make_job(alice, status=ExportJob.Status.DONE)  # finished ones do not count

    with pytest.raises(IntegrityError), transaction.atomic():
        make_job(alice)


def test_the_digest_ignores_key_order():
    assert selection_digest({"a": 1, "b": "中"}) == selection_digest({"b": "中", "a": 1})


# --------------------------------------------------------------------------- expiry


def test_purge_deletes_expired_files_and_the_page_says_expired(client, alice, settings):
    settings.EXPORT_FILE_TTL_HOURS = 24
    old = done_job(alice, finished_hours_ago=25)
    fresh = done_job(alice, finished_hours_ago=1)
    old_name = old.file.name

    call_command("purge_exports")

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == ExportJob.Status.EXPIRED and not old.file
    assert not default_storage.exists(old_name)
    assert fresh.status == ExportJob.Status.DONE and default_storage.exists(fresh.file.name)
    client.force_login(alice)
    page = client.get(reverse("projects:export_job", args=[old.pk])).content.decode()
    assert "已过期" in page and "重新生成" in page
    assert client.get(reverse("projects:export_job_download", args=[old.pk])).status_code == 404
    listing = client.get(reverse("projects:export")).content.decode()
    assert "已过期" in listing


def test_a_file_past_its_lifetime_is_expired_before_the_purge(client, alice, settings):
    settings.EXPORT_FILE_TTL_HOURS = 2
    job = done_job(alice, finished_hours_ago=3)
    client.force_login(alice)

    page = client.get(reverse("projects:export_job", args=[job.pk])).content.decode()

    assert "已过期" in page
    assert client.get(reverse("projects:export_job_download", args=[job.pk])).status_code == 404


def test_each_export_request_purges_some_expired_files(
    client, fiona, alice_forms, settings, monkeypatch
):
    monkeypatch.setattr("projects.views.exports.PURGE_PER_REQUEST", 2)
    old = [done_job(fiona, finished_hours_ago=30 + n) for n in range(3)]
    client.force_login(fiona)

    client.post(reverse("projects:export"), {"layout": "dongguan", "format": "xlsx"})

    statuses = [ExportJob.objects.get(pk=job.pk).status for job in old]
    assert sorted(statuses) == ["done", "expired", "expired"]  # the oldest two
    assert statuses[0] == "done"


def test_an_expired_job_is_made_again_on_request(client, alice, alice_forms, settings):
    job = done_job(alice, finished_hours_ago=48)
    call_command("purge_exports")
    client.force_login(alice)

    retry(client, job)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.file
    download = client.get(reverse("projects:export_job_download", args=[job.pk]))
    assert download.status_code == 200


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_another_user_can_neither_retry_nor_download_a_job(
    client, request, persona, alice, settings
):
    failed = make_job(alice, status=ExportJob.Status.FAILED, error="出错了")
    finished = done_job(alice, finished_hours_ago=1)
    client.force_login(request.getfixturevalue(persona))  # alice's reviewer, an outsider

    assert retry(client, failed).status_code == 404
    assert client.get(reverse("projects:export_job", args=[finished.pk])).status_code == 404
    download = client.get(reverse("projects:export_job_download", args=[finished.pk]))
    assert download.status_code == 404
    failed.refresh_from_db()
    assert failed.status == ExportJob.Status.FAILED and failed.attempts == 0


def test_the_owner_downloads_privately_through_the_storage(client, alice):
    job = done_job(alice, finished_hours_ago=1)
    client.force_login(alice)

    response = client.get(reverse("projects:export_job_download", args=[job.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"PK workbook"


def test_a_retry_of_nothing_is_404(client, alice):
    client.force_login(alice)

    assert client.post(reverse("projects:export"), {"retry": "x"}).status_code == 404
    assert client.post(reverse("projects:export"), {"retry": "999999"}).status_code == 404
    for odd in ("²", "-1", ""):  # never a 500
        assert client.post(reverse("projects:export"), {"retry": odd}).status_code == 404


# --------------------------------------------------------------------------- heartbeat


@pytest.mark.django_db(transaction=True)
def test_a_run_stamps_its_heartbeat_while_it_works(alice, monkeypatch):
    """The heartbeat thread writes on its own connection: committed data needed."""
    job = make_job(alice)
    stamps = []

    def slow_batch(*, output, **kwargs):
        for _ in range(3):
            stamps.append(ExportJob.objects.get(pk=job.pk).heartbeat_at)
            time.sleep(0.15)
        output.write(b"PK")
        return "slow.xlsx"

    monkeypatch.setattr("projects.models.jobs.HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr("projects.exporting.tasks.write_batch", slow_batch)

    run_export_job.enqueue(job.pk)

    assert stamps[0] < stamps[1] < stamps[2]  # stamped while write_batch was busy
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.filename == "slow.xlsx"
