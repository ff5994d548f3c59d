"""分配审核: the departments and whom their finance review is assigned to, assigned in bulk."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from projects.errors import as_int
from projects.permissions import actor_of, can_assign, require
from projects.review.assignment import (
    AssignmentRefused,
    assign_departments,
    department_assignments,
    finance_reviewers,
)


@login_required
@require_http_methods(["GET", "POST"])
def assignments(request: HttpRequest) -> HttpResponse:
    """GET: every department with its reviewer; POST: assign the ticked departments to the
    reviewer chosen (``none``: take the assignment back)."""
    actor = actor_of(request)
    require(can_assign(actor))
    if request.method == "POST":
        reviewer = request.POST.get("reviewer", "")
        try:
            count = assign_departments(
                actor=actor,
                department_ids=[
                    pk for raw in request.POST.getlist("department") if (pk := as_int(raw))
                ],
                reviewer_id=None if reviewer == "none" else as_int(reviewer) or -1,
            )
        except AssignmentRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, f"已分配 {count} 个主管部门。")
        return redirect(reverse("projects:assignments"))
    reviewers = finance_reviewers()
    names = dict(reviewers)
    return render(
        request,
        "review/assignments.html",
        {
            "nav": "assignments",
            "reviewers": reviewers,
            "rows": [
                (department, names.get(reviewer_id, "") if reviewer_id else "")
                for department, reviewer_id in department_assignments()
            ],
        },
    )
