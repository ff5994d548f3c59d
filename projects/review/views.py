"""The workflow's buttons: one POST per transition, through the transition service."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from projects.errors import as_int
from projects.forms import SeenVersionForm
from projects.layouts.formats import format_thousands
from projects.models import (
    COMMENT_LIMIT,
    GRADED_CHECKS,
    Comment,
    NarrowPaginator,
    PerformanceForm,
)
from projects.permissions import (
    Actor,
    actor_of,
    can_assign,
    can_comment,
    can_grade,
    can_view,
    get_form_for_actor,
)
from projects.review.assignment import (
    AssignmentRefused,
    assign_forms,
    finance_reviewers,
)
from projects.review.batch import (
    NOT_FOUND,
    BatchOutcome,
    batch_token,
    preview,
    token_matches,
)
from projects.review.comments import (
    CommentRefused,
    add_comment,
    answer_comment,
    resolve_comment,
)
from projects.review.form_page import RefusedAnswer, RefusedComment, render_form_page
from projects.review.grading import GradeRefused, grade_form
from projects.review.page import RefusedDecision, RefusedGrading
from projects.review.queue import review_queue, waiting_days
from projects.review.queue_filters import CHECK_FILTERS, filter_query, filtered_queue
from projects.review.services import TransitionRefused, comment_problem, take_transition
from projects.review.workspace import queue_params
from projects.workflow import TRANSITIONS, Transition

QUEUE_PAGE_SIZE = 50


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def posted_grading(post: QueryDict) -> tuple[dict[str, str], dict[str, str]]:
    """The four grades and their notes as posted (``<key>``, ``<key>_note``)."""
    keys = [key for key, _label, _hint in GRADED_CHECKS]
    return {key: post.get(key, "") for key in keys}, {
        key: post.get(f"{key}_note", "") for key in keys
    }


def next_in_queue(actor: Actor, query: str, after: int | None) -> str:
    """Where a reviewer goes after a decision: the form that came next in the queue (with its
    filters kept), if it still waits, else the first form that does, else the queue itself."""
    forms, filters = filtered_queue(actor, queue_params(query), mark_overdue=False)
    keep = filter_query(filters)
    param = f"?{urlencode({'queue': keep})}" if keep else ""
    chosen = forms.filter(pk=after).values_list("pk", flat=True).first() if after else None
    if chosen is None:
        chosen = forms.values_list("pk", flat=True).first()
    if chosen is None:
        return reverse("projects:queue") + (f"?{keep}" if keep else "")
    return reverse("projects:form_detail", args=[chosen]) + param


@login_required
@require_POST
def form_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Take one step of the workflow. From the review page's decision panel (``panel``), the
    grades chosen there are recorded first, and the next form of the queue opens after the
    decision; a refusal brings the page back with everything chosen and typed (400)."""
    if verb not in TRANSITIONS:
        raise Http404
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)  # 404 for whom may not see it
    post = request.POST
    seen = SeenVersionForm(post).seen()
    panel = post.get("panel") == "1"
    queue = post.get("queue", "")
    comment = post.get(f"comment_{verb}", post.get("comment", ""))
    if panel and can_grade(actor, form)[0]:
        grades, notes = posted_grading(post)
        if any(grades.values()):
            try:
                grade_form(
                    actor=actor,
                    form_id=form.pk,
                    seen_version=-1 if seen is None else seen,
                    grades=grades,
                    notes=notes,
                )
            except GradeRefused as refused:
                posted = grades | {f"{key}_note": note for key, note in notes.items()}
                return render_form_page(
                    request,
                    actor,
                    form,
                    queue=queue,
                    refused_grading=RefusedGrading(posted, refused.field, refused.message),
                    refused_decision=RefusedDecision(verb, comment, f"没有执行：{refused.message}"),
                )
    try:
        take_transition(
            actor=actor,
            verb=verb,
            form_id=form.pk,
            seen_version=-1 if seen is None else seen,
            seen_status=post.get("status", ""),
            comment=comment,
        )
    except TransitionRefused as refused:
        if panel:
            form.refresh_from_db()
            return render_form_page(
                request,
                actor,
                form,
                queue=queue,
                refused_decision=RefusedDecision(verb, comment, refused.message),
            )
        messages.error(request, refused.message)
    else:
        messages.success(request, str(TRANSITIONS[verb].done))
        if panel:
            return redirect(next_in_queue(actor, queue, as_int(post.get("after", ""))))
    return redirect(form.get_absolute_url())


