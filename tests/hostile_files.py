"""Hostile files for the importer, each built in memory by a small function.

Workbooks start from a tiny workbook written by openpyxl (or a real form, for files that should
still import) whose XML parts are then patched with zipfile, so each file holds exactly the XML
under test. The legacy .xls ones patch a fixture written by LibreOffice
(tests/fixtures_legacy/). Each builder returns ``(file name, bytes)``; tests/test_import_hostile.py
reads each one through the importer. Add a builder here for every new attack.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from tests.import_helpers import DONGGUAN_SEED, workbook_bytes

LEGACY = Path(__file__).resolve().parent / "fixtures_legacy"
MEGABYTE = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"

Hostile = tuple[str, bytes]


# --------------------------------------------------------------------------- helpers


def tiny_workbook(cells: dict[str, object] | None = None) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = "表1"
    for ref, value in (cells or {"A1": "项目名称", "B1": "示例"}).items():
        ws[ref] = value
    return workbook_bytes(workbook)


def members(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            compression = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compression)
    return buffer.getvalue()


def patched(data: bytes, member: str, change: Callable[[str], str]) -> bytes:
    parts = members(data)
    parts[member] = change(parts[member].decode("utf-8")).encode("utf-8")
    return zipped(parts)


def add_to_sheet_data(xml: str, rows: str) -> str:
    return xml.replace("</sheetData>", rows + "</sheetData>")


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def dongguan_text() -> str:
    return DONGGUAN_SEED.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- size and shape


def far_cell() -> Hostile:
    """A 6 KB workbook whose second cell is the last of the grid: calamine alone would ask for
    17 billion cells."""
    data = patched(
        tiny_workbook(),
        SHEET,
        lambda xml: add_to_sheet_data(xml, f'<row r="1048576">{inline("XFD1048576", "远")}</row>'),
    )
    return "远处的单元格.xlsx", data


def far_formula_without_value() -> Hostile:
    """The far cell as a formula with an empty cached value: still a cell for calamine."""
    far = '<row r="1048576"><c r="XFD1048576" t="str"><f>1+1</f><v></v></c></row>'
    data = patched(tiny_workbook(), SHEET, lambda xml: add_to_sheet_data(xml, far))
    return "远处的公式.xlsx", data


# The far cell written the ways a plain scan of the bytes could miss (the reader's quick scan
# must send each to the XML parser, which refuses it as above or as damaged): calamine places a
# cell by its last ``r`` attribute, or by counting when it has none.


def far_cell_written(how: str) -> Hostile:
    """The far cell (XFD1048576) with its reference written ``how``: ``second`` (a second r
    attribute after a harmless one), ``after`` (r after another attribute), ``quotes``
    (single quotes), ``prefixed`` (a namespace prefix on the element), ``newline`` (a line
    break before r)."""
    cells = {
        "second": '<c r="C1" r="XFD1048576" t="inlineStr"><is><t>远</t></is></c>',
        "after": '<c t="inlineStr" r="XFD1048576"><is><t>远</t></is></c>',
        "quotes": "<c r='XFD1048576' t='inlineStr'><is><t>远</t></is></c>",
        "prefixed": (
            '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'r="XFD1048576" t="inlineStr"><x:is><x:t>远</x:t></x:is></x:c>'
        ),
        "newline": '<c\nr="XFD1048576" t="inlineStr"><is><t>远</t></is></c>',
    }
    row = f'<row r="1048576">{cells[how]}</row>'
    return f"远处的单元格（{how}）.xlsx", patched(
        tiny_workbook(), SHEET, lambda xml: add_to_sheet_data(xml, row)
    )


def cells_without_reference() -> Hostile:
    """A row 3,000 of 1,000 cells without a reference: calamine counts them into columns A to
    ALL, 3 million cells with A1."""
    cells = '<c t="inlineStr"><is><t>无</t></is></c>' * 1000
    return "无引用的单元格.xlsx", patched(
        tiny_workbook(), SHEET, lambda xml: add_to_sheet_data(xml, f'<row r="3000">{cells}</row>')
    )


def far_cell_in_utf16() -> Hostile:
    """The far cell in a sheet whose XML is UTF-16, where no byte reads ``<c r="``."""

    def change(xml: str) -> str:
        body = xml[xml.index("<worksheet") :]
        row = f'<row r="1048576">{inline("XFD1048576", "远")}</row>'
        return '<?xml version="1.0" encoding="UTF-16"?>' + add_to_sheet_data(body, row)

    parts = members(tiny_workbook())
    parts[SHEET] = change(parts[SHEET].decode("utf-8")).encode("utf-16")
    return "UTF16工作表.xlsx", zipped(parts)


