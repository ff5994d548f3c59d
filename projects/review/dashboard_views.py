"""进度总览: the year's deadlines, the counts by department and status, and a filer's forms."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from projects.errors import as_int
from projects.models import MAX_YEAR, MIN_YEAR, PerformanceForm
from projects.permissions import actor_of
from projects.review.dashboard import (
    STATUSES,
    fiscal_years,
    is_past,
    status_counts,
    total_row,
    unit_overview,
    year_deadlines,
)


def chosen_year(raw: str, years: list[int]) -> int:
    """The ``?year=`` asked for when it is a year at all, else the latest year with forms,
    else this year."""
    if (year := as_int(raw)) is not None and MIN_YEAR <= year <= MAX_YEAR:
        return year
    return years[0] if years else timezone.localdate().year


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
    rows = status_counts(actor, year, deadlines=deadlines, today=today)
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
            "totals": total_row(rows),
            "unit_rows": unit_overview(actor, year, deadlines=deadlines, now=now),
            "files_for_a_unit": bool(actor.filer_units),
            "many_units": len(actor.filer_units) > 1,
        },
    )
