"""A monitoring report or a self-evaluation printed as its official table
(``projects.layouts.reports``): PDF as the forms print (``pdf.render_pdf``: A4, the CJK serif
embedded, page numbers, pages planned so no merged label is cut and long text runs on) and xlsx
for filling in offline.

The xlsx is a sheet to fill in and upload again (``projects.cycle.sheet`` reads it back), so
each cell of the table is one cell of the sheet: a row is never cut into several, whatever its
height (a row of more than Excel's 409 pt keeps its whole text, shown when the cell is
selected); the indicator head repeats at the top of each printed page (print titles), the pages
break between whole rows as the official tables' sheets do (``sheet_pages.page_starts``: a
heading kept with what it heads, a group moved whole to the next page where it fits there) and
each 一级/二级 label is one merged cell on each page its group runs on. The
entry cells are left blank where nothing was typed and unlocked; the rest of the sheet is
protected without a password (nothing to type over by mistake, no row to insert by mistake), and
the cells with choices offer them in a list. Text goes through ``write_text`` (never a formula).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from copy import copy

from openpyxl import Workbook
from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from projects.cycle.tables import report_grid, report_lines
from projects.exporting.batch import safe_filename
from projects.exporting.metrics import wrap
from projects.exporting.pdf import render_pdf
from projects.exporting.planning import clip_to_pages, measure
from projects.exporting.sheet_pages import page_body, page_starts
from projects.exporting.xlsx import (
    BODY_FONT,
    MAX_ROW_PT,
    SheetSpec,
    setup_sheet,
    sheet_drawing,
    write_grid,
    write_text,
)
from projects.layouts.reports import SHEET_NOTE_ROWS, report_table
from projects.models import Report

AMOUNT_FORMAT = "#,##0.00"
UNLOCKED = Protection(locked=False)


def report_filename(report: Report, fmt: str) -> str:
    """``2023_财政业务系统运维服务项目_项目支出绩效自评表.pdf``."""
    table = report_table(report.kind)
    what = (
        table.layout.label
        if not report.is_monitoring
        else f"1—{report.months}月{table.layout.label}"
    )
    return f"{safe_filename(report.fiscal_year, report.form.project.name, what)}.{fmt}"


def report_pdf(report: Report) -> bytes:
    """The report's table as a PDF."""
    grid = report_grid(report).grid
    name = report.form.project.name
    return render_pdf(
        [grid], document_title=f"{name} {grid.title}", running_titles=[f"{name} {grid.title}"]
    )


def report_xlsx(report: Report) -> bytes:
    """The report's table as a workbook of one sheet, to print or to fill in and upload."""
    lines = report_lines(report)
    table = report_table(report.kind)
    printed = report_grid(report, lines)
    grid = printed.grid
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = table.sheet_name
    setup_sheet(ws, SheetSpec(table.sheet_name, [grid], landscape=table.layout.landscape))
    letters = [get_column_letter(index) for index in range(1, grid.columns + 1)]
    drawing = sheet_drawing([ws.column_dimensions[letter].width or 8.43 for letter in letters])
    heights = [min(height, MAX_ROW_PT) for height in measure(grid, drawing).heights]
    starts = page_starts(grid, heights, page_body(ws, grid.columns, None))
    for start in starts:  # a break after the last row of each page but the last
        ws.row_breaks.append(Break(id=start))
    paged = clip_to_pages(grid, starts)
    if starts:  # a label printed again on a short row may need more lines than the row had
        heights = [
            max(height, min(again, MAX_ROW_PT))
            for height, again in zip(heights, measure(paged, drawing).heights, strict=True)
        ]
    write_grid(ws, paged, top=1, heights=heights)
    head = (grid.repeat_row or 0) + 1
    ws.print_title_rows = f"{head}:{head}"
    if starts:
        _label_in_repeated_head(ws, head, starts)
    lists: dict[tuple[str, ...], DataValidation] = {}
    for (r, c), entry in printed.entries.items():
        cell = ws.cell(row=r + 1, column=c + 1)
        cell.protection = UNLOCKED
        if entry.kind == "amount":
            cell.number_format = AMOUNT_FORMAT
        if entry.choices:
            if entry.choices not in lists:
                lists[entry.choices] = _choice_list(entry.choices, strict=entry.kind == "choice")
            lists[entry.choices].add(cell)
    for validation in lists.values():
        ws.add_data_validation(validation)
    _note(
        ws,
        len(grid.rows) + SHEET_NOTE_ROWS,
        grid.columns,
        table.sheet_note.format(version=report.version),
    )
    protection = ws.protection
    protection.sheet = True
    # what stays allowed on the protected sheet: row heights and column widths
    protection.formatRows = False
    protection.formatColumns = False
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _label_in_repeated_head(ws: Worksheet, head: int, starts: Sequence[int]) -> None:
    """A block label merged down from the column header (the self-evaluation's 绩效指标) in
    the header as each page repeats it. A spreadsheet prints the repeated row alone, and a
    label centred in its merge showed there as an empty cell, with its copy below it: the label
    goes to the top of its merge, and the copies on the later pages are left empty."""
    spans = [
        m
        for m in ws.merged_cells.ranges
        if m.min_row == head and m.min_col == 1 and m.max_col == 1 and m.max_row > head
    ]
    if not spans:
        return
    cell = ws.cell(row=head, column=1)
    alignment = copy(cell.alignment)
    alignment.vertical = "top"
    cell.alignment = alignment
    for start in starts:  # the first row of each later page
        if start + 1 <= head:
            continue  # a page that begins at the header (or above it) prints the label itself
        copied = ws.cell(row=start + 1, column=1)
        if copied.value == cell.value:
            copied.value = None


def _note(ws: Worksheet, row: int, columns: int, text: str) -> None:
    """The note below the table (how to fill it in, the version it was printed from): one
    cell across the table, wrapped, as tall as its lines."""
    cell = ws.cell(row=row, column=1)
    write_text(cell, text)
    cell.font = BODY_FONT
    cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    letters = [get_column_letter(index) for index in range(1, columns + 1)]
    drawing = sheet_drawing([ws.column_dimensions[letter].width or 8.43 for letter in letters])
    lines = len(wrap(text, drawing.width_em(0, columns)))
    ws.row_dimensions[row].height = min(drawing.height(lines), MAX_ROW_PT)


def _choice_list(choices: tuple[str, ...], *, strict: bool) -> DataValidation:
    """A list to pick from; ``strict``: nothing else may be typed (a judgement may follow what
    was reached: ``运行良好（达成）``)."""
    validation = DataValidation(
        type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
    )
    validation.showErrorMessage = strict
    validation.errorTitle = "请从列表中选择"
    validation.error = "请选择：" + "、".join(choices) + "。"
    validation.showInputMessage = True
    validation.promptTitle = "请选择"
    validation.prompt = "、".join(choices)
    return validation
