"""The official tables as PDF (WeasyPrint), from the templates under ``templates/pdf/``.

A4 (landscape when the layout says so, as 广州 does), Noto Serif CJK SC embedded, page numbers
in the page margin. The pages are decided before WeasyPrint lays them out (``planning.plan``, in
mm, from the fonts' widths): each page is a table of its own that begins a new page, so no page
break falls inside a merged cell, and every 一级/二级 label that continues on a page is one cell
spanning its rows there. 东莞 and 深圳 print their indicator head again at the top of each page
of the indicator table (东莞's 绩效指标 one cell beside it and the page's rows); a text too long
for what is left runs on at the top of the next page under its heading with （续）; 广州 repeats
its title and header (a ``<thead>``) and runs a project on with its name and （续） only when it
cannot fit on an empty page or when what fits is at least a third of a page.

Batches print each form (each 广州 department table) as a document of its own, so its pages are
numbered within it (第 1 页，共 2 页), and stream them into one file (``write_pdf_parts``):

* forms are laid out a chunk at a time (``EXPORT_PDF_CHUNK_FORMS``): each form its own
  WeasyPrint document, the chunk's pages written as one PDF (one font subset a chunk:
  subsetting the CJK fonts is most of the cost of writing a PDF);
* with several workers the chunks are laid out in a process pool (the ``spawn`` start method:
  fresh interpreters sharing nothing with this process, no database connection). This process
  loads the forms and renders each chunk's HTML; a worker only runs WeasyPrint on it (this
  module imports no models, so a worker needs neither Django set up nor the database) and
  sends back the PDF bytes. At most two chunks a worker are in flight; they come back in order.
  How a process drives WeasyPrint (stylesheets parsed once, our elements' rules in place of its
  default stylesheet, font files not copied to subset them) is ``weasy``'s;
* ``PdfConcatenator`` appends each chunk's pages to the output file as it comes, renumbering its
  objects, and keeps only the offsets, the page numbers and one outline entry a form until it
  writes the page tree, the outline and the cross-reference table at the end.

Memory is then bounded by the chunk size and the worker count, whatever the number of forms.
"""

from __future__ import annotations

import io
import os
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import chain
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, BinaryIO

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from projects.exporting.weasy import RenderedChunk, Styles, render_documents

if TYPE_CHECKING:
    from pypdf.generic import PdfObject

    from projects.exporting.paging import PrintCell
    from projects.layouts import Grid

A4_MM = (210.0, 297.0)
MARGIN_MM = {"top": 16.0, "bottom": 16.0, "side": 14.0}
SAFETY = 0.95  # share of the page the rows put on it may fill
LINE_HEIGHT = 1.4  # as templates/pdf/forms.html sets it
PADDING_MM = (1.0, 0.9)  # a cell's padding, left and right / top and bottom, as the CSS sets it


@dataclass
class PdfTable:
    widths: list[str]
    head: list[list[PrintCell]] = field(default_factory=list)
    bodies: list[list[list[PrintCell]]] = field(default_factory=list)
    new_page: bool = False  # begins a new page (each page of a form is a table of its own)


@dataclass
class PdfSection:
    """One form (or one 广州 department table): starts on a new page."""

    layout: str
    title: str
    running_title: str
    tables: list[PdfTable]
    landscape: bool
    font_pt: float


def _content_box(landscape: bool) -> tuple[float, float]:
    width, height = A4_MM[::-1] if landscape else A4_MM
    return width - 2 * MARGIN_MM["side"], height - MARGIN_MM["top"] - MARGIN_MM["bottom"]


