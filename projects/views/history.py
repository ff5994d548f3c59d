"""A form's history: two versions compared, field by field and indicator by indicator."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from projects.errors import DomainError
from projects.history import compare_versions
from projects.permissions import actor_of, can_view, get_form_for_actor


def _version(request: HttpRequest, name: str, default: int) -> int:
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        raise Http404 from None
    return value


@login_required
@require_GET
def form_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """``?old=N&new=M`` (default: the version before the current one, and the current one)."""
    form = get_form_for_actor(actor_of(request), pk, check=can_view)
    new = _version(request, "new", form.version)
    old = _version(request, "old", new - 1)
    try:
        diff = compare_versions(form, old, new)
    except DomainError as error:
        raise Http404(error.message) from error
    versions = sorted(set(form.events.values_list("version", flat=True)))
    return render(
        request,
        "projects/form_compare.html",
        {"nav": "forms", "form": form, "diff": diff, "old": old, "new": new, "versions": versions},
    )
