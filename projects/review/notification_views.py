"""A person's notices: the list, the unread count in the navigation (fetched by htmx after the
page, so it costs the page no query), opening one (which marks it read) and marking all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from projects.models import Notification
from projects.review.notify import mark_read, unread_count

PAGE_SIZE = 50


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    mine = (
        Notification.objects.filter(recipient_id=request.user.pk)
        .select_related("form__project")
        .order_by("-created_at", "-id")
    )
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "review/notifications.html", {"nav": "notifications", "page": page})


@login_required
@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The unread count as a badge (empty when none), for the navigation."""
    assert request.user.pk is not None
    count = unread_count(request.user.pk)
    response = render(request, "review/partials/unread_badge.html", {"count": count})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notice read and go to its form or report (whose page checks who may see
    it)."""
    notice = get_object_or_404(
        Notification.objects.select_related("form"), pk=pk, recipient_id=request.user.pk
    )
    assert request.user.pk is not None
    mark_read(request.user.pk, [notice.pk])
    return redirect(notice.get_absolute_url())


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    assert request.user.pk is not None
    mark_read(request.user.pk)
    return redirect("projects:notifications")
