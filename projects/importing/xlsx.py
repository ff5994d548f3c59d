"""Workbook files (.xlsx, .xls, .ods) checked and scanned before python-calamine opens them.

python-calamine reads cell values quickly, but it trusts the file: it builds a dense grid over the
rectangle its cells span (one cell at XFD1048576 asks for 17 billion cells and aborts the whole
process, which no ``except`` catches), and it does not report hidden rows and columns, number
formats, formulas without a cached value, or the merged cells of an .ods. So every file is first

* checked (:func:`check_workbook`), in order: the size against ``IMPORT_MAX_UPLOAD_BYTES``; the
  container: an OLE/CFB file (an encrypted workbook is refused by name, anything else is read as
  a legacy .xls) or a zip, whose directory is read, whose declared uncompressed sizes are checked
  against ``IMPORT_MAX_UNCOMPRESSED_BYTES`` and whose members' compression ratios are checked
  (zip bombs: Python's zipfile never inflates a member past its declared size, so the declared
  sizes bound the work), and which must hold the parts of an xlsx or an ods;
* scanned (:func:`scan_workbook`) in one streaming pass over the records of each sheet calamine
  will load (the visible worksheets of an xlsx, which calamine opens one by one; every sheet of
  an .xls or .ods, which it reads whole when it opens the file): expat over the XML of an xlsx or
  ods (every XML part is refused if it declares a DOCTYPE, before any entity can be declared: no
  billion laughs, no external entities), the BIFF records of an .xls read out of its CFB
  container. The scan finds the data area (the rectangle spanning the cells calamine will put in
  its grid: any with content, even an empty formula result), the merged ranges, hidden rows and
  columns, cells with a percent format, and formulas saved without their value; in an .xls it
  also checks the area each DIMENSIONS record declares, for which calamine reserves memory
  before reading a cell. It stops and refuses the file as soon as a limit is passed. An xlsx
  worksheet written plainly (every cell opened ``<c r="…"``; no formula, hidden row or column,
  percent format) is scanned quickly instead (:func:`quick_scan`): a few passes of bytes.count
  and re.search over its bytes bound the cells calamine will place inside a box within the
  limits, and calamine reads its merged ranges; anything the bytes cannot settle goes to the
  exact scan, which also names the area a refusal gives.

Limits (no settings: they protect the server, whatever an installation allows in bytes):

* ``MAX_SHEETS`` = 200 sheets: a department's workbook with one form per sheet has a few dozen;
* ``MAX_SHEET_CELLS`` = 2,000,000 cells in one sheet's data area and ``MAX_WORKBOOK_CELLS`` =
  4,000,000 in all: 1,000 东莞 forms stacked in one sheet (``bench/bench_import_read.py``) span
  25,000 rows × 7 columns = 175,000 cells, so this is 11 times the largest real import; calamine
  spends about 64 bytes a cell on its grid, so a sheet costs at most ~130 MB while it is read;
* ``MAX_MERGES`` = 100,000 merged ranges in a sheet: the same 1,000 forms have about 23,000;
* ``MAX_CELL_CHARS`` = 32,767 characters in a cell, Excel's own limit (checked by the reader);
* a cell with a value outside Excel's grid (1,048,576 rows × 16,384 columns) means a damaged or
  forged file.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal
from xml.parsers import expat

from django.conf import settings

from projects.importing.errors import SourceError
from projects.layouts.sheet import column_letter

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
MAX_RATIO = 1000  # uncompressed / compressed, per member
MAX_MEMBERS = 10000

MAX_SHEETS = 200
MAX_SHEET_CELLS = 2_000_000
MAX_WORKBOOK_CELLS = 4_000_000
MAX_MERGES = 100_000
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576  # Excel's grid
MAX_COLUMNS = 16_384
MAX_LISTED = 50  # cells remembered by name for a warning; the rest are only counted

Kind = Literal["xlsx", "xls", "ods"]

# What zipfile and expat raise on a damaged or forged file (besides their own errors: a bad
# member header gives ValueError or NotImplementedError, a bad name UnicodeDecodeError, an XML
# declaration naming an unknown encoding LookupError).
READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    expat.ExpatError,
    zlib.error,
    struct.error,
    OSError,
    EOFError,
    RuntimeError,
    ValueError,
    NotImplementedError,
    LookupError,
    OverflowError,
)


def is_workbook_bytes(data: bytes) -> bool:
    return data.startswith((ZIP_SIGNATURE, CFB_SIGNATURE))


def damaged() -> SourceError:
    return SourceError("工作簿已损坏或部分内容无法读取，整个文件未导入。")


# --------------------------------------------------------------------------- scan results


@dataclass
class SheetScan:
    """What the scan found in one sheet; rows and columns are 0-based."""

    name: str
    visible: bool = True
    worksheet: bool = True  # not a chart or macro sheet
    scanned: bool = False  # only a scanned sheet may be opened by calamine
    cells: int = 0  # cells holding a value
    top: int = -1  # the data area, inclusive; top < 0 when no cell holds a value
    left: int = 0
    bottom: int = -1
    right: int = -1
    hidden_rows: list[tuple[int, int]] = field(default_factory=list)  # (first, last)
    hidden_cols: list[tuple[int, int]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    percent: set[int] = field(default_factory=set)  # key(r, c) of numbers shown as percent
    formulas: list[tuple[int, int]] = field(default_factory=list)  # saved without a value
    formula_count: int = 0
    # False when the merged ranges are left to calamine to read (``quick_scan``): the reader
    # asks it for them
    merges_known: bool = True

    @property
    def area(self) -> int:
        if self.top < 0:
            return 0
        return (self.bottom - self.top + 1) * (self.right - self.left + 1)

    def add(self, r: int, c: int, count: int = 1) -> None:
        """Cells holding a value at (r, c); refuse the file once the data area is too big."""
        if r >= MAX_ROWS or c >= MAX_COLUMNS or r < 0 or c < 0:
            raise SourceError(
                f"工作表“{self.name}”有单元格位于工作表范围之外（文件已损坏或被篡改），已拒绝。"
            )
        self.cells += count
        if self.top < 0:
            self.top = self.bottom = r
            self.left = self.right = c
            return
        grew = False
        if r < self.top:
            self.top, grew = r, True
        elif r > self.bottom:
            self.bottom, grew = r, True
        if c < self.left:
            self.left, grew = c, True
        elif c > self.right:
            self.right, grew = c, True
        if grew and self.area > MAX_SHEET_CELLS:
            raise too_large(self)

    def add_merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if len(self.merges) >= MAX_MERGES:
            raise SourceError(
                "工作表“{sheet}”的合并单元格超过 {limit} 个，已拒绝整个文件。".format(
                    sheet=self.name, limit=f"{MAX_MERGES:,}"
                )
            )
        if r1 >= r0 and c1 >= c0:
            self.merges.append((r0, c0, r1, c1))

    def add_formula(self, r: int, c: int) -> None:
        self.formula_count += 1
        if len(self.formulas) < MAX_LISTED:
            self.formulas.append((r, c))


def percent_key(r: int, c: int) -> int:
    return r << 24 | c


def too_large(scan: SheetScan) -> SourceError:
    area = (
        f"{column_letter(scan.left + 1)}{scan.top + 1}:"
        f"{column_letter(scan.right + 1)}{scan.bottom + 1}"
    )
    return SourceError(
        (
            "工作表“{sheet}”的数据区域 {area} 有 {cells} 个单元格，超过上限 {limit} 个，"
            "已拒绝整个文件。"
        ).format(
            sheet=scan.name,
            area=area,
            cells=f"{scan.area:,}",
            limit=f"{MAX_SHEET_CELLS:,}",
        )
    )


def too_many_sheets(count: int | None) -> SourceError:
    if count is None:
        return SourceError(f"工作簿的工作表超过上限 {MAX_SHEETS} 个，已拒绝。")
    return SourceError(
        "工作簿有 {count} 个工作表，超过上限 {limit} 个，已拒绝。".format(
            count=f"{count:,}", limit=MAX_SHEETS
        )
    )


@dataclass
class WorkbookScan:
    kind: Kind
    sheets: list[SheetScan] = field(default_factory=list)  # in the workbook's order

    def add(self, sheet: SheetScan) -> None:
        self.sheets.append(sheet)
        total = sum(s.area for s in self.sheets)
        if total > MAX_WORKBOOK_CELLS:
            raise SourceError(
                (
                    "工作簿各工作表的数据区域共有 {cells} 个单元格，超过上限 {limit} 个，已拒绝。"
                ).format(cells=f"{total:,}", limit=f"{MAX_WORKBOOK_CELLS:,}")
            )


# --------------------------------------------------------------------------- checks


def check_workbook(data: bytes) -> Kind:
    """Which kind of workbook ``data`` is; raise :class:`SourceError` unless it is a plausible,
    safe one."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise SourceError(f"文件大小为 {_megabytes(len(data))}，超过上限 {_megabytes(limit)}。")
    if data.startswith(CFB_SIGNATURE):
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise encrypted()
        return "xls"
    if not data.startswith(ZIP_SIGNATURE):
        raise SourceError(
            "不是 Excel 工作簿（.xlsx、.xls）或 OpenDocument 表格（.ods），无法读取。"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except READ_ERRORS:
        raise SourceError("工作簿已损坏或不完整，无法读取。") from None
    if len(members) > MAX_MEMBERS:
        raise SourceError("工作簿内部文件过多，疑似恶意文件，已拒绝。")
    total = sum(member.file_size for member in members)
    if total > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise SourceError(
            f"工作簿解压后为 {_megabytes(total)}，超过上限 {_megabytes(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)}（疑似压缩炸弹），已拒绝。"
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise SourceError("工作簿的压缩比异常（疑似压缩炸弹），已拒绝。")
    names = {member.filename for member in members}
    if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
        return "xlsx"
    if "mimetype" in names and "content.xml" in names:
        if _read_small(archive, "mimetype").strip() != ODS_MIMETYPE:
            raise SourceError("这是 OpenDocument 文件，但不是表格（.ods），无法读取。")
        manifest = "META-INF/manifest.xml"
        if manifest in names and b"encryption-data" in _read_small(archive, manifest, 1 << 20):
            raise encrypted()
        return "ods"
    raise SourceError("压缩包中没有 Excel 工作簿的内容（不是 .xlsx 或 .ods 文件）。")


def encrypted() -> SourceError:
    return SourceError("工作簿已加密（设置了打开密码），请在 Excel 中取消密码后再导入。")


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 256) -> bytes:
    try:
        with archive.open(name) as stream:
            return stream.read(limit)
    except READ_ERRORS:
        raise damaged() from None


def _megabytes(size: int) -> str:
    return f"{Decimal(size) / (1024 * 1024):.1f} MB"


def scan_workbook(data: bytes, kind: Kind) -> WorkbookScan:
    """Scan a workbook that :func:`check_workbook` accepted (see the module's docstring)."""
    if kind == "xls":
        return _scan_xls(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except READ_ERRORS:
        raise damaged() from None
    for name in archive.namelist():
        if name.lower().endswith((".xml", ".rels", ".rdf", ".vml")):
            _parse(archive, name, _prolog_only)  # a DOCTYPE anywhere is refused
    return _scan_xlsx(archive) if kind == "xlsx" else _scan_ods(archive)


# --------------------------------------------------------------------------- XML, bounded

StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]  # also the handler of text


class _Stop(Exception):
    """Raised by a handler that has seen what it needed."""


def _refuse_doctype(*_args: object) -> None:
    raise SourceError("工作簿内部的 XML 含有文档类型声明（DOCTYPE），疑似 XML 实体攻击，已拒绝。")


def _prolog_only(_name: str, _attrs: dict[str, str]) -> None:
    raise _Stop


def _parser() -> expat.XMLParserType:
    """An expat parser giving names as ``namespace}local`` (or ``local``), which stops at a
    DOCTYPE (so before any entity declaration is read)."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _parse(
    archive: zipfile.ZipFile,
    member: str,
    start: StartHandler,
    end: EndHandler | None = None,
    parser: expat.XMLParserType | None = None,
) -> None:
    """Stream a zip member through an expat parser (a new one from :func:`_parser` unless
    given). Damaged XML, or a handler's ValueError, refuses the file."""
    parser = parser or _parser()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop:
        return
    except (*READ_ERRORS, IndexError, KeyError):  # also a handler's ValueError: a bad attribute
        raise damaged() from None


def _local(name: str) -> str:
    return name[name.rfind("}") + 1 :]


def _int(text: str | None, default: int = 0) -> int:
    if text is None or text == "":
        return default
    value = int(text)  # ValueError: damaged (caught by _parse)
    if value < 0:
        raise ValueError(text)
    return value


_COLUMNS: dict[str, int] = {}  # "AB" → 27, filled as columns are met


def _cell_ref(ref: str) -> tuple[int, int]:
    """``"B12"`` → (11, 1), 0-based."""
    letters = ref.rstrip("0123456789")
    column = _COLUMNS.get(letters)
    if column is None:
        if not (
            0 < len(letters) <= 3 and letters.isascii() and letters.isalpha() and letters.isupper()
        ):
            raise ValueError(ref)
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - 64
        _COLUMNS[letters] = column = column - 1
    digits = ref[len(letters) :]
    if not (0 < len(digits) <= 8 and digits.isascii()):
        raise ValueError(ref)
    return int(digits) - 1, column


# --------------------------------------------------------------------------- xlsx

_RELS = "xl/_rels/workbook.xml.rels"
_PERCENT_FORMATS = frozenset({9, 10})  # Excel's built-in 0% and 0.00%


def _scan_xlsx(archive: zipfile.ZipFile, *, quick: bool = True) -> WorkbookScan:
    names = set(archive.namelist())
    entries: list[tuple[str, str, bool]] = []  # name, relationship id, visible

    def workbook_start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) != "sheet":
            return
        rel = next((v for k, v in attrs.items() if "}" in k and _local(k) == "id"), "")
        entries.append((attrs.get("name", ""), rel, attrs.get("state", "visible") == "visible"))

    _parse(archive, "xl/workbook.xml", workbook_start)
    if len(entries) > MAX_SHEETS:
        raise too_many_sheets(len(entries))
    targets: dict[str, tuple[str, bool]] = {}  # id → (part, is a worksheet)

    def rels_start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) != "Relationship":
            return
        target = attrs.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        kind = attrs.get("Type", "")
        identifier = attrs.get("Id", "")
        if identifier in targets:
            raise ValueError("two relationships with one id")
        targets[identifier] = (posixpath.normpath(part), kind.endswith("/worksheet"))

    if _RELS in names:
        _parse(archive, _RELS, rels_start)
    percent_styles = _xlsx_percent_styles(archive) if "xl/styles.xml" in names else frozenset()
    scan = WorkbookScan("xlsx")
    quickly = False  # a sheet's area is a bound (``quick_scan``), not the exact data area
    for sheet_name, rel, visible in entries:
        part, is_worksheet = targets.get(rel, ("", False))
        sheet = SheetScan(sheet_name, visible=visible, worksheet=is_worksheet)
        if visible and is_worksheet:
            if part not in names:
                raise damaged()
            if quick and quick_scan(archive, part, sheet, percent_styles):
                quickly = True
            else:
                _XlsxSheet(sheet, percent_styles).run(archive, part)
            sheet.scanned = True
        try:
            scan.add(sheet)
        except SourceError:
            if not quickly:
                raise
            return _scan_xlsx(archive, quick=False)  # the exact areas decide
    return scan


