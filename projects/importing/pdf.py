"""Published PDFs of a table (a department's 广州 table, printed from its sheet) read into one
:class:`PdfSheet`, the grid the layouts' readers read from workbooks and text.

:mod:`~projects.importing.pdf_extract` reads each page's ruled tables and the lines of text
outside them, in a child process bounded in time (``IMPORT_PDF_SECONDS``), memory and pages
(``IMPORT_PDF_MAX_PAGES``). Here the pages become one grid, top to bottom:

* each line of text outside the tables (the title, ``部门名称：…``, ``单位：万元``) is a row of one
  cell; page numbers are left out, and so are the lines repeated above the table on every page
  once they have been read (a new title, another department's, is read again);
* each table row is a row; the column header repeated on every page is kept (the readers
  expect it), but a row the printer continued on the next page is joined back into the row it
  continues, cell by cell, so that a project reads as one row: the first row under the header
  of a page whose first cell is empty (a row a page break cut), and a row whose first cell is
  the previous project's name followed by the layout's continuation mark (``（续）``: our own
  PDFs print a project taller than a page as several rows so marked);
* text below the last table of a page (other than a page number) is not part of the table: it
  is left out, with a warning naming the page.

A cell is named by its page and its row and column in the page's table (``第 2 页，表格第 5 行第
3 列``); a form's place (:meth:`PdfSheet.part`) is the pages its row is printed on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings

from projects.importing.errors import SourceError
from projects.importing.pdf_extract import (
    PdfLimits,
    PdfLine,
    PdfPage,
    PdfRefusal,
    PdfRow,
    extract_bounded,
    join_wrapped,
)
from projects.layouts import LAYOUTS, normalize_label
from projects.layouts.sheet import Sheet

PDF_SUFFIX = ".pdf"


def pdf_layouts() -> tuple[str, ...]:
    """The layouts read from PDFs (``Layout.reads_pdf``): the 广州 table, what departments
    publish. The per-form layouts print label cells whose merges a PDF does not keep; read
    from one they would come out wrong."""
    return tuple(key for key, layout in LAYOUTS.items() if layout.reads_pdf)


PDF_MAGIC = b"%PDF-"
MAGIC_WINDOW = 1024  # readers accept the header anywhere in the first kilobyte
PAGE_CONTENT_BYTES = 16 * 1024 * 1024  # decoded content of one page (a table page: ~100 KB)
MEMORY_BYTES = 1024 * 1024 * 1024  # address space of the process reading a PDF
HEAD_ROWS = 3  # leading rows of the first table that a page may repeat (the column header)
MAX_DROPPED_NOTES = 10  # lines left out below tables named one by one; the rest are counted

# A page number in a header or footer: 第 1 页，共 5 页 · 第 1 页 · 1 / 5 · - 1 - · 1
_PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页"
    r"|[-—–]?\s*\d+\s*[-—–]?|\d+\s*/\s*\d+|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


def is_pdf_bytes(data: bytes) -> bool:
    return PDF_MAGIC in data[:MAGIC_WINDOW]


@dataclass
class PdfSheet(Sheet):
    """A PDF as one sheet: ``places[r]`` is the page of row ``r`` and its row in that page's
    table (0 for text outside the tables), ``last_pages[r]`` the page it ends on."""

    places: list[tuple[int, int]] = field(default_factory=list)
    last_pages: list[int] = field(default_factory=list)

    def a1(self, r: int, c: int = 0) -> str:
        page, row = self.places[r]
        if not row:
            return f"第 {page} 页"
        return f"第 {page} 页，表格第 {row} 行第 {c + 1} 列"

    def part(self, rows: tuple[int, int]) -> str:
        """The pages the sheet rows ``rows`` (1-based, as ``source_rows`` gives them) are
        printed on: ``第 2 页`` or ``第 2–3 页``."""
        first = self.places[rows[0] - 1][0]
        last = max(self.last_pages[rows[0] - 1 : rows[1]], default=first)
        if first == last:
            return f"第 {first} 页"
        return f"第 {first}–{last} 页"


def read_pdf(data: bytes, *, file: str) -> list[Sheet]:
    """The PDF's tables as one sheet; :class:`SourceError` (in Chinese) when it cannot be read
    or holds no ruled table."""
    if not is_pdf_bytes(data):
        raise SourceError("不是 PDF 文件（文件开头没有 PDF 标记），无法读取。")
    limits = PdfLimits(
        max_pages=settings.IMPORT_PDF_MAX_PAGES,
        content_bytes=PAGE_CONTENT_BYTES,
        seconds=settings.IMPORT_PDF_SECONDS,
        memory_bytes=MEMORY_BYTES,
    )
    try:
        pages = extract_bounded(data, limits)
    except PdfRefusal as refusal:
        raise SourceError(_refusal_message(refusal, limits)) from None
    if not any(isinstance(item, PdfRow) for page in pages for item in page.items):
        if not any(page.chars for page in pages):
            raise SourceError(
                "PDF 中没有文字（可能是扫描件或图片），无法读取；"
                "请导入原始的 Excel 表格，或由表格直接导出的 PDF。"
            )
        raise SourceError("PDF 中没有找到带边框的表格，无法读取绩效目标表。")
    return [assemble(pages, file)]


def _refusal_message(refusal: PdfRefusal, limits: PdfLimits) -> str:
    details = refusal.details
    if refusal.reason == "encrypted":
        return "PDF 文件已加密，需要密码才能打开；请提供未加密的文件。"
    if refusal.reason == "pages":
        if not details.get("pages"):
            return "PDF 的页数超过上限 {limit} 页，已拒绝整个文件。".format(
                limit=f"{limits.max_pages:,}",
            )
        return "PDF 有 {pages} 页，超过上限 {limit} 页，已拒绝整个文件。".format(
            pages=f"{details['pages']:,}",
            limit=f"{limits.max_pages:,}",
        )
    if refusal.reason == "content":
        return (
            "PDF 第 {page} 页的内容超过 {limit}（文件可能已损坏或被篡改），已拒绝整个文件。"
        ).format(page=details.get("page", 0), limit=f"{limits.content_bytes // 1048576} MB")
    if refusal.reason == "complex":
        return (
            "PDF 第 {page} 页的文字或线条过多（文件可能已损坏或被篡改），已拒绝整个文件。"
        ).format(page=details.get("page", 0))
    if refusal.reason == "time":
        return (
            "PDF 在 {seconds} 秒内没有读完（页数过多或内容过于复杂），已停止读取；"
            "请只导入绩效目标表所在的页，或导入原始的 Excel 表格。"
        ).format(seconds=f"{limits.seconds:g}")
    if refusal.reason == "memory":
        return "读取这个 PDF 需要的内存超过上限（文件可能已损坏或被篡改），已停止读取。"
    return "PDF 文件已损坏，无法读取。"


# --------------------------------------------------------------------------- pages → one grid


def _continued_marks() -> tuple[str, ...]:
    """The layouts' continuation marks (``（续）``), normalised."""
    marks = []
    for layout in LAYOUTS.values():
        label = layout.block_labels.get("continued")
        if label is not None:
            marks += [normalize_label(spelling) for spelling in label.spellings]
    return tuple(marks)