@login_required
@require_POST
def form_grade(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the four graded checks of the version under review. Refused for what was
    chosen or typed (a grade missing, 中 without a note): the page again, every choice and
    note kept, the error beside the input (400); refused otherwise (the rule, a newer
    version): back to the page with the reason. From htmx, the decision panel alone comes
    back, saying how it went."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)
    post = request.POST
    seen = SeenVersionForm(post).seen()
    grades, notes = posted_grading(post)
    partial = "panel" if is_htmx(request) else ""
    queue = post.get("queue", "")
    try:
        grade = grade_form(
            actor=actor,
            form_id=form.pk,
            seen_version=-1 if seen is None else seen,
            grades=grades,
            notes=notes,
        )
    except GradeRefused as refused:
        if (refused.field and seen == form.version and can_grade(actor, form)[0]) or partial:
            posted = grades | {f"{key}_note": note for key, note in notes.items()}
            return render_form_page(
                request,
                actor,
                form,
                queue=queue,
                partial=partial,
                refused_grading=RefusedGrading(posted, refused.field, refused.message),
            )
        messages.error(request, refused.message)
    else:
        done = f"已保存审核评定，综合评定为“{grade.overall}”。"
        if partial:
            return render_form_page(request, actor, form, queue=queue, partial=partial, notice=done)
        messages.success(request, done)
    return redirect(f"{form.get_absolute_url()}#review")


def _comment_step(
    request: HttpRequest,
    pk: int,
    step: Callable[[Actor, PerformanceForm], Comment],
    done: str,
    *,
    comment_id: int,
    typed: str = "",
) -> HttpResponse:
    """Find the form the actor may see (else 404), take the step, say how it went: from
    htmx, the table with its threads alone (the editor: the comment alone); a refusal keeps
    what was typed (``typed``, an answer) beside the comment."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)
    queue = request.POST.get("queue", "")
    from_editor = request.POST.get("from") == "editor"
    try:
        comment = step(actor, form)
    except CommentRefused as refused:
        if from_editor and is_htmx(request):
            return render(
                request,
                "filing/partials/comment_answer.html",
                {
                    "form": form,
                    "comment": form.comments.get(pk=comment_id),
                    "typed": typed,
                    "error": refused.message,
                    "may_answer": True,
                    "comment_limit": COMMENT_LIMIT,
                },
                status=400,
            )
        if is_htmx(request) or (refused.field and typed.strip()):  # what was typed is kept
            refusal = RefusedAnswer(comment_id, typed, refused.message)
            partial = "workspace" if is_htmx(request) else ""
            return render_form_page(
                request, actor, form, queue=queue, partial=partial, refused_answer=refusal
            )
        messages.error(request, refused.message)
        return redirect(f"{form.get_absolute_url()}#comment-{comment_id}")
    if from_editor and is_htmx(request):
        return render(
            request,
            "filing/partials/comment_answer.html",
            {"form": form, "comment": comment, "may_answer": True, "comment_limit": COMMENT_LIMIT},
        )
    if is_htmx(request):
        return render_form_page(request, actor, form, queue=queue, partial="workspace", notice=done)
    messages.success(request, done)
    return redirect(f"{form.get_absolute_url()}#comment-{comment.pk}")


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """``target``: ``i:<uid>`` for an indicator, ``f:<key>`` for a field, empty for the form.
    Refused for what was chosen or typed: the page again with the comment kept and the
    error beside it (400); refused otherwise: back to the page with the reason. From htmx,
    the table with its threads alone comes back."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)
    post = request.POST
    target = post.get("target", "")
    queue = post.get("queue", "")
    partial = "workspace" if is_htmx(request) else ""
    try:
        add_comment(
            actor=actor,
            form_id=form.pk,
            text=post.get("text", ""),
            quick_pick=post.get("quick_pick", ""),
            indicator_uid=target.removeprefix("i:") if target.startswith("i:") else "",
            field=target.removeprefix("f:") if target.startswith("f:") else "",
        )
    except CommentRefused as refused:
        if (refused.field and can_comment(actor, form)[0]) or partial:
            posted = {name: post.get(name, "") for name in ("target", "quick_pick", "text")}
            return render_form_page(
                request,
                actor,
                form,
                queue=queue,
                partial=partial,
                refused_comment=RefusedComment(posted, refused.field, refused.message),
            )
        messages.error(request, refused.message)
    else:
        if partial:
            return render_form_page(
                request, actor, form, queue=queue, partial=partial, notice="已记录审核意见。"
            )
        messages.success(request, "已记录审核意见。")
    return redirect(f"{form.get_absolute_url()}#comments")


@login_required
@require_POST
def comment_answer(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _comment_step(
        request,
        pk,
        lambda actor, form: answer_comment(
            actor=actor, form_id=form.pk, comment_id=comment_id, text=text
        ),
        "已答复。",
        comment_id=comment_id,
        typed=text,
    )


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    return _comment_step(
        request,
        pk,
        lambda actor, form: resolve_comment(actor=actor, form_id=form.pk, comment_id=comment_id),
        "已标为解决。",
        comment_id=comment_id,
    )


# --------------------------------------------------------------------------- 待我审核

BATCH_LIMIT = 200


def _query_without_page(params: QueryDict) -> str:
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()


def batch_steps(actor: Actor) -> list[Transition]:
    """The batch buttons this reviewer may use: the transitions the table lets the queue take
    on many forms, at a stage at which the actor reviews (a department's reviewer passes forms
    on, finance approves them, both return them). Each form is checked again by the
    transition service."""
    return [
        step
        for step in TRANSITIONS.values()
        if step.batchable and any(actor.reviews_any_at(stage) for stage in step.stages)
    ]


# A row of the queue, drawn by ``queue_rows`` (50 rows of nine cells were most of the page's
# rendering); the template draws the rest
QUEUE_ROW_HTML = (
    "<tr>"
    '<td data-label="选择"><input type="checkbox" class="form-check-input queue-pick" '
    'name="form" value="{pk}" id="pick-{pk}" aria-label="选择 {name}">'
    '<input type="hidden" name="version_{pk}" value="{version}">'
    '<input type="hidden" name="status_{pk}" value="{status}"></td>'
    '<td data-label="等待天数">{days}{overdue}</td>'
    '<td data-label="项目名称" class="cell-name"><a href="{url}">{year} · {name}</a></td>'
    '<td data-label="主管部门">{department}</td><td data-label="用款单位">{unit}</td>'
    '<td data-label="项目类型" class="small">{project_type}</td>'
    '<td data-label="本年度金额（元）" class="text-end">{amount}</td>'
    '<td data-label="状态"><span class="badge text-bg-primary">{status_label}</span>{adjusting}</td>'
    '<td data-label="检查" class="small text-nowrap"><span>{checks}</span></td>'
    "</tr>"
)
OVERDUE_HTML = ' <span class="badge text-bg-danger">逾期</span>'
ADJUSTING_HTML = (
    ' <span class="badge text-bg-warning" title="审核的是调整稿；已通过的第 {version} 版在调整'
    '通过前继续有效">调整中</span>'
)


def check_cell(errors: int | None, warnings: int | None) -> str:
    """What the checks found at submission: errors and warnings, 无问题, or — (not checked)."""
    if errors is None and warnings is None:
        return "—"
    if not errors and not warnings:
        return '<span class="text-success">无问题</span>'
    parts = []
    if errors:
        parts.append(f'<span class="text-danger">{errors:d} 错误</span>')
    if warnings:
        parts.append(f'<span class="text-warning-emphasis">{warnings:d} 提醒</span>')
    return " · ".join(parts)


def queue_rows(rows: list[tuple[PerformanceForm, int]]) -> SafeString:
    """The queue's rows: a box to tick (with the version and state the decision is taken
    on), days waiting, the form, its department, unit, type, amount, state and checks."""
    url_of = PerformanceForm.url_maker()
    drawn = []
    for form, days in rows:
        project = form.project
        drawn.append(
            QUEUE_ROW_HTML.format(
                pk=form.pk,
                name=escape(project.name),
                version=form.version,
                status=escape(form.status),
                days=days,
                overdue=OVERDUE_HTML if getattr(form, "overdue", False) else "",
                url=escape(url_of(form.pk)),
                year=form.fiscal_year,
                department=escape(project.department.name),
                unit=escape(project.unit.name),
                project_type=escape(form.project_type),
                amount=format_thousands(form.annual_amount),
                status_label=escape(form.get_status_display()),
                adjusting=ADJUSTING_HTML.format(version=form.approved_version)
                if form.is_adjusting
                else "",
                checks=check_cell(form.check_errors, form.check_warnings),
            )
        )
    return mark_safe("".join(drawn))  # every text escaped above


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """待我审核: the forms waiting for this reviewer, oldest first, filtered by department,
    project type or check results, with a form to approve, pass on or return several."""
    actor = actor_of(request)
    # the filters' choices, departments and project types, in one grouped query
    choices = set(
        review_queue(actor)
        .order_by()
        .values_list("department_id", "department__name", "project_type")
        .distinct()
    )
    departments = sorted({(pk, name) for pk, name, _type in choices}, key=lambda pair: pair[1])
    types = sorted({kind for _pk, _name, kind in choices if kind})
    forms, filters = filtered_queue(actor, request.GET)
    page = NarrowPaginator(forms, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(form, waiting_days(form, now)) for form in page]
    steps = batch_steps(actor)
    return render(
        request,
        "review/queue.html",
        {
            "nav": "queue",
            "page": page,
            "rows": rows,
            "row_html": queue_rows(rows),
            **filters,
            "query": _query_without_page(request.GET),
            "departments": [(str(pk), name) for pk, name in departments],
            "types": types,
            "check_filters": [(key, label) for key, (label, _q) in CHECK_FILTERS.items()],
            "batch_steps": [step for step in steps if not step.comment_label],
            "batch_return": next((step.batch_label for step in steps if step.comment_label), ""),
            "batch_limit": BATCH_LIMIT,
            "comment_limit": COMMENT_LIMIT,
            "query_all": _query_assigned(request.GET, "all"),
            "query_mine": _query_assigned(request.GET, "mine"),
            "reviewers": finance_reviewers() if can_assign(actor)[0] else [],
        },
    )


def _query_assigned(params: QueryDict, assigned: str) -> str:
    query = params.copy()
    query.pop("page", None)
    query["assigned"] = assigned
    return query.urlencode()


@login_required
@require_POST
def queue_assign(request: HttpRequest) -> HttpResponse:
    """Assign the forms ticked in the queue to a finance reviewer (or back to their
    department's assignment), from the queue's batch form."""
    post = request.POST
    back = reverse("projects:queue")
    if query := QueryDict(post.get("query", "")).urlencode():
        back = f"{back}?{query}"
    reviewer = post.get("reviewer", "")
    pks = [pk for raw in post.getlist("form") if (pk := as_int(raw))]
    try:
        count = assign_forms(
            actor=actor_of(request),
            form_ids=pks,
            reviewer_id=None if reviewer == "none" else as_int(reviewer) or -1,
        )
    except AssignmentRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"已分配 {count} 张表。")
    return redirect(back)


@login_required
@require_POST
def queue_batch(request: HttpRequest) -> HttpResponse:
    """Approve, pass on or return the forms ticked in the queue, asked once: the first POST
    lists each form and what will become of it (what will be refused, and why: a form that
    needs a person's look is decided on its own page); the second, with the confirmation
    token of that list, takes the step on each form through the transition service, each in
    its own transaction (one refusal undoes none of the others), with the version and status
    the queue showed; then says what became of each."""
    post = request.POST
    verb = post.get("verb", "")
    step = TRANSITIONS.get(verb)
    if step is None or not step.batchable:
        return HttpResponseBadRequest("不能批量执行这个操作。")
    back = reverse("projects:queue")
    if query := QueryDict(post.get("query", "")).urlencode():
        back = f"{back}?{query}"
    pks = list(dict.fromkeys(pk for raw in post.getlist("form") if (pk := as_int(raw))))
    comment = post.get("comment", "").strip() if step.comment_label else ""
    problem = ""
    if not pks:
        problem = "请先勾选要处理的表。"
    elif len(pks) > BATCH_LIMIT:
        problem = f"一次最多批量处理 {BATCH_LIMIT} 张表，您选了 {len(pks)} 张。"
    else:
        problem = comment_problem(step, comment)
    if problem:
        messages.error(request, problem)
        return redirect(back)
    actor = actor_of(request)
    seen = {
        pk: (as_int(post.get(f"version_{pk}", "")) or -1, post.get(f"status_{pk}", "")[:30])
        for pk in pks
    }
    outcomes = preview(actor, step, pks, seen)
    confirmed = token_matches(post.get("confirm", ""), actor, verb, seen, comment)
    if not confirmed:
        return render(
            request,
            "review/batch_confirm.html",
            {
                "nav": "queue",
                "step": step,
                "outcomes": outcomes,
                "seen": [(pk, *seen[pk]) for pk in pks],
                "acting": sum(1 for outcome in outcomes if not outcome.refusal),
                "comment": comment,
                "query": post.get("query", ""),
                "token": batch_token(actor, verb, seen, comment),
                "stale": bool(post.get("confirm")),
                "back": back,
            },
        )
    done = []
    for outcome in outcomes:
        if outcome.form is None:
            done.append(outcome)
            continue
        version, status = seen[outcome.pk]
        try:
            form = take_transition(
                actor=actor,
                verb=verb,
                form_id=outcome.pk,
                seen_version=version,
                seen_status=status,
                comment=comment,
                batch=True,
            )
        except TransitionRefused as refused:
            done.append(BatchOutcome(outcome.pk, outcome.form, refused.message))
        except PerformanceForm.DoesNotExist:  # deleted since
            done.append(BatchOutcome(outcome.pk, None, NOT_FOUND))
        else:
            done.append(BatchOutcome(outcome.pk, form))
    succeeded = sum(1 for outcome in done if not outcome.refusal)
    return render(
        request,
        "review/batch_result.html",
        {
            "nav": "queue",
            "label": step.batch_label,
            "outcomes": done,
            "done": succeeded,
            "refused": len(done) - succeeded,
            "back": back,
        },
    )
