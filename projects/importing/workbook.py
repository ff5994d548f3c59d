"""Workbooks (.xlsx, .xlsm, .xls, .ods) read into sheets with python-calamine.

Every file is first checked and scanned by :mod:`projects.importing.xlsx` (size, container, zip
bombs, encryption, DOCTYPEs; the limits on sheets, cells and merged ranges; hidden rows and
columns, percent formats, formulas without a value, merges). Only then does calamine open it,
and it loads only the visible worksheets. For each one:

* only the data area is read (``to_python(skip_empty_area=True)``: the rectangle spanning the
  cells that hold a value), its rows and columns keeping their numbers in the sheet
  (``Sheet.row_numbers``, ``col_numbers``), so problems name cells as Excel does;
* a cell covered by a vertical merge repeats the merge's text (what a reader sees); a merge is
  clipped to the data area, and one starting outside it holds no text and is ignored;
* numbers are written back as text: ``699000``, ``0.95``, or ``95%`` for a cell with a percent
  format (found by the scan: calamine reports no number formats); dates as ``2023-01-02`` (with
  `` 08:30:00`` when they carry a time); true and false as 是 and 否;
* hidden rows are read, each with a warning on the form that holds it; hidden columns are
  left out, with a warning naming those that hold text;
* control characters (NUL…) are removed, with a warning naming the cell; a formula saved without
  its value (a file written by a program and never opened in Excel) reads as empty, with a
  warning naming the cell;
* a cell longer than Excel's 32,767 characters refuses the file, naming the cell.

A file that cannot be read is refused whole (:class:`SourceError`), never half read.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from python_calamine import (
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from projects.importing.errors import SourceError
from projects.importing.xlsx import (
    MAX_CELL_CHARS,
    MAX_LISTED,
    MAX_SHEET_CELLS,
    MAX_SHEETS,
    READ_ERRORS,
    Kind,
    SheetScan,
    check_workbook,
    damaged,
    damaged_xls,
    encrypted,
    is_workbook_bytes,
    percent_key,
    scan_workbook,
    too_large,
    too_many_sheets,
)
from projects.layouts.normalize import clean_text, has_control_characters
from projects.layouts.sheet import Sheet, column_letter, make_sheet

__all__ = ["is_workbook_bytes", "read_workbook"]

Value = int | float | str | bool | datetime.time | datetime.date | datetime.timedelta


def read_workbook(data: bytes, *, file: str) -> list[Sheet]:
    kind = check_workbook(data)
    try:
        scan = scan_workbook(data, kind)
    except SourceError:
        raise
    except (*READ_ERRORS, IndexError, KeyError):
        raise (damaged_xls() if kind == "xls" else damaged()) from None
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise encrypted() from None
    except BaseException as error:
        raise _unreadable(error, kind) from None
    with book:
        try:
            metadata = book.sheets_metadata
        except BaseException as error:
            raise _unreadable(error, kind) from None
        if len(metadata) > MAX_SHEETS:
            raise too_many_sheets(len(metadata))
        names = [meta.name for meta in metadata]
        if len(set(names)) != len(names):
            raise _unreadable(None, kind)
        scanned = {sheet.name: sheet for sheet in scan.sheets}
        by_position = kind == "xls" and len(scan.sheets) == len(metadata)
        sheets = []
        for index, meta in enumerate(metadata):
            found = scanned.get(meta.name) or (scan.sheets[index] if by_position else None)
            if (
                found is None
                or not (found.scanned and found.visible and found.worksheet)
                or meta.visible != SheetVisibleEnum.Visible
                or meta.typ != SheetTypeEnum.WorkSheet
            ):
                sheets.append(make_sheet(file, meta.name, [], []))
                continue
            found.name = meta.name
            try:
                sheet = book.get_sheet_by_name(meta.name)
            except BaseException as error:
                raise _unreadable(error, kind) from None
            sheets.append(_read_sheet(sheet, found, file, kind))
    return sheets


def _unreadable(error: BaseException | None, kind: Kind) -> SourceError:
    """What calamine raised (its own errors, or a panic from a damaged file), as a refusal;
    interrupts and exits go on."""
    if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
        raise error
    return damaged_xls() if kind == "xls" else damaged()


def _read_sheet(calamine_sheet: CalamineSheet, scan: SheetScan, file: str, kind: Kind) -> Sheet:
    start = calamine_sheet.start
    height, width = calamine_sheet.height, calamine_sheet.width
    if start is None or height <= 0 or width <= 0:
        sheet = make_sheet(file, scan.name, [], [])
        _formula_notes(sheet, scan, {}, {})
        return sheet
    top, left = start
    if height * width > MAX_SHEET_CELLS:  # the scan stops such sheets first
        scan.top, scan.left = top, left
        scan.bottom, scan.right = top + height - 1, left + width - 1
        raise too_large(scan)
    try:
        values = calamine_sheet.to_python(skip_empty_area=True)
    except BaseException as error:
        raise _unreadable(error, kind) from None
    if not scan.merges_known:
        scan.merges = _merges(calamine_sheet, kind)
    grid, controls = _texts(values, top, left, width, scan)
    _fill_merges(grid, scan, top, left)

    hidden_rows = _marks(scan.hidden_rows, top, len(grid))
    hidden_cols = _marks(scan.hidden_cols, left, width)
    # hidden rows are read like the others (a hidden row may hold an indicator: dropping it
    # would lose it), each with a warning on the form that holds it; hidden columns are left
    # out (they hold internal codes and working notes, not the form's fields)
    rows_kept = list(range(len(grid)))
    cols_kept = [j for j in range(width) if not hidden_cols[j]]
    if len(rows_kept) == len(grid) and len(cols_kept) == width:
        kept = grid
    else:
        kept = [[grid[i][j] for j in cols_kept] for i in rows_kept]
    sheet = make_sheet(
        file,
        scan.name,
        kept,
        list(range(top + 1, top + len(grid) + 1)),  # every row is kept
        [left + j + 1 for j in cols_kept],
    )
    if scan.hidden_rows:
        for i in range(len(grid)):
            if hidden_rows[i] and any(grid[i]):
                sheet.cell_notes.append((i, 0, "这一行在原表中是隐藏的，已照常读取，请核对。"))
    skipped_cols = [
        left + j + 1 for j in range(width) if hidden_cols[j] and any(grid[i][j] for i in rows_kept)
    ]
    if skipped_cols:
        sheet.notes.append(
            (
                0,
                "隐藏的列（{cols} 列）有内容，已忽略。".format(
                    cols="、".join(column_letter(c) for c in skipped_cols[:10])
                ),
            )
        )
    if controls or scan.formula_count:
        row_index = {top + i: n for n, i in enumerate(rows_kept)}
        col_index = {left + j: n for n, j in enumerate(cols_kept)}
        _control_notes(sheet, controls, row_index, col_index)
        _formula_notes(sheet, scan, row_index, col_index)
    return sheet


def _merges(calamine_sheet: CalamineSheet, kind: Kind) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges more than one row high, as calamine read them (the quick scan
    counted them, within the limit), as the scan gives them: (first row, first column, last
    row, last column)."""
    try:
        ranges = calamine_sheet.merged_cell_ranges or []
    except BaseException as error:
        raise _unreadable(error, kind) from None
    # only the vertical ones matter (_fill_merges): most are one row high, and left out here
    return [(a[0], a[1], b[0], b[1]) for a, b in ranges if b[0] > a[0] and b[1] >= a[1]]


