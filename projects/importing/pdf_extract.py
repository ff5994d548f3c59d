"""The text and ruled tables of a PDF's pages, read with pdfplumber in a child process.

This module imports neither Django nor the models: :func:`extract_bounded` runs
:func:`extract_pages` in a fresh interpreter (``python -m`` this module, the PDF on its standard
input, the pages back as JSON) with a memory cap and a time limit, so that no PDF, however
hostile, can hang the importer or exhaust its memory (pdfminer, under pdfplumber, is pure
Python and decodes whole streams). Before a page is parsed, the decoded size
of its content (its content streams and the form XObjects it draws, through a bounded inflater)
and then its numbers of characters and ruling lines are checked.

What a page yields, top to bottom (:class:`PdfPage`):

* each table found from its ruling lines (pdfplumber's ``lines`` strategy) as rows of cell
  text (:class:`PdfRow`), its columns and rows from the cells' edges: a cell spanning columns
  holds its text in its first column; one spanning rows repeats it down its column (as a
  workbook's merged cell reads); empty hairline rows and columns (double rules) are dropped;
* the text outside the tables as lines (:class:`PdfLine`), a line split where a wide gap
  separates two texts (``部门名称：…`` on the left, ``单位：万元`` on the right).

A cell's text is its characters (those drawn twice for fake bold once) in lines, each line in
reading order with a space where a gap shows one; the lines are then joined. A line that ends
before the cell's right edge with room to spare for the first word of the next one ends a
paragraph (a line break is kept); the others wrapped only because the line was full, and are
joined with nothing between them, or with a space between two Latin words
(:func:`join_wrapped`).
"""

from __future__ import annotations

import io
import json
import resource
import signal
import subprocess
import sys
import unicodedata
import zlib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pdfplumber.page import Page
    from pdfplumber.pdf import PDF

Char = dict[str, Any]  # a pdfplumber character: text, x0, x1, top, bottom, size…
Box = tuple[float, float, float, float]  # x0, top, x1, bottom (points, from the top left)

MAX_PAGE_CHARS = 200_000  # characters on one page (a dense table page has a few thousand)
MAX_PAGE_EDGES = 20_000  # ruling line segments on one page (a table page has a few hundred)
MAX_FORM_DEPTH = 8  # form XObjects drawn inside form XObjects
HAIRLINE = 3.0  # points: narrower rows and columns hold no text of their own (double rules)
DUPLICATE = 1.0  # points: the same character drawn again this close is one (fake bold)
SNAP = 1.0  # points: cell edges this close are one grid line
LINE_TOLERANCE = 0.45  # of the font size: characters whose middles are closer share a line
SPACE_GAP = 0.3  # of the font size: a wider gap between two characters reads as a space
SEGMENT_GAP = 2.0  # of the font size: a wider gap splits a line outside the tables in two
PARAGRAPH_ROOM = 1.0  # of the font size: spare room beyond the next word that ends a paragraph
PARAGRAPH_SHARE = 0.25  # of the cell's width: less room left never ends a paragraph (printers
# keep some runs of digits and punctuation together that a simple rule would break)
ROOT = Path(__file__).resolve().parents[2]  # where ``python -m projects.…`` finds this module
TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}

# A line may not start with these (they stay at the end of the line before) …
_NO_START = frozenset("，。、；：？！）》」』】〕〉”’％,.;:?!)]}%…·—")
# … nor end with these.
_NO_END = frozenset("（《「『【〔〈“‘([{")


# --------------------------------------------------------------------------- what a page holds


@dataclass(frozen=True)
class PdfLimits:
    max_pages: int
    content_bytes: int  # decoded content of one page (content streams and form XObjects)
    seconds: float  # to read the whole file
    memory_bytes: int  # address space of the reading process


@dataclass
class PdfLine:
    """Text outside the tables: one line, or one part of a line split at a wide gap."""

    text: str
    top: float


@dataclass
class PdfRow:
    """A row of a table: the text of each column (empty under a cell spanning from the left)."""

    cells: list[str]
    top: float
    table: int  # which table of the page (0, 1…), top to bottom
    number: int  # 1-based, counting the rows of the page's tables from the top


@dataclass
class PdfPage:
    number: int  # 1-based
    items: list[PdfLine | PdfRow] = field(default_factory=list)  # top to bottom
    chars: int = 0  # characters on the page (none at all: a scan)


