"""Downloads of the official tables: one form, or a batch (at once when small, as a background
job with a progress page when large). A job is its owner's alone (404 for anyone else); the same
request while it runs returns it; a failed, interrupted or expired job is run again from the
export page (POST ``retry``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from projects.exporting import TABLE_FORMATS, ExportError, Rendered
from projects.exporting.batch import check_batch_size, export_batch, export_form, select_forms
from projects.exporting.forms import ExportRequestForm
from projects.exporting.queue import queue_workbook
from projects.exporting.tasks import enqueue_export_job, purge_exports
from projects.forms import RetryForm, VersionForm
from projects.layouts import LAYOUTS, is_per_form
from projects.models import ExportJob
from projects.permissions import actor_of, get_form_for_actor
from projects.review.queue_filters import filtered_queue

PURGE_PER_REQUEST = 20  # expired files deleted on each export request (the command does all)


def _user_id(request: HttpRequest) -> int:
    """The signed-in user's id (the views below require a login)."""
    if request.user.pk is None:
        raise Http404
    return int(request.user.pk)


def _download(rendered: Rendered) -> HttpResponse:
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = content_disposition_header(True, rendered.filename)
    response["Cache-Control"] = "private"
    return response


@login_required
@require_GET
def form_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """One form as PDF or xlsx, in its layout or (``?layout=``) the other per-form one, at
    the version in force or (``?version=N``, which the form page's links carry) the version
    the page showed; 404 for a version the form has no record of."""
    if fmt not in TABLE_FORMATS:
        raise Http404
    form = get_form_for_actor(actor_of(request), pk)
    version_form = VersionForm(request.GET)
    if not version_form.is_valid():
        raise Http404
    layout = request.GET.get("layout", "")
    if layout and not is_per_form(layout):
        # the 广州 table is a department's, not one form's: say so rather than silently
        # giving another layout
        messages.error(
            request,
            f"“{LAYOUTS[layout].label if layout in LAYOUTS else layout[:30]}”不是单张表的表样，请在“批量导出”中按部门导出。",
        )
        return redirect(form.get_absolute_url())
    try:
        rendered = export_form(
            form=form, fmt=fmt, layout=layout, version=version_form.cleaned_data["version"]
        )
    except ExportError as error:
        raise Http404(error.message) from error
    return _download(rendered)


def _get_job_for_user(request: HttpRequest, pk: int) -> ExportJob:
    """The signed-in user's job, or 404 (another user's job is not found either)."""
    try:
        return ExportJob.objects.of_user(_user_id(request)).get(pk=pk)
    except ExportJob.DoesNotExist:
        raise Http404("没有找到这个导出任务。") from None


def _retry(request: HttpRequest) -> HttpResponse:
    """Run the user's failed, interrupted or expired job again (one retry at a time)."""
    retry_form = RetryForm(request.POST)
    if not retry_form.is_valid():
        raise Http404("没有找到这个导出任务。")
    pk = retry_form.cleaned_data["retry"]
    try:
        shown, queued = ExportJob.objects.retry(pk=pk, user_id=_user_id(request))
    except ExportJob.DoesNotExist:
        raise Http404("没有找到这个导出任务。") from None
    if queued:
        enqueue_export_job(shown)
    elif shown.pk != pk:
        messages.info(request, "相同条件的导出任务正在进行，已为您打开。")
    elif shown.in_progress:
        messages.info(request, "这个导出任务已在重新生成。")
    return redirect("projects:export_job", pk=shown.pk)


@login_required
@require_http_methods(["GET", "POST"])
def export_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "retry" in request.POST:
        return _retry(request)
    actor = actor_of(request)
    request_form = ExportRequestForm(request.POST or None, actor=actor)
    if request.method == "POST" and request_form.is_valid():
        purge_exports(limit=PURGE_PER_REQUEST)
        selection = request_form.selection()
        count = select_forms(actor=actor, selection=selection).count()
        problem = ""
        if count == 0:
            problem = "没有符合条件的绩效目标表。"
        else:
            try:
                check_batch_size(selection=selection, count=count)
            except ExportError as error:
                problem = str(error)
        if problem:
            request_form.add_error(None, problem)
        elif count <= settings.EXPORT_INLINE_MAX_FORMS:
            return _download(export_batch(actor=actor, selection=selection))
        else:
            job, queued = ExportJob.objects.start_or_join(
                user_id=_user_id(request), selection=selection.as_json(), total=count
            )
            if queued:
                enqueue_export_job(job)
            else:
                messages.info(request, "相同条件的导出任务正在进行，已为您打开。")
            return redirect("projects:export_job", pk=job.pk)
    jobs = ExportJob.objects.of_user(_user_id(request))[:10]
    return render(
        request,
        "projects/export_page.html",
        {
            "request_form": request_form,
            "jobs": jobs,
            "ttl_hours": settings.EXPORT_FILE_TTL_HOURS,
            "nav": "export",
        },
    )


@login_required
@require_GET
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    return render(
        request,
        "projects/export_job.html",
        {"job": job, "ttl_hours": settings.EXPORT_FILE_TTL_HOURS, "nav": "export"},
    )


@login_required
@require_GET
def export_job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The finished file, through the storage (any storage Django is configured with)."""
    job = _get_job_for_user(request, pk)
    if not job.can_download:
        raise Http404("这个导出文件不存在或已过期。")
    response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
    response["Cache-Control"] = "private"
    return response


@login_required
@require_GET
def queue_export(request: HttpRequest) -> HttpResponse:
    """The whole filtered queue (every page) as an xlsx."""
    forms, _filters = filtered_queue(actor_of(request), request.GET)
    rendered = queue_workbook(
        list(forms), url_for=lambda form: request.build_absolute_uri(form.get_absolute_url())
    )
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = content_disposition_header(True, rendered.filename)
    response["Cache-Control"] = "private"
    return response
