"""Reading the sources of an import (workbooks, tab-separated text, PDFs, the import JSON) into
a plan of the forms found, each with where it stands and its problems. Writes nothing.

Text files are decoded by :func:`~projects.importing.text.decode_text`, except UTF-16 without a
byte order mark, recognised here by its zero bytes (ASCII characters, tabs and line breaks in
UTF-16 have a zero byte on one side only), which is decoded or refused. Control characters in a
text cell are removed with a warning naming the cell, as they are in workbooks. A warning about
one cell goes to the form holding that cell (to the file when no form does).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from projects.content import ContentError, from_json
from projects.importing.detect import find_segments
from projects.importing.errors import SourceError
from projects.importing.limits import length_problems
from projects.importing.parse import read_segment
from projects.importing.pdf import PDF_SUFFIX, PdfSheet, is_pdf_bytes, pdf_layouts, read_pdf
from projects.importing.plan import ImportPlan, PlannedForm
from projects.importing.text import PASTED_NAME, decode_text, read_text, split_records
from projects.importing.workbook import is_workbook_bytes, read_workbook
from projects.layouts import LAYOUTS
from projects.layouts.normalize import CategoryNames, has_control_characters
from projects.layouts.reading import Problem, ReadForm
from projects.layouts.sheet import SEPARATOR, Sheet

TEXT_SUFFIXES = (".txt", ".tsv", ".tab", ".text")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
MAX_CONTROL_NOTES = 50  # cells named one by one; the rest are counted


def read_plan(
    *,
    names: CategoryNames,
    paths: Sequence[Path] | None = None,
    uploads: Sequence[tuple[str, bytes]] | None = None,
    text: str | None = None,
    year: int | None = None,
) -> ImportPlan:
    """Read every source into a plan of the forms found, with their problems (nothing is
    matched against the database yet). ``names`` are the framework's category names."""
    with _collector_paused():
        return _read_plan(names=names, paths=paths, uploads=uploads, text=text, year=year)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the sources are read. Reading makes no
    reference cycles, only many containers (a row, a cell's kind, a form's parts): each batch
    of them would set the collector off to walk every object alive, the sheet's grid of up to
    two million cells among them, and find nothing to free. Freed as before when it resumes."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _read_plan(
    *,
    names: CategoryNames,
    paths: Sequence[Path] | None,
    uploads: Sequence[tuple[str, bytes]] | None,
    text: str | None,
    year: int | None,
) -> ImportPlan:
    plan = ImportPlan(forms=[], problems=[], files=[], year=year)
    for path in paths or ():
        path = Path(path)
        plan.files.append(path.name)
        try:
            size = path.stat().st_size
            data = path.read_bytes() if size <= settings.IMPORT_MAX_UPLOAD_BYTES else None
        except OSError:
            plan.problems.append(Problem("error", path.name, "无法打开文件。"))
            continue
        if data is None:
            plan.problems.append(Problem("error", path.name, _too_large(size)))
            continue
        _read_one(plan, path.name, data, names, year)
    for name, data in uploads or ():
        plan.files.append(name)
        _read_one(plan, name, data, names, year)
    if text is not None and text.strip():
        plan.files.append(PASTED_NAME)
        _read_sheets(plan, PASTED_NAME, [_text_sheet(text, PASTED_NAME)], names, year)
    return plan


def _too_large(size: int) -> str:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    return "文件大小为 {size}，超过上限 {limit}。".format(
        size=f"{size / 1048576:.1f} MB",
        limit=f"{limit / 1048576:.1f} MB",
    )


def _read_one(
    plan: ImportPlan, name: str, data: bytes, names: CategoryNames, year: int | None
) -> None:
    layouts: tuple[str, ...] | None = None  # every layout
    try:
        if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise SourceError(_too_large(len(data)))
        if name.lower().endswith(".json"):
            _read_json(plan, name, data, year)
            return
        if is_workbook_bytes(data) or (
            name.lower().endswith(WORKBOOK_SUFFIXES) and not is_pdf_bytes(data)
        ):
            sheets = read_workbook(data, file=name)
        elif is_pdf_bytes(data) or name.lower().endswith(PDF_SUFFIX):
            sheets = read_pdf(data, file=name)
            layouts = pdf_layouts()
        elif (utf16 := _utf16_without_bom(data)) is not None:
            sheets = [_text_sheet(_decode_utf16(data, utf16), name)]
        elif name.lower().endswith(TEXT_SUFFIXES) or (data and b"\0" not in data[:4096]):
            sheets = [_text_sheet(decode_text(data), name)]
        else:
            raise SourceError(
                "不是 Excel 工作簿（.xlsx、.xls）、OpenDocument 表格（.ods）、PDF 或文本文件，"
                "无法读取。"
            )
    except SourceError as error:
        plan.problems.append(Problem("error", name, error.message))
        return
    _read_sheets(plan, name, sheets, names, year, layouts)


def _utf16_without_bom(data: bytes) -> str | None:
    """The encoding (``utf-16-le`` or ``utf-16-be``) of ``data`` when it looks like UTF-16
    without a byte order mark: many zero bytes on one side of the byte pairs, few on the other.
    (Chinese text alone has zero bytes on both sides now and then: 一 is U+4E00; the tabs, line
    breaks, digits and ASCII letters of a sheet put them on one side.)"""
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")) or len(data) < 4:
        return None
    sample = data[:8192]
    pairs = len(sample) // 2
    even, odd = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if odd >= pairs / 20 and odd >= 4 * even:
        return "utf-16-le"
    if even >= pairs / 20 and even >= 4 * odd:
        return "utf-16-be"
    return None