class PdfRefusal(Exception):
    """The file cannot be read; ``reason`` names why (the reader words the message)."""

    def __init__(self, reason: str, **details: int) -> None:
        super().__init__(reason, details)
        self.reason = reason  # damaged | encrypted | pages | content | complex | time | memory
        self.details = details  # pages, page, size


# --------------------------------------------------------------------------- bounded reading


def extract_bounded(data: bytes, limits: PdfLimits) -> list[PdfPage]:
    """:func:`extract_pages` in a fresh interpreter (``python -m`` this module: nothing of this
    process is shared with it), killed after ``limits.seconds``, its memory capped. The pages
    come back as JSON; a child that runs out of time or memory, or dies, is a refusal."""
    command = [
        sys.executable,
        "-m",
        __name__,
        *(str(n) for n in (limits.max_pages, limits.content_bytes, limits.memory_bytes)),
        str(limits.seconds),
    ]
    try:
        finished = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=limits.seconds,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PdfRefusal("time") from None
    if finished.returncode == -signal.SIGXCPU:
        raise PdfRefusal("time")
    try:
        answer = json.loads(finished.stdout)
    except ValueError:
        raise PdfRefusal("memory" if finished.returncode < 0 else "damaged") from None
    if "refused" in answer:
        raise PdfRefusal(str(answer["refused"]), **answer.get("details", {}))
    return [_page_from_json(page) for page in answer["pages"]]


def main(arguments: Sequence[str]) -> None:
    """In the child: cap memory and CPU time, read the PDF from standard input, write the pages
    (or the refusal) to standard output as JSON."""
    max_pages, content_bytes, memory_bytes = (int(n) for n in arguments[:3])
    limits = PdfLimits(max_pages, content_bytes, float(arguments[3]), memory_bytes)
    _cap(resource.RLIMIT_AS, limits.memory_bytes)
    _cap(resource.RLIMIT_CPU, int(limits.seconds) + 1)
    answer: dict[str, Any]
    try:
        pages = extract_pages(sys.stdin.buffer.read(), limits)
        answer = {"pages": [_page_to_json(page) for page in pages]}
    except PdfRefusal as refusal:
        answer = {"refused": refusal.reason, "details": refusal.details}
    except Exception as error:  # pdfminer's own errors and any other sign of a damaged file
        answer = {"refused": "memory" if _out_of_memory(error) else "damaged"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))


