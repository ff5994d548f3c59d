"""进度总览: the year's deadlines, the counts by department and status, and a filer's forms."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from projects.cycle.dashboard import cycle_rows, cycle_summary
from projects.errors import as_int
from projects.layouts.formats import format_thousands
from projects.models import MAX_YEAR, MIN_YEAR, PerformanceForm, Season
from projects.permissions import actor_of, can_assign
from projects.review.assignment import reviewer_loads
from projects.review.badges import badge_html
from projects.review.dashboard import (
    STATUSES,
    DepartmentRow,
    UnitRow,
    fiscal_years,
    is_past,
    status_counts,
    status_labels,
    total_row,
    unit_overview,
    year_deadlines,
)


def chosen_year(raw: str, years: list[int]) -> int:
    """The ``?year=`` asked for when it is a year at all, else the budget season as set
    (``Season``: a draft of another year moves nobody's page), else, while nobody has set
    it, the latest year with forms, else this year."""
    if (year := as_int(raw)) is not None and MIN_YEAR <= year <= MAX_YEAR:
        return year
    if (season := Season.current()) is not None:
        return season
    return years[0] if years else timezone.localdate().year


def count_rows(rows: Sequence[DepartmentRow], year: int) -> SafeString:
    """The rows of the counts table, one a department: its name, each status's count linked
    to the forms it counts, its total linked to all its forms of the year, the adjustments
    under way and the late forms.

    Drawn here, not by the template: a city has 300 departments and 3,000 cells, and the
    template's variables (some microseconds each) were half the page's time. Every text
    written is escaped here (the names, the labels, the links), the numbers are ints
    (``:d``) and the status keys the workflow's own. The parts that do not change from one
    row to the next are written once, as plain text (formatting safe strings costs a
    conversion each)."""
    labels = {status: str(escape(label)) for status, label in status_labels().items()}
    department, total, adjusting, overdue = (
        str(escape(label)) for label in ("主管部门", "合计", "调整中", "逾期")
    )
    form_list = str(escape(f"{reverse('projects:form_list')}?year={year:d}"))
    # each status's cell, before and after its link to the department's forms, and its zero
    linked = {
        status: (
            f'<td data-label="{labels[status]}" class="text-end"><a href="',
            f'&amp;status={status}">',
        )
        for status in STATUSES
    }
    zero = {
        status: f'<td data-label="{labels[status]}" class="text-end"><span class="text-muted">0</span></td>'
        for status in STATUSES
    }
    drawn = []
    for row in rows:
        link = f"{form_list}&amp;department={row.department_id:d}"
        cells = []
        for status in STATUSES:
            if count := getattr(row, status):
                before, after = linked[status]
                cells.append(f"{before}{link}{after}{count:d}</a></td>")
            else:
                cells.append(zero[status])
        late = " table-danger fw-bold text-danger" if row.overdue else ""
        drawn.append(
            f'<tr><td data-label="{department}" class="cell-name">{escape(row.name)}</td>'
            f"{''.join(cells)}"
            f'<td data-label="{total}" class="text-end fw-semibold">'
            f'<a href="{link}">{row.total:d}</a></td>'
            f'<td data-label="{adjusting}" class="text-end">{row.adjusting:d}</td>'
            f'<td data-label="{overdue}" class="text-end{late}">{row.overdue:d}</td></tr>'
        )
    return mark_safe("\n".join(drawn))  # every part escaped above


# A row of 本单位的表 (a filer's forms of the year, a hundred and more for a big unit), drawn by
# ``unit_rows``
UNIT_ROW_HTML = (
    "<tr{late_class}>"
    '<td data-label="项目名称" class="cell-name"><a href="{url}">{name}</a></td>{unit}'
    '<td data-label="本年度金额（元）" class="text-end">{amount}</td>'
    '<td data-label="状态">{badge}</td><td data-label="当前在">{holder}</td>'
    '<td data-label="停留天数" class="text-end">{days}</td><td data-label="逾期">{late}</td>'
    "</tr>"
)
LATE_HTML = '<span class="badge text-bg-danger">已逾期</span>'
ON_TIME_HTML = '<span class="text-muted">否</span>'


def unit_rows(rows: Sequence[UnitRow], *, many_units: bool) -> SafeString:
    """The unit's forms: each linked, with its unit (when the filer files for several), its
    amount in force, state, who has it, days there and whether it is late."""
    url_of = PerformanceForm.url_maker()
    drawn = []
    for row in rows:
        form = row.form
        unit = (
            f'<td data-label="用款单位">{escape(form.project.unit.name)}</td>' if many_units else ""
        )
        drawn.append(
            UNIT_ROW_HTML.format(
                late_class=' class="table-danger"' if row.overdue else "",
                url=escape(url_of(form.pk)),
                name=escape(form.project.name),
                unit=unit,
                amount=format_thousands(row.annual_amount),
                badge=badge_html(form),
                holder=escape(row.holder_label),
                days=row.days,
                late=LATE_HTML if row.overdue else ON_TIME_HTML,
            )
        )
    return mark_safe("".join(drawn))  # every text escaped above


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    years = fiscal_years(actor)
    year = chosen_year(request.GET.get("year", ""), years)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    now = timezone.now()
    today = timezone.localdate(now)
    deadlines = year_deadlines(year)
    mine = unit_overview(actor, year, deadlines=deadlines, now=now)
    # a filer's counts are of the forms just listed (no query for them)
    rows = status_counts(actor, year, deadlines=deadlines, today=today, own=mine)
    shows_loads = actor.is_finance_reviewer and actor.finance_departments is None
    names = {row.department_id: row.name for row in rows if row.department_id is not None}
    many_units = len(actor.filer_units) > 1
    cycle = cycle_summary(actor, year, names)
    return render(
        request,
        "review/dashboard.html",
        {
            "nav": "dashboard",
            "year": year,
            "years": years,
            "deadlines": [(deadline, is_past(deadline, today)) for deadline in deadlines],
            "statuses": [(status, PerformanceForm.Status(status).label) for status in STATUSES],
            "rows": rows,
            "count_rows": count_rows(rows, year),
            "totals": total_row(rows),
            "unit_rows": mine,
            "unit_row_html": unit_rows(mine, many_units=many_units),
            "files_for_a_unit": bool(actor.filer_units),
            "many_units": many_units,
            # the bureau's reviewers' load, for a finance reviewer of every department
            "loads": reviewer_loads(today) if shows_loads else [],
            "may_assign": can_assign(actor)[0],
            # monitoring lights and self-evaluation grades by department (two queries, three once
            # a round is open)
            "cycle": cycle,
            "cycle_rows": cycle_rows(cycle),
        },
    )