def _xlsx_percent_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """Indexes of the cell formats (``<c s="…">``) that show numbers as percent."""
    percent_formats = set(_PERCENT_FORMATS)
    cell_formats: list[bool] = []
    inside: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "numFmt" and "%" in attrs.get("formatCode", ""):
            percent_formats.add(_int(attrs.get("numFmtId")))
        elif tag == "xf" and inside and inside[-1] == "cellXfs":
            cell_formats.append(_int(attrs.get("numFmtId")) in percent_formats)
        inside.append(tag)

    def end(_name: str) -> None:
        inside.pop()

    _parse(archive, "xl/styles.xml", start, end)
    return frozenset(i for i, is_percent in enumerate(cell_formats) if is_percent)


# --------------------------------------------------------------------------- xlsx, quickly
#
# Most sheets are written plainly (by Excel, WPS, LibreOffice, openpyxl): every cell carries its
# reference as its first attribute, ``<c r="B12" …>``, and the sheet has no formula, no hidden
# row or column and no percent-formatted cell. For such a sheet the scan needs no XML parser:
# what calamine will do can be bounded from the bytes alone, in a few passes of bytes.count and
# re.search (C loops) instead of a Python callback for every element. calamine places a cell by
# the ``r`` attribute of its ``<c>`` element (the last one, if the attribute is repeated), or by
# counting when it has none; so, with the bytes decoded as UTF-8 (ASCII markup):
#
# * every ``<c`` followed by a space is followed by `` r="`` (each unprefixed ``c`` element then
#   has an ``r`` attribute; no other ``<c`` element, nor a prefixed one, exists);
# * every attribute that calamine could read as ``r`` (an ``r`` after a space or a quote,
#   then ``=`` and a quote), anywhere, holds either a row number or a reference inside a box
#   A1:<column><row> whose area is within the limit.
#
# Then every cell calamine puts in its grid lies in the box: the box is the sheet's bound. The
# box is first taken from the sheet's ``<dimension>`` (a hint, checked like the rest), else
# from the cells' references. Anything else (another encoding, cells without a reference,
# formulas, hidden rows or columns, percent formats, too many merges, a box past the limit) is
# left to the exact scan (``_XlsxSheet``), which also finds the exact data area for the
# refusal's message. The merged ranges are read by calamine (``SheetScan.merges_known``).