def prepare_section(grid: Grid, running_title: str = "") -> PdfSection:
    """Lay a grid out for print: its title, and its pages (``planning.plan``), each a table of
    its own that starts a new page, every merged label whole on it."""
    # imported here: a pool worker imports this module without Django set up (no models)
    from projects.exporting.paging import place, slice_rows
    from projects.exporting.planning import Drawing, PageBody, measure, plan

    layout = grid.layout  # prints landscape or portrait, at its font size
    width_mm, height_mm = _content_box(layout.landscape)
    total = sum(grid.widths) or 1.0
    column_mm = tuple(width_mm * w / total for w in grid.widths)
    percent = [f"{100 * w / total:.3f}%" for w in grid.widths]
    em_mm = layout.font_pt * 25.4 / 72
    drawing = Drawing(
        column_em=tuple(width / em_mm for width in column_mm),
        line=LINE_HEIGHT * em_mm,
        pad=2 * PADDING_MM[1],
        gap_em=2 * PADDING_MM[0] / em_mm,
        min_row=LINE_HEIGHT * em_mm + 2 * PADDING_MM[1],
    )
    page = height_mm * SAFETY
    if grid.header_rows:
        # 广州: title, 部门名称, 单位 and the column header on every page (the table's thead)
        heights = measure(grid, drawing).heights
        body = PageBody(page, titles=sum(heights[: grid.header_rows]), titles_start=0)
        printed = plan(grid, drawing, body)
        placed = place(printed.grid)
        head = slice_rows(placed, 0, grid.header_rows)
        pages = [(max(a, grid.header_rows), b) for a, b in printed.pages()]
        tables = [
            PdfTable(percent, head=head, bodies=[slice_rows(placed, a, b)], new_page=bool(n))
            for n, (a, b) in enumerate(pages)
        ]
        # its title is in the repeated header already: no running title
        return PdfSection(grid.layout.key, "", "", tables, layout.landscape, layout.font_pt)

    start = 0
    while start < len(grid.rows) and all(cell.role == "title" for cell in grid.rows[start].cells):
        start += 1
    title = " ".join(cell.text for row in grid.rows[:start] for cell in row.cells) or grid.title
    # the title prints as the page's heading (16 pt and its margin) above the table
    heading_mm = 1.6 * LINE_HEIGHT * em_mm * max(1, start) + 4.0
    table = replace(grid, rows=grid.rows[start:], repeat_row=_shifted(grid.repeat_row, start))
    # the first page holds the heading too (a negative "title" gives its room back after it)
    printed = plan(table, drawing, PageBody(page - heading_mm, titles=-heading_mm, titles_start=0))
    placed = place(printed.grid)
    tables = [
        PdfTable(percent, bodies=[slice_rows(placed, a, b)], new_page=bool(n))
        for n, (a, b) in enumerate(printed.pages())
    ]
    return PdfSection(
        grid.layout.key, title, running_title or title, tables, layout.landscape, layout.font_pt
    )


def _shifted(row: int | None, by: int) -> int | None:
    return None if row is None else row - by


@dataclass(frozen=True)
class PdfPart:
    """One form, or one 广州 department table: printed as a document of its own (new pages,
    numbered within it), bookmarked under ``bookmark``."""

    grid: Grid
    running_title: str = ""
    forms: int = 1  # the forms it holds (progress counts forms)

    @property
    def bookmark(self) -> str:
        return self.running_title or self.grid.title


def part_html(part: PdfPart, document_title: str) -> str:
    section = prepare_section(part.grid, part.running_title)
    return render_to_string(
        "pdf/forms.html",
        {"sections": [section], "document_title": document_title, "bookmark": part.bookmark},
    )


@cache
def print_styles() -> Styles:
    """The stylesheets every printed table is laid out with (``weasy``: parsed once a process)."""
    return Styles(render_to_string("pdf/print.css"), render_to_string("pdf/elements.css"))


def render_html_chunk(documents: Sequence[str], base_url: str, styles: Styles) -> RenderedChunk:
    """Lay each HTML document out on its own pages and write them all as one PDF. This is what
    a pool worker runs: it needs WeasyPrint only, not Django or the database."""
    return render_documents(documents, base_url, styles)


def render_chunk(parts: Sequence[PdfPart], document_title: str) -> RenderedChunk:
    """The parts as one PDF, each a document of its own, rendered in this process."""
    htmls = [part_html(part, document_title) for part in parts]
    return render_html_chunk(htmls, str(settings.BASE_DIR), print_styles())


def render_pdf(
    grids: Sequence[Grid], *, document_title: str, running_titles: Sequence[str] = ()
) -> bytes:
    """One PDF with every grid, each a document of its own (new pages, numbered within it),
    rendered in this process."""
    parts = [
        PdfPart(grid, running_titles[i] if i < len(running_titles) else "")
        for i, grid in enumerate(grids)
    ]
    output = io.BytesIO()
    write_pdf_parts(parts, output=output, document_title=document_title)
    return output.getvalue()


def chunked(parts: Iterable[PdfPart], size: int) -> Iterator[list[PdfPart]]:
    """Consecutive parts holding up to ``size`` forms each (a part is never split)."""
    chunk: list[PdfPart] = []
    forms = 0
    for part in parts:
        if chunk and forms + part.forms > size:
            yield chunk
            chunk, forms = [], 0
        chunk.append(part)
        forms += part.forms
    if chunk:
        yield chunk


