"""The bulk import pages (administrators only): upload, preview, then commit or cancel.

The uploaded bytes (and pasted text) are kept only while the preview needs them: as a
``StagedImport`` in the database (so every process and host serving the site finds them),
named by a random id that the session holds and the preview page posts back; only the user who
uploaded may see, commit or cancel it (anyone else gets 404). The commit marks it consumed in
the import's own transaction, so a second click on 确认导入 imports nothing; a cancel deletes
it; stale ones go after a day. The preview page re-reads the upload, and the commit re-reads
it again and refuses when what it finds differs from what the preview showed (the page posts
the preview's fingerprint back); the service then re-checks under lock.

An upload larger than ``IMPORT_BACKGROUND_BYTES``, or holding a PDF, is read and committed by
the worker (``ImportJob``): the preview page shows the job's progress until the preview it
rendered is ready, then the commit's until it is done; an interrupted job may be retried.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from projects.errors import as_int
from projects.filing.checking import check_plan
from projects.forms import WholeNumbersField
from projects.importing.pdf import is_pdf_bytes
from projects.models import ImportJob, StagedImport
from projects.permissions import actor_of, can_import, require
from projects.services.import_tasks import start_import_job
from projects.services.importing import (
    CHOICES,
    ImportAlreadyCommitted,
    ImportError_,
    commit_staged,
    done_message,
    read_staged,
    stage_import,
)
from projects.views.uploads import limited_uploads, upload_refusal

SESSION_KEY = "import_preview"
STAGED_FIELD = "staged"  # the staged upload's id, posted back by the preview page
MAX_FILES = 20


def importer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require(can_import(actor_of(request)))
        return view(request, *args, **kwargs)

    return wrapper


class UploadForm(forms.Form):
    text = forms.CharField(
        label="或粘贴从 Excel 复制的表格",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "form-control font-monospace"}),
    )
    year = forms.IntegerField(
        label="预算年度",
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="表上没有年度时必填（如深圳表样）。",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )


class OverwriteForm(forms.Form):
    """The forms under revision the administrator ticked on the preview (their ids): an
    import overwrites those alone of the forms their units are revising."""

    overwrite = WholeNumbersField(required=False)

    def ids(self) -> list[int]:
        return list(self.cleaned_data["overwrite"]) if self.is_valid() else []


# --------------------------------------------------------------------------- staged uploads


def get_staged_for_user(request: HttpRequest, token: str | None) -> StagedImport | None:
    """The user's staged upload named by ``token`` (posted back or in the query), else the one
    the session holds; None when there is none (never was, cancelled, purged). 404 for a token
    that names someone else's."""
    if not token:
        token = request.session.get(SESSION_KEY)
        if not isinstance(token, str):
            return None
    try:
        pk = uuid.UUID(token)
    except ValueError:
        return None
    staged = StagedImport.objects.filter(pk=pk).first()
    if staged is not None and staged.user_id != request.user.pk:
        raise Http404
    return staged


def _forget(request: HttpRequest, staged: StagedImport) -> None:
    if request.session.get(SESSION_KEY) == str(staged.pk):
        request.session.pop(SESSION_KEY, None)


def _already_committed(request: HttpRequest, staged: StagedImport) -> HttpResponse:
    _forget(request, staged)
    messages.info(request, "这次导入已经提交过了，没有再次导入。")
    return redirect("projects:form_list")


# --------------------------------------------------------------------------- views


@limited_uploads(max_files=MAX_FILES)
@importer_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """The upload: files (streamed to disk, each refused past the size limit while it
    arrives, at most ``MAX_FILES``: ``limited_uploads``) and pasted text."""
    refused = upload_refusal(request) if request.method == "POST" else ""
    upload_form = UploadForm(request.POST or None)
    if refused:
        upload_form.is_valid()
        upload_form.add_error(None, refused)
    elif request.method == "POST" and upload_form.is_valid():
        files = request.FILES.getlist("files")
        text = upload_form.cleaned_data["text"] or ""
        if not files and not text.strip():
            upload_form.add_error(None, "请选择文件或粘贴表格。")
        else:
            # each file at most IMPORT_MAX_UPLOAD_BYTES (the limiter stopped any larger one)
            uploads = [(Path(f.name or "").name or "未命名", f.read()) for f in files]
            previous = get_staged_for_user(request, None)
            if previous is not None and not previous.is_consumed:
                previous.delete()  # replaced by this upload (as a cancel would)
            staged = stage_import(
                actor=actor_of(request),
                uploads=uploads,
                text=text,
                year=upload_form.cleaned_data["year"],
            )
            request.session[SESSION_KEY] = str(staged.pk)
            if _for_the_worker(uploads, text):
                _start(staged, ImportJob.Kind.READ)
            return redirect("projects:import_preview")
    return render(
        request,
        "projects/import_upload.html",
        {
            "nav": "import",
            "upload_form": upload_form,
            "limit_mb": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024),
            "max_files": MAX_FILES,
            "pdf_pages": settings.IMPORT_PDF_MAX_PAGES,
        },
    )


