"""Reading back a report's xlsx that the unit filled in offline (``report_xlsx`` wrote it).

``read_report_sheet(report, data, filename)`` reads the file with the importer's reader
(``projects.importing.workbook.read_workbook``: every check against hostile files first: size,
zip bombs, DOCTYPEs, the limits on sheets, cells and merges, a cell longer than Excel allows),
then builds the report's table as it prints now (``projects.layouts.reports``) and compares the
sheet with it cell by cell: the title, the labels, the project and, row by row, each
indicator's 一级/二级/三级 names and target. A sheet that differs anywhere (another report,
another year or month, an indicator added, removed, moved or renamed, a target changed) is
refused, naming the first cell that differs. The entries are then read at their cells: amounts
as the editor reads them (``read_amount``: ``50万``, ``1,234.5``; in 元, as the table labels
them), the choices (完成目标可能性, 偏差原因类型, a qualitative target's 达成 / 部分达成 /
未达成) against their lists, the texts as they are.

The note below the table names the report's version the sheet was printed from
(``SheetInput.version``).

Anything wrong refuses the whole file with a ``CycleRefused`` naming the file, the sheet and the
cell; nothing is written here (the caller saves the ``ReportInput`` with ``save_report``).

``read_self_evaluation_sheet(data, filename)`` reads a 项目支出绩效自评表 without a report to
compare it with (``manage.py score_self_evaluation`` scores such a sheet): it finds the table by
its printed labels wherever they are (the title gives the year; 项目名称, 实施单位; the funds row
年度资金总额 under the heads 全年预算数 and 全年执行数; the indicator head and its rows down to
总分) and reads what the scoring needs, as the scoring of a saved report would have it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from indicators.scoring import EvaluatedIndicator, Funds, is_qualitative
from projects.cycle.build import CycleRefused
from projects.cycle.inputs import FUND_ROWS, TEXT_LIMITS, LineInput, ReportInput
from projects.cycle.services import snapshot_lines, snapshot_of
from projects.cycle.tables import report_grid, report_lines
from projects.filing.forms import read_amount
from projects.importing.errors import SourceError
from projects.importing.workbook import read_workbook
from projects.layouts.base import NOT_APPLICABLE
from projects.layouts.normalize import clean_line
from projects.layouts.reports import (
    JUDGEMENTS,
    SELF_EVALUATION_TABLE,
    SHEET_NOTE_ROWS,
    SHEET_VERSION,
    Entry,
    ReportGrid,
    report_table,
)
from projects.layouts.sheet import SEPARATOR, Sheet, column_letter
from projects.models import Report, ReportLine

YUAN = Decimal(1)
_SPACES = re.compile(r"\s+")
# a judgement after what was reached: ``运行良好（达成）``
_JUDGED = re.compile(r"^(?P<actual>.*?)\s*[（(]\s*(?P<judgement>[^（()）]*?)\s*[）)]$", re.DOTALL)


def _same(expected: str, found: str) -> bool:
    """Compared as the sheet shows them: spaces and line breaks aside."""
    return _SPACES.sub("", clean_line(expected)) == _SPACES.sub("", found)


@dataclass(frozen=True)
class SheetInput(ReportInput):
    """What the sheet holds, and the report's version it was printed from (the note below
    the table says it; None where the note is gone): passed as ``save_report``'s
    ``seen_version``, a sheet printed before a later change of the report is refused, as a page
    opened before it would be."""

    version: int | None = None


class _Cells:
    """The sheet's cells by their place in the sheet (1-based row and column)."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.file = sheet.file
        self._text: dict[tuple[int, int], str] = {}
        for r, row in enumerate(sheet.rows):
            for c, text in enumerate(row):
                if text:
                    self._text[(sheet.row_numbers[r], sheet.col_numbers[c])] = text

    def text(self, row: int, col: int) -> str:
        return self._text.get((row, col), "")

    def find(self, wanted: str, *, rows: range | None = None) -> tuple[int, int] | None:
        """The first cell (by row, then column) that shows ``wanted``, within ``rows``."""
        for (row, col), text in self._text.items():  # kept in the sheet's order
            if (rows is None or row in rows) and _same(wanted, text):
                return row, col
        return None

    def right_of(self, row: int, col: int) -> str:
        """The first text to the right of a label, in its row."""
        after = [c for r, c in self._text if r == row and c > col]
        return self.text(row, min(after)) if after else ""

    def places(self) -> list[tuple[int, int]]:
        """The cells with text, row by row."""
        return list(self._text)

    @property
    def last_row(self) -> int:
        return max((row for row, _col in self._text), default=0)

    def where(self, row: int, col: int) -> str:
        return SEPARATOR.join((self.file, self.sheet.name, f"{column_letter(col)}{row}"))

    def refuse(self, row: int, col: int, message: str) -> CycleRefused:
        return CycleRefused(f"{self.where(row, col)}：{message}")