def _texts(
    values: list[list[Value]], top: int, left: int, width: int, scan: SheetScan
) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """Each cell as cleaned text, and where control characters were removed (absolute cells).

    Most rows hold only short, plain text, which :func:`clean_text` would return unchanged: such
    a row is checked whole (its cells joined by ``|``: printable, no markup, entity or ``$``, no
    space at either end of a cell; a cell holding ``|`` can only make it fail) and kept as
    calamine gave it; the others are read cell by cell."""
    grid: list[list[str]] = []
    controls: list[tuple[int, int]] = []
    for i, row in enumerate(values):
        try:
            joined = "|".join(row)  # type: ignore[arg-type]  # TypeError: a number, a date…
        except TypeError:
            joined = ""
        if (
            joined
            and len(row) == width
            and len(joined) <= MAX_CELL_CHARS
            and joined.isprintable()
            and "<" not in joined
            and "&" not in joined
            and "$" not in joined
            and " |" not in joined
            and "| " not in joined
            and joined[0] != " "
            and joined[-1] != " "
        ):
            grid.append(row)  # type: ignore[arg-type]  # every value is a plain str
        else:
            grid.append(_row_texts(row, top + i, left, width, scan, controls))
    return grid, controls


_EXACT = 2.0**53  # whole numbers below this are exact floats whose repr is their digits


