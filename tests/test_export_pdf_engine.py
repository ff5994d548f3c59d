"""How the PDFs are laid out (``projects.exporting.weasy``): the stylesheets parsed once, our
elements' rules in place of WeasyPrint's default stylesheet, and the font files not copied to
make a subset. The pages are the ones WeasyPrint prints with its own defaults, pixel for pixel,
and the names inside WeasyPrint this relies on are still there (an upgrade that renames them
fails here, not silently slower)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image, ImageChops
from pypdf import PdfReader

from projects.exporting import weasy
from projects.exporting.batch import CategoryLookup, department_grids, form_grid, load_forms
from projects.exporting.pdf import PdfPart, part_html, print_styles, render_html_chunk
from projects.layouts import LAYOUTS
from projects.models import PerformanceForm
from tests.export_helpers import embedded_fonts, make_long_form

pytestmark = pytest.mark.django_db


def documents() -> list[str]:
    """A form of several pages (running title, repeated heads, 一级/二级 groups) in each
    per-form layout, and as a 广州 table (landscape, its head repeated), with a rare character."""
    form = make_long_form(40)
    form.annual_goal = "保障𠀀系统运行。" * 200
    form.save()
    loaded = load_forms(PerformanceForm.objects.filter(pk=form.pk))
    [(form, data)] = loaded
    parts = [
        PdfPart(form_grid(form, data, layout, CategoryLookup()), data.project.name)
        for layout in ("dongguan", "shenzhen")
    ]
    [(table, _count)] = department_grids(LAYOUTS["guangzhou"], loaded)
    parts.append(PdfPart(table))
    return [part_html(part, "测试") for part in parts]


def pages_as_images(content: bytes, folder: Path, name: str) -> list[Image.Image]:
    path = folder / f"{name}.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(folder / name)], check=True)
    return [Image.open(png).convert("L") for png in sorted(folder.glob(f"{name}-*.png"))]


def weasyprint_defaults(htmls: list[str]) -> bytes:
    """The same documents the plain way: WeasyPrint's own default stylesheet, our print rules
    inside each document, a font configuration each."""
    from weasyprint import HTML

    styles = print_styles()
    rendered = [
        HTML(
            string=html.replace("</head>", f"<style>{styles.print_rules}</style></head>"),
            base_url=str(settings.BASE_DIR),
        ).render()
        for html in htmls
    ]
    return rendered[0].copy([page for doc in rendered for page in doc.pages]).write_pdf()


def test_the_tables_print_as_with_weasyprints_own_defaults(tmp_path):
    htmls = documents()
    ours = render_html_chunk(htmls, str(settings.BASE_DIR), print_styles())
    plain = weasyprint_defaults(htmls)
    our_pages = pages_as_images(ours.content, tmp_path, "ours")
    plain_pages = pages_as_images(plain, tmp_path, "plain")
    assert len(our_pages) == len(plain_pages) == sum(ours.pages) > 3
    for number, (a, b) in enumerate(zip(our_pages, plain_pages, strict=True), start=1):
        assert ImageChops.difference(a, b).getbbox() is None, f"page {number} differs"
    # the bookmarks (h1's bookmark-level comes from the elements' rules) are the same
    ours_outline = [item.title for item in PdfReader(_file(tmp_path, "o", ours.content)).outline]
    plain_outline = [item.title for item in PdfReader(_file(tmp_path, "p", plain)).outline]
    assert ours_outline == plain_outline and len(ours_outline) == 3
    # and the fonts are embedded as subsets, the rare character's fallback too
    fonts = embedded_fonts(tmp_path / "ours.pdf")
    assert any(name.startswith("Noto-Serif-CJK-SC") for name in fonts)
    assert any(name.startswith("HanaMin") for name in fonts)


def _file(folder: Path, name: str, content: bytes) -> Path:
    path = folder / f"{name}.pdf"
    path.write_bytes(content)
    return path


def test_the_weasyprint_names_relied_on_are_there():
    render_html_chunk(documents()[:1], str(settings.BASE_DIR), print_styles())
    assert weasy.lean_stylesheets_used(), "weasyprint.HTML._ua_stylesheets is gone"
    assert weasy.font_files_read_lazily(), "weasyprint.pdf.fonts.Font/get_hb_object_data changed"


def test_a_font_file_is_not_copied_to_make_its_subset():
    """Writing a PDF leaves every font's file unread: HarfBuzz subset the face it had."""
    from weasyprint.pdf import fonts

    read: list[object] = []
    original = weasy._FaceFile.read

    def counted(self: weasy._FaceFile) -> bytes:
        read.append(self)
        return original(self)

    weasy._FaceFile.read = counted  # type: ignore[method-assign]
    try:
        content = render_html_chunk(documents()[:1], str(settings.BASE_DIR), print_styles())
    finally:
        weasy._FaceFile.read = original  # type: ignore[method-assign]
    assert content.content.startswith(b"%PDF")
    # each font's subset was read (small), never the font's file
    assert isinstance(vars(fonts.Font)["file_content"], property)
    assert len(read) >= 2  # a subset per font used (regular, bold)
    assert all(len(original(face)) < 5_000_000 for face in read)