QUICK_MAX_BYTES = 64 * 1024 * 1024  # larger sheet XML is scanned as a stream (_XlsxSheet)

_XML_DECLARATION = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_DIMENSION = re.compile(
    rb'<dimension\s+ref="([A-Z]{1,3})([1-9][0-9]{0,6})(?::([A-Z]{1,3})([1-9][0-9]{0,6}))?"'
)
_CELL_REFERENCE = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
# a c element not opened by `<c r="`, or a formula
_OTHER_CELL_OR_FORMULA = re.compile(rb'<(?:c(?:[\t\n\r/>]| (?!r="))|f[\s/>])')
_PREFIXED = re.compile(rb":[cf][\s/>]")  # x:c, x:f, or text that looks like them
_HIDDEN = re.compile(rb'hidden(?!="(?:false|0)")')  # anything but hidden="false" and "0"
_ODD_STYLE = re.compile(rb"s(?<=[\s\"']s)\s*=\s*(?!\"[0-9]{1,9}\")")


def _at_most(limit: str, first: str, other: str) -> str:
    """A regular expression for the strings over ``first`` (the first character) and ``other``
    (the rest) of ``limit``'s length or shorter that sort at most ``limit`` (as numbers: the
    shorter ones are smaller). ``first`` and ``other`` are character ranges (``1-9``)."""

    def below(ch: str, low: str) -> str | None:
        return f"[{low}-{chr(ord(ch) - 1)}]" if ch > low else None

    n = len(limit)
    options = []
    if n > 1:
        options.append(f"[{first}][{other}]{{0,{n - 2}}}")
    for i, ch in enumerate(limit):
        smaller = below(ch, first[0] if i == 0 else other[0])
        if smaller is not None:
            rest = f"[{other}]{{{n - i - 1}}}" if n - i - 1 else ""
            options.append(re.escape(limit[:i]) + smaller + rest)
    options.append(re.escape(limit))
    return "(?:" + "|".join(options) + ")"


