"""The export pages: per-form downloads, the batch page, background jobs; who may get what."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import ExportJob
from tests.export_helpers import make_dongguan_form, make_shenzhen_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seed_form(unit_a):
    return make_dongguan_form(unit_name=unit_a.name)


def sheet_titles(content: bytes) -> list[str]:
    return load_workbook(io.BytesIO(content)).sheetnames


def test_owner_downloads_the_form_as_pdf(client, alice, seed_form):
    client.force_login(alice)

    response = client.get(reverse("projects:form_export", args=[seed_form.pk, "pdf"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''2023_" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_reviewers_download_the_form_as_xlsx_in_the_other_layout(client, bob, fiona, seed_form):
    for user in (bob, fiona):
        client.force_login(user)

        response = client.get(
            reverse("projects:form_export", args=[seed_form.pk, "xlsx"]), {"layout": "shenzhen"}
        )

        assert response.status_code == 200
        ws = load_workbook(io.BytesIO(response.content)).active
        assert ws["A1"].value == "二级项目支出绩效目标申报表"


def test_outsider_gets_404_for_the_form_export(client, charlie, seed_form):
    client.force_login(charlie)

    for fmt in ("pdf", "xlsx"):
        response = client.get(reverse("projects:form_export", args=[seed_form.pk, fmt]))
        assert response.status_code == 404


def test_unknown_format_is_404(client, alice, seed_form):
    client.force_login(alice)

    response = client.get(reverse("projects:form_export", args=[seed_form.pk, "docx"]))

    assert response.status_code == 404


def test_anonymous_user_is_sent_to_login(client, seed_form):
    response = client.get(reverse("projects:form_export", args=[seed_form.pk, "pdf"]))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_export_page_shows_the_request_form(client, alice, seed_form):
    client.force_login(alice)

    response = client.get(reverse("projects:export"))

    assert response.status_code == 200
    assert "导出绩效目标表" in response.content.decode()


def test_small_batch_answers_at_once_with_only_visible_forms(
    client, alice, seed_form, charlie_form
):
    other = make_shenzhen_form()  # another department's form
    client.force_login(alice)

    response = client.post(
        reverse("projects:export"), {"layout": "dongguan", "format": "xlsx", "year": "2023"}
    )

    assert response.status_code == 200
    titles = sheet_titles(response.content)
    assert len(titles) == 1
    assert titles[0].startswith("东莞市财政局信息中心财政业务系统")
    assert other.project.name not in titles


def test_finance_batch_contains_every_form_one_sheet_each(client, fiona, seed_form, charlie_form):
    make_shenzhen_form()
    client.force_login(fiona)

    response = client.post(reverse("projects:export"), {"layout": "shenzhen", "format": "xlsx"})

    assert len(sheet_titles(response.content)) == 3


def test_stacked_batch_puts_every_form_in_one_sheet(client, fiona, seed_form, charlie_form):
    client.force_login(fiona)

    response = client.post(
        reverse("projects:export"), {"layout": "dongguan", "format": "xlsx", "stacked": "on"}
    )

    ws = load_workbook(io.BytesIO(response.content)).active
    assert len(load_workbook(io.BytesIO(response.content)).sheetnames) == 1
    titles = [row[0].value for row in ws.iter_rows() if row[0].value == "项目绩效目标表"]
    assert len(titles) == 2
    assert len(ws.row_breaks.brk) == 1  # a page break between the two forms


def test_batch_with_nothing_visible_says_so(client, charlie, seed_form):
    client.force_login(charlie)

    response = client.post(reverse("projects:export"), {"layout": "dongguan", "format": "pdf"})

    assert response.status_code == 200
    assert "没有符合条件的绩效目标表" in response.content.decode()


def test_large_batch_runs_as_a_background_job_and_is_downloaded(
    client, fiona, seed_form, charlie_form, settings
):
    settings.EXPORT_INLINE_MAX_FORMS = 1
    client.force_login(fiona)

    response = client.post(reverse("projects:export"), {"layout": "dongguan", "format": "pdf"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:export_job", args=[job.pk])
    # the test settings run tasks at once (ImmediateBackend)
    assert job.status == ExportJob.Status.DONE and job.percent == 100
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page and job.filename in page
    download = client.get(reverse("projects:export_job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Cache-Control"] == "private"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # the run wrote its file beside the storage and handed it over: nothing partial is left
    assert not list((settings.MEDIA_ROOT / "exports" / "partial").iterdir())
    assert job.attempts == 1 and job.heartbeat_at is not None


def test_another_user_cannot_see_or_download_a_job(client, fiona, alice, seed_form, settings):
    settings.EXPORT_INLINE_MAX_FORMS = 0
    client.force_login(fiona)
    client.post(reverse("projects:export"), {"layout": "dongguan", "format": "xlsx"})
    job = ExportJob.objects.get()
    client.force_login(alice)

    assert client.get(reverse("projects:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("projects:export_job_download", args=[job.pk])).status_code == 404


def test_a_pdf_batch_over_the_limit_is_refused_with_a_clear_message(
    client, fiona, seed_form, charlie_form, settings
):
    settings.EXPORT_PDF_MAX_FORMS = 1
    client.force_login(fiona)
    response = client.post(reverse("projects:export"), {"layout": "dongguan", "format": "pdf"})
    assert response.status_code == 200
    assert "一份 PDF 最多包含 1 张表，所选有 2 张" in response.content.decode()
    assert not ExportJob.objects.exists()
    # Excel has no such limit.
    response = client.post(reverse("projects:export"), {"layout": "dongguan", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_department_layout_for_one_form_is_refused_with_a_message(client, alice, alice_form):
    client.force_login(alice)
    url = reverse("projects:form_export", kwargs={"pk": alice_form.pk, "fmt": "pdf"})
    response = client.get(url, {"layout": "guangzhou"}, follow=True)
    assert response.redirect_chain[-1][0] == alice_form.get_absolute_url()
    assert "不是单张表的表样" in response.content.decode()
    download = client.get(url, {"layout": "shenzhen"})
    assert download["Cache-Control"] == "private"