def _row_texts(
    row: list[Value],
    r: int,
    left: int,
    width: int,
    scan: SheetScan,
    controls: list[tuple[int, int]],
) -> list[str]:
    texts = [""] * width
    percent = scan.percent
    for j, value in enumerate(row[:width]):
        if value == "" or value is None:
            continue
        if isinstance(value, str):
            if len(value) > MAX_CELL_CHARS:
                raise _too_long(scan.name, r, left + j, len(value))
            if not value.isprintable() and has_control_characters(value):
                controls.append((r, left + j))
            texts[j] = clean_text(value)
        elif (
            type(value) is float
            and value.is_integer()
            and -_EXACT < value < _EXACT
            and not (percent and percent_key(r, left + j) in percent)
        ):
            texts[j] = str(int(value))  # what _cell_text gives a whole number, sooner
        else:
            is_percent = bool(percent) and percent_key(r, left + j) in percent
            texts[j] = clean_text(_cell_text(value, is_percent))
    return texts


def _too_long(sheet: str, r: int, c: int, length: int) -> SourceError:
    return SourceError(
        (
            "工作表“{sheet}”的单元格 {cell} 有 {length} 个字符，超过 Excel 单元格的上限 "
            "{limit} 个字符（文件可能已损坏或被篡改），已拒绝整个文件。"
        ).format(
            sheet=sheet,
            cell=f"{column_letter(c + 1)}{r + 1}",
            length=f"{length:,}",
            limit=f"{MAX_CELL_CHARS:,}",
        )
    )


def _fill_merges(grid: list[list[str]], scan: SheetScan, top: int, left: int) -> None:
    """A vertical merge's text repeated down its first column, within the data area. Valid
    merges never overlap, so at most every cell is filled once; more work means a forged file."""
    bottom, right = top + len(grid) - 1, left + (len(grid[0]) if grid else 0) - 1
    budget = len(grid) * (right - left + 1)
    for r0, c0, r1, _c1 in scan.merges:
        if r1 <= r0 or not (top <= r0 <= bottom and left <= c0 <= right):
            continue
        text = grid[r0 - top][c0 - left]
        if not text:
            continue
        last = min(r1, bottom)
        budget -= last - r0
        if budget < 0:
            raise SourceError(
                f"工作表“{scan.name}”的合并单元格互相重叠（文件已损坏），已拒绝整个文件。"
            )
        for r in range(r0 + 1, last + 1):
            grid[r - top][c0 - left] = text


def _marks(ranges: list[tuple[int, int]], first: int, size: int) -> bytearray:
    """1 for each of ``size`` positions from ``first`` that a (first, last) range covers."""
    marks = bytearray(size)
    for a, b in ranges:
        a, b = max(a, first), min(b, first + size - 1)
        if a <= b:
            marks[a - first : b - first + 1] = b"\x01" * (b - a + 1)
    return marks


def _control_notes(
    sheet: Sheet,
    cells: list[tuple[int, int]],
    row_index: dict[int, int],
    col_index: dict[int, int],
) -> None:
    shown = [(row_index[r], col_index[c]) for r, c in cells if r in row_index and c in col_index]
    for r, c in shown[:MAX_LISTED]:
        sheet.cell_notes.append((r, c, "单元格含有控制字符（如 NUL），已删除。"))
    if len(shown) > MAX_LISTED:
        sheet.notes.append(
            (
                0,
                f"另有 {len(shown) - MAX_LISTED} 个单元格含有控制字符（如 NUL），已删除。",
            )
        )


def _formula_notes(
    sheet: Sheet, scan: SheetScan, row_index: dict[int, int], col_index: dict[int, int]
) -> None:
    """Formulas saved without their value: a warning on the cell when it is in the grid; the
    others (and those beyond the first few) in one warning for the sheet."""
    elsewhere = []
    for r, c in scan.formulas:
        if r in row_index and c in col_index:
            sheet.cell_notes.append(
                (
                    row_index[r],
                    col_index[c],
                    (
                        "这个单元格是公式，但文件中没有保存计算结果（文件可能由程序生成、未在 "
                        "Excel 中打开保存过），按空白读取；请在 Excel 中打开并保存后再导入。"
                    ),
                )
            )
        else:
            elsewhere.append(f"{column_letter(c + 1)}{r + 1}")
    unlisted = scan.formula_count - len(scan.formulas)
    if elsewhere or unlisted:
        cells = "、".join(elsewhere[:10]) or "—"
        sheet.notes.append(
            (
                0,
                (
                    f"共 {len(elsewhere) + unlisted} 个公式单元格没有保存计算结果（如 {cells}），按空白读取；"
                    "请在 Excel 中打开并保存后再导入。"
                ),
            )
        )


def _cell_text(value: Value, percent: bool) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            return str(value)
        if percent:
            return _plain(number * 100) + "%"
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
