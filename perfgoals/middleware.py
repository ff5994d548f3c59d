"""Request-wide security helpers: private caching of signed-in pages, the client's address
behind reverse proxies."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers


class PrivateCacheMiddleware:
    """Every answer to a signed-in user (a page with a form, a download, a redirect) is for
    that user alone: ``Cache-Control: private, no-cache`` unless the view said otherwise, and
    ``Vary: Cookie``, so that no shared cache (a proxy, a gateway) keeps or serves it to
    someone else, and the browser asks again before showing it from its cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not response.has_header("Cache-Control"):
                response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, ("Cookie",))
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the login lockout (django-axes), behind ``PROXY_COUNT``
    reverse proxies: the entry the outermost proxy appended to X-Forwarded-For. Entries left
    of it come from the client and may be forged."""
    count: int = settings.PROXY_COUNT
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if count > 0 and len(forwarded) >= count:
        return forwarded[-count]
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None