def read_report_sheet(report: Report, data: bytes, filename: str) -> SheetInput:
    """What the unit typed into the report's sheet, to be saved with ``save_report``. Refuses
    (``CycleRefused``) a file that cannot be read, a sheet that is not this report's table as
    it prints now, or an entry that cannot be read, naming the file, the sheet and the cell."""
    try:
        sheets = read_workbook(data, file=filename)
    except SourceError as error:
        raise CycleRefused(f"{filename}：{error.message}") from None
    table = report_table(report.kind)
    lines = report_lines(report)
    printed = report_grid(report, lines)
    sheet = _the_sheet(sheets, table.sheet_name, filename)
    cells = _Cells(sheet)
    _compare(cells, printed, lines)
    note = cells.text(len(printed.grid.rows) + SHEET_NOTE_ROWS, 1)
    found = SHEET_VERSION.search(note)
    version = int(found[1]) if found else None
    entries = _entries(cells, printed, report, lines, _as_printed(report, lines, version))
    return SheetInput(**vars(entries), version=version)


def _as_printed(
    report: Report, lines: Sequence[ReportLine], version: int | None
) -> list[tuple[str, str]]:
    """Each line's 实际完成值 and 达成情况 as the sheet was printed with them: the report's
    own, or, for a sheet printed at an earlier version, that version's (a cell left as it was
    printed reads back as it was)."""
    now = [(line.actual, line.achieved) for line in lines]
    if version is None or version >= report.version:
        return now
    base = snapshot_of(report, version)
    if base is None:
        return now
    then = snapshot_lines(base)
    return [
        (
            then[uid].get("actual", ""),
            then[uid].get("achieved", ""),
        )
        if (uid := str(line.indicator_uid)) in then
        else current
        for line, current in zip(lines, now, strict=True)
    ]


def _the_sheet(sheets: Sequence[Sheet], name: str, filename: str) -> Sheet:
    """The sheet the table was written to (by its name), else the only sheet with anything."""
    for sheet in sheets:
        if sheet.name == name:
            return sheet
    filled = [sheet for sheet in sheets if any(any(row) for row in sheet.rows)]
    if len(filled) == 1:
        return filled[0]
    raise CycleRefused(
        f"{filename}：没有找到工作表“{name}”。请上传从这张表下载的 Excel 文件，"
        "填写后不要改工作表的名称。"
    )


