"""How this project drives WeasyPrint, in whichever process lays the tables out (a batch's pool
workers import this module and ``pdf``, never Django or the database).

Three things WeasyPrint would otherwise do again for every document, or for nothing:

* **one font configuration and one URL fetcher** a process (building them loads the fonts and
  an SSL context the tables never use; nothing is fetched: ``data:`` URLs only);
* **the stylesheets parsed once** a process: the print rules (``templates/pdf/print.css``) and,
  in place of WeasyPrint's default stylesheet for all of HTML (some 250 rules every element is
  matched against), the few rules the elements we print need (``templates/pdf/elements.css``);
* **a font file is not copied to make a subset**: WeasyPrint copies each font's whole file into
  memory when it writes a PDF (26 MB for Noto Serif CJK, as much for its bold, 53 MB more with
  HanaMin) although HarfBuzz subsets the face it already has; ``_read_font_files_lazily``
  reads the file only if something asks for the bytes (a subsetting that failed).

The last two use names inside WeasyPrint (``HTML._ua_stylesheets``, ``pdf.fonts.Font``), which
``tests/test_exports_pdf_engine.py`` checks on every run: if an upgrade renames them, the
documents are still printed the same (the elements' rules as a user stylesheet, the font files
copied as before), only slower, and that test says what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple


class RenderedChunk(NamedTuple):
    """A chunk of documents as one PDF, and how many pages each document took."""

    content: bytes
    pages: list[int]


class Styles(NamedTuple):
    """The stylesheets' text (the process that renders the HTML reads them from the templates
    and sends them along with the documents)."""

    print_rules: str
    element_rules: str


@cache
def _engine() -> tuple[Any, Any]:
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    _read_font_files_lazily()
    return FontConfiguration(), URLFetcher(allowed_protocols=("data",))


@cache
def _stylesheet(text: str) -> Any:
    from weasyprint import CSS

    fonts, fetcher = _engine()
    return CSS(string=text, font_config=fonts, url_fetcher=fetcher)


@cache
def _document_class(element_rules: str) -> tuple[type, list[Any]]:
    """The HTML class to parse with, and the user stylesheets to add: our elements' rules in
    place of WeasyPrint's default stylesheet, or beside it if WeasyPrint has no such hook."""
    from weasyprint import HTML

    elements = _stylesheet(element_rules)
    if not callable(getattr(HTML, "_ua_stylesheets", None)):
        return HTML, [elements]

    class PrintedTable(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [elements]

        def _ph_stylesheets(self) -> list[Any]:
            return []

    return PrintedTable, []


def lean_stylesheets_used() -> bool:
    """Whether the documents are parsed with our elements' rules only (the hook is there)."""
    from weasyprint import HTML

    return callable(getattr(HTML, "_ua_stylesheets", None))


def render_documents(documents: Sequence[str], base_url: str, styles: Styles) -> RenderedChunk:
    """Lay each HTML document out on its own pages and write them all as one PDF (one font
    subset for the chunk: subsetting the CJK fonts is most of the cost of writing a PDF)."""
    fonts, fetcher = _engine()
    document_class, extra = _document_class(styles.element_rules)
    sheets = [*extra, _stylesheet(styles.print_rules)]
    rendered = [
        document_class(string=html, base_url=base_url, url_fetcher=fetcher).render(
            font_config=fonts, stylesheets=sheets
        )
        for html in documents
    ]
    pages = [page for document in rendered for page in document.pages]
    content: bytes = rendered[0].copy(pages).write_pdf()
    return RenderedChunk(content, [len(document.pages) for document in rendered])


# --------------------------------------------------------------------------- font files


class _FaceFile:
    """A font face's file, copied out of HarfBuzz only when its bytes are asked for."""

    __slots__ = ("face", "reader")

    def __init__(self, face: Any, reader: Any) -> None:
        self.face, self.reader = face, reader

    def read(self) -> bytes:
        data: bytes = self.reader(self.face)
        return data


def font_files_read_lazily() -> bool:
    """Whether WeasyPrint's fonts hold their file only when it is read (the names are there)."""
    from weasyprint.pdf import fonts

    return isinstance(vars(fonts.Font).get("file_content"), property)


def _read_font_files_lazily() -> None:
    """WeasyPrint's ``Font`` copies its face's whole file (``get_hb_object_data(face)``) when a
    PDF is written; its ``file_content`` becomes a property that copies it on first read, so a
    subset made by HarfBuzz (which replaces it) never copies the file at all."""
    from weasyprint.pdf import fonts

    reader = getattr(fonts, "get_hb_object_data", None)
    font_class = getattr(fonts, "Font", None)
    if reader is None or font_class is None or "file_content" in vars(font_class):
        return  # not the WeasyPrint we know, or done already in this process

    def get_data(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> Any:
        if ot_color is None and glyph is None:
            return _FaceFile(hb_object, reader)
        return reader(hb_object, ot_color, glyph)

    def read(font: Any) -> Any:
        value = font.__dict__.get("_file_content")
        if isinstance(value, _FaceFile):
            value = font.__dict__["_file_content"] = value.read()
        return value

    def write(font: Any, value: Any) -> None:
        if isinstance(value, _FaceFile) and font.__dict__.get("_file_content") is not None:
            value = value.read()  # a subset's face: small, read now (``if file_content:``)
        font.__dict__["_file_content"] = value

    font_class.file_content = property(read, write)
    fonts.get_hb_object_data = get_data
