"""Characters of CJK Extension B and beyond (𠀀 U+20000, 𪚥 U+2A6A5), which Noto Serif CJK does
not have, print in the PDFs (HanaMin, embedded) and stay in their text layer: pdftotext reads
them, and the 广州 PDF of a batch imports back with every form and every name as stored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from projects.exporting.batch import Selection, export_batch, export_form
from projects.management.commands.load_demo import SEED_DIR
from projects.models import PerformanceForm
from projects.services.importing import import_files, read_sources
from tests.export_helpers import embedded_fonts

RARE = "𠀀𪚥"

pytestmark = pytest.mark.django_db


@pytest.fixture
def guangzhou_forms() -> list[PerformanceForm]:
    import_files(paths=[SEED_DIR / "guangzhou_finance_2023.txt"], year=2023)
    forms = list(PerformanceForm.objects.filter(layout="guangzhou").order_by("id"))
    for form in forms[:3]:
        form.annual_goal = f"保障{RARE}系统运行。{form.annual_goal}"
        form.save()
        form.project.name = f"{form.project.name}{RARE[0]}"
        form.project.save()
    return forms


def text_of(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "rare.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_system_has_a_font_for_extension_b():
    assert shutil.which("fc-list")
    found = subprocess.run(
        ["fc-list", ":charset=2a6a5", "family"], check=True, capture_output=True, text=True
    ).stdout
    assert "HanaMin" in found, "run scripts/system-packages.sh test (fonts-hanazono)"


def test_a_form_prints_extension_b_characters_with_an_embedded_font(guangzhou_forms, tmp_path):
    for layout in ("dongguan", "shenzhen"):
        content = export_form(form=guangzhou_forms[0], fmt="pdf", layout=layout).content
        (tmp_path / "form.pdf").write_bytes(content)
        assert any(name.startswith("HanaMin") for name in embedded_fonts(tmp_path / "form.pdf"))
        text = text_of(content, tmp_path)
        assert RARE[0] in text and RARE[1] in text, layout


def test_the_guangzhou_batch_with_them_imports_back_with_every_form(guangzhou_forms, tmp_path):
    department = guangzhou_forms[0].project.department
    selection = Selection(layout="guangzhou", format="pdf", department_id=department.pk)
    content = export_batch(actor=None, selection=selection).content
    assert RARE in text_of(content, tmp_path)
    plan = read_sources(uploads=[("广州.pdf", content)], year=2023)
    assert not plan.has_errors
    stored = sorted(
        form.project.name for form in guangzhou_forms if form.project.department == department
    )
    assert sorted(form.data.project.name for form in plan.forms) == stored
    assert sum(RARE in form.data.goals["annual"] for form in plan.forms) == 3
