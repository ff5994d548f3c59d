"""The bulk import pages (administrators only): upload, preview, then commit or cancel.

The uploaded bytes (and pasted text) are kept only while the preview needs them: in a private
temporary directory named by a random token that the session holds, deleted on commit or cancel
(and any left behind by abandoned previews after a day). The preview page re-reads them, and the
commit re-reads them again and refuses when what it finds differs from what the preview showed
(the page posts the preview's fingerprint back); the service then re-checks under lock.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from projects.filing.checking import check_plan
from projects.permissions import actor_of, can_import, require
from projects.services.importing import ImportError_, ImportPlan, commit_import, read_sources

SESSION_KEY = "import_preview"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_FILES = 20
STALE_SECONDS = 24 * 3600


def importer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require(can_import(actor_of(request)))
        return view(request, *args, **kwargs)

    return wrapper


class UploadForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("或粘贴从 Excel 复制的表格"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "form-control font-monospace"}),
    )
    year = forms.IntegerField(
        label=gettext_lazy("预算年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=gettext_lazy("表上没有年度时必填（如深圳表样）。"),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )


# --------------------------------------------------------------------------- storage


def _root() -> Path:
    return Path(tempfile.gettempdir()) / "perfgoals-import"


def _purge_stale() -> None:
    root = _root()
    if not root.is_dir():
        return
    cutoff = time.time() - STALE_SECONDS
    for entry in root.iterdir():
        try:
            if entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _store(uploads: list[tuple[str, bytes]], text: str, year: int | None) -> str:
    _purge_stale()
    token = secrets.token_urlsafe(24)
    folder = _root() / token
    folder.mkdir(parents=True, mode=0o700)
    for index, (_name, data) in enumerate(uploads):
        (folder / f"{index}.bin").write_bytes(data)
    (folder / "text.txt").write_text(text, encoding="utf-8")
    manifest = {"names": [name for name, _data in uploads], "year": year}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    return token


def _folder(request: HttpRequest) -> Path | None:
    token = request.session.get(SESSION_KEY, "")
    if not isinstance(token, str) or not TOKEN.match(token):
        return None
    folder = _root() / token
    return folder if (folder / "manifest.json").is_file() else None


def _load(folder: Path) -> ImportPlan:
    manifest = json.loads((folder / "manifest.json").read_text())
    uploads = [
        (name, (folder / f"{i}.bin").read_bytes()) for i, name in enumerate(manifest["names"])
    ]
    text = (folder / "text.txt").read_text(encoding="utf-8")
    return read_sources(uploads=uploads, text=text or None, year=manifest["year"])


def _discard(request: HttpRequest) -> None:
    folder = _folder(request)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    request.session.pop(SESSION_KEY, None)


# --------------------------------------------------------------------------- views


@importer_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    upload_form = UploadForm(request.POST or None)
    if request.method == "POST" and upload_form.is_valid():
        files = request.FILES.getlist("files")
        text = upload_form.cleaned_data["text"] or ""
        if not files and not text.strip():
            upload_form.add_error(None, _("请选择文件或粘贴表格。"))
        elif len(files) > MAX_FILES:
            upload_form.add_error(None, _("一次最多导入 %(count)s 个文件。") % {"count": MAX_FILES})
        else:
            limit = settings.IMPORT_MAX_UPLOAD_BYTES
            # read one byte past the limit: enough for the service to refuse the file
            uploads = [(Path(f.name or "").name or _("未命名"), f.read(limit + 1)) for f in files]
            _discard(request)
            request.session[SESSION_KEY] = _store(uploads, text, upload_form.cleaned_data["year"])
            return redirect("projects:import_preview")
    return render(
        request,
        "projects/import_upload.html",
        {
            "nav": "import",
            "upload_form": upload_form,
            "limit_mb": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024),
        },
    )


@importer_required
@require_http_methods(["GET"])
def import_preview(request: HttpRequest) -> HttpResponse:
    folder = _folder(request)
    if folder is None:
        messages.info(request, _("没有待确认的导入，请重新上传。"))
        return redirect("projects:import_upload")
    plan = _load(folder)
    check_plan(plan)
    return render(
        request,
        "projects/import_preview.html",
        {
            "nav": "import",
            "plan": plan,
            "summary": plan.summary(),
            "fingerprint": plan.fingerprint(),
        },
    )


@importer_required
@require_POST
def import_commit(request: HttpRequest) -> HttpResponse:
    folder = _folder(request)
    if folder is None:
        messages.error(request, _("没有待确认的导入，请重新上传。"))
        return redirect("projects:import_upload")
    plan = _load(folder)
    if plan.fingerprint() != request.POST.get("fingerprint"):
        messages.error(request, _("预览之后系统中的数据已有变化，请核对新的预览后再确认。"))
        return redirect("projects:import_preview")
    try:
        result = commit_import(plan=plan, actor=actor_of(request))
    except ImportError_ as error:
        messages.error(request, error.message)
        return redirect("projects:import_preview")
    _discard(request)
    messages.success(
        request,
        _("导入完成：新建 %(created)s 张，更新 %(updated)s 张，%(unchanged)s 张无变化。")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("projects:form_list")


@importer_required
@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    _discard(request)
    messages.info(request, _("已取消导入，上传的文件已删除。"))
    return redirect("projects:import_upload")
