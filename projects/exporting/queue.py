"""待我审核 as a workbook: one row per form of the (filtered) queue, with how long it has waited,
what the filing checks found and the grades of its current version at each review stage.

Text is always written as text (``projects.exporting.xlsx.write_text``, as the official tables
are), so a project named ``=1+1`` never becomes a formula.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from projects.exporting import Rendered
from projects.exporting.batch import safe_filename
from projects.exporting.xlsx import write_text
from projects.models import PerformanceForm, ReviewGrade
from projects.review.queue import waiting_days

Stage = ReviewGrade.Stage

# (header, width in Excel's character units: a CJK character takes about two)
COLUMNS = (
    ("序号", 6),
    ("项目名称", 40),
    ("主管部门", 22),
    ("用款单位", 26),
    ("项目类型", 16),
    ("本年度金额（元）", 18),
    ("状态", 10),
    ("等待天数", 10),
    ("检查错误", 10),
    ("检查提醒", 10),
    ("部门评定", 10),
    ("财政评定", 10),
    ("链接", 46),
)
AMOUNT_FORMAT = "#,##0.00"
HEADER_FONT = Font(bold=True)
WRAP = Alignment(vertical="top", wrap_text=True)


def current_grades(forms: Iterable[PerformanceForm]) -> dict[tuple[int, str], str]:
    """The overall grade of each form's current version at each stage it was graded, keyed by
    (form id, stage), in one query."""
    ids = [form.pk for form in forms]
    grades = ReviewGrade.objects.filter(form_id__in=ids, version=F("form__version"))
    return {(grade.form_id, grade.stage): grade.overall for grade in grades}


def queue_workbook(
    forms: Sequence[PerformanceForm], *, url_for: Callable[[PerformanceForm], str]
) -> Rendered:
    """The forms (in the queue's order, from ``review_queue``) as an xlsx to download;
    ``url_for`` gives the absolute address of a form."""
    now = timezone.now()
    grades = current_grades(forms)
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None  # a new workbook has its one sheet
    ws.title = "待我审核"
    for index, (header, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        write_text(cell, str(header))
        cell.font = HEADER_FONT
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    for number, form in enumerate(forms, start=1):
        row = number + 1
        url = url_for(form)
        texts = {
            2: form.project.name,
            3: form.project.department.name,
            4: form.project.unit.name,
            5: form.project_type,
            7: f"{form.get_status_display()}（调整中）"
            if form.is_adjusting
            else form.get_status_display(),
            11: grades.get((form.pk, Stage.DEPARTMENT), ""),
            12: grades.get((form.pk, Stage.FINANCE), ""),
            13: url,
        }
        for column, text in texts.items():
            if text:
                write_text(ws.cell(row=row, column=column), str(text))
        ws.cell(row=row, column=2).alignment = WRAP
        numbers: dict[int, int | Decimal | None] = {
            1: number,
            6: form.annual_amount,
            8: waiting_days(form, now),
            9: form.check_errors,
            10: form.check_warnings,
        }
        for column, value in numbers.items():
            if value is not None:
                ws.cell(row=row, column=column, value=value)
        ws.cell(row=row, column=6).number_format = AMOUNT_FORMAT
        ws.cell(row=row, column=13).hyperlink = url
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(forms) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    day = timezone.localdate().isoformat()
    return Rendered(buffer.getvalue(), f"{safe_filename('待我审核', day)}.xlsx")