def _outside(right: int, bottom: int) -> re.Pattern[bytes]:
    """An ``r`` attribute (as calamine reads attributes: after a space or a quote) holding
    neither a row number nor a reference within A1 to column ``right``, row ``bottom``
    (1-based)."""
    column = _at_most(column_letter(right), "A-Z", "A-Z")
    row = _at_most(str(bottom), "1-9", "0-9")
    inside = f"{column}{row}".encode()
    return re.compile(rb"r(?<=[\s\"']r)\s*=\s*[\"'](?!(?:" + inside + rb"|[0-9]+)[\"'])")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def quick_scan(
    archive: zipfile.ZipFile, part: str, sheet: SheetScan, percent_styles: frozenset[int]
) -> bool:
    """Scan a plainly written worksheet from its bytes (see above); False when the sheet must
    be scanned exactly. On True, ``sheet`` holds the box as its data area."""
    if archive.getinfo(part).file_size > QUICK_MAX_BYTES:
        return False
    try:
        data = archive.read(part)
    except READ_ERRORS:
        raise damaged() from None
    declaration = _XML_DECLARATION.match(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0)
    if declaration is not None and declaration.group(1).lower() not in (b"utf-8", b"utf8"):
        return False
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or b"\0" in data[:4]:
        return False  # UTF-16, or not XML: the parser decides
    if (
        _OTHER_CELL_OR_FORMULA.search(data)
        or _PREFIXED.search(data)
        or _HIDDEN.search(data)
        or data.count(b"mergeCell") > MAX_MERGES
    ):
        return False
    if percent_styles:
        styles = b"|".join(str(style).encode() for style in sorted(percent_styles))
        if _ODD_STYLE.search(data) or re.search(rb' s="0*(?:' + styles + rb')"', data):
            return False
    box = None
    references: list[tuple[bytes, bytes]] = []
    found = _DIMENSION.search(data)
    if found is not None:
        right = _column_number(found.group(3) or found.group(1))
        bottom = int(found.group(4) or found.group(2))
        if right * bottom <= MAX_SHEET_CELLS and not _outside(right, bottom).search(data):
            box = (right, bottom)
    if box is None:  # no dimension, or a wrong one: the cells' own references
        references = _CELL_REFERENCE.findall(data)
        if references:
            right = max(_column_number(letters) for letters in {c for c, _r in references})
            bottom = max(int(row) for row in {r for _c, r in references})
        else:
            right = bottom = 1
        if right * bottom > MAX_SHEET_CELLS or _outside(right, bottom).search(data):
            return False
        box = (right, bottom)
    sheet.merges_known = False
    if found is not None or references:  # else no cell: an empty data area
        sheet.top, sheet.left, sheet.bottom, sheet.right = 0, 0, box[1] - 1, box[0] - 1
    return True


