"""The workflow's buttons: one POST per transition, through the transition service."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from projects.models import GRADED_CHECKS, PerformanceForm
from projects.permissions import Actor, actor_of, can_view, get_form_for_actor
from projects.review.comments import (
    CommentRefused,
    add_comment,
    answer_comment,
    resolve_comment,
)
from projects.review.grading import GradeRefused, grade_form
from projects.review.queue import review_queue
from projects.review.services import TransitionRefused, take_transition
from projects.review.workflow import TRANSITIONS

QUEUE_PAGE_SIZE = 50

DONE = {
    "submit": _("已提交审核。"),
    "withdraw": _("已撤回，表回到草稿状态。"),
    "pass_on": _("部门审核通过，已报财政审核。"),
    "return": _("已退回单位修改。"),
    "approve": _("审核通过。"),
    "adjust": _("已开始调整：修改后提交审核；审核通过前，原已通过的版本继续有效。"),
}


@login_required
@require_POST
def form_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in TRANSITIONS:
        raise Http404
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)  # 404 for whom may not see it
    try:
        seen = int(request.POST.get("version", ""))
    except ValueError:
        seen = -1
    try:
        take_transition(
            actor=actor,
            verb=verb,
            form_id=form.pk,
            seen_version=seen,
            seen_status=request.POST.get("status", ""),
            comment=request.POST.get("comment", "")[:5000],
        )
    except TransitionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, str(DONE[verb]))
    return redirect(form.get_absolute_url())


@login_required
@require_POST
def form_grade(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the four graded checks of the version under review."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)
    post = request.POST
    try:
        seen = int(post.get("version", ""))
    except ValueError:
        seen = -1
    keys = [key for key, _label, _hint in GRADED_CHECKS]
    try:
        grade = grade_form(
            actor=actor,
            form_id=form.pk,
            seen_version=seen,
            grades={key: post.get(key, "") for key in keys},
            notes={key: post.get(f"{key}_note", "")[:5000] for key in keys},
        )
    except GradeRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("已保存审核评定，综合评定为“%(overall)s”。") % {"overall": grade.overall}
        )
    return redirect(f"{form.get_absolute_url()}#review")


def _comment_step(
    request: HttpRequest, pk: int, step: Callable[[Actor, PerformanceForm], object], done: str
) -> HttpResponse:
    """Find the form the actor may see (else 404), take the step, say how it went."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)
    try:
        step(actor, form)
    except CommentRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect(f"{form.get_absolute_url()}#comments")


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    post = request.POST
    return _comment_step(
        request,
        pk,
        lambda actor, form: add_comment(
            actor=actor,
            form_id=form.pk,
            text=post.get("text", ""),
            quick_pick=post.get("quick_pick", ""),
            indicator_uid=post.get("indicator", ""),
            field=post.get("field", ""),
        ),
        _("已记录审核意见。"),
    )


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
        _("已答复。"),
    )


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    return _comment_step(
        request,
        pk,
        lambda actor, form: resolve_comment(actor=actor, form_id=form.pk, comment_id=comment_id),
        _("已标为解决。"),
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """待我审核: the forms waiting for this reviewer, oldest first, filtered by department or
    project type."""
    actor = actor_of(request)
    forms = review_queue(actor)
    waiting = forms.order_by()
    departments = sorted(
        set(waiting.values_list("project__department_id", "project__department__name")),
        key=lambda pair: pair[1],
    )
    types = sorted(set(waiting.exclude(project_type="").values_list("project_type", flat=True)))
    department = request.GET.get("department", "")
    if department.isdigit():
        forms = forms.filter(project__department_id=int(department))
    project_type = request.GET.get("project_type", "")
    if project_type:
        forms = forms.filter(project_type=project_type)
    page = Paginator(forms, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(form, (now - form.waiting_since).days) for form in page]  # type: ignore[attr-defined]
    return render(
        request,
        "review/queue.html",
        {
            "nav": "queue",
            "page": page,
            "rows": rows,
            "department": department,
            "project_type": project_type,
            "departments": [(str(pk), name) for pk, name in departments],
            "types": types,
        },
    )
