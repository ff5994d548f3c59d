"""The upload → preview → commit pages: staff only, nothing written before the confirmation,
uploads deleted after commit or cancel (the staging itself: test_import_staging.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from projects.models import Membership, Organization, PerformanceForm, StagedImport
from projects.views.imports import SESSION_KEY
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin_client(client: Client) -> Client:
    admin = User.objects.create_user("admin", password="x", is_staff=True)
    Membership.objects.create(
        user=admin,
        organization=Organization.objects.get_or_create(kind="finance", name="财政局")[0],
        role=Membership.Role.ADMINISTRATOR,
    )
    client.force_login(admin)
    return client


def member(role: str, kind: str) -> Client:
    department = Organization.objects.get_or_create(kind="department", name="部门")[0]
    if kind == "unit":
        organization = Organization.objects.get_or_create(
            kind="unit", name="单位", parent=department
        )[0]
    elif kind == "department":
        organization = department
    else:
        organization = Organization.objects.get_or_create(kind="finance", name="财政局")[0]
    user = User.objects.create_user(f"{role}-user", password="x")
    Membership.objects.create(user=user, organization=organization, role=role)
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, *files: tuple[str, bytes], text: str = "", year: str = "") -> object:
    return client.post(
        reverse("projects:import_upload"),
        {
            "files": [SimpleUploadedFile(name, data) for name, data in files],
            "text": text,
            "year": year,
        },
    )


def test_anonymous_users_are_sent_to_login(client: Client) -> None:
    for name in ("import_upload", "import_preview"):
        response = client.get(reverse(f"projects:{name}"))
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(
    ("role", "kind"),
    [("filer", "unit"), ("department_reviewer", "department"), ("finance_reviewer", "finance")],
)
def test_filers_and_reviewers_get_403(role: str, kind: str) -> None:
    client = member(role, kind)
    assert client.get(reverse("projects:import_upload")).status_code == 403
    assert upload(client, ("a.txt", DONGGUAN_SEED.read_bytes())).status_code == 403  # type: ignore[attr-defined]
    assert client.post(reverse("projects:import_commit")).status_code == 403
    assert PerformanceForm.objects.count() == 0


def test_staff_uploads_sees_the_preview_and_commits(admin_client: Client) -> None:
    assert admin_client.get(reverse("projects:import_upload")).status_code == 200
    response = upload(
        admin_client,
        ("东莞.txt", DONGGUAN_SEED.read_bytes()),
        ("福田.txt", SHENZHEN_SEED.read_bytes()),
        year="2023",
    )
    assert response["Location"] == reverse("projects:import_preview")  # type: ignore[index]
    token = admin_client.session[SESSION_KEY]
    assert StagedImport.objects.get(pk=token).files.count() == 2
    assert PerformanceForm.objects.count() == 0
    preview = admin_client.get(reverse("projects:import_preview"))
    page = preview.content.decode()
    assert "东莞市财政局网站适老化改造项目" in page and "440304231060100505005" in page
    assert "东莞.txt › 第 3–25 行" in page
    assert "福田.txt › B9" in page  # the 万元 warning, with its cell
    assert PerformanceForm.objects.count() == 0
    fingerprint = preview.context["overview"]["fingerprint"]
    response = admin_client.post(reverse("projects:import_commit"), {"fingerprint": fingerprint})
    assert response["Location"] == reverse("projects:form_list")
    assert PerformanceForm.objects.count() == 20
    staged = StagedImport.objects.get(pk=token)
    assert staged.consumed_at is not None and not staged.files.exists()
    assert SESSION_KEY not in admin_client.session


def test_pasted_text_is_previewed_too(admin_client: Client) -> None:
    upload(admin_client, text=GUANGZHOU_SEED.read_text(encoding="utf-8"))
    page = admin_client.get(reverse("projects:import_preview")).content.decode()
    assert "粘贴的文本 › 第 12 行" in page
    assert page.count("新建</span>") == 22


def test_a_stale_preview_is_not_committed(admin_client: Client) -> None:
    upload(admin_client, ("东莞.txt", DONGGUAN_SEED.read_bytes()))
    response = admin_client.post(reverse("projects:import_commit"), {"fingerprint": "old"})
    assert response["Location"] == reverse("projects:import_preview")
    assert PerformanceForm.objects.count() == 0


def test_errors_block_the_commit(admin_client: Client) -> None:
    upload(admin_client, ("福田.txt", SHENZHEN_SEED.read_bytes()))  # no year
    preview = admin_client.get(reverse("projects:import_preview"))
    page = preview.content.decode()
    assert "确认导入" not in page and "不能导入" in page
    admin_client.post(
        reverse("projects:import_commit"),
        {"fingerprint": preview.context["overview"]["fingerprint"]},
    )
    assert PerformanceForm.objects.count() == 0


def test_a_bad_file_is_explained_without_a_traceback(admin_client: Client) -> None:
    upload(admin_client, ("加密.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100))
    page = admin_client.get(reverse("projects:import_preview")).content.decode()
    assert "加密.xlsx" in page and ".xls" in page and "Traceback" not in page


def test_cancel_deletes_the_upload(admin_client: Client) -> None:
    upload(admin_client, ("东莞.txt", DONGGUAN_SEED.read_bytes()))
    token = admin_client.session[SESSION_KEY]
    admin_client.post(reverse("projects:import_cancel"))
    assert not StagedImport.objects.filter(pk=token).exists()
    response = admin_client.get(reverse("projects:import_preview"))
    assert response["Location"] == reverse("projects:import_upload")


def test_an_empty_upload_is_refused(admin_client: Client) -> None:
    response = upload(admin_client)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "请选择文件或粘贴表格" in response.content.decode()  # type: ignore[attr-defined]


def test_the_preview_shows_the_checks_and_an_updates_before_and_after(admin_client: Client) -> None:
    from projects.services.importing import import_files

    import_files(paths=[DONGGUAN_SEED])
    text = DONGGUAN_SEED.read_text(encoding="utf-8").replace(
        "2023年预算金额（元）\t\t699000", "2023年预算金额（元）\t\t700000", 1
    )
    upload(admin_client, ("东莞.txt", text.encode("utf-8")))
    page = admin_client.get(reverse("projects:import_preview")).content.decode()
    assert "本年度预算金额（元）" in page and "699,000.00" in page and "700,000.00" in page
    # the filing checks: the video conference form's empty 年度目标
    assert "错误：年度目标：这一项必须填写。" in page
    assert page.count("没有发现问题") == 13


def test_the_clean_forms_can_be_imported_while_the_rest_are_held_back(
    admin_client: Client,
) -> None:
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    broken = text.replace("699000", "六十九万九千元", 1)  # one form's amount is not a number
    upload(admin_client, ("东莞.txt", broken.encode("utf-8")), year="2023")
    preview = admin_client.get(reverse("projects:import_preview"))
    page = preview.content.decode()
    assert "只导入没有错误的 13 张表（1 张有错误，暂不导入）" in page
    # without asking to hold back, the errors still block everything
    admin_client.post(
        reverse("projects:import_commit"),
        {"fingerprint": preview.context["overview"]["fingerprint"]},
    )
    assert PerformanceForm.objects.count() == 0
    response = admin_client.post(
        reverse("projects:import_commit"),
        {"fingerprint": preview.context["overview"]["fingerprint"], "choice": "hold"},
        follow=True,
    )
    assert PerformanceForm.objects.count() == 13
    assert "有错误的 1 张未导入" in response.content.decode()