def _compare(cells: _Cells, printed: ReportGrid, lines: Sequence[ReportLine]) -> None:
    """Refuse the sheet at the first cell that is not what the report's table prints there."""
    title = printed.grid.title
    if not _same(title, cells.text(1, 1)):
        found = cells.text(1, 1)
        raise cells.refuse(
            1,
            1,
            f"标题应为“{title}”，表格中为“{found[:60]}”：这不是这张表的 Excel 文件"
            "（可能是另一年度、另一期监控或另一类报表的）。请从这张表的页面下载后填写。",
        )
    line_of_row = {row: index for index, row in printed.line_rows.items()}
    for (r, c), expected in sorted(printed.checked.items()):
        found = cells.text(r + 1, c + 1)
        if _same(expected, found):
            continue
        index = line_of_row.get(r)
        if index is not None:
            line = lines[index]
            raise cells.refuse(
                r + 1,
                c + 1,
                f"第 {index + 1} 个指标（{line.name or line.level2}）的{_column(printed, c)}"
                f"应为“{expected}”，表格中为“{found[:60]}”：表格的指标与这张表不一致。"
                "请不要增删、移动或改写指标行，从这张表的页面重新下载后填写。",
            )
        raise cells.refuse(
            r + 1,
            c + 1,
            f"此处应为“{expected}”，表格中为“{found[:60]}”：这不是这张表的 Excel 文件，"
            "或表格的行列已被改动。请从这张表的页面重新下载后填写。",
        )


def _column(printed: ReportGrid, c: int) -> str:
    """The head of column ``c`` of the indicator table (一级指标, 三级指标, 年度指标值)."""
    head = printed.grid.repeat_row
    if head is not None:
        for col, cell in printed.grid.positions()[head]:
            if col == c:
                return cell.text
    return "内容"


def _entries(
    cells: _Cells,
    printed: ReportGrid,
    report: Report,
    lines: Sequence[ReportLine],
    as_printed: Sequence[tuple[str, str]],
) -> ReportInput:
    funds: dict[str, dict[str, Decimal | None]] = {}
    goal_actual = report.goal_actual
    typed: dict[int, dict[str, str]] = {}
    for (r, c), entry in sorted(printed.entries.items()):
        row, col = r + 1, c + 1
        text = cells.text(row, col)
        if entry.kind == "amount":
            _, key, column = entry.key.split(".")
            funds.setdefault(key, {})[column] = _amount(cells, row, col, entry, text)
        elif entry.key == "goal_actual":
            goal_actual = _within_limit(cells, row, col, entry, "goal_actual", text)
        else:
            index = entry.line
            assert index is not None
            values = typed.setdefault(index, {})
            if entry.kind == "choice":
                values[entry.attribute] = _choice(cells, row, col, entry, text)
            elif entry.kind == "judgement":
                actual, achieved = _judgement(
                    cells, row, col, entry, text, lines[index], as_printed[index]
                )
                values["actual"] = _within_limit(cells, row, col, entry, "actual", actual)
                values["achieved"] = achieved
            else:
                values[entry.attribute] = _within_limit(
                    cells, row, col, entry, entry.attribute, text
                )
    total = funds.pop("total", {})
    line_inputs = []
    for index, line in enumerate(lines):
        if index not in typed:
            continue  # 不适用: nothing to fill
        values = typed[index]
        line_inputs.append(
            LineInput(
                line_id=line.pk,
                actual=values.get("actual", ""),
                projected=values.get("projected", ""),
                likelihood=values.get("likelihood", ""),
                achieved=values.get("achieved", ""),
                reason_kind=values.get("reason_kind", ""),
                reason=values.get("reason", ""),
                measures=values.get("measures", ""),
            )
        )
    return ReportInput(
        # a monitoring table has no 年初预算数: the report keeps its own
        initial_budget=total.get("initial", report.initial_budget),
        annual_budget=total.get("annual"),
        executed=total.get("executed"),
        fund_rows={key: funds[key] for key, _label in FUND_ROWS if key in funds},
        goal_actual=goal_actual,
        lines=tuple(line_inputs),
    )


def _within_limit(cells: _Cells, row: int, col: int, entry: Entry, key: str, text: str) -> str:
    """The text, refused at its cell when it is longer than the page takes (a sheet saved
    with it could not be saved again from the page)."""
    limit = TEXT_LIMITS.get(key)
    if limit is not None and len(text) > limit:
        raise cells.refuse(
            row, col, f"{entry.label}最多 {limit} 个字（现在 {len(text)} 个），请删减后再上传。"
        )
    return text