def merge_bomb(form: bytes) -> Hostile:
    """A real form with a merged range from A200 to the end of the grid."""

    def change(xml: str) -> str:
        merge = '<mergeCell ref="A200:XFD1048576"/>'
        if "<mergeCells" in xml:
            return re.sub(r"<mergeCells[^>]*>", lambda m: m.group(0) + merge, xml, count=1)
        return xml.replace(
            "</sheetData>", f'</sheetData><mergeCells count="1">{merge}</mergeCells>'
        )

    return "合并炸弹.xlsx", patched(form, SHEET, change)


def many_merges() -> Hostile:
    merges = "".join(f'<mergeCell ref="A{r}:B{r}"/>' for r in range(1, 100_002))
    data = patched(
        tiny_workbook(),
        SHEET,
        lambda xml: xml.replace(
            "</sheetData>", f'</sheetData><mergeCells count="100001">{merges}</mergeCells>'
        ),
    )
    return "合并过多.xlsx", data


def huge_dimension(form: bytes) -> Hostile:
    """A real form declaring the whole grid as its dimension."""
    data = patched(
        form,
        SHEET,
        lambda xml: re.sub(r"<dimension [^>]*/>", '<dimension ref="A1:XFD1048576"/>', xml),
    )
    return "巨大尺寸.xlsx", data


def wide_and_tall() -> Hostile:
    """Two cells far apart but inside the grid: 3,000 rows × 1,000 columns (3 million cells)."""
    data = patched(
        tiny_workbook(),
        SHEET,
        lambda xml: add_to_sheet_data(xml, f'<row r="3000">{inline("ALL3000", "角")}</row>'),
    )
    return "宽而高.xlsx", data


