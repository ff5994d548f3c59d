"""Long forms printed as a finance bureau prints them: the PDF through pdftotext, the xlsx
through LibreOffice. Every character of the content prints, no amount prints as ``###``, and
each 一级/二级 label prints once on each page its group continues on."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from projects.exporting.batch import Selection, export_batch, export_form
from projects.models import PerformanceForm
from tests.export_helpers import make_long_form, needs_libreoffice, normalize, pdf_pages
from tests.test_export_pages import make_tall_guangzhou_project

pytestmark = [
    pytest.mark.django_db,
    needs_libreoffice,
]

# 10,000 characters of sentences that differ, so a missing part shows in the counts
GOAL = "".join(
    f"第{n}项工作：完善财政业务系统第{n % 7}类运维管理，提升服务水平{n % 13}级。"
    for n in range(1, 400)
)[:10000]
LEVEL2 = ("数量指标", "质量指标", "社会效益指标", "服务对象满意度指标")


def long_form() -> PerformanceForm:
    form = make_long_form(60)
    form.annual_goal = GOAL
    form.save()
    return form


def printed(tmp_path: Path, name: str, content: bytes) -> list[str]:
    """The pages as printed: a PDF read by pdftotext, an xlsx printed by LibreOffice first."""
    path = tmp_path / name
    path.write_bytes(content)
    if name.endswith(".xlsx"):
        profile = (tmp_path / "lo-profile").as_uri()
        subprocess.run(
            [
                *("soffice", f"-env:UserInstallation={profile}", "--headless"),
                *("--convert-to", "pdf", "--outdir", str(tmp_path), str(path)),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        path = path.with_suffix(".pdf")
    return [normalize(page) for page in pdf_pages(path)]


def missing_characters(content: str, pages: list[str]) -> Counter[str]:
    return Counter(normalize(content)) - Counter("".join(pages))


@pytest.mark.parametrize("layout", ["dongguan", "shenzhen"])
@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_a_long_form_prints_every_character_and_each_label_once_a_page(tmp_path, layout, fmt):
    form = long_form()
    pages = printed(tmp_path, f"long.{fmt}", export_form(form=form, fmt=fmt, layout=layout).content)

    assert len(pages) >= 4
    assert not missing_characters(GOAL, pages)
    names = "".join(i.name for i in form.indicators.all())
    assert not missing_characters(names, pages)
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页,共{len(pages)}页" in page
        assert "###" not in page
        if layout != "dongguan":
            continue  # 深圳 prints its labels on every row
        for label in LEVEL2:
            assert page.count(label) <= 1, (number, label)
        if "一级指标" in page:
            assert page.count("绩效指标") == 1, number


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_a_guangzhou_project_longer_than_a_page_prints_every_character(tmp_path, fmt):
    form = make_tall_guangzhou_project(indicators=120)
    rendered = export_batch(
        actor=None, selection=Selection(layout="guangzhou", format=fmt, year=2023)
    )
    pages = printed(tmp_path, f"gz.{fmt}", rendered.content)

    assert len(pages) >= 2
    assert not missing_characters(form.content, pages)
    assert all("###" not in page for page in pages)
    assert "3,090.20" in pages[0]  # 合计, in bold, whole