class _XlsxSheet:
    """One pass over a worksheet's XML (the reader's hot path: kept lean)."""

    def __init__(self, sheet: SheetScan, percent_styles: frozenset[int]) -> None:
        self.sheet = sheet
        self.percent_styles = percent_styles
        self.tags: dict[str, str] = {}  # name → local name
        self.parser = _parser()
        self.row = -1
        self.col = -1
        self.row_hidden = False
        self.row_has_value = False
        self.in_cell = False
        self.present = False  # the cell has content of any kind
        self.has_value = False
        self.has_formula = False
        self.percent = False
        self.columns = 0

    def run(self, archive: zipfile.ZipFile, part: str) -> None:
        _parse(archive, part, self.start, self.end, self.parser)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = self.tags.get(name)
        if tag is None:
            tag = self.tags[name] = _local(name)
        if tag == "c":
            ref = attrs.get("r")
            if ref:
                self.row, self.col = _cell_ref(ref)
            else:
                self.col += 1
            self.in_cell = True
            self.present = self.has_value = self.has_formula = False
            style = attrs.get("s")
            self.percent = (
                style is not None
                and attrs.get("t", "n") == "n"
                and _int(style) in self.percent_styles
            )
        elif self.in_cell:
            # any content puts the cell in calamine's grid, even an empty <v/>; a formula's
            # value counts only with text in it (programs write <f>…</f><v></v>)
            self.present = True
            if tag == "v":
                if self.has_formula:
                    self.parser.CharacterDataHandler = self.text
                else:
                    self.has_value = True
            elif tag == "is":
                self.has_value = True
            elif tag == "f":
                self.has_formula = True
        elif tag == "row":
            ref = attrs.get("r")
            self.row = _int(ref) - 1 if ref else self.row + 1
            self.col = -1
            self.row_hidden = attrs.get("hidden") in ("1", "true")
            self.row_has_value = False
        elif tag == "col":
            self.columns += 1
            if self.columns > MAX_COLUMNS:
                raise ValueError("too many column definitions")
            if attrs.get("hidden") in ("1", "true"):
                first = _int(attrs.get("min"), 1)
                last = min(_int(attrs.get("max"), first), MAX_COLUMNS)
                self.sheet.hidden_cols.append((first - 1, last - 1))
        elif tag == "mergeCell":
            start, _colon, end = attrs.get("ref", "").partition(":")
            r0, c0 = _cell_ref(start)
            r1, c1 = _cell_ref(end) if end else (r0, c0)
            self.sheet.add_merge(r0, c0, r1, c1)

    def text(self, data: str) -> None:
        """Text in a formula's <v> (listened to only there)."""
        if not data.isspace():
            self.has_value = True

    def end(self, name: str) -> None:
        tag = self.tags[name]
        if tag == "c":
            self.in_cell = False
            if self.present:
                self.sheet.add(self.row, self.col)
                self.row_has_value = True
                if self.has_value:
                    if self.percent:
                        self.sheet.percent.add(percent_key(self.row, self.col))
                elif self.has_formula:
                    self.sheet.add_formula(self.row, self.col)
        elif tag == "v":
            self.parser.CharacterDataHandler = None
        elif tag == "row" and self.row_hidden and self.row_has_value:
            self.sheet.hidden_rows.append((self.row, self.row))


# --------------------------------------------------------------------------- ods

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_T_TABLE = _TABLE + "table"
_T_COLUMN = _TABLE + "table-column"
_T_ROW = _TABLE + "table-row"
_T_CELL = _TABLE + "table-cell"
_T_COVERED = _TABLE + "covered-table-cell"
_A_NAME = _TABLE + "name"
_A_COLS_REPEATED = _TABLE + "number-columns-repeated"
_A_ROWS_REPEATED = _TABLE + "number-rows-repeated"
_A_COLS_SPANNED = _TABLE + "number-columns-spanned"
_A_ROWS_SPANNED = _TABLE + "number-rows-spanned"
_A_VISIBILITY = _TABLE + "visibility"
_A_VALUE_TYPE = _OFFICE + "value-type"


def _scan_ods(archive: zipfile.ZipFile) -> WorkbookScan:
    scan = WorkbookScan("ods")
    _OdsContent(scan).run(archive)
    return scan