def _amount(cells: _Cells, row: int, col: int, entry: Entry, text: str) -> Decimal | None:
    try:
        typed = read_amount(text)
    except ValidationError as error:
        raise cells.refuse(row, col, f"{entry.label}：{' '.join(error.messages)}") from None
    if typed is None:
        return None
    try:
        return typed.to_yuan(YUAN)
    except ValidationError as error:
        raise cells.refuse(row, col, f"{entry.label}：{' '.join(error.messages)}") from None


def _choice(cells: _Cells, row: int, col: int, entry: Entry, text: str) -> str:
    value = _SPACES.sub("", text)
    if not value or value in entry.choices:
        return value
    raise cells.refuse(
        row,
        col,
        f"{entry.label}“{text[:30]}”不是可选的一项，请填写 {'、'.join(entry.choices)} 之一。",
    )


def _split_judgement(text: str) -> tuple[str, str] | None:
    """What was reached and the judgement of a qualitative target's 实际完成值 (``达成``,
    ``运行良好（达成）``; both empty when nothing is typed); None when it judges nothing."""
    value = _SPACES.sub("", text)
    if not value:
        return "", ""
    if value in JUDGEMENTS:
        return "", value
    found = _JUDGED.match(text)
    if found is not None and _SPACES.sub("", found["judgement"]) in JUDGEMENTS:
        return found["actual"].strip(), _SPACES.sub("", found["judgement"])
    return None


def _judgement(
    cells: _Cells,
    row: int,
    col: int,
    entry: Entry,
    text: str,
    line: ReportLine,
    as_printed: tuple[str, str],
) -> tuple[str, str]:
    """A qualitative target's 实际完成值: a judgement (``达成``), or what was reached and the
    judgement (``运行良好（达成）``); what the sheet was printed with (``as_printed``: the
    actual and the judgement) reads back as it was."""
    split = _split_judgement(text)
    if split is not None:
        return split
    actual, achieved = as_printed
    if not achieved and _same(actual, text):
        return actual, ""  # as printed: nothing judged yet
    raise cells.refuse(
        row,
        col,
        f"“{line.name}”是定性指标，{entry.label}应填写 {'、'.join(JUDGEMENTS)} 之一"
        f"（可在前面写明完成情况，如“运行良好（达成）”），表格中为“{text[:30]}”。",
    )


# --------------------------------------------------------------------------- without a report


@dataclass(frozen=True)
class SelfEvaluationSheet:
    """What a 项目支出绩效自评表 says, read without its report: what the scoring takes."""

    project: str
    unit: str
    fiscal_year: int
    funds: Funds
    indicators: tuple[EvaluatedIndicator, ...]


_TABLE = SELF_EVALUATION_TABLE
_YEAR = "{year}"


def _label(key: str) -> str:
    return _TABLE.layout.text(key, year=_YEAR, months="")


def read_self_evaluation_sheet(data: bytes, filename: str) -> SelfEvaluationSheet:
    """The project, year, funds and indicators of a filled-in 项目支出绩效自评表, found by its
    labels. Refuses (``CycleRefused``) a file that cannot be read or is not such a table, an
    amount or a judgement that cannot be read, naming the file, the sheet and the cell."""
    try:
        sheets = read_workbook(data, file=filename)
    except SourceError as error:
        raise CycleRefused(f"{filename}：{error.message}") from None
    cells = _Cells(_the_sheet(sheets, _TABLE.sheet_name, filename))
    title_row, year = _title(cells)
    below = range(title_row + 1, cells.last_row + 1)
    name_at = _found(cells, _label("project.name"), below)
    unit_at = _found(cells, _label("project.unit"), below)
    return SelfEvaluationSheet(
        project=cells.right_of(*name_at).strip(),
        unit=cells.right_of(*unit_at).strip(),
        fiscal_year=year,
        funds=_funds(cells, below),
        indicators=tuple(_indicators(cells, below)),
    )


