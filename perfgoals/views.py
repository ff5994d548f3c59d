"""Site-wide pages that are not about forms: the CSRF failure page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form was posted without a valid CSRF token (usually a page left open past the session,
    or cookies blocked): say so in Chinese and how to go on. ``reason`` (Django's English, for
    developers) is logged by Django and not shown."""
    return render(request, "403_csrf.html", status=403)