def _out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` comes from running out of memory (or stack), perhaps wrapped by
    pdfplumber (``PdfminerException(error)``)."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        if isinstance(found, MemoryError | RecursionError):
            return True
        seen.add(id(found))
        wrapped = found.args[0] if found.args else None
        found = (
            wrapped if isinstance(wrapped, BaseException) else found.__cause__ or found.__context__
        )
    return False


def _cap(kind: int, limit: int) -> None:
    """Lower a resource limit (never above the hard limit this process inherited)."""
    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(kind, (limit, hard))


def _page_to_json(page: PdfPage) -> dict[str, Any]:
    return {
        "number": page.number,
        "chars": page.chars,
        "items": [
            {"row": item.cells, "top": item.top, "table": item.table, "number": item.number}
            if isinstance(item, PdfRow)
            else {"line": item.text, "top": item.top}
            for item in page.items
        ],
    }


def _page_from_json(page: dict[str, Any]) -> PdfPage:
    items: list[PdfLine | PdfRow] = [
        PdfRow([str(text) for text in item["row"]], item["top"], item["table"], item["number"])
        if "row" in item
        else PdfLine(str(item["line"]), item["top"])
        for item in page["items"]
    ]
    return PdfPage(int(page["number"]), items, int(page["chars"]))


# --------------------------------------------------------------------------- the document


def extract_pages(data: bytes, limits: PdfLimits) -> list[PdfPage]:
    """Every page's tables and lines (see the module's docstring). Raises :class:`PdfRefusal`
    for a file that needs a password, has too many pages or too much content on a page; any
    other exception means a damaged file."""
    from pdfplumber.page import Page

    pdf = _open(data)
    pages: list[PdfPage] = []
    for number, page_object in enumerate(_page_objects(pdf, limits.max_pages), start=1):
        size = _content_size(page_object, limits.content_bytes)
        if size > limits.content_bytes:
            raise PdfRefusal("content", page=number, size=size)
        page = Page(pdf, page_object, page_number=number)
        try:
            pages.append(read_page(page, number))
        finally:
            page.close()
    return pages


def _open(data: bytes) -> PDF:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.pdf import PDF
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        return PDF(io.BytesIO(data))
    except PdfminerException as error:
        cause = error.args[0] if error.args else None
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise PdfRefusal("encrypted") from None
        raise


def _page_objects(pdf: PDF, most: int) -> Iterator[Any]:
    """The document's pages, refused past ``most`` (before any is parsed)."""
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import resolve1

    declared = resolve1(resolve1(pdf.doc.catalog.get("Pages")) or {})
    count = resolve1(declared.get("Count")) if isinstance(declared, dict) else None
    if isinstance(count, int) and count > most:
        raise PdfRefusal("pages", pages=count)
    pages = list(islice(PDFPage.create_pages(pdf.doc), most + 1))
    if len(pages) > most:  # more pages than it declares: how many is not known
        raise PdfRefusal("pages")
    return iter(pages)


def _content_size(page_object: Any, budget: int) -> int:
    """The decoded size of what the page draws: its content streams and the form XObjects of
    its resources (and theirs), each inflated no further than the budget allows."""
    from pdfminer.pdftypes import PDFStream, resolve1

    total = 0
    seen: set[int] = set()

    def visit(resources: Any, depth: int) -> None:
        nonlocal total
        objects = resolve1((resolve1(resources) or {}).get("XObject")) or {}
        if not isinstance(objects, dict) or depth > MAX_FORM_DEPTH:
            return
        for value in objects.values():
            stream = resolve1(value)
            if not isinstance(stream, PDFStream) or id(stream) in seen:
                continue
            seen.add(id(stream))
            if getattr(resolve1(stream.get("Subtype")), "name", "") != "Form":
                continue  # images are never decoded
            total += decoded_size(stream, budget - total)
            if total > budget:
                return
            visit(stream.get("Resources"), depth + 1)

    for stream in page_object.contents:
        stream = resolve1(stream)
        if isinstance(stream, PDFStream):
            total += decoded_size(stream, budget - total)
            if total > budget:
                return total
    visit(page_object.resources, 0)
    return total


def decoded_size(stream: Any, budget: int) -> int:
    """The stream's decoded length, or a number above ``budget`` as soon as it passes it
    (Flate is inflated at most ``budget + 1`` bytes; the rarer filters are decoded whole, under
    the child's memory cap)."""
    from pdfminer.pdftypes import LITERALS_FLATE_DECODE

    if stream.data is not None:
        return len(stream.data)
    data = stream.rawdata or b""
    filters = [name for name, _params in stream.get_filters()]
    if not filters:
        return len(data)
    if any(name not in LITERALS_FLATE_DECODE for name in filters):
        return len(stream.get_data())
    if stream.decipher:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for _name in filters:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(data, max(budget, 0) + 1)
        except zlib.error:
            data = b""  # pdfminer reads what it can of a damaged stream: no more than this
        if len(data) > budget:
            return len(data)
    return len(data)


# --------------------------------------------------------------------------- a page


def read_page(page: Page, number: int) -> PdfPage:
    """The page's tables and lines, top to bottom."""
    if len(page.chars) > MAX_PAGE_CHARS or len(page.edges) > MAX_PAGE_EDGES:
        raise PdfRefusal("complex", page=number)
    chars = without_duplicates([c for c in page.chars if c.get("text")])
    settings = {**TABLE_SETTINGS, "explicit_horizontal_lines": open_ends(page.edges)}
    grids = sorted(
        (TableGrid(table.cells) for table in page.find_tables(settings) if table.cells),
        key=lambda grid: grid.top,
    )
    loose: list[Char] = []
    for char in chars:
        if not any(grid.take(char) for grid in grids):
            loose.append(char)
    items: list[PdfLine | PdfRow] = [
        PdfLine(text, top) for text, top in loose_lines(loose) if text.strip()
    ]
    rows = 0
    for index, grid in enumerate(grids):
        for top, cells in grid.rows():
            rows += 1
            items.append(PdfRow(cells, top, index, rows))
    items.sort(key=lambda item: item.top)  # stable: a table's rows keep their order
    return PdfPage(number, items, len(chars))


def open_ends(edges: Sequence[dict[str, Any]]) -> list[float]:
    """Where a table's column rules stop with no rule across them: the bottom of a row a page
    break cut (printers draw no border there), or the top of its continuation. Two rules or
    more ending at the same height and no horizontal rule there spanning them."""
    ends: dict[int, list[dict[str, Any]]] = {}
    for edge in edges:
        if edge["orientation"] == "v":
            ends.setdefault(round(edge["top"]), []).append(edge)
            ends.setdefault(round(edge["bottom"]), []).append(edge)
    across = [edge for edge in edges if edge["orientation"] == "h"]
    found = []
    for y, rules in ends.items():
        if len(rules) < 2:
            continue
        left, right = min(e["x0"] for e in rules), max(e["x1"] for e in rules)
        if not any(
            abs(edge["top"] - y) <= SNAP + 1
            and edge["x0"] <= left + SNAP
            and edge["x1"] >= right - SNAP
            for edge in across
        ):
            found.append(float(y))
    return found


def without_duplicates(chars: Sequence[Char]) -> list[Char]:
    """The characters less those drawn again within a point of themselves (fake bold)."""
    seen: dict[tuple[str, int, int], list[Char]] = {}
    kept = []
    for char in chars:
        x, y = round(char["x0"]), round(char["top"])
        twins = (
            other
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for other in seen.get((char["text"], x + dx, y + dy), ())
        )
        if any(
            abs(other["x0"] - char["x0"]) <= DUPLICATE
            and abs(other["top"] - char["top"]) <= DUPLICATE
            for other in twins
        ):
            continue
        seen.setdefault((char["text"], x, y), []).append(char)
        kept.append(char)
    return kept


class TableGrid:
    """A table's cells on the grid of their edges, and the characters each one holds."""

    def __init__(self, cells: Sequence[Box]) -> None:
        self.xs = _snap(sorted({c[0] for c in cells} | {c[2] for c in cells}))
        self.ys = _snap(sorted({c[1] for c in cells} | {c[3] for c in cells}))
        self.top = self.ys[0]
        columns, rows = len(self.xs) - 1, len(self.ys) - 1
        self.spans: list[tuple[int, int, int, int]] = []  # r0, c0, r1, c1 (inclusive)
        self.owner: list[list[int | None]] = [[None] * columns for _ in range(rows)]
        for x0, top, x1, bottom in cells:
            r0, r1 = _index(self.ys, top), _index(self.ys, bottom) - 1
            c0, c1 = _index(self.xs, x0), _index(self.xs, x1) - 1
            if r1 < r0 or c1 < c0:
                continue
            number = len(self.spans)
            self.spans.append((r0, c0, r1, c1))
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    self.owner[r][c] = number
        self.chars: list[list[Char]] = [[] for _ in self.spans]

    def take(self, char: Char) -> bool:
        """Give the character to the cell holding its middle; False when none does."""
        x = (char["x0"] + char["x1"]) / 2
        y = (char["top"] + char["bottom"]) / 2
        r, c = bisect_right(self.ys, y) - 1, bisect_right(self.xs, x) - 1
        if not (0 <= r < len(self.owner) and 0 <= c < len(self.owner[r])):
            return False
        number = self.owner[r][c]
        if number is None:
            return False
        self.chars[number].append(char)
        return True

    def rows(self) -> list[tuple[float, list[str]]]:
        """(top, cell texts) of each row; hairline rows and columns holding no text of their
        own are left out."""
        texts = [""] * len(self.spans)
        for number, (r0, c0, r1, c1) in enumerate(self.spans):
            box = (self.xs[c0], self.ys[r0], self.xs[c1 + 1], self.ys[r1 + 1])
            texts[number] = cell_text(self.chars[number], box)
        grid: list[list[str]] = [[""] * (len(self.xs) - 1) for _ in range(len(self.ys) - 1)]
        for number, (r0, c0, r1, _c1) in enumerate(self.spans):
            for r in range(r0, r1 + 1):  # a cell spanning rows repeats its text down
                grid[r][c0] = texts[number]
        keep_columns = [
            c
            for c in range(len(self.xs) - 1)
            if self.xs[c + 1] - self.xs[c] >= HAIRLINE or any(row[c] for row in grid)
        ]
        result = []
        for r, row in enumerate(grid):
            if self.ys[r + 1] - self.ys[r] < HAIRLINE and not any(row):
                continue
            result.append((self.ys[r], [row[c] for c in keep_columns]))
        return result


def _snap(values: list[float]) -> list[float]:
    """Sorted values with those closer than SNAP to the one before merged into it."""
    snapped: list[float] = []
    for value in values:
        if not snapped or value - snapped[-1] >= SNAP:
            snapped.append(value)
    return snapped


def _index(grid: list[float], value: float) -> int:
    """The index of the grid line nearest ``value``."""
    i = bisect_right(grid, value)
    if i == 0:
        return 0
    if i == len(grid) or value - grid[i - 1] <= grid[i] - value:
        return i - 1
    return i


# --------------------------------------------------------------------------- text


@dataclass
class TextLine:
    chars: list[Char]

    @property
    def x0(self) -> float:
        return float(self.chars[0]["x0"])

    @property
    def x1(self) -> float:
        return float(self.chars[-1]["x1"])

    @property
    def size(self) -> float:
        return max(float(c["size"]) for c in self.chars) or 1.0

    @property
    def top(self) -> float:
        return min(float(c["top"]) for c in self.chars)

    def text(self, start: int = 0, stop: int | None = None) -> str:
        """The characters in reading order, with a space where a gap shows one."""
        chars = self.chars[start:stop]
        parts = [chars[0]["text"]] if chars else []
        for before, char in pairwise(chars):
            gap = char["x0"] - before["x1"]
            if gap > SPACE_GAP * float(char["size"]) and " " not in (before["text"], char["text"]):
                parts.append(" ")
            parts.append(char["text"])
        return "".join(parts)

    def lead_width(self) -> float:
        """The width of the line's first unbreakable run (a word, or one CJK character with
        the punctuation that may not start a line after it)."""
        chars = self.chars
        end = 1
        while end < len(chars) and not _breakable(chars[end - 1]["text"], chars[end]["text"]):
            end += 1
        return float(chars[end - 1]["x1"] - chars[0]["x0"])


def text_lines(chars: Sequence[Char]) -> list[TextLine]:
    """Characters grouped into lines (by their middles), each in reading order."""
    ordered = sorted(chars, key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"]))
    lines: list[TextLine] = []
    middle = 0.0
    for char in ordered:
        y = (char["top"] + char["bottom"]) / 2
        if lines and y - middle <= LINE_TOLERANCE * float(char["size"]):
            lines[-1].chars.append(char)
            continue
        lines.append(TextLine([char]))
        middle = y
    for line in lines:
        line.chars.sort(key=lambda c: c["x0"])
    return lines


def cell_text(chars: Sequence[Char], box: Box) -> str:
    """A cell's text: its lines joined where they only wrap, a line break where a paragraph
    ends (a line ending with room to spare for the next line's first word, and a quarter of
    the cell's width at least)."""
    lines = [line for line in text_lines(chars) if line.text().strip()]
    if not lines:
        return ""
    padding = max(0.0, min(line.x0 for line in lines) - box[0])
    right = box[2] - padding
    width = right - box[0] - padding
    text = lines[0].text().strip()
    for before, line in pairwise(lines):
        room = right - before.x1
        following = line.text().strip()
        if room > max(line.lead_width() + PARAGRAPH_ROOM * before.size, PARAGRAPH_SHARE * width):
            text = text.rstrip() + "\n" + following
        else:
            text = join_wrapped(text, following)
    return text


def join_wrapped(before: str, after: str) -> str:
    """Two pieces of one paragraph that a line end separated: nothing between them, but a
    space between two Latin words (and a space already there is kept)."""
    if not before or not after:
        return before + after
    if before[-1].isspace() or after[0].isspace():
        return before + after
    if _latin(before[-1]) and _latin(after[0]):
        return f"{before} {after}"
    return before + after


def loose_lines(chars: Sequence[Char]) -> list[tuple[str, float]]:
    """The text outside the tables: (text, top) of each line, a line split in two at a gap
    wider than SEGMENT_GAP (texts set side by side)."""
    found = []
    for line in text_lines(chars):
        start = 0
        for index in range(1, len(line.chars) + 1):
            if index < len(line.chars):
                gap = line.chars[index]["x0"] - line.chars[index - 1]["x1"]
                if gap <= SEGMENT_GAP * line.size:
                    continue
            found.append((line.text(start, index).strip(), line.top))
            start = index
    return found


def _latin(ch: str) -> bool:
    """A letter or digit of a script that separates words with spaces."""
    return ch.isalnum() and unicodedata.east_asian_width(ch) in "NaH"


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _breakable(before: str, after: str) -> bool:
    """Whether a line may wrap between the two characters (a simplification of Unicode's line
    breaking: at spaces, and around CJK characters except before closing and after opening
    punctuation)."""
    if after in _NO_START or before in _NO_END:
        return False
    if before.isspace():
        return True
    return _wide(before) or _wide(after)


if __name__ == "__main__":
    main(sys.argv[1:])
