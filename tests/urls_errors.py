"""The site's URLs plus views that fail on purpose, for tests/test_error_pages.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from perfgoals.urls import urlpatterns as site_patterns

REASON = "只有本单位的填报人可以修改这张表。<script>alert('x')</script>"


def denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(REASON)


def denied_without_reason(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("No ExportJob matches the given query.")  # Django's English: never shown


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("Invalid HTTP_HOST header")  # Django's English: never shown


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("something broke")


urlpatterns = [
    *site_patterns,
    path("test-errors/denied/", denied),
    path("test-errors/denied-plain/", denied_without_reason),
    path("test-errors/missing/", missing),
    path("test-errors/broken/", broken),
    path("test-errors/bad/", suspicious),
]
