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