def _decode_utf16(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise SourceError(
            "文本看起来是没有字节顺序标记（BOM）的 UTF-16 编码，但无法按 UTF-16 读取；"
            "请另存为 UTF-8 文本后再导入。"
        ) from None


def _text_sheet(text: str, name: str) -> Sheet:
    """Read tab-separated text; control characters (removed by the reader) are named by cell."""
    sheet = read_text(text, file=name)
    if not has_control_characters(text):
        return sheet
    cells = [
        (r, c)
        for r, (_line, record) in enumerate(split_records(text))
        for c, cell in enumerate(record)
        if has_control_characters(cell)
    ]
    for r, c in cells[:MAX_CONTROL_NOTES]:
        if r < len(sheet.rows):
            sheet.cell_notes.append((r, c, "单元格含有控制字符（如 NUL），已删除。"))
    if len(cells) > MAX_CONTROL_NOTES:
        sheet.notes.append(
            (
                0,
                f"另有 {len(cells) - MAX_CONTROL_NOTES} 个单元格含有控制字符（如 NUL），已删除。",
            )
        )
    return sheet


def _or(names: Iterable[str]) -> str:
    """东莞、深圳或广州"""
    names = list(names)
    if len(names) < 2:
        return "".join(names)
    return "{some}或{last}".format(some="、".join(names[:-1]), last=names[-1])


def _read_sheets(
    plan: ImportPlan,
    name: str,
    sheets: list[Sheet],
    names: CategoryNames,
    year: int | None,
    layouts: tuple[str, ...] | None = None,
) -> None:
    """The forms of the sheets (of the ``layouts`` given, else of any layout) into the plan."""
    found: list[ReadForm] = []
    parts: dict[int, str] = {}  # by id(form): where a form of a PDF is (its pages)
    empty_sheets: list[Sheet] = []
    cell_notes: list[tuple[Sheet, int, int, str]] = []
    for sheet in sheets:
        segments = [s for s in find_segments(sheet) if layouts is None or s.layout in layouts]
        for _row, note in sheet.notes:
            plan.problems.append(Problem("warning", sheet.where(), note))
        cell_notes += [(sheet, r, c, note) for r, c, note in sheet.cell_notes]
        if not segments:
            if any(any(row) for row in sheet.rows):
                empty_sheets.append(sheet)
            continue
        for segment in segments:
            forms = read_segment(sheet, segment, names, year)
            if isinstance(sheet, PdfSheet):
                parts.update((id(form), sheet.part(form.rows)) for form in forms)
            found += forms
    for sheet, r, c, note in cell_notes:
        problem = Problem("warning", sheet.where(r, c), note)
        row = sheet.row_numbers[r] if 0 <= r < len(sheet.row_numbers) else 0
        holder = next(
            (
                form
                for form in found
                if form.file == sheet.file
                and form.sheet == sheet.name
                and form.rows[0] <= row <= form.rows[1]
            ),
            None,
        )
        if holder is None:
            plan.problems.append(problem)
        else:
            holder.problems = [*holder.problems, problem]
    if not found:
        message = (
            f"没有找到可识别的绩效目标表（{_or(layout.name for layout in LAYOUTS.values())}表样）。"
        )
        if layouts is not None:  # a PDF
            message = (
                "PDF 中没有找到{read}表样的绩效目标表（PDF 只能导入{read}表样；"
                "{others}表样请导入 Excel 工作簿或文本）。"
            ).format(
                read=_or(LAYOUTS[key].name for key in layouts),
                others="、".join(lay.name for key, lay in LAYOUTS.items() if key not in layouts),
            )
        plan.problems.append(Problem("error", name, message))
        return
    for sheet in empty_sheets:
        plan.problems.append(
            Problem("warning", sheet.where(), "这个工作表中没有找到绩效目标表，已跳过。")
        )
    for form in found:
        plan.forms.append(
            PlannedForm(
                data=form.data,
                file=form.file,
                sheet=form.sheet,
                rows=form.rows,
                where=form.where,
                problems=list(form.problems),
                part=parts.get(id(form), ""),
            )
        )


def _at(where: str) -> Callable[[str], str]:
    """A locator that names one place for every text (a JSON form has no cells)."""
    return lambda _text: where


def _read_json(plan: ImportPlan, name: str, data: bytes, year: int | None) -> None:
    """The import JSON (what ``export_forms --format json`` and ``import_sheets --json`` write):
    ``{"forms": [...]}`` or a list of forms. Each form is complete: it writes every field."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SourceError(f"不是有效的 JSON 文件：{error}") from error
    entries = document.get("forms") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise SourceError('JSON 文件中没有绩效目标表（应为 {"forms": [...]}）。')
    for number, entry in enumerate(entries, start=1):
        part = f"第 {number} 张表"
        where = SEPARATOR.join([name, part])
        try:
            content = from_json(entry)
        except ContentError as error:
            plan.problems.append(Problem("error", where, error.message))
            continue
        problems = []
        if not content.fiscal_year:
            if year is None:
                problems.append(Problem("error", where, "缺少预算年度（fiscal_year）。"))
            content.fiscal_year = year or 0
        elif year is not None and year != content.fiscal_year:
            problems.append(
                Problem(
                    "error",
                    where,
                    f"表内的年度是 {content.fiscal_year} 年，与指定的 {year} 年不一致。",
                )
            )
        # the same limits as every other way in (a sheet, the editor): what the product
        # takes in, it exports whole and reads back
        problems += length_problems(content, _at(where))
        plan.forms.append(
            PlannedForm(
                data=content,
                file=name,
                sheet="",
                rows=(number, number),
                where=where,
                problems=problems,
                part=part,
                complete=True,
            )
        )