class _OdsContent:
    """One pass over content.xml: each top-level table is a sheet. Rows and cells may repeat
    (``number-rows-repeated``); a repeated cell with a value counts once per position."""

    def __init__(self, scan: WorkbookScan) -> None:
        self.scan = scan
        self.sheet: SheetScan | None = None
        self.tables = 0
        self.row = 0
        self.col = 0
        self.columns = 0  # column definitions seen, and where the next one starts
        self.column_position = 0
        self.row_repeat = 1
        self.row_hidden = False
        self.row_cells: list[tuple[int, int, bool]] = []  # first column, repeat, percent
        self.cell: tuple[int, int, bool, bool] | None = None  # col, repeat, value, percent
        self.cell_depth = 0  # elements open inside the current cell

    def run(self, archive: zipfile.ZipFile) -> None:
        _parse(archive, "content.xml", self.start, self.end)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.cell is not None:
            self.cell_depth += 1
            col, repeat, _value, percent = self.cell
            self.cell = (col, repeat, True, percent)  # text or an annotation: not empty
            return
        sheet = self.sheet
        if name == _T_TABLE:
            if sheet is not None:
                raise ValueError("a table inside a table")
            self.tables += 1
            if self.tables > MAX_SHEETS:
                raise too_many_sheets(None)
            self.sheet = SheetScan(attrs.get(_A_NAME, ""))
            self.row = self.columns = self.column_position = 0
        elif sheet is None:
            return
        elif name == _T_ROW:
            self.row_repeat = _int(attrs.get(_A_ROWS_REPEATED), 1) or 1
            self.row_hidden = attrs.get(_A_VISIBILITY, "visible") != "visible"
            self.row_cells = []
            self.col = 0
        elif name in (_T_CELL, _T_COVERED):
            repeat = _int(attrs.get(_A_COLS_REPEATED), 1) or 1
            value_type = attrs.get(_A_VALUE_TYPE)
            self.cell = (self.col, repeat, value_type is not None, value_type == "percentage")
            self.cell_depth = 0
            rows = _int(attrs.get(_A_ROWS_SPANNED), 1)
            cols = _int(attrs.get(_A_COLS_SPANNED), 1)
            if name == _T_CELL and (rows > 1 or cols > 1):
                for r in range(self.row, self.row + min(self.row_repeat, MAX_MERGES + 1)):
                    for c in range(self.col, self.col + min(repeat, MAX_MERGES + 1)):
                        sheet.add_merge(r, c, r + rows - 1, c + cols - 1)
        elif name == _T_COLUMN:
            self.columns += 1
            if self.columns > MAX_COLUMNS:
                raise ValueError("too many column definitions")
            repeat = _int(attrs.get(_A_COLS_REPEATED), 1) or 1
            first = self.column_position
            if attrs.get(_A_VISIBILITY, "visible") != "visible" and first < MAX_COLUMNS:
                sheet.hidden_cols.append((first, min(first + repeat, MAX_COLUMNS) - 1))
            self.column_position = first + repeat

    def end(self, name: str) -> None:
        if self.cell is not None:
            if self.cell_depth:
                self.cell_depth -= 1
                return
            col, repeat, has_value, percent = self.cell
            self.cell = None
            if has_value:
                self.row_cells.append((col, repeat, percent))
            self.col = col + repeat
            return
        sheet = self.sheet
        if sheet is None:
            return
        if name == _T_ROW:
            self._end_row(sheet)
            self.row += self.row_repeat
        elif name == _T_TABLE:
            sheet.scanned = True
            self.scan.add(sheet)
            self.sheet = None

    def _end_row(self, sheet: SheetScan) -> None:
        if not self.row_cells:
            return
        first_row, last_row = self.row, self.row + self.row_repeat - 1
        for col, repeat, _percent in self.row_cells:
            sheet.add(first_row, col, repeat * self.row_repeat)
            sheet.add(last_row, col + repeat - 1, 0)
        for col, repeat, percent in self.row_cells:
            if percent:  # bounded: the data area holding them passed its limit
                for r in range(first_row, last_row + 1):
                    for c in range(col, col + repeat):
                        sheet.percent.add(percent_key(r, c))
        if self.row_hidden:
            sheet.hidden_rows.append((first_row, last_row))


# --------------------------------------------------------------------------- xls (CFB + BIFF)

_END_OF_CHAIN = 0xFFFFFFFE  # and above: free, FAT and DIFAT sectors