@importer_required
@require_http_methods(["GET"])
def import_preview(request: HttpRequest) -> HttpResponse:
    staged = get_staged_for_user(request, request.GET.get(STAGED_FIELD))
    if staged is None:
        messages.info(request, "没有待确认的导入，请重新上传。")
        return redirect("projects:import_upload")
    job = staged.jobs.first()  # the latest, for an upload the worker handles
    if job is not None and job.kind == ImportJob.Kind.COMMIT and job.state == ImportJob.State.DONE:
        _forget(request, staged)
        messages.success(request, job.result.get("message") or "导入完成。")
        return redirect("projects:form_list")
    if staged.is_consumed:
        return _already_committed(request, staged)
    if job is not None and job.state != ImportJob.State.DONE:
        return render(
            request,
            "projects/import_job.html",
            {
                "nav": "import",
                "job": job,
                "staged": staged,
                "max_attempts": settings.JOB_MAX_ATTEMPTS,
            },
        )
    if job is not None:  # the worker's read: the preview it rendered
        overview, table = job.result, mark_safe(job.preview)
    else:
        plan = read_staged(staged)
        check_plan(plan)
        overview = plan.overview()
        table = mark_safe(render_to_string("projects/partials/import_plan.html", {"plan": plan}))
    return render(
        request,
        "projects/import_preview.html",
        {"nav": "import", "overview": overview, "table": table, "staged": staged},
    )


@importer_required
@require_POST
def import_commit(request: HttpRequest) -> HttpResponse:
    staged = get_staged_for_user(request, request.POST.get(STAGED_FIELD))
    if staged is None:
        messages.error(request, "没有待确认的导入，请重新上传。")
        return redirect("projects:import_upload")
    if staged.is_consumed:
        return _already_committed(request, staged)
    fingerprint = request.POST.get("fingerprint", "")
    choice = request.POST.get("choice", "all")
    if choice not in CHOICES:
        choice = "all"
    overwrite = OverwriteForm(request.POST).ids()
    if staged.jobs.exists():  # read by the worker: committed by it too
        options: dict[str, Any] = {"fingerprint": fingerprint, "choice": choice}
        if overwrite:
            options["overwrite"] = overwrite
        _start(staged, ImportJob.Kind.COMMIT, options)
        return redirect(_preview_url(request, staged))
    try:
        result, held_back = commit_staged(
            staged=staged,
            actor=actor_of(request),
            fingerprint=fingerprint,
            choice=choice,
            overwrite=overwrite,
        )
    except ImportAlreadyCommitted:
        return _already_committed(request, staged)
    except ImportError_ as error:
        messages.error(request, error.message)
        return redirect(_preview_url(request, staged))
    _forget(request, staged)
    messages.success(request, done_message(result, held_back))
    return redirect("projects:form_list")


@importer_required
@require_POST
def import_retry(request: HttpRequest) -> HttpResponse:
    """Run an upload's interrupted job again; or, after a failed commit, read it again for a
    new preview."""
    staged = get_staged_for_user(request, request.POST.get(STAGED_FIELD))
    if staged is None or staged.is_consumed:
        return redirect(
            _preview_url(request, staged) if staged else reverse("projects:import_upload")
        )
    job_id = as_int(request.POST.get("job", ""))
    if job_id is None:
        _start(staged, ImportJob.Kind.READ)
    else:
        try:
            job, run = ImportJob.objects.retry(pk=job_id, staged=staged)
        except ImportJob.DoesNotExist:
            raise Http404 from None
        if run:
            start_import_job(job)
    return redirect(_preview_url(request, staged))


def _for_the_worker(uploads: list[tuple[str, bytes]], text: str) -> bool:
    """Whether the worker reads and commits the upload: a big one, or any PDF (a few tenths of
    a second a page: read once, by the worker, not again on every view of the preview)."""
    size = sum(len(data) for _name, data in uploads) + len(text.encode())
    return size > settings.IMPORT_BACKGROUND_BYTES or any(
        is_pdf_bytes(data) for _name, data in uploads
    )


def _start(staged: StagedImport, kind: str, options: dict[str, Any] | None = None) -> ImportJob:
    """The upload's job of this kind, started now, or the one it has running (a second
    click)."""
    job, run = ImportJob.objects.start(staged=staged, kind=kind, options=options)
    if run:
        start_import_job(job)
    return job


@importer_required
@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    staged = get_staged_for_user(request, request.POST.get(STAGED_FIELD))
    if staged is not None:
        _forget(request, staged)
        staged.delete()
    messages.info(request, "已取消导入，上传的文件已删除。")
    return redirect("projects:import_upload")


def _preview_url(request: HttpRequest, staged: StagedImport) -> str:
    """The preview of this upload (named, when the session holds another: uploaded since in
    another tab)."""
    url = reverse("projects:import_preview")
    if request.session.get(SESSION_KEY) == str(staged.pk):
        return url
    return f"{url}?{urlencode({STAGED_FIELD: staged.pk})}"
