"""Stored XSS and formula injection: a script in every text a user or a sheet can put on a
form is shown as text on every page that shows it, printed as text in the PDF, and stays a
string in the xlsx; nothing secret is committed to the repository."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from projects.content import FIELDS
from projects.exporting.batch import export_form
from projects.models import Comment, Organization, PerformanceForm
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"
FORMULA = '=HYPERLINK("http://evil.example/","点击")'


@pytest.fixture
def poisoned(alice_form, bob):
    """alice's form with the payload in every text field, its names, an indicator and a
    comment (it is submitted, so a reviewer sees it in the queue)."""
    form = alice_form
    for spec in FIELDS:
        if spec.kind != "text" or spec.key in ("layout", "project.department", "project.unit"):
            continue
        target = form.project if spec.model == "project" else form
        limit = target._meta.get_field(spec.attr).max_length or 5000
        setattr(target, spec.attr, f"{spec.key}{PAYLOAD}"[:limit])
    form.project.code = ""
    form.project.save()
    form.status = PerformanceForm.Status.SUBMITTED
    form.save()
    Organization.objects.filter(pk=form.project.unit_id).update(name=f"单位{PAYLOAD}")
    IndicatorFactory(
        form=form, name=f"指标{PAYLOAD}", period_value=FORMULA, annual_value=f"≥1{PAYLOAD}"
    )
    Comment.objects.create(form=form, author=bob, text=f"意见{PAYLOAD}", version=form.version)
    return PerformanceForm.objects.with_content().get(pk=form.pk)


def assert_escaped(html: str, where: str) -> None:
    assert "<script>alert(1)" not in html, where
    assert "<img src=x" not in html, where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, where


def test_every_page_shows_the_payload_as_text(client, alice, bob, fiona, poisoned) -> None:
    pages = {
        bob: [
            poisoned.get_absolute_url(),
            reverse("projects:form_list"),
            reverse("projects:queue"),
        ],
        fiona: [reverse("projects:dashboard"), poisoned.get_absolute_url() + "?layout=shenzhen"],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            if "指标" in html or "单位" in html:
                assert "<script>alert(1)" not in html and "<img src=x" not in html, url
    client.force_login(bob)
    assert_escaped(client.get(poisoned.get_absolute_url()).content.decode(), "form page")
    # the editor, for the unit once it is returned
    PerformanceForm.objects.filter(pk=poisoned.pk).update(status="returned")
    client.force_login(alice)
    html = client.get(reverse("projects:form_edit", args=[poisoned.pk])).content.decode()
    assert_escaped(html, "editor")


def test_the_pdf_prints_the_payload_as_text(poisoned, tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    path.write_bytes(export_form(form=poisoned, fmt="pdf").content)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "<script>alert(1)</script>" in flat  # printed, not interpreted


def test_the_xlsx_keeps_every_text_a_string(poisoned) -> None:
    workbook = load_workbook(io.BytesIO(export_form(form=poisoned, fmt="xlsx").content))
    cells = [cell for row in workbook.active.iter_rows() for cell in row if cell.value]
    formula = [cell for cell in cells if str(cell.value).startswith("=")]
    assert formula and all(cell.data_type == "s" for cell in formula)
    assert any(PAYLOAD in str(cell.value) for cell in cells)


SECRET_PATTERNS = [
    re.compile(r"-----BEGIN (RSA |EC |OPENSSH |)PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),  # an AWS access key
    re.compile(r"(?i)(secret_key|api_key|password)\s*=\s*['\"][A-Za-z0-9+/=_-]{24,}['\"]"),
]


def test_no_secret_is_committed() -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    found = []
    for name in files:
        path = Path(settings.BASE_DIR) / name
        if path.suffix in {".png", ".pdf", ".xlsx", ".xls", ".ods", ".mo", ".ico", ".woff2"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        found += [
            f"{name}: {m.group(0)[:40]}"
            for p in SECRET_PATTERNS
            for m in p.finditer(text)
            # the development key and the demo and bench logins are public on purpose
            if not any(public in m.group(0) for public in ("django-insecure-", "-demo-", "bench-"))
        ]
    assert found == []