def many_sheets(count: int = 5000) -> Hostile:
    parts = members(tiny_workbook())
    sheet = parts[SHEET]
    sheets = "".join(
        f'<sheet name="表{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, count + 1)
    )
    relations = "".join(
        f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        for i in range(1, count + 1)
    )
    parts["xl/workbook.xml"] = re.sub(
        rb"<sheets>.*</sheets>", f"<sheets>{sheets}</sheets>".encode(), parts["xl/workbook.xml"]
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{relations}</Relationships>"
    ).encode()
    for i in range(2, count + 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheet
    return "五千个工作表.xlsx", zipped(parts)


def long_cell() -> Hostile:
    """40,000 characters in one cell (Excel stops at 32,767, and so does openpyxl: the XML is
    written here)."""
    row = f'<row r="2">{inline("B2", "长" * 40_000)}</row>'
    return "超长单元格.xlsx", patched(
        tiny_workbook(), SHEET, lambda xml: add_to_sheet_data(xml, row)
    )


def megabyte_comment_cell() -> Hostile:
    """1 MB of unclosed HTML comments in a workbook cell (refused: longer than Excel allows)."""
    text = "<!--" * (MEGABYTE // 4)
    data = patched(
        tiny_workbook(),
        SHEET,
        lambda xml: add_to_sheet_data(
            xml, f'<row r="2">{inline("B2", text.replace("<", "&lt;"))}</row>'
        ),
    )
    return "注释单元格.xlsx", data


# --------------------------------------------------------------------------- XML attacks

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def billion_laughs_shared_strings() -> Hostile:
    parts = members(tiny_workbook())
    parts["xl/sharedStrings.xml"] = (
        BILLION_LAUGHS
        + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    ).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    return "实体炸弹.xlsx", zipped(parts)


def billion_laughs_in_sheet() -> Hostile:
    """The DOCTYPE after a 64 KB comment, so a look at the first kilobyte would miss it."""

    def change(xml: str) -> str:
        body = xml[xml.index("<worksheet") :]
        body = body.replace(
            "</sheetData>",
            '<row r="9"><c r="A9" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>',
        )
        return '<?xml version="1.0"?><!--' + " " * 65536 + "-->" + BILLION_LAUGHS[21:] + body

    return "工作表实体炸弹.xlsx", patched(tiny_workbook(), SHEET, change)


def external_entity() -> Hostile:
    def change(xml: str) -> str:
        body = xml[xml.index("<worksheet") :]
        doctype = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        body = body.replace("示例", "&secret;")
        return '<?xml version="1.0"?>' + doctype + body

    return "外部实体.xlsx", patched(tiny_workbook(), SHEET, change)


# --------------------------------------------------------------------------- broken containers


def truncated_zip() -> Hostile:
    data = tiny_workbook()
    return "截断.xlsx", data[: len(data) // 2]


def zip_bomb_member() -> Hostile:
    """A sheet that inflates 1,000-fold past any sensible ratio (about 50 KB on disk)."""
    parts = members(tiny_workbook())
    parts["xl/worksheets/sheet1.xml"] = b" " * (60 * MEGABYTE)
    return "压缩炸弹.xlsx", zipped(parts)


def garbage_cfb() -> Hostile:
    return "旧版.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000


# --------------------------------------------------------------------------- legacy formats


def _first_record(data: bytes, header: bytes) -> int:
    position = data.find(header)
    assert position > 0, "the fixture has no such record"
    return position


def xls_far_cell() -> Hostile:
    """A LibreOffice .xls whose first LABELSST record is moved to row 65,536, column 65,536:
    more than the whole BIFF grid (calamine alone would ask for 4 billion cells). The fixture's
    workbook stream is stored in order, so the record is patched in place."""
    data = bytearray((LEGACY / "shenzhen_stacked.xls").read_bytes())
    position = _first_record(data, b"\xfd\x00\x0a\x00")  # LABELSST, 10 bytes
    struct.pack_into("<HH", data, position + 4, 0xFFFF, 0xFFFF)
    return "远处的单元格.xls", bytes(data)


def xls_sheet_full_of_cells() -> Hostile:
    """The same record moved to the last row and column of Excel 97's grid: 65,536 × 256."""
    data = bytearray((LEGACY / "shenzhen_stacked.xls").read_bytes())
    position = _first_record(data, b"\xfd\x00\x0a\x00")
    struct.pack_into("<HH", data, position + 4, 0xFFFF, 0xFF)
    return "满表.xls", bytes(data)


def xls_forged_dimensions() -> Hostile:
    """A LibreOffice .xls whose DIMENSIONS record claims 2.8 billion rows: calamine would
    reserve room for them all before reading a cell."""
    data = bytearray((LEGACY / "shenzhen_stacked.xls").read_bytes())
    position = _first_record(data, b"\x00\x02\x0e\x00")  # DIMENSIONS, 14 bytes (BIFF8)
    struct.pack_into("<I", data, position + 8, 0xA6000092)  # the end row
    return "伪造尺寸.xls", bytes(data)


def ods_repeated_cells() -> Hostile:
    """An .ods row of 16,000 repeated cells with a value, itself repeated a million times."""
    parts = members((LEGACY / "guangzhou.ods").read_bytes())
    row = (
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="16000" office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
    )
    content = parts["content.xml"].decode()  # after the first row, before the trailing ones
    parts["content.xml"] = content.replace(
        "</table:table-row>", "</table:table-row>" + row, 1
    ).encode()
    return "重复单元格.ods", zipped(parts)


# --------------------------------------------------------------------------- text


def nul_cells_workbook(form: bytes) -> Hostile:
    """A real form with NUL and other control characters in two cells. XML cannot hold them, so
    (like Excel) the file escapes them as ``_x0000_``."""

    def change(xml: str) -> str:
        xml = xml.replace("<t>项目名称</t>", "<t>项目_x0000_名称</t>", 1)
        return xml.replace("<t>项目类型</t>", "<t>项目_x0001__x001F_类型</t>", 1)

    return "空字符.xlsx", patched(form, SHEET, change)


def formula_without_value(form: bytes) -> Hostile:
    """A real form whose budget cell is a formula saved without its value (as programs that
    write workbooks leave it, until Excel opens and saves the file)."""
    data = patched(
        form,
        SHEET,
        lambda xml: re.sub(
            r'<c r="C9"[^>]*><v>[^<]*</v></c>', '<c r="C9"><f>SUM(C10:C11)</f></c>', xml
        ),
    )
    return "公式.xlsx", data


def nul_cells_text() -> Hostile:
    text = (
        dongguan_text()
        .replace("项目名称", "项目\x00名称", 1)
        .replace("项目类型", "项\x07目类型", 1)
    )
    return "空字符.txt", text.encode("utf-8")


def utf16_without_bom() -> Hostile:
    return "东莞.txt", dongguan_text().encode("utf-16-le")


def utf16_broken() -> Hostile:
    """UTF-16 without a BOM, cut in the middle of a character and with a lone surrogate."""
    data = dongguan_text().encode("utf-16-le") + "\ud800".encode("utf-16-le", "surrogatepass")
    return "东莞.txt", data + b"\x41"


def megabyte_markup_text(opener: str) -> Hostile:
    """The 东莞 seed with one goal cell replaced by a short text followed by 1 MB of ``opener``
    never closed (``<!--``, ``<script>``, ``<``)."""
    text = dongguan_text()
    goal = "通过建立集中运维外包体系"
    index = text.index(goal)
    end = text.index("\n", index)
    filler = opener * (MEGABYTE // len(opener))
    return "标记.txt", (text[:index] + "目标正文" + filler + text[end:]).encode("utf-8")


def nested_script_text() -> Hostile:
    text = dongguan_text()
    goal = "通过建立集中运维外包体系"
    return "嵌套.txt", text.replace(goal, "前<scr<scr<script>ipt>ipt>" + goal, 1).encode("utf-8")


# --------------------------------------------------------------------------- PDF

PDF_FIXTURE = (
    Path(__file__).resolve().parent / "fixtures_pdf" / "guangzhou_finance_2023_libreoffice.pdf"
)


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF of the objects (numbered from 1, the first the catalog) with a correct
    cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_stream(data: bytes, *, flate: bool = False) -> bytes:
    kind = b" /Filter /FlateDecode" if flate else b""
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), kind, data)


def deflated(chunk: bytes, times: int) -> bytes:
    """``chunk * times``, compressed without ever holding it whole."""
    import zlib

    compressor = zlib.compressobj(9)
    parts = [compressor.compress(chunk) for _ in range(times)]
    return b"".join(parts) + compressor.flush()


def one_page_pdf(
    content: bytes, *, resources: bytes = b"<< >>", more: tuple[bytes, ...] = ()
) -> bytes:
    """One A4 landscape page drawing ``content`` (a stream object); ``more`` are objects 5…"""
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Resources %s /Contents 4 0 R >>"
            % resources,
            content,
            *more,
        ]
    )