class _Compound:
    """Just enough of the Compound File Binary format to read one stream out of an .xls."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            raise damaged_xls()
        self.data = data
        shift = struct.unpack_from("<H", data, 30)[0]
        if shift not in (9, 12) or struct.unpack_from("<H", data, 32)[0] != 6:
            raise damaged_xls()
        self.size = 1 << shift
        self.count = max(len(data) // self.size - 1, 0)  # sectors after the header
        fat_count, self.first_dir = struct.unpack_from("<II", data, 44)
        self.cutoff, self.first_minifat, _minifat_count = struct.unpack_from("<III", data, 56)
        first_difat, _difat_count = struct.unpack_from("<II", data, 68)
        if fat_count > self.count:
            raise damaged_xls()
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < _END_OF_CHAIN]
        s, steps = first_difat, 0
        per_sector = self.size // 4
        while s < _END_OF_CHAIN and len(fat_sectors) < fat_count:
            steps += 1
            if steps > self.count:
                raise damaged_xls()
            ids = struct.unpack(f"<{per_sector}I", self.sector(s))
            fat_sectors += [i for i in ids[:-1] if i < _END_OF_CHAIN]
            s = ids[-1]
        table = b"".join(self.sector(s) for s in fat_sectors[:fat_count])
        self.fat = struct.unpack(f"<{len(table) // 4}I", table)

    def sector(self, n: int) -> bytes:
        offset = (n + 1) * self.size
        if n >= self.count or offset + self.size > len(self.data):
            raise damaged_xls()
        return self.data[offset : offset + self.size]

    def chain(self, start: int, table: tuple[int, ...]) -> list[int]:
        sectors: list[int] = []
        s = start
        while s != _END_OF_CHAIN:
            if s >= len(table) or len(sectors) > len(table):
                raise damaged_xls()
            sectors.append(s)
            s = table[s]
        return sectors

    def stream(self, names: tuple[str, ...]) -> bytes | None:
        directory = b"".join(self.sector(s) for s in self.chain(self.first_dir, self.fat))
        entries = []
        for offset in range(0, len(directory) - 127, 128):
            length = min(struct.unpack_from("<H", directory, offset + 64)[0], 64)
            name = directory[offset : offset + max(length - 2, 0)].decode("utf-16-le", "replace")
            kind = directory[offset + 66]
            start, size = struct.unpack_from("<IQ", directory, offset + 116)
            entries.append((name, kind, start, size & 0xFFFFFFFF))
        if not entries:
            raise damaged_xls()
        found = {name.lower(): (kind, start, size) for name, kind, start, size in entries}
        for wanted in names:
            kind, start, size = found.get(wanted.lower(), (0, 0, 0))
            if kind == 2:
                break
        else:
            return None
        if size >= self.cutoff:
            data = b"".join(self.sector(s) for s in self.chain(start, self.fat))
        else:  # a small stream lives in the mini stream, in 64-byte sectors
            _name, _kind, root_start, root_size = entries[0]
            mini = b"".join(self.sector(s) for s in self.chain(root_start, self.fat))[:root_size]
            table_bytes = b"".join(self.sector(s) for s in self.chain(self.first_minifat, self.fat))
            table = struct.unpack(f"<{len(table_bytes) // 4}I", table_bytes)
            data = b"".join(mini[s * 64 : s * 64 + 64] for s in self.chain(start, table))
        if len(data) < size:
            raise damaged_xls()
        return data[:size]


def damaged_xls() -> SourceError:
    return SourceError(
        "这个 Excel 97-2003 工作簿（.xls）已损坏或不完整，无法读取；请在 Excel 中另存为 .xlsx 后再导入。"
    )


_BOF, _EOF, _BOUNDSHEET, _FILEPASS, _FORMAT, _XF = 0x0809, 0x000A, 0x0085, 0x002F, 0x041E, 0x00E0
_NUMBER, _RK, _MULRK, _FORMULA = 0x0203, 0x027E, 0x00BD, 0x0006
_VALUE_CELLS = frozenset({0x00FD, 0x0204, 0x00D6, 0x0205})  # LABELSST, LABEL, RSTRING, BOOLERR
_ROW, _COLINFO, _MERGEDCELLS, _CODEPAGE, _DIMENSIONS = 0x0208, 0x007D, 0x00E5, 0x0042, 0x0200


def _sheet_name(raw: bytes, biff8: bool, codepage: str) -> str:
    """A BOUNDSHEET's name: a length byte, then (BIFF8) a flags byte and 8-bit or UTF-16
    characters, or (BIFF5) characters in the workbook's code page."""
    if not raw:
        return ""
    count = raw[0]
    if not biff8:
        try:
            return raw[1 : 1 + count].decode(codepage)
        except (LookupError, UnicodeDecodeError):
            return raw[1 : 1 + count].decode("latin-1")
    if len(raw) > 1 and raw[1] & 1:
        return raw[2 : 2 + 2 * count].decode("utf-16-le", "replace")
    return raw[2 : 2 + count].decode("latin-1")


def _check_dimensions(body: bytes, sheet: SheetScan) -> None:
    """calamine reserves room for the area a DIMENSIONS record declares (rows and columns
    counted as it counts them, in 32 bits), before it reads a cell: refuse a forged one."""
    if len(body) == 10:
        first_row, end_row, first_col, end_col = struct.unpack_from("<HHHH", body)
    elif len(body) == 14:
        first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", body)
    else:
        raise damaged_xls()
    last_row, last_col = (
        (end_row - 1, end_col - 1) if end_row and end_col else (first_row, first_col)
    )
    rows = (last_row - first_row + 1) & 0xFFFFFFFF
    cols = (last_col - first_col + 1) & 0xFFFFFFFF
    if rows * cols > MAX_SHEET_CELLS:
        raise SourceError(
            (
                "工作表“{sheet}”声明的数据区域有 {cells} 个单元格，超过上限 {limit} 个"
                "（文件可能已损坏或被篡改），已拒绝整个文件。"
            ).format(sheet=sheet.name, cells=f"{rows * cols:,}", limit=f"{MAX_SHEET_CELLS:,}")
        )


def _records(stream: bytes, pos: int) -> list[tuple[int, int, int]]:
    """(type, offset of the body, length) from ``pos`` to the EOF closing the BOF there."""
    records = []
    depth = 0
    n = len(stream)
    while pos + 4 <= n:
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        pos = body + length
        if pos > n:
            raise damaged_xls()
        records.append((kind, body, length))
        if kind == _BOF:
            depth += 1
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                return records
    raise damaged_xls()