def write_pdf_parts(
    parts: Iterable[PdfPart],
    *,
    output: BinaryIO,
    document_title: str,
    workers: int = 1,
    chunk_forms: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the parts, in order, as one PDF to ``output`` (front to back, never read back or
    held whole); return its page count. ``parts`` may be a generator: it is consumed a chunk at
    a time. With ``workers`` > 1 the chunks are laid out in a process pool.

    ``progress(forms_done)`` is called as each chunk is written; an exception it raises stops
    the export (and the pool). ``chunk_forms``: forms a chunk (``EXPORT_PDF_CHUNK_FORMS`` unless
    given). A single chunk is written as WeasyPrint wrote it; more are
    joined by ``PdfConcatenator``."""
    sent: deque[list[PdfPart]] = deque()  # chunks handed to the renderer, not yet written

    def noted(chunks: Iterator[list[PdfPart]]) -> Iterator[list[PdfPart]]:
        for chunk in chunks:
            sent.append(chunk)
            yield chunk

    done = 0
    if chunk_forms is None:
        chunk_forms = settings.EXPORT_PDF_CHUNK_FORMS
    chunks = noted(chunked(parts, max(1, chunk_forms)))
    rendered: Generator[RenderedChunk]
    if workers > 1:
        rendered = _render_in_pool(chunks, document_title, workers=workers)
    else:
        rendered = (render_chunk(chunk, document_title) for chunk in chunks)
    with closing(rendered):  # stops the pool, if any, however this ends
        first = next(rendered, None)
        if first is None:
            raise ValueError("nothing to print")
        second = next(rendered, None)
        if second is None:
            output.write(first.content)
            if progress:
                progress(sum(part.forms for part in sent.popleft()))
            return sum(first.pages)
        concatenated = PdfConcatenator(output, title=document_title)
        for chunk in chain((first, second), rendered):
            parts_written = sent.popleft()
            concatenated.append(chunk, [part.bookmark for part in parts_written])
            done += sum(part.forms for part in parts_written)
            if progress:
                progress(done)
        return concatenated.close()


def _render_in_pool(
    chunks: Iterator[list[PdfPart]],
    document_title: str,
    *,
    workers: int,
) -> Generator[RenderedChunk]:
    """The chunks laid out by a pool of ``workers`` fresh processes (``spawn``: nothing of this
    process is shared, no database connection), yielded in order. This process turns each
    chunk into HTML (templates, settings); the workers only run WeasyPrint on it, so they need
    neither Django nor the database. At most two chunks a worker are in flight: neither side
    holds more than a few chunks whatever the batch."""
    base_url, styles = str(settings.BASE_DIR), print_styles()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )
    in_flight: deque[Future[RenderedChunk]] = deque()
    try:
        for chunk in chunks:
            htmls = [part_html(part, document_title) for part in chunk]
            in_flight.append(pool.submit(render_html_chunk, htmls, base_url, styles))
            if len(in_flight) >= 2 * workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _exit_with_parent(parent: int) -> None:
    """In a pool worker: exit as soon as the process that started it is gone (killed with the
    background worker, say), instead of waiting forever for chunks that will never come."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class PdfConcatenator:
    """Concatenates PDF files (WeasyPrint's chunks) into one, writing each as it comes.

    Each chunk is parsed with pypdf; the objects its pages reach are renumbered after the ones
    already written and written out at once. What is kept until ``close`` is small whatever
    the size of the file: each object's offset, the pages' object numbers and one outline
    entry a part. ``close`` writes the page tree (every page under one node), the outline (a
    bookmark for each part, on its first page), the document information, the catalog and the
    cross-reference table.
    """

    PAGE_TREE = 1  # object numbers written last but known from the start
    CATALOG = 2

    def __init__(self, output: BinaryIO, *, title: str) -> None:
        self._output = output
        self._position = 0
        self._offsets = array("Q", [0, 0, 0])  # by object number; 0 is the free-list head
        self._pages = array("Q")
        self._outline: list[tuple[str, int]] = []  # (title, page object number)
        self._title = title
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self._output.write(data)
        self._position += len(data)

    def _allocate(self) -> int:
        self._offsets.append(0)
        return len(self._offsets) - 1

    def _write_object(self, number: int, obj: PdfObject) -> None:
        buffer = io.BytesIO()
        buffer.write(b"%d 0 obj\n" % number)
        obj.write_to_stream(buffer)
        buffer.write(b"\nendobj\n")
        self._offsets[number] = self._position
        self._write(buffer.getvalue())

    def append(self, chunk: RenderedChunk, titles: Sequence[str]) -> None:
        """The chunk's pages after the ones before; ``titles``: each part's bookmark."""
        from pypdf import PdfReader
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            StreamObject,
        )

        reader = PdfReader(io.BytesIO(chunk.content))
        numbers: dict[int, int] = {}  # the chunk's object number -> ours
        todo: list[int] = []

        def ours(idnum: int) -> int:
            if idnum not in numbers:
                numbers[idnum] = self._allocate()
                todo.append(idnum)
            return numbers[idnum]

        def renumbered(obj: Any) -> Any:
            """The object with its references renumbered: a copy, except a stream's own
            dictionary (a stream is always an indirect object, so it is visited once)."""
            if isinstance(obj, IndirectObject):
                return IndirectObject(ours(obj.idnum), 0, None)
            if isinstance(obj, StreamObject):
                for key, value in list(obj.items()):
                    obj[key] = renumbered(value)
                return obj
            if isinstance(obj, DictionaryObject):
                return DictionaryObject({key: renumbered(value) for key, value in obj.items()})
            if isinstance(obj, ArrayObject):
                return ArrayObject(renumbered(value) for value in obj)
            return obj

        pages: dict[int, DictionaryObject] = {}  # the chunk's page object number -> the page
        first = len(self._pages)
        for page in reader.pages:  # pypdf has copied inherited attributes into each page
            reference = page.indirect_reference
            if reference is None:
                raise ValueError("a page that is not an indirect object")
            pages[reference.idnum] = page
            self._pages.append(ours(reference.idnum))
        start = first
        for title, count in zip(titles, chunk.pages, strict=True):
            if count:
                self._outline.append((title, self._pages[start]))
            start += count
        if start != len(self._pages):
            raise ValueError("the parts' page counts do not add up to the chunk's pages")
        while todo:
            idnum = todo.pop()
            if idnum in pages:  # the chunk's page tree is left behind: the page joins ours
                own = DictionaryObject(pages[idnum])
                own.pop(NameObject("/Parent"), None)
                copy = renumbered(own)
                copy[NameObject("/Parent")] = IndirectObject(self.PAGE_TREE, 0, None)
            else:
                copy = renumbered(reader.get_object(idnum))
            self._write_object(numbers[idnum], copy)

    def close(self) -> int:
        """Write the page tree, outline, information, catalog and cross-references; return
        the page count."""
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            NumberObject,
            TextStringObject,
        )

        def ref(number: int) -> IndirectObject:
            return IndirectObject(number, 0, None)

        self._write_object(
            self.PAGE_TREE,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Pages"),
                    NameObject("/Kids"): ArrayObject(ref(number) for number in self._pages),
                    NameObject("/Count"): NumberObject(len(self._pages)),
                }
            ),
        )
        catalog = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): ref(self.PAGE_TREE),
                NameObject("/Lang"): TextStringObject("zh-Hans"),
            }
        )
        if self._outline:
            root = self._allocate()
            items = [self._allocate() for _entry in self._outline]
            for index, ((title, page), number) in enumerate(zip(self._outline, items, strict=True)):
                item = DictionaryObject(
                    {
                        NameObject("/Title"): TextStringObject(title),
                        NameObject("/Parent"): ref(root),
                        NameObject("/Dest"): ArrayObject([ref(page), NameObject("/Fit")]),
                    }
                )
                if index:
                    item[NameObject("/Prev")] = ref(items[index - 1])
                if index + 1 < len(items):
                    item[NameObject("/Next")] = ref(items[index + 1])
                self._write_object(number, item)
            self._write_object(
                root,
                DictionaryObject(
                    {
                        NameObject("/Type"): NameObject("/Outlines"),
                        NameObject("/First"): ref(items[0]),
                        NameObject("/Last"): ref(items[-1]),
                        NameObject("/Count"): NumberObject(len(items)),
                    }
                ),
            )
            catalog[NameObject("/Outlines")] = ref(root)
            catalog[NameObject("/PageMode")] = NameObject("/UseOutlines")
        self._write_object(self.CATALOG, catalog)
        info = self._allocate()
        self._write_object(
            info,
            DictionaryObject(
                {
                    NameObject("/Title"): TextStringObject(self._title),
                    NameObject("/Producer"): TextStringObject("perfgoals (WeasyPrint, pypdf)"),
                    NameObject("/CreationDate"): TextStringObject(
                        timezone.now().strftime("D:%Y%m%d%H%M%SZ")
                    ),
                }
            ),
        )
        xref = self._position
        lines = [b"xref\n0 %d\n" % len(self._offsets), b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % offset for offset in self._offsets[1:]]
        self._write(b"".join(lines))
        trailer = DictionaryObject(
            {
                NameObject("/Size"): NumberObject(len(self._offsets)),
                NameObject("/Root"): ref(self.CATALOG),
                NameObject("/Info"): ref(info),
            }
        )
        buffer = io.BytesIO()
        buffer.write(b"trailer\n")
        trailer.write_to_stream(buffer)
        buffer.write(b"\nstartxref\n%d\n%%%%EOF\n" % xref)
        self._write(buffer.getvalue())
        return len(self._pages)