HELVETICA = b"<< /Font << /F1 5 0 R >> >>"
HELVETICA_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf_not_a_pdf() -> Hostile:
    return "绩效目标表.pdf", "这只是一段文字，并不是 PDF。".encode()


def pdf_damaged() -> Hostile:
    return "损坏的.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 200


def pdf_truncated() -> Hostile:
    return "截断的.pdf", PDF_FIXTURE.read_bytes()[:4096]


def pdf_encrypted(*, user_password: str = "secret") -> Hostile:
    """The LibreOffice fixture encrypted (RC4, 128 bits); with an empty user password it opens
    without one (only its permissions are restricted, as published PDFs often are)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_FIXTURE.read_bytes())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    name = "加密的.pdf" if user_password else "限制权限的.pdf"
    return name, buffer.getvalue()


def pdf_many_pages(count: int = 5000) -> Hostile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(842, 595)
    buffer = io.BytesIO()
    writer.write(buffer)
    return f"{count}页.pdf", buffer.getvalue()


def pdf_more_pages_than_declared(count: int = 600) -> Hostile:
    """A page tree declaring one page and holding ``count``."""
    kids = b" ".join(b"%d 0 R" % (4 + n) for n in range(count))
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 3 0 R >>"] * count
    return "页数不实.pdf", pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count 1 >>" % kids,
            pdf_stream(b"0 0 m 10 10 l S"),
            *pages,
        ]
    )


def pdf_content_bomb() -> Hostile:
    """A page whose content stream inflates to 100 MB (of spaces) from 100 KB."""
    return "内容炸弹.pdf", one_page_pdf(pdf_stream(deflated(b" " * MEGABYTE, 100), flate=True))


def pdf_slow_content() -> Hostile:
    """A page of twelve megabytes of drawing operators: under the size limit, slow to parse."""
    content = deflated(b"0 0 m 1 1 l S\n" * 65536, 13)
    return "绘图过多.pdf", one_page_pdf(pdf_stream(content, flate=True))


def pdf_font_bomb() -> Hostile:
    """A font whose ToUnicode map inflates to 300 MB: parsed only when the page uses it."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>"
    return "字体炸弹.pdf", one_page_pdf(
        pdf_stream(b"BT /F1 12 Tf 72 500 Td (A) Tj ET"),
        resources=HELVETICA,
        more=(font, pdf_stream(deflated(b"\0" * MEGABYTE, 300), flate=True)),
    )


def pdf_text_without_table() -> Hostile:
    return "没有表格.pdf", one_page_pdf(
        pdf_stream(b"BT /F1 12 Tf 72 500 Td (Performance goals, 2023) Tj ET"),
        resources=HELVETICA,
        more=(HELVETICA_FONT,),
    )


def pdf_without_text() -> Hostile:
    """A scan as a page with no text: here a filled rectangle stands for the picture."""
    return "扫描件.pdf", one_page_pdf(pdf_stream(b"0.5 g 72 72 600 400 re f"))


def pdf_other_table() -> Hostile:
    """A ruled table of two columns and three rows that is not a 广州 table."""
    rules = b"".join(b"72 %d m 472 %d l S " % (y, y) for y in (500, 480, 460, 440))
    rules += b"".join(b"%d 440 m %d 500 l S " % (x, x) for x in (72, 272, 472))
    text = b"".join(
        b"BT /F1 10 Tf %d %d Td (%s) Tj ET " % (x, y, word)
        for y, words in (
            (486, (b"Name", b"Value")),
            (466, (b"Alpha", b"1")),
            (446, (b"Beta", b"2")),
        )
        for x, word in zip((80, 280), words, strict=True)
    )
    return "别的表格.pdf", one_page_pdf(
        pdf_stream(rules + text), resources=HELVETICA, more=(HELVETICA_FONT,)
    )