def _title(cells: _Cells) -> tuple[int, int]:
    """The title's row and the year it names."""
    before, _, after = _TABLE.layout.title.partition(_YEAR)
    pattern = re.compile(
        re.escape(_SPACES.sub("", before)) + r"(\d{4})" + re.escape(_SPACES.sub("", after))
    )
    for row, col in cells.places():
        found = pattern.fullmatch(_SPACES.sub("", cells.text(row, col)))
        if found is not None:
            return row, int(found[1])
    found_text = cells.text(1, 1)
    raise cells.refuse(
        1,
        1,
        f"标题应为“{_TABLE.layout.title.format(year='YYYY')}”，表格中为“{found_text[:60]}”："
        "这不是项目支出绩效自评表（可能是运行监控表、绩效目标表或别的表格）。"
        "请使用从自评表页面下载并填写的 Excel 文件。",
    )


def _found(cells: _Cells, label: str, rows: range) -> tuple[int, int]:
    at = cells.find(label, rows=rows)
    if at is None:
        row = rows.start
        raise cells.refuse(
            row,
            1,
            f"标题下没有找到“{label}”：表格的行列已被改动，无法读取。"
            "请从自评表页面重新下载后填写，不要增删或改写标签。",
        )
    return at


def _funds(cells: _Cells, rows: range) -> Funds:
    """A and B: the 年度资金总额 row, in the columns of 全年预算数 and 全年执行数 above it."""
    total_row, _col = _found(cells, _label("funds.total"), rows)
    heads = range(rows.start, total_row)
    amounts: list[Decimal | None] = []
    for key in ("annual", "executed"):
        _head_row, col = _found(cells, _label(key), heads)
        label = f"{_label('funds.total')}{_label(key)}"
        amounts.append(
            _amount(
                cells,
                total_row,
                col,
                Entry(f"funds.total.{key}", "amount", label),
                cells.text(total_row, col),
            )
        )
    return Funds(annual_budget=amounts[0], executed=amounts[1])


def _indicators(cells: _Cells, rows: range) -> list[EvaluatedIndicator]:
    """Each row of the indicator table, from below its head down to 总分."""
    head_row, _col = _found(cells, _label("name"), rows)
    head = range(head_row, head_row + 1)
    columns = {label.key: _found(cells, label.text, head)[1] for label in _TABLE.layout.columns}
    end_row, _col = _found(cells, _label("total"), range(head_row + 1, rows.stop))
    indicators: list[EvaluatedIndicator] = []
    level1 = level2 = ""
    for row in range(head_row + 1, end_row):
        values = {key: cells.text(row, col).strip() for key, col in columns.items()}
        if not any(values[key] for key in ("name", "target", "actual", "reason")):
            continue  # a blank row
        # a merged 一级 or 二级 name is read in its first row; a sheet unmerged keeps it there
        level1 = values["level1"] or level1
        level2 = values["level2"] or level2
        not_applicable = NOT_APPLICABLE in (values["actual"], values["target"])
        actual, achieved = values["actual"], ""
        if not not_applicable and is_qualitative(values["target"]):
            actual, achieved = _judged(cells, row, columns["actual"], values)
        indicators.append(
            EvaluatedIndicator(
                level1=level1,
                level2=level2,
                name=values["name"],
                target=values["target"],
                actual="" if not_applicable else actual,
                achieved=achieved or None,
                reason="" if not_applicable else values["reason"],
                not_applicable=not_applicable,
            )
        )
    return indicators


def _judged(cells: _Cells, row: int, col: int, values: dict[str, str]) -> tuple[str, str]:
    """A qualitative target's 实际完成值: ``达成``, or ``运行良好（达成）``; empty is left to
    the scoring (an error there, as a judgement missing from a saved report)."""
    text = values["actual"]
    split = _split_judgement(text)
    if split is not None:
        return split
    raise cells.refuse(
        row,
        col,
        f"“{values['name']}”是定性指标，{_label('actual')}应填写 {'、'.join(JUDGEMENTS)} 之一"
        f"（可在前面写明完成情况，如“运行良好（达成）”），表格中为“{text[:30]}”。",
    )
