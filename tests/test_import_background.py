"""Big uploads are read and committed by the worker (here Django's immediate backend runs the
task as it is queued): the preview page shows the job's progress, then the preview the worker
rendered; the commit's progress, then its outcome. A job whose worker died may be retried; a
second click joins the job running; a commit whose preview no longer holds fails and offers a
new reading. (A worker killed in the middle of the commit: tests/test_faults.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import ImportJob, Membership, PerformanceForm, StagedImport
from projects.services.importing import import_files
from projects.views.imports import SESSION_KEY
from tests.import_helpers import DONGGUAN_SEED
from tests.test_import_views import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, adam) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(adam)
    return client


@pytest.fixture(autouse=True)
def small_threshold(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_BACKGROUND_BYTES = 1000  # the seed (about 20 KB) is "big"


def staged_of(client: Client) -> StagedImport:
    return StagedImport.objects.get(pk=client.session[SESSION_KEY])


def test_a_big_upload_is_read_and_committed_by_the_worker(
    admin_client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, ("东莞.txt", DONGGUAN_SEED.read_bytes()), year="2023")
    staged = staged_of(admin_client)
    read = staged.jobs.get()
    assert (read.kind, read.status, read.total, read.done) == ("read", "done", 14, 14)
    assert read.attempts == 1 and read.task_id
    preview = admin_client.get(reverse("projects:import_preview"))
    page = preview.content.decode()
    assert (
        "共找到 14 张表：新建 14 张" in page and "东莞市财政局部门决算管理系统运维服务项目" in page
    )
    fingerprint = preview.context["overview"]["fingerprint"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("projects:import_commit"), {"fingerprint": fingerprint}
        )
    assert response.status_code == 302
    commit = staged.jobs.get(kind="commit")
    assert commit.status == "done" and commit.options == {
        "fingerprint": fingerprint,
        "choice": "all",
    }
    assert PerformanceForm.objects.count() == 14
    done = admin_client.get(response["Location"], follow=True)
    assert "导入完成：新建 14 张" in done.content.decode()
    assert done.redirect_chain[-1][0] == reverse("projects:form_list")


def test_the_page_shows_a_job_in_progress_and_refreshes(admin_client: Client) -> None:
    upload(admin_client, ("东莞.txt", DONGGUAN_SEED.read_bytes()), year="2023")  # not run
    job = staged_of(admin_client).jobs.get()
    assert job.status == "pending"
    page = admin_client.get(reverse("projects:import_preview")).content.decode()
    assert "排队等候后台任务" in page and 'http-equiv="refresh"' in page
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", stage="检查", done=3, total=14, heartbeat_at=timezone.now()
    )
    page = admin_client.get(reverse("projects:import_preview")).content.decode()
    assert "检查（3 / 14 张）" in page and 'value="21"' in page
    assert "重试" not in page and "取消导入" not in page


def test_an_interrupted_job_can_be_retried(
    admin_client: Client, django_capture_on_commit_callbacks
) -> None:
    upload(admin_client, ("东莞.txt", DONGGUAN_SEED.read_bytes()), year="2023")
    staged = staged_of(admin_client)
    job = staged.jobs.get()
    silent = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=silent)
    page = admin_client.get(reverse("projects:import_preview")).content.decode()
    assert "读取中断" in page and "重试" in page
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("projects:import_retry"), {"staged": str(staged.pk), "job": str(job.pk)}
        )
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert (
        "确认导入 14 张表" in admin_client.get(reverse("projects:import_preview")).content.decode()
    )


def test_a_second_click_joins_the_running_commit(admin_client: Client) -> None:
    upload(admin_client, ("东莞.txt", DONGGUAN_SEED.read_bytes()), year="2023")
    staged = staged_of(admin_client)
    ImportJob.objects.filter(staged=staged).update(
        status="done", result={"fingerprint": "f", "forms": 14}
    )
    for _click in range(2):  # queued, never run: both clicks find the same pending job
        admin_client.post(reverse("projects:import_commit"), {"fingerprint": "f"})
    assert staged.jobs.filter(kind="commit").count() == 1
    assert PerformanceForm.objects.count() == 0


def test_a_commit_whose_preview_no_longer_holds_fails_and_offers_a_new_reading(
    admin_client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, ("东莞.txt", DONGGUAN_SEED.read_bytes()), year="2023")
    fingerprint = admin_client.get(reverse("projects:import_preview")).context["overview"][
        "fingerprint"
    ]
    import_files(paths=[DONGGUAN_SEED])  # meanwhile, by someone else
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("projects:import_commit"), {"fingerprint": fingerprint})
    staged = staged_of(admin_client)
    commit = staged.jobs.get(kind="commit")
    assert commit.status == "failed" and "预览之后系统中的数据已有变化" in commit.error
    page = admin_client.get(reverse("projects:import_preview")).content.decode()
    assert "预览之后系统中的数据已有变化" in page and "重新读取预览" in page
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("projects:import_retry"), {"staged": str(staged.pk)})
    page = admin_client.get(reverse("projects:import_preview")).content.decode()
    assert "14 张无变化" in page


def test_someone_elses_upload_and_jobs_stay_hidden(admin_client: Client) -> None:
    from tests.factories import FinanceFactory, MembershipFactory, UserFactory

    upload(admin_client, ("东莞.txt", DONGGUAN_SEED.read_bytes()), year="2023")
    staged = staged_of(admin_client)
    job = staged.jobs.get()
    other = UserFactory(username="ada")  # another administrator
    MembershipFactory(user=other, organization=FinanceFactory(), role=Membership.Role.ADMINISTRATOR)
    client = Client()
    client.force_login(other)
    url = reverse("projects:import_preview") + f"?staged={staged.pk}"
    assert client.get(url).status_code == 404
    response = client.post(
        reverse("projects:import_retry"), {"staged": str(staged.pk), "job": str(job.pk)}
    )
    assert response.status_code == 404
