"""Workbooks (.xlsx): checked before openpyxl opens them, then read sheet by sheet.

Checks, in order: the size against ``IMPORT_MAX_UPLOAD_BYTES``; the OLE/CFB signature (an
encrypted workbook, or a legacy .xls); the zip directory (damaged files); the declared
uncompressed sizes against ``IMPORT_MAX_UNCOMPRESSED_BYTES`` and the compression ratio of each
member (zip bombs); the parts an xlsx must have. Python's zipfile never inflates a member past its
declared size, so checking the declared sizes bounds the work openpyxl can be made to do.

Reading: hidden rows and columns are left out (a warning names any that hold text); a cell
covered by a vertical merge repeats the merge's text (what a reader sees); number cells are
written back as text (``699000``, ``0.95`` or ``95%`` for a percent format).
"""

from __future__ import annotations

import datetime
import io
import warnings
import zipfile
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projects.importing.errors import SourceError
from projects.importing.normalize import clean_text
from projects.importing.sheet import Sheet, make_sheet

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
MAX_RATIO = 1000  # uncompressed / compressed, per member
MAX_MEMBERS = 10000


def is_workbook_bytes(data: bytes) -> bool:
    return data.startswith((ZIP_SIGNATURE, CFB_SIGNATURE))


def check_workbook(data: bytes) -> None:
    """Raise :class:`SourceError` unless ``data`` is a plausible, safe xlsx."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise SourceError(
            _("文件大小为 %(size)s，超过上限 %(limit)s。")
            % {"size": _megabytes(len(data)), "limit": _megabytes(limit)}
        )
    if data.startswith(CFB_SIGNATURE):
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise SourceError(_("工作簿已加密（设置了打开密码），请在 Excel 中取消密码后再导入。"))
        raise SourceError(
            _(
                "这是加密的工作簿或旧版 .xls 文件，无法读取；请在 Excel 中取消密码并另存为 .xlsx 后再导入。"
            )
        )
    if not data.startswith(ZIP_SIGNATURE):
        raise SourceError(_("不是 Excel 工作簿（.xlsx），无法读取。"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise SourceError(_("工作簿已损坏或不完整，无法读取。")) from None
    if len(members) > MAX_MEMBERS:
        raise SourceError(_("工作簿内部文件过多，疑似恶意文件，已拒绝。"))
    total = sum(member.file_size for member in members)
    if total > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise SourceError(
            _("工作簿解压后为 %(size)s，超过上限 %(limit)s（疑似压缩炸弹），已拒绝。")
            % {
                "size": _megabytes(total),
                "limit": _megabytes(settings.IMPORT_MAX_UNCOMPRESSED_BYTES),
            }
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise SourceError(_("工作簿的压缩比异常（疑似压缩炸弹），已拒绝。"))
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise SourceError(_("压缩包中没有 Excel 工作簿的内容（不是 .xlsx 文件）。"))


def read_workbook(data: bytes, *, file: str) -> list[Sheet]:
    check_workbook(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), data_only=True)
            return [_read_sheet(ws, file) for ws in workbook.worksheets]
    except SourceError:
        raise
    except Exception:  # openpyxl raises many kinds of errors on damaged files
        raise SourceError(_("工作簿已损坏或部分内容无法读取，整个文件未导入。")) from None


def _megabytes(size: int) -> str:
    return f"{Decimal(size) / (1024 * 1024):.1f} MB"


def _read_sheet(ws: Worksheet, file: str) -> Sheet:
    if ws.sheet_state != "visible":
        return make_sheet(file, ws.title, [], [])
    max_row, max_col = ws.max_row, ws.max_column
    hidden_rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
    hidden_cols: set[int] = set()
    for key, dim in ws.column_dimensions.items():
        if dim.hidden:
            first = dim.min or column_index_from_string(key)
            last = dim.max or first
            hidden_cols.update(range(first, last + 1))
    values: dict[tuple[int, int], str] = {}
    for row in ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col):
        for cell in row:
            value = cell.value
            if value is None or value == "":
                continue
            values[(cell.row, cell.column)] = clean_text(_cell_text(value, cell.number_format))
    for merged in ws.merged_cells.ranges:
        if merged.max_row > merged.min_row:
            text = values.get((merged.min_row, merged.min_col), "")
            if text:
                for r in range(merged.min_row + 1, merged.max_row + 1):
                    values[(r, merged.min_col)] = text
    rows_kept = [r for r in range(1, max_row + 1) if r not in hidden_rows]
    cols_kept = [c for c in range(1, max_col + 1) if c not in hidden_cols]
    sheet = make_sheet(
        file,
        ws.title,
        [[values.get((r, c), "") for c in cols_kept] for r in rows_kept],
        rows_kept,
        cols_kept,
    )
    skipped_rows = sorted(r for r in hidden_rows if any(values.get((r, c)) for c in cols_kept))
    skipped_cols = sorted(c for c in hidden_cols if any(values.get((r, c)) for r in rows_kept))
    if skipped_rows:
        sheet.notes.append(
            (
                0,
                _("隐藏的行（第 %(rows)s 行）有内容，已忽略。")
                % {"rows": "、".join(str(r) for r in skipped_rows[:10])},
            )
        )
    if skipped_cols:
        sheet.notes.append(
            (
                0,
                _("隐藏的列（%(cols)s 列）有内容，已忽略。")
                % {"cols": "、".join(get_column_letter(c) for c in skipped_cols[:10])},
            )
        )
    return sheet


def _cell_text(value: object, number_format: str) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (number_format or ""):
            number *= 100
            return _plain(number) + "%"
        return _plain(number)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _plain(number: Decimal) -> str:
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")
