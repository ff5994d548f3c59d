"""A form's history: two versions compared, field by field and indicator by indicator."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from projects.content import diff_content, load_content
from projects.errors import DomainError
from projects.forms import CompareForm
from projects.history import compare_versions, returned_version
from projects.models import PerformanceForm
from projects.permissions import actor_of, can_view, get_form_for_actor, visible_forms


@login_required
@require_GET
def form_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """``?old=N&new=M``, each optional (``default_old``: an adjustment against the approved
    version, a resubmission since it was returned, else the version before). A form with
    one version on record shows that and offers last year's form: ``?against=last_year``,
    the same project's form of the year before against this one."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_view)
    versions = sorted(set(form.events.values_list("version", flat=True)))
    context = {"nav": "forms", "form": form, "versions": versions}
    last_year = (
        visible_forms(actor)
        .filter(project_id=form.project_id, fiscal_year=form.fiscal_year - 1)
        .with_content()
        .first()
    )
    context["last_year"] = last_year
    if request.GET.get("against") == "last_year":
        if last_year is None:
            raise Http404("这个项目没有上一年度的绩效目标表。")
        diff = diff_content(load_content(last_year), load_content(form))
        return render(
            request,
            "projects/form_compare.html",
            context | {"diff": diff, "against_last_year": True},
        )
    returned = returned_version(form)
    asked = CompareForm(request.GET)
    if not asked.is_valid():
        raise Http404
    new = asked.cleaned_data["new"]
    new = form.version if new is None else new
    old = asked.cleaned_data["old"]
    if old is None:
        old = default_old(form, new, versions, returned)
    if old is None:  # one version on record (an imported or rolled-over form): nothing before
        return render(
            request,
            "projects/form_compare.html",
            context | {"single": True, "new": new, "returned": returned},
        )
    try:
        diff = compare_versions(form, old, new)
    except DomainError as error:
        raise Http404(error.message) from error
    return render(
        request,
        "projects/form_compare.html",
        context
        | {
            "diff": diff,
            "old": old,
            "new": new,
            "returned": returned,
            "against_approved": form.is_adjusting and old == form.approved_version,
        },
    )


def default_old(
    form: PerformanceForm, new: int, versions: list[int], returned: int | None
) -> int | None:
    """The version ``new`` is compared with unless one is asked for: while an adjustment is
    open, the approved version (what approving it would change); else the version it was
    last returned at (when it has changed since); else the version before it on record.
    ``None`` when there is none (the form's one version)."""
    if form.is_adjusting and form.approved_version is not None and form.approved_version < new:
        return form.approved_version
    if returned is not None and returned < new:
        return returned
    earlier = [version for version in versions if version < new]
    return earlier[-1] if earlier else None
