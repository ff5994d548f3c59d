"""The form page: the form as its official table (a version of it, in a layout), with what
review needs around it. Rendered by the reading view, and again by a refused grading or
comment, with what the reviewer chose and typed and the error beside the input it is about
(a redirect would lose both and show the error at the top of a page scrolled away from it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from projects.content import ALWAYS_CARRIED, FIELDS, CategoryLookup, load_content
from projects.errors import DomainError
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
from projects.permissions import Actor, can_answer, can_comment, can_edit, can_file_next_year
from projects.review.opinions import opinion_choices
from projects.review.page import RefusedDecision, RefusedGrading, review_context
from projects.review.workspace import (
    loose_threads,
    queue_params,
    queue_place,
    row_labels,
    threads_of,
    workspace_rows,
)


@dataclass(frozen=True)
class RefusedComment:
    """A comment that was refused: what was posted (``target``, ``quick_pick``, ``text``),
    the input the refusal is about and its message."""

    posted: Mapping[str, str]
    field: str
    message: str


@dataclass(frozen=True)
class RefusedAnswer:
    """An answer (or a resolution) that was refused: the comment, what was typed, why."""

    comment_id: int
    text: str
    message: str


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


def download_label(form: PerformanceForm, shown_version: int) -> str:
    """What the page's download buttons print, when it is not the version in force: the
    adjustment's draft (调整稿) or an earlier version."""
    if form.is_adjusting and shown_version == form.version:
        return "调整稿"
    if shown_version != form.version_in_force:
        return f"第 {shown_version} 版"
    return ""


def render_form_page(
    request: HttpRequest,
    actor: Actor,
    form: PerformanceForm,
    *,
    layout: str = "",
    version: int | None = None,
    refused_grading: RefusedGrading | None = None,
    refused_comment: RefusedComment | None = None,
    refused_decision: RefusedDecision | None = None,
    refused_answer: RefusedAnswer | None = None,
    queue: str = "",
    partial: str = "",
    notice: str = "",
) -> HttpResponse:
    """The page of ``form`` (which the actor may see) in ``layout`` (the form's own when
    empty or unknown) at ``version`` (the current one when ``None``; 404 for a version the
    form has no record of). A refusal answers 400, with what was posted kept. ``queue``: the
    queue's filters the reviewer came with (kept by previous/next and after a decision).
    ``partial``: one part of the page alone (``workspace``, ``panel``), for htmx."""
    if layout not in LAYOUTS:
        layout = form.layout
    shown_version = form.version
    if version is not None and version != form.version:
        try:
            data = content_at(form, version)
        except DomainError as error:
            raise Http404(error.message) from error
        shown_version = version
    else:
        data = load_content(form)
    spec = LAYOUTS[layout]
    categories = CategoryLookup()  # the framework's, read once for the table and the checks
    if spec.per_form:
        grid = build_grid(layout, data, framework_categories(form.framework_id, categories))
    else:  # a department's table (广州), with this form alone in it
        grid = spec.build_department(
            form.project.department.name,
            form.fiscal_year,
            [UnitForms(form.project.unit.name, [data])],
        )
    editable, reason = can_edit(actor, form)
    may_roll_over = can_file_next_year(actor, form)[0]
    refusals = (refused_grading, refused_comment, refused_decision, refused_answer)
    refused = any(r is not None for r in refusals)
    comments = form_comments(form)
    threads = threads_of(comments)
    commentable = {f"f:{key}" for key, _label in commentable_fields(spec)}
    labels = row_labels(grid, {f"i:{item.uid}": item.label for item in data.indicators})
    may_comment = can_comment(actor, form)[0]
    # a refused comment's box is drawn under the row it is about (else under the table)
    box_target = refused_comment.posted.get("target", "") if refused_comment else ""
    if box_target not in labels:
        box_target = ""
    workspace = workspace_rows(
        grid, threads, labels, commentable, slots=may_comment, box_target=box_target
    )
    if not any(extra.box for rows in workspace for row in rows for extra in row.extras):
        box_target = ""  # no slot under its row: the box stays under the table
    review = review_context(
        actor,
        form,
        refused_grading=refused_grading,
        refused_decision=refused_decision,
        content=data if shown_version == form.version else None,
        categories=categories,
    )
    place = queue_place(actor, form, queue_params(queue)) if review["reviews"] else None
    template = "projects/form_detail.html" + (f"#{partial}" if partial else "")
    return render(
        request,
        template,
        {
            "nav": "forms",
            "form": form,
            "grid": grid,
            "layout": layout,
            "layouts": layout_choices(),
            "shown_version": shown_version,
            "version_query": "" if shown_version == form.version else f"&version={shown_version}",
            "download_label": download_label(form, shown_version),
            "editable": editable,
            "edit_reason": reason,
            "events": timeline(form),
            "may_roll_over": may_roll_over,
            # an approved form's self-evaluation, opened (or started) by its unit
            "may_self_evaluate": form.approved_version is not None and actor.is_filer_of(form),
            "comments": comments,
            "workspace": workspace,
            "loose_threads": loose_threads(threads, workspace),
            "open_threads": sum(1 for thread in threads.values() if thread.state == "open"),
            "columns": grid.columns,
            "queue_place": place,
            "panel_shown": bool(
                review["decisions"] or review["graded_checks"] or review["last_grade"] or place
            ),
            "box_target": box_target,
            "box_label": labels.get(box_target, "整张表"),
            "queue": place.query if place else "",
            "may_comment": may_comment,
            "may_answer": can_answer(actor, form)[0],
            # read (one query) only where the page offers to comment
            "quick_picks": lambda: opinion_choices(actor, form.framework_id),
            "comment_fields": commentable_fields(spec),
            "unit_note": unit_note(form, spec),
            "refused_comment": refused_comment,
            "refused_decision": refused_decision,
            "refused_answer": refused_answer,
            "notice": notice,
            **review,
        },
        status=400 if refused else 200,
    )
