"""我的常用意见: a reviewer's own quick picks of review opinions, added and removed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from projects.errors import as_int
from projects.models import OPINION_LIMIT
from projects.permissions import actor_of
from projects.review.opinions import OpinionRefused, delete_opinion, my_opinions, save_opinion


@login_required
@require_http_methods(["GET", "POST"])
def my_opinions_page(request: HttpRequest) -> HttpResponse:
    """GET: the reviewer's own quick picks; POST: add one (``text``) or remove one
    (``delete``)."""
    actor = actor_of(request)
    if request.method == "POST":
        try:
            if delete := request.POST.get("delete"):
                delete_opinion(actor=actor, opinion_id=as_int(delete) or -1)
                messages.success(request, "已删除这条常用意见。")
            else:
                save_opinion(actor=actor, text=request.POST.get("text", ""))
                messages.success(request, "已保存常用意见，审核时可在“常用意见”中选用。")
        except OpinionRefused as refused:
            messages.error(request, refused.message)
        return redirect(reverse("projects:my_opinions"))
    return render(
        request,
        "review/my_opinions.html",
        {
            "nav": "opinions",
            "opinions": my_opinions(actor),
            "opinion_limit": OPINION_LIMIT,
        },
    )
