"""Uploads kept between the import preview and its commit: in the database (any process or
host finds them), the uploader's alone (another administrator gets 404, a filer 403), deleted
on cancel, purged after a day."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import (
    STAGED_IMPORT_LIFETIME,
    Membership,
    PerformanceForm,
    StagedImport,
    StagedImportFile,
)
from projects.permissions import Actor
from projects.services.importing import purge_staged_imports, stage_import
from projects.views.imports import SESSION_KEY
from tests.factories import FinanceFactory, MembershipFactory, UserFactory
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(db):  # type: ignore[no-untyped-def]
    """Another administrator: may import, but not commit adam's upload."""
    user = UserFactory(username="ada")
    MembershipFactory(user=user, organization=FinanceFactory(), role=Membership.Role.ADMINISTRATOR)
    return user


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staged_by(user: Any, **kwargs: Any) -> StagedImport:
    return stage_import(
        actor=Actor.for_user(user),
        uploads=[("东莞.txt", DONGGUAN_SEED.read_bytes())],
        **kwargs,
    )


def aged(staged: StagedImport, by: timedelta) -> StagedImport:
    StagedImport.objects.filter(pk=staged.pk).update(created_at=timezone.now() - by)
    return staged


def test_an_upload_is_kept_in_the_database(adam) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(adam)
    client.post(
        reverse("projects:import_upload"),
        {
            "files": [SimpleUploadedFile("东莞.txt", DONGGUAN_SEED.read_bytes())],
            "text": GUANGZHOU_SEED.read_text(encoding="utf-8"),
            "year": "2023",
        },
    )
    staged = StagedImport.objects.get()
    assert client.session[SESSION_KEY] == str(staged.pk)
    assert (staged.user, staged.year, staged.consumed_at) == (adam, 2023, None)
    assert staged.text == GUANGZHOU_SEED.read_text(encoding="utf-8").strip()
    assert staged.uploads() == [("东莞.txt", DONGGUAN_SEED.read_bytes())]
    assert PerformanceForm.objects.count() == 0


def test_the_preview_and_commit_need_nothing_but_the_database(adam) -> None:  # type: ignore[no-untyped-def]
    # staged by another process: this one has only the row and the id the page posts back
    staged = staged_by(adam)
    client = logged_in(adam)
    preview = client.get(reverse("projects:import_preview"), {"staged": str(staged.pk)})
    assert preview.status_code == 200
    assert "东莞市财政局网站适老化改造项目" in preview.content.decode()
    assert f'name="staged" value="{staged.pk}"' in preview.content.decode()
    response = client.post(
        reverse("projects:import_commit"),
        {"staged": str(staged.pk), "fingerprint": preview.context["overview"]["fingerprint"]},
    )
    assert response["Location"] == reverse("projects:form_list")
    assert PerformanceForm.objects.count() == 14
    staged.refresh_from_db()
    assert staged.consumed_at is not None
    assert not StagedImportFile.objects.filter(staged=staged).exists()


def test_another_administrator_cannot_see_commit_or_cancel_it(adam, ada) -> None:  # type: ignore[no-untyped-def]
    staged = staged_by(adam)
    fingerprint = (
        logged_in(adam)
        .get(reverse("projects:import_preview"), {"staged": str(staged.pk)})
        .context["overview"]["fingerprint"]
    )
    other = logged_in(ada)
    named = {"staged": str(staged.pk), "fingerprint": fingerprint}
    assert (
        other.get(reverse("projects:import_preview"), {"staged": named["staged"]}).status_code
        == 404
    )
    assert other.post(reverse("projects:import_commit"), named).status_code == 404
    assert other.post(reverse("projects:import_cancel"), named).status_code == 404
    assert PerformanceForm.objects.count() == 0
    assert StagedImport.objects.get().consumed_at is None
    assert StagedImportFile.objects.filter(staged=staged).count() == 1


