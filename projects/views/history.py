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
from projects.permissions import actor_of, can_view, get_form_for_actor, visible_forms


@login_required
@require_GET
def form_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """``?old=N&new=M``; by default what changed since the form was last returned (when it
    has changed since), else the version before the current one against the current one.
    ``?against=last_year``: the same project's form of the year before against this one."""
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
    default_old = returned if returned is not None and returned < form.version else None
    asked = CompareForm(request.GET)
    if not asked.is_valid():
        raise Http404
    new = asked.cleaned_data["new"]
    new = form.version if new is None else new
    old = asked.cleaned_data["old"]
    if old is None:
        # the version recorded before ``new`` (an editing session's saves are one version in
        # the history, so the numbers have gaps)
        before = [v for v in versions if v < new]
        old = default_old if default_old is not None else (before[-1] if before else new - 1)
    try:
        diff = compare_versions(form, old, new)
    except DomainError as error:
        raise Http404(error.message) from error
    return render(
        request,
        "projects/form_compare.html",
        context | {"diff": diff, "old": old, "new": new, "returned": returned},
    )
