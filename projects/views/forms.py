"""Reading pages: the list of forms and one form laid out as its official table."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from projects.content import ALWAYS_CARRIED, FIELDS, load_content
from projects.errors import DomainError, as_int
from projects.forms import ListFilterForm
from projects.history import content_at, timeline
from projects.layouts import (
    LAYOUTS,
    Layout,
    UnitForms,
    build_grid,
    framework_categories,
    layout_choices,
)
from projects.models import Comment, PerformanceForm
from projects.permissions import (
    actor_of,
    can_answer,
    can_comment,
    can_edit,
    can_file_next_year,
    can_view,
    get_form_for_actor,
    visible_forms,
)
from projects.review.page import review_context

PAGE_SIZE = 25


@login_required
@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    visible = visible_forms(actor)
    params = request.GET.copy()
    filter_form = ListFilterForm(params, visible=visible, sees_everything=actor.sees_everything)
    opened_plain = not any(params.get(name) for name in filter_form.fields)
    if opened_plain and "year" not in params and filter_form.years:
        # opened without a filter: the latest year ("全部年度" is a choice), what a season
        # works on, and a page that stays fast however many years the database holds
        params["year"] = str(filter_form.years[0])
    forms = filter_form.apply(visible).with_related()
    page = Paginator(forms.in_list_order(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/form_list.html",
        {
            "nav": "forms",
            "filter_form": filter_form,
            "page": page,
            "query": query.urlencode(),
            "may_create": bool(actor_of(request).filer_units),
        },
    )


def unit_note(form: PerformanceForm, spec: Layout) -> str:
    """A visible note where the sheet's own amount label (printed by this layout) is wrong:
    the amounts are kept in 元 whatever the original sheet said."""
    if spec.prints_sheet_unit and form.layout == spec.key and form.amount_unit_label == "万元":
        return (
            "原表把金额单位标为“万元”，但金额实为元：系统按元保存，表中按万元换算印出。"
            "本年度预算金额为 {amount} 元。"
        ).format(amount=f"{form.annual_amount or 0:,.2f}")
    return ""


def commentable_fields(spec: Layout) -> list[tuple[str, str]]:
    """The fields a reviewer may comment on: those the layout prints."""
    return [
        (field.key, field.label)
        for field in FIELDS
        if field.key in spec.carries and field.key not in ALWAYS_CARRIED
    ]


def form_comments(form: PerformanceForm) -> list[Comment]:
    """The form's comments, open ones first, with their indicator and people (one query)."""
    comments = form.comments.select_related(
        "indicator__category", "author", "resolved_by"
    ).order_by("resolved_at", "created_at", "id")
    return sorted(comments, key=lambda c: (not c.is_open, c.created_at))


@login_required
@require_GET
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The form as its official table, with what review needs around it. ``?version=N``
    shows an earlier version (an adjusted form's approved version, which stays in force)."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)
    layout = request.GET.get("layout", form.layout)
    if layout not in LAYOUTS:
        layout = form.layout
    shown_version = form.version
    asked = as_int(request.GET.get("version", ""))
    if asked is not None and asked != form.version:
        try:
            data = content_at(form, asked)
        except DomainError as error:
            raise Http404(error.message) from error
        shown_version = asked
    else:
        data = load_content(form)
    spec = LAYOUTS[layout]
    if spec.per_form:
        grid = build_grid(layout, data, framework_categories(form.framework_id))
    else:  # a department's table (广州), with this form alone in it
        grid = spec.build_department(
            form.project.department.name,
            form.fiscal_year,
            [UnitForms(form.project.unit.name, [data])],
        )
    editable, reason = can_edit(actor, form)
    may_roll_over = can_file_next_year(actor, form)[0]
    return render(
        request,
        "projects/form_detail.html",
        {
            "nav": "forms",
            "form": form,
            "grid": grid,
            "layout": layout,
            "layouts": layout_choices(),
            "shown_version": shown_version,
            "version_query": "" if shown_version == form.version else f"&version={shown_version}",
            "editable": editable,
            "edit_reason": reason,
            "events": timeline(form),
            "may_roll_over": may_roll_over,
            "comments": form_comments(form),
            "may_comment": can_comment(actor, form)[0],
            "may_answer": can_answer(actor, form)[0],
            "quick_picks": Comment.QuickPick.choices,
            "comment_fields": commentable_fields(spec),
            "unit_note": unit_note(form, spec),
            **review_context(actor, form),
        },
    )