def test_a_filer_gets_403_and_the_upload_stays(adam, alice) -> None:  # type: ignore[no-untyped-def]
    staged = staged_by(adam)
    client = logged_in(alice)
    assert (
        client.post(reverse("projects:import_commit"), {"staged": str(staged.pk)}).status_code
        == 403
    )
    assert (
        client.post(reverse("projects:import_cancel"), {"staged": str(staged.pk)}).status_code
        == 403
    )
    assert StagedImport.objects.filter(pk=staged.pk, consumed_at=None).exists()


def test_cancelling_deletes_it(adam) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(adam)
    client.post(
        reverse("projects:import_upload"),
        {"files": [SimpleUploadedFile("东莞.txt", DONGGUAN_SEED.read_bytes())], "text": ""},
    )
    staged = StagedImport.objects.get()
    response = client.post(reverse("projects:import_cancel"), {"staged": str(staged.pk)})
    assert response["Location"] == reverse("projects:import_upload")
    assert not StagedImport.objects.exists() and not StagedImportFile.objects.exists()
    assert SESSION_KEY not in client.session
    # the preview page, still open in another tab, is told to upload again
    response = client.post(
        reverse("projects:import_commit"), {"staged": str(staged.pk), "fingerprint": "x"}
    )
    assert response["Location"] == reverse("projects:import_upload")
    assert "没有待确认的导入" in client.get(response["Location"]).content.decode()


def test_a_new_upload_replaces_the_previous_one_and_purges_the_expired(adam, ada) -> None:  # type: ignore[no-untyped-def]
    expired = aged(staged_by(ada), STAGED_IMPORT_LIFETIME + timedelta(minutes=1))
    recent = aged(staged_by(ada), STAGED_IMPORT_LIFETIME - timedelta(minutes=1))
    client = logged_in(adam)
    for _ in range(2):
        client.post(
            reverse("projects:import_upload"),
            {"files": [SimpleUploadedFile("东莞.txt", DONGGUAN_SEED.read_bytes())], "text": ""},
        )
    kept = set(StagedImport.objects.values_list("pk", flat=True))
    assert expired.pk not in kept and recent.pk in kept
    assert StagedImport.objects.filter(user=adam).count() == 1
    assert StagedImportFile.objects.count() == 2


def test_the_purge_command_deletes_the_expired_committed_or_not(adam) -> None:  # type: ignore[no-untyped-def]
    fresh, old, old_committed = staged_by(adam), staged_by(adam), staged_by(adam)
    aged(old, timedelta(days=2))
    aged(old_committed, timedelta(days=2))
    StagedImport.objects.filter(pk=old_committed.pk).update(consumed_at=timezone.now())
    out = StringIO()
    call_command("purge_staged_imports", stdout=out)
    assert "已删除 2 个过期的待确认导入" in out.getvalue()
    assert list(StagedImport.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not StagedImportFile.objects.filter(staged_id__in=[old.pk, old_committed.pk]).exists()
    assert purge_staged_imports(now=timezone.now() + timedelta(days=2)) == 1


def test_an_expired_preview_asks_for_a_new_upload(adam) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(adam)
    client.post(
        reverse("projects:import_upload"),
        {"files": [SimpleUploadedFile("东莞.txt", DONGGUAN_SEED.read_bytes())], "text": ""},
    )
    fingerprint = client.get(reverse("projects:import_preview")).context["overview"]["fingerprint"]
    purge_staged_imports(now=timezone.now() + STAGED_IMPORT_LIFETIME + timedelta(seconds=1))
    response = client.post(reverse("projects:import_commit"), {"fingerprint": fingerprint})
    assert response["Location"] == reverse("projects:import_upload")
    assert PerformanceForm.objects.count() == 0


def test_a_committed_preview_is_not_shown_again(adam) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(adam)
    staged = staged_by(adam)
    page = client.get(reverse("projects:import_preview"), {"staged": str(staged.pk)})
    client.post(
        reverse("projects:import_commit"),
        {"staged": str(staged.pk), "fingerprint": page.context["overview"]["fingerprint"]},
    )
    response = client.get(reverse("projects:import_preview"), {"staged": str(staged.pk)})
    assert response["Location"] == reverse("projects:form_list")
    assert "这次导入已经提交过了" in client.get(response["Location"]).content.decode()
