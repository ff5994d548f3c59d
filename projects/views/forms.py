"""Reading pages: the list of forms and one form laid out as its official table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from projects.errors import as_int
from projects.forms import ListFilterForm
from projects.history import annual_amounts_in_force
from projects.models import NarrowPaginator, PerformanceForm, Season
from projects.permissions import actor_of, can_view, get_form_for_actor, visible_forms
from projects.review.badges import badge_html
from projects.review.form_page import render_form_page
from projects.templatetags.amounts import yuan

PAGE_SIZE = 25


@dataclass(frozen=True)
class ListedForm:
    """A row of the list: the form, with the amount in force (the approved version's while
    an adjustment is open: the list shows what is in force, marked 调整中)."""

    form: PerformanceForm
    annual_amount: Decimal | None


# A row of the list, drawn by ``list_rows`` (the template draws the rest of the page: 25 rows
# of eight cells and a badge each were most of its rendering)
ROW_HTML = (
    '<tr><td data-label="年度">{year}</td>'
    '<td data-label="项目名称" class="cell-name"><a href="{url}">{name}</a></td>'
    '<td data-label="项目编码" class="small text-muted">{code}</td>'
    '<td data-label="主管部门">{department}</td><td data-label="用款单位">{unit}</td>'
    '<td data-label="项目类型" class="small">{project_type}</td>'
    '<td data-label="本年度金额（元）" class="text-end">{amount}</td>'
    '<td data-label="状态">{badge}{leftover}</td></tr>'
)
LEFTOVER_HTML = ' <span class="badge text-bg-warning">待修正</span>'


def list_rows(rows: list[ListedForm]) -> SafeString:
    """The list's rows: each form's year, project (linked to the form), code, department,
    unit, type, amount in force and state."""
    url_of = PerformanceForm.url_maker()
    drawn = []
    for row in rows:
        form = row.form
        project = form.project
        drawn.append(
            ROW_HTML.format(
                year=form.fiscal_year,
                url=escape(url_of(form.pk)),
                name=escape(project.name),
                code=escape(project.code),
                department=escape(project.department.name),
                unit=escape(project.unit.name),
                project_type=escape(form.project_type),
                amount=yuan(row.annual_amount),
                badge=badge_html(form),
                leftover=LEFTOVER_HTML if form.import_leftover else "",
            )
        )
    return mark_safe("".join(drawn))  # every text escaped above


@login_required
@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    visible = visible_forms(actor)
    params = request.GET.copy()
    opened_plain = not any(params.get(name) for name in ListFilterForm.base_fields)
    # opened without a filter: the budget season as set ("全部年度" is a choice), what a
    # season works on, and a page that stays fast however many years the database holds;
    # while nobody has set it, the latest year with forms
    season = Season.current() if opened_plain and "year" not in params else None
    filter_form = ListFilterForm(
        params, visible=visible, sees_everything=actor.sees_everything, season=season, actor=actor
    )
    if opened_plain and "year" not in params and filter_form.years:
        params["year"] = str(season or filter_form.years[0])
    forms = filter_form.apply(visible).for_rows()
    page = NarrowPaginator(forms.in_list_order(), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    amounts = annual_amounts_in_force(page.object_list)  # a query only when some are adjusting
    query = request.GET.copy()
    query.pop("page", None)
    rows = [ListedForm(form, amounts[form.pk]) for form in page.object_list]
    return render(
        request,
        "projects/form_list.html",
        {
            "nav": "forms",
            "filter_form": filter_form,
            "page": page,
            "rows": rows,
            "row_html": list_rows(rows),
            "query": query.urlencode(),
            "may_create": bool(actor_of(request).filer_units),
        },
    )


@login_required
@require_GET
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The form as its official table, with what review needs around it. ``?version=N``
    shows an earlier version (an adjusted form's approved version, which stays in force)."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)
    return render_form_page(
        request,
        actor,
        form,
        layout=request.GET.get("layout", ""),
        version=as_int(request.GET.get("version", "")),
        queue=request.GET.get("queue", ""),
    )
