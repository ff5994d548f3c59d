"""Reading the sources of an import (workbooks, tab-separated text, the import JSON) into a
plan of the forms found, each with where it stands and its problems. Writes nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from projects.content import ContentError, from_json
from projects.importing.detect import find_segments
from projects.importing.errors import Problem, SourceError
from projects.importing.normalize import CategoryNames
from projects.importing.parse import ReadForm, read_segment
from projects.importing.plan import ImportPlan, PlannedForm
from projects.importing.sheet import SEPARATOR, Sheet
from projects.importing.text import PASTED_NAME, decode_text, read_text
from projects.importing.xlsx import is_workbook_bytes, read_workbook

TEXT_SUFFIXES = (".txt", ".tsv", ".tab", ".text")


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
    plan = ImportPlan(forms=[], problems=[], files=[], year=year)
    for path in paths or ():
        path = Path(path)
        plan.files.append(path.name)
        try:
            size = path.stat().st_size
            data = path.read_bytes() if size <= settings.IMPORT_MAX_UPLOAD_BYTES else None
        except OSError:
            plan.problems.append(Problem("error", path.name, _("无法打开文件。")))
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
        _read_sheets(plan, PASTED_NAME, [read_text(text, file=PASTED_NAME)], names, year)
    return plan


def _too_large(size: int) -> str:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    return _("文件大小为 %(size)s，超过上限 %(limit)s。") % {
        "size": f"{size / 1048576:.1f} MB",
        "limit": f"{limit / 1048576:.1f} MB",
    }


def _read_one(
    plan: ImportPlan, name: str, data: bytes, names: CategoryNames, year: int | None
) -> None:
    try:
        if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise SourceError(_too_large(len(data)))
        if name.lower().endswith(".json"):
            _read_json(plan, name, data, year)
            return
        if is_workbook_bytes(data) or name.lower().endswith((".xlsx", ".xlsm", ".xls")):
            sheets = read_workbook(data, file=name)
        elif name.lower().endswith(TEXT_SUFFIXES) or (data and b"\0" not in data[:4096]):
            sheets = [read_text(decode_text(data), file=name)]
        else:
            raise SourceError(_("不是 Excel 工作簿（.xlsx）或文本文件，无法读取。"))
    except SourceError as error:
        plan.problems.append(Problem("error", name, error.message))
        return
    _read_sheets(plan, name, sheets, names, year)


def _read_sheets(
    plan: ImportPlan, name: str, sheets: list[Sheet], names: CategoryNames, year: int | None
) -> None:
    found: list[ReadForm] = []
    empty_sheets: list[Sheet] = []
    for sheet in sheets:
        segments = find_segments(sheet)
        for _row, note in sheet.notes:
            plan.problems.append(Problem("warning", sheet.where(), note))
        if not segments:
            if any(any(row) for row in sheet.rows):
                empty_sheets.append(sheet)
            continue
        for segment in segments:
            found += read_segment(sheet, segment, names, year)
    if not found:
        plan.problems.append(
            Problem("error", name, _("没有找到可识别的绩效目标表（东莞、深圳或广州表样）。"))
        )
        return
    for sheet in empty_sheets:
        plan.problems.append(
            Problem("warning", sheet.where(), _("这个工作表中没有找到绩效目标表，已跳过。"))
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
            )
        )


def _read_json(plan: ImportPlan, name: str, data: bytes, year: int | None) -> None:
    """The import JSON (what ``export_forms --format json`` and ``import_sheets --json`` write):
    ``{"forms": [...]}`` or a list of forms. Each form is complete: it writes every field."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SourceError(_("不是有效的 JSON 文件：%(error)s") % {"error": error}) from error
    entries = document.get("forms") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise SourceError(_('JSON 文件中没有绩效目标表（应为 {"forms": [...]}）。'))
    for number, entry in enumerate(entries, start=1):
        part = _("第 %(number)s 张表") % {"number": number}
        where = SEPARATOR.join([name, part])
        try:
            content = from_json(entry)
        except ContentError as error:
            plan.problems.append(Problem("error", where, error.message))
            continue
        problems = []
        if not content.fiscal_year:
            if year is None:
                problems.append(Problem("error", where, _("缺少预算年度（fiscal_year）。")))
            content.fiscal_year = year or 0
        elif year is not None and year != content.fiscal_year:
            problems.append(
                Problem(
                    "error",
                    where,
                    _("表内的年度是 %(found)s 年，与指定的 %(given)s 年不一致。")
                    % {"found": content.fiscal_year, "given": year},
                )
            )
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