def _scan_xls(data: bytes) -> WorkbookScan:
    stream = _Compound(data).stream(("Workbook", "Book"))
    if stream is None:
        raise SourceError("这不是 Excel 工作簿（没有 .xls 的工作簿内容），无法读取。")
    sheets: list[tuple[int, int, int]] = []  # offset, visibility, type
    percent_formats = set(_PERCENT_FORMATS)
    xf_formats: list[int] = []
    names: list[str] = []
    chars = 5  # where a FORMAT's characters start: BIFF8 (cch: 2 bytes, flags), BIFF5 (cch: 1)
    codepage = "latin-1"  # of BIFF5's 8-bit strings
    for kind, body, length in _records(stream, 0):
        if kind == _BOF and length >= 2 and struct.unpack_from("<H", stream, body)[0] < 0x0600:
            chars = 3
        elif kind == _FILEPASS:
            raise encrypted()
        elif kind == _CODEPAGE and length >= 2:
            codepage = f"cp{struct.unpack_from('<H', stream, body)[0]}"
        elif kind == _BOUNDSHEET and length >= 6:
            offset, visibility, sheet_type = struct.unpack_from("<IBB", stream, body)
            sheets.append((offset, visibility, sheet_type))
            names.append(_sheet_name(stream[body + 6 : body + length], chars == 5, codepage))
        elif kind == _FORMAT and length >= 2:
            raw = stream[body + chars : body + length]
            wide = chars == 5 and length >= 5 and stream[body + 4] & 1
            if "%" in (raw.decode("utf-16-le", "replace") if wide else raw.decode("latin-1")):
                percent_formats.add(struct.unpack_from("<H", stream, body)[0])
        elif kind == _XF and length >= 4:
            xf_formats.append(struct.unpack_from("<H", stream, body + 2)[0])
    if len(sheets) > MAX_SHEETS:
        raise too_many_sheets(len(sheets))
    percent_xfs = frozenset(i for i, fmt in enumerate(xf_formats) if fmt in percent_formats)
    scan = WorkbookScan("xls")
    budget = 4 * len(stream)  # bytes walked, against sheets pointing at the same records
    for (offset, visibility, sheet_type), name in zip(sheets, names, strict=True):
        # calamine reads every sheet of an .xls when it opens the file, hidden ones too
        sheet = SheetScan(name, visible=visibility & 0x3F == 0, worksheet=sheet_type == 0)
        if offset >= len(stream):
            raise damaged_xls()
        records = _records(stream, offset)
        budget -= records[-1][1] + records[-1][2] - offset
        if budget < 0:
            raise damaged_xls()
        _scan_biff_sheet(stream, records, sheet, percent_xfs)
        sheet.scanned = True
        scan.add(sheet)
    return scan


def _scan_biff_sheet(
    stream: bytes,
    records: list[tuple[int, int, int]],
    sheet: SheetScan,
    percent_xfs: frozenset[int],
) -> None:
    columns = 0
    rows_with_values: set[int] = set()
    hidden_rows: set[int] = set()
    for kind, body, length in records:
        if length < 4 and kind not in (_BOF, _EOF):
            continue
        if kind in _VALUE_CELLS:
            r, c = struct.unpack_from("<HH", stream, body)
            sheet.add(r, c)
            rows_with_values.add(r)
        elif kind in (_NUMBER, _RK, _FORMULA):
            if length < 6:
                continue
            r, c, xf = struct.unpack_from("<HHH", stream, body)
            sheet.add(r, c)
            rows_with_values.add(r)
            numeric = kind != _FORMULA or (
                length >= 14 and stream[body + 12 : body + 14] != b"\xff\xff"
            )
            if numeric and xf in percent_xfs:
                sheet.percent.add(percent_key(r, c))
        elif kind == _MULRK and length >= 6:
            r, first = struct.unpack_from("<HH", stream, body)
            count = (length - 6) // 6
            for i in range(count):
                xf = struct.unpack_from("<H", stream, body + 4 + 6 * i)[0]
                sheet.add(r, first + i)
                if xf in percent_xfs:
                    sheet.percent.add(percent_key(r, first + i))
            rows_with_values.add(r)
        elif kind == _ROW and length >= 14:
            r = struct.unpack_from("<H", stream, body)[0]
            if struct.unpack_from("<H", stream, body + 12)[0] & 0x20:
                hidden_rows.add(r)
        elif kind == _COLINFO and length >= 10:
            columns += 1
            if columns > MAX_COLUMNS:
                raise damaged_xls()
            first, last = struct.unpack_from("<HH", stream, body)
            if struct.unpack_from("<H", stream, body + 8)[0] & 0x1:
                sheet.hidden_cols.append((first, min(last, MAX_COLUMNS - 1)))
        elif kind == _DIMENSIONS:
            _check_dimensions(stream[body : body + length], sheet)
        elif kind == _MERGEDCELLS and length >= 2:
            count = min(struct.unpack_from("<H", stream, body)[0], (length - 2) // 8)
            for i in range(count):
                r0, r1, c0, c1 = struct.unpack_from("<HHHH", stream, body + 2 + 8 * i)
                sheet.add_merge(r0, c0, r1, c1)
    sheet.hidden_rows = [(r, r) for r in sorted(hidden_rows & rows_with_values)]