def _key(text: str) -> str:
    return _SPACES.sub("", text)


class _Grid:
    """The rows of the sheet being built, with each row's page and place."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.places: list[tuple[int, int]] = []
        self.last_pages: list[int] = []
        # the first rows of the first table (the column header among them), and whether a
        # page after them was read: a page's top rows equal to one of them repeat the header
        self.head: list[tuple[str, ...]] = []
        self.rows_read = False
        self.last_row: int | None = None  # the last table row read
        self.lines_read: set[str] = set()
        self.dropped: list[tuple[int, str]] = []  # (page, text) of lines left out
        self.marks = _continued_marks()

    def add(self, row: list[str], page: int, number: int) -> int:
        self.rows.append(row)
        self.places.append((page, number))
        self.last_pages.append(page)
        return len(self.rows) - 1

    def add_page(self, page: PdfPage) -> None:
        rows = [i for i, item in enumerate(page.items) if isinstance(item, PdfRow)]
        first_row, last_row = (rows[0], rows[-1]) if rows else (None, None)
        top = True  # nothing read on this page yet but what repeats on every page
        for index, item in enumerate(page.items):
            if isinstance(item, PdfLine):
                top = self.add_line(item, page, index, first_row, last_row) and top
                continue
            key = tuple(_key(text) for text in item.cells)
            if len(self.head) < HEAD_ROWS and not self.rows_read:
                self.head.append(key)
            elif top and key in self.head:
                self.add(item.cells, page.number, item.number)  # the repeated column header
                continue
            if not self.continues(item, page.number, top=top):
                self.last_row = self.add(item.cells, page.number, item.number)
            top = False
        if self.head and rows:
            self.rows_read = True

    def add_line(
        self,
        line: PdfLine,
        page: PdfPage,
        index: int,
        first_row: int | None,
        last_row: int | None,
    ) -> bool:
        """Read a line of text outside the tables (or leave it out); True when it leaves the
        page's table where it was (a repeated line or a page number)."""
        text = line.text.strip()
        if _PAGE_NUMBER.match(text):
            return True
        tables_begun = bool(self.head)
        below = last_row is not None and index > last_row
        if below or (last_row is None and tables_begun):
            self.dropped.append((page.number, text))
            return True
        if first_row is not None and index < first_row and text in self.lines_read:
            return True  # the title and notes repeated above the table on every page
        self.lines_read.add(text)
        self.add([text], page.number, 0)
        return False

    def continues(self, row: PdfRow, page: int, *, top: bool) -> bool:
        """Join ``row`` into the last row when it continues it (marked so, or cut by the
        page break above it: ``top``, its first cell empty); whether it did."""
        if self.last_row is None:
            return False
        previous = self.rows[self.last_row]
        name = normalize_label(row.cells[0]) if row.cells else ""
        marked = bool(name and previous) and any(
            name == normalize_label(previous[0]) + mark for mark in self.marks
        )
        cut = top and page > self.last_pages[self.last_row] and not name and any(row.cells)
        if not (marked or cut):
            return False
        joined = list(previous) + [""] * max(0, len(row.cells) - len(previous))
        for c, text in enumerate(row.cells):
            if c == 0 and marked:
                continue
            joined[c] = (joined[c] + text) if marked else join_wrapped(joined[c], text)
        self.rows[self.last_row] = joined
        self.last_pages[self.last_row] = page
        return True

    def sheet(self, file: str) -> PdfSheet:
        width = max((len(row) for row in self.rows), default=0)
        sheet = PdfSheet(
            file=file,
            name="",
            rows=[row + [""] * (width - len(row)) for row in self.rows],
            row_numbers=list(range(1, len(self.rows) + 1)),
            col_numbers=list(range(1, width + 1)),
            places=self.places,
            last_pages=self.last_pages,
        )
        for page, text in self.dropped[:MAX_DROPPED_NOTES]:
            sheet.notes.append(
                (
                    0,
                    f"第 {page} 页表格下方的文字“{text[:40]}”不在表格中，未导入。",
                )
            )
        if len(self.dropped) > MAX_DROPPED_NOTES:
            sheet.notes.append(
                (
                    0,
                    f"另有 {len(self.dropped) - MAX_DROPPED_NOTES} 行表格之外的文字未导入。",
                )
            )
        return sheet


def assemble(pages: list[PdfPage], file: str) -> PdfSheet:
    """The pages' tables and lines as one sheet (see the module's docstring)."""
    grid = _Grid()
    for page in pages:
        grid.add_page(page)
    return grid.sheet(file)
