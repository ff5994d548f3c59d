"""Uploads refused while they stream in, before anything is kept.

``limited_uploads(max_files=…)`` puts an ``UploadLimiter`` in front of the request's upload
handlers, and the temporary-file handler behind it (an uploaded file goes to a temporary file
on disk as it arrives, never whole into memory). The limiter counts each file's bytes and the
files as they arrive: at the first file past ``IMPORT_MAX_UPLOAD_BYTES``, at the byte that
takes the files together past ``IMPORT_MAX_TOTAL_BYTES``, or past the number of files allowed,
it stops the upload (``StopUpload``). The file arriving is closed and its
temporary file deleted, as the earlier ones are with the request; the rest of the body is read
and dropped a chunk at a time (so the browser, still sending, gets the page that says why).
The view asks ``upload_refusal(request)`` first and stores nothing when it says why. (A
deployment's reverse proxy should cap the request's size too: ``client_max_body_size``.)

The view must not be protected by ``CsrfViewMiddleware`` (which reads the body before the view
could choose its handlers): the decorator exempts it and checks the token itself, once the
handlers are in place, as Django's documentation shows.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

_LIMITER = "_upload_limiter"
DRAIN_CHUNK = 64 * 1024


def megabytes(size: int) -> str:
    return f"{size / 1048576:.0f} MB" if size % 1048576 == 0 else f"{size / 1048576:.1f} MB"


class UploadLimiter(FileUploadHandler):
    """Counts the upload as it streams and stops it at the first file too large or too many;
    passes every chunk on to the next handler (the temporary file) otherwise."""

    def __init__(
        self, request: HttpRequest, *, max_files: int, max_bytes: int, max_total: int
    ) -> None:
        super().__init__(request)
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.max_total = max_total
        self.files = 0
        self.received = 0  # of the file arriving now
        self.total = 0  # of all the files so far
        self.name = ""
        self.refused = ""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.files += 1
        self.received = 0
        self.name = file_name
        if self.files > self.max_files:
            self._refuse(f"一次最多上传 {self.max_files} 个文件，请分批导入。")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        self.total += len(raw_data)
        if self.total > self.max_total:
            self._refuse(
                f"这次上传的文件合计超过上限 {megabytes(self.max_total)}，未上传任何文件。"
                "请分几次导入。"
            )
        if self.received > self.max_bytes:
            self._refuse(
                f"文件“{self.name}”超过上限 {megabytes(self.max_bytes)}，未上传任何文件。"
                "请拆分成几个文件后重新上传。"
            )
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the temporary file handler behind makes the file

    def _refuse(self, message: str) -> None:
        self.refused = message
        # The rest of the body is read and dropped here, a chunk at a time (no memory, no
        # disk), so that the browser, still sending, receives the page that says why. (Not by
        # the parser: it would read it by lines, and a file without line breaks is one line.)
        assert self.request is not None
        while self.request.read(DRAIN_CHUNK):
            pass
        raise StopUpload(connection_reset=True)


def upload_refusal(request: HttpRequest) -> str:
    """Why the request's upload was stopped, or ``""`` (reads the body, if not read yet)."""
    request.FILES  # noqa: B018 (parses the body through the handlers)
    limiter = getattr(request, _LIMITER, None)
    return limiter.refused if isinstance(limiter, UploadLimiter) else ""


def limited_uploads(
    *, max_files: int
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view that takes file uploads (the outermost decorator): at most
    ``max_files`` files of at most ``IMPORT_MAX_UPLOAD_BYTES`` each and
    ``IMPORT_MAX_TOTAL_BYTES`` together, streamed to disk, the
    CSRF token checked after the handlers are set."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            limiter = UploadLimiter(
                request,
                max_files=max_files,
                max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
                max_total=settings.IMPORT_MAX_TOTAL_BYTES,
            )
            setattr(request, _LIMITER, limiter)
            request.upload_handlers = [limiter, TemporaryFileUploadHandler(request)]
            return protected(request, *args, **kwargs)

        return wrapper

    return decorate
