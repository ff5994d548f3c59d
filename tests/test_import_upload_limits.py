"""An upload is refused by size while it streams in, before anything is kept: the limiter
stops at the first file past the limit (or past the number of files), nothing reaches the
staging table, the temporary files go, the server's memory stays flat, and the upload page
says why in Chinese, keeping the pasted text."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from projects.models import StagedImport, StagedImportFile
from projects.views import uploads
from projects.views.imports import MAX_FILES, import_upload
from tests.import_helpers import DONGGUAN_SEED

pytestmark = pytest.mark.django_db
LIMIT = 256 * 1024
CHUNK = 64 * 1024  # Django's upload chunk


@pytest.fixture(autouse=True)
def small_limit(settings, tmp_path: Path) -> Path:
    settings.IMPORT_MAX_UPLOAD_BYTES = LIMIT
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


@pytest.fixture
def seen(monkeypatch) -> dict[str, int]:
    """What the limiter was given: the files begun and the bytes received."""
    counts = {"files": 0, "bytes": 0}
    new_file, receive = uploads.UploadLimiter.new_file, uploads.UploadLimiter.receive_data_chunk

    def counting_new_file(self, *args, **kwargs):
        counts["files"] += 1
        return new_file(self, *args, **kwargs)

    def counting_receive(self, raw_data, start):
        counts["bytes"] += len(raw_data)
        return receive(self, raw_data, start)

    monkeypatch.setattr(uploads.UploadLimiter, "new_file", counting_new_file)
    monkeypatch.setattr(uploads.UploadLimiter, "receive_data_chunk", counting_receive)
    return counts


def body(*files: tuple[str, bytes], text: str = "") -> bytes:
    """The request as a browser sends it: the text and year first, then the files."""
    data = {
        "text": text,
        "year": "2023",
        "files": [SimpleUploadedFile(name, content) for name, content in files],
    }
    return encode_multipart(BOUNDARY, data)


def post(client: Client, payload: bytes):
    return client.generic(
        "POST", reverse("projects:import_upload"), payload, content_type=MULTIPART_CONTENT
    )


def test_a_file_over_the_limit_is_refused_while_it_streams(client, adam, seen, small_limit) -> None:
    client.force_login(adam)
    big = b"PK\x03\x04" + b"0" * (8 * LIMIT)
    payload = body(("大.xlsx", big), ("东莞.txt", DONGGUAN_SEED.read_bytes()), text="粘贴的表格")
    response = post(client, payload)
    assert response.status_code == 200
    page = response.content.decode()
    assert "文件“大.xlsx”超过上限 0.2 MB，未上传任何文件" in page
    assert "粘贴的表格" in page  # the text typed is kept
    # the limiter stopped within a chunk of the limit, and never began the next file
    assert LIMIT < seen["bytes"] <= LIMIT + CHUNK
    assert seen["files"] == 1
    assert StagedImport.objects.count() == 0 and StagedImportFile.objects.count() == 0
    assert list(small_limit.iterdir()) == []  # no temporary file left behind


def test_the_servers_memory_stays_flat_while_refusing(adam, seen) -> None:
    payload = body(("大.xlsx", b"0" * (40 * LIMIT)))  # 10 MB, built before measuring
    request = RequestFactory().generic(
        "POST", reverse("projects:import_upload"), payload, content_type=MULTIPART_CONTENT
    )
    request.user = adam
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request._dont_enforce_csrf_checks = True
    tracemalloc.start()
    try:
        response = import_upload(request)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200 and "超过上限" in response.content.decode()
    assert peak < 2 * 1024 * 1024, f"peak {peak:,} bytes"
    assert seen["bytes"] <= LIMIT + CHUNK
    assert StagedImport.objects.count() == 0


def test_more_files_than_allowed_are_refused(client, adam, seen) -> None:
    client.force_login(adam)
    files = [(f"表{n}.txt", b"x" * 10) for n in range(MAX_FILES + 3)]
    response = post(client, body(*files))
    assert f"一次最多上传 {MAX_FILES} 个文件" in response.content.decode()
    assert seen["files"] == MAX_FILES + 1  # stopped at the first one too many
    assert StagedImport.objects.count() == 0


def test_files_each_within_the_limit_are_refused_when_together_they_pass_the_total(
    client, adam, seen, settings
) -> None:
    settings.IMPORT_MAX_TOTAL_BYTES = 2 * LIMIT
    client.force_login(adam)
    files = [(f"表{n}.txt", b"x" * (LIMIT - 10)) for n in range(4)]
    response = post(client, body(*files, text="粘贴的表格"))
    page = response.content.decode()
    assert "这次上传的文件合计超过上限 0.5 MB，未上传任何文件" in page
    assert "粘贴的表格" in page
    assert seen["files"] == 3 and seen["bytes"] <= 2 * LIMIT + CHUNK
    assert StagedImport.objects.count() == 0


def test_an_upload_within_the_limits_is_staged(client, adam) -> None:
    client.force_login(adam)
    response = post(client, body(("东莞.txt", DONGGUAN_SEED.read_bytes()[: LIMIT - 1])))
    assert response.status_code == 302
    assert StagedImportFile.objects.get().name == "东莞.txt"


def test_the_upload_still_needs_its_csrf_token(adam) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(adam)
    response = post(client, body(("东莞.txt", b"x")))
    assert response.status_code == 403
    assert StagedImport.objects.count() == 0
    page = client.get(reverse("projects:import_upload"))
    token = page.cookies["csrftoken"].value
    data = {
        "csrfmiddlewaretoken": token,
        "files": [SimpleUploadedFile("东莞.txt", DONGGUAN_SEED.read_bytes())],
    }
    assert client.post(reverse("projects:import_upload"), data).status_code == 302
