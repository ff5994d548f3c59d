"""The filer's pages: the editor, a new form, and this year's form started from last year's."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from projects.content import diff_content
from projects.filing.checking import last_year_of
from projects.filing.editor import PREFIX, Editor, InputProblem
from projects.filing.forms import CategoryForm, IndicatorFormSet, NewFormForm, field_name
from projects.filing.last_year import actuals_of
from projects.filing.rows import indicator_row
from projects.filing.services import (
    FilingError,
    InvalidContent,
    VersionConflict,
    create_form,
    resolve_import_leftover,
    roll_over_form,
    save_draft,
)
from projects.forms import NewRowsForm, SeenVersionForm
from projects.layouts import layout_choices
from projects.models import COMMENT_LIMIT, DEFAULT_LAYOUT, Comment, Organization, PerformanceForm
from projects.permissions import (
    actor_of,
    can_adjust,
    can_answer,
    can_edit,
    can_roll_over,
    can_view,
    get_form_for_actor,
)

SESSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
TOTAL = f"{PREFIX}-TOTAL_FORMS"
MAX_ROWS = IndicatorFormSet.max_num


def _edit_session(request: HttpRequest) -> str:
    """The editor page's own token (posted back), or a new one for a page being opened."""
    posted = request.POST.get("edit_session", "")
    return posted if SESSION_TOKEN.fullmatch(posted) else secrets.token_urlsafe(16)


def _by_field(comments: list[Comment]) -> dict[str, list[Comment]]:
    """Open comments on a field, by the editor's name for the field."""
    found: dict[str, list[Comment]] = {}
    for comment in comments:
        if comment.field and comment.indicator is None:
            found.setdefault(field_name(comment.field), []).append(comment)
    return found


def _editor_page(
    request: HttpRequest, editor: Editor, *, version: int, status: int = 200, **extra: Any
) -> HttpResponse:
    form = editor.form
    last_year = last_year_of(form)  # its content, the rows' origins and what they achieved
    # one result for the checklist and the fields: the checks on what can be saved of it,
    # and what cannot (which the fields show, each with its reason)
    if editor.bound:
        editor.is_valid()
    findings = editor.findings(last_year)
    open_comments = list(
        form.comments.filter(resolved_at__isnull=True).select_related("indicator", "author")
    )
    by_uid: dict[str, list[Comment]] = {}
    for comment in open_comments:
        if comment.indicator is not None:
            by_uid.setdefault(str(comment.indicator.uid), []).append(comment)
    context = {
        "nav": "forms",
        "form": form,
        "editor": editor,
        "version": version,
        "findings": findings,
        "errors": [f for f in findings if f.is_error],
        "problems": editor.problems(),
        "groups": editor.groups(findings, last_year, by_uid),
        "form_comments": [c for c in open_comments if c.indicator is None and not c.field],
        "field_comments": _by_field(open_comments),
        # the unit answers each beside what it is about (the forms sit outside the editor)
        "answer_comments": open_comments,
        "may_answer": can_answer(actor_of(request), form)[0],
        "comment_limit": COMMENT_LIMIT,
        "field_findings": editor.field_findings(findings),
        "last_year": last_year.content,
        "edit_session": _edit_session(request),
        **extra,
    }
    return render(request, "filing/editor.html", context, status=status)


def _background(request: HttpRequest) -> bool:
    """A save the page sends by itself: htmx's after a change, or the beacon sent as the
    page is hidden or left (``background=1``; a beacon cannot set headers)."""
    return bool(getattr(request, "htmx", False)) or request.POST.get("background") == "1"


@login_required
@require_http_methods(["GET", "POST"])
def form_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        form = get_form_for_actor(actor, pk, check=can_edit)
    except PermissionDenied as denied:
        # an approved form: the refusal points to 申请调整, on the form's page
        readable = get_form_for_actor(actor, pk, check=can_view)
        if not can_adjust(actor, readable)[0]:
            raise
        return render(
            request,
            "403.html",
            {
                "exception": denied,
                "next_url": f"{readable.get_absolute_url()}#actions-title",
                "next_label": "打开这张表，申请调整",
            },
            status=403,
        )
    if request.method == "GET":
        return _editor_page(request, Editor(form), version=form.version)
    seen = SeenVersionForm(request.POST).seen()
    if seen is None:
        return HttpResponseBadRequest("缺少版本号，请重新打开编辑页面。")
    editor = Editor(form, data=request.POST)
    malformed = editor.malformed()
    background = _background(request)
    if malformed is not None:  # never read as "every row deleted"
        if background:
            return _autosaved(request, version=seen, refused=malformed)
        return HttpResponseBadRequest(malformed)
    if background:
        return _autosave(request, editor, seen)
    if not editor.is_valid():
        messages.error(request, "有填写错误，尚未保存：请按提示修改。")
        return _editor_page(request, editor, version=seen, status=400)
    content = editor.content()
    try:
        result = save_draft(
            actor=actor,
            form_id=form.pk,
            seen_version=seen,
            content=content,
            edit_session=_edit_session(request),
            edit_seq=SeenVersionForm(request.POST).sequence(),
        )
    except VersionConflict as conflict:
        # nothing typed is lost: the page keeps it, beside what the newer version says
        return _editor_page(
            request,
            editor,
            version=conflict.version,
            status=409,
            conflict=conflict,
            conflict_diff=diff_content(conflict.current, content),
        )
    except InvalidContent as error:
        messages.error(request, error.message)
        return _editor_page(request, editor, version=seen, status=400)
    except FilingError as error:
        raise PermissionDenied(error.message) from error
    if result.changed:
        messages.success(request, f"已保存为第 {result.form.version} 版。")
    else:
        messages.info(request, "没有改动，无需保存。")
    return redirect("projects:form_edit", pk=form.pk)


def _autosave(request: HttpRequest, editor: Editor, seen: int) -> HttpResponse:
    """A save in the background: everything that can be saved is, and what cannot stays on
    the page as typed, each input marked with its reason and listed in the bar at the top of
    the page. Answers the status line, the version the page now holds, the bar and the
    refreshed checklist. A conflict with another page is only reported: the 保存 button then
    shows both versions, with nothing typed lost."""
    editor.is_valid()
    problems = editor.problems()
    content = editor.content()
    for _attempt in range(len(editor.keys) + 1):
        try:
            result = save_draft(
                actor=actor_of(request),
                form_id=editor.form.pk,
                seen_version=seen,
                content=content,
                edit_session=_edit_session(request),
                edit_seq=SeenVersionForm(request.POST).sequence(),
            )
        except InvalidContent as error:
            if not error.keys:
                return _autosaved(request, version=seen, refused=error.message, problems=problems)
            # save the rest: the fields at fault keep their saved values, and are marked
            for key in error.keys:
                content.set(key, editor.saved.get(key))
                name = field_name(key)
                if name in editor.header_form.fields:
                    bound = editor.header_form[name]
                    typed = str(bound.value() or "")
                    problems.append(InputProblem(name, str(bound.label), error.message, typed))
            continue
        except VersionConflict as conflict:
            if conflict.same_page:  # a later save of this page got there first
                return _autosaved(
                    request,
                    version=conflict.version,
                    message=f"已自动保存为第 {conflict.version} 版。",
                )
            return _autosaved(
                request,
                version=seen,
                refused=(
                    f"这张表已在别处保存为第 {conflict.version} 版，本页的修改没有自动保存："
                    "请点页面下方的“保存”，对照两个版本后再决定。"
                ),
                message=f"另一处已保存第 {conflict.version} 版，未自动保存：请点“保存”核对。",
            )
        except FilingError as error:
            return _autosaved(request, version=seen, refused=error.message)
        break
    else:  # pragma: no cover - each attempt takes one more field out
        return _autosaved(request, version=seen, refused="无法保存，请刷新页面后重试。")
    findings = editor.findings()
    if result.changed:
        message = f"已自动保存为第 {result.form.version} 版。"
    else:
        message = "没有改动。" if not problems else ""
    if problems:
        message += f"有 {len(problems)} 处填写无法保存，见页面顶部。"
    return _autosaved(
        request,
        version=result.form.version,
        message=message,
        problems=problems,
        partly_saved=result.changed,
        row_uids=editor.row_uids(),
        refreshed=True,
        findings=findings,
        errors=[f for f in findings if f.is_error],
    )


def _autosaved(
    request: HttpRequest,
    *,
    version: int,
    refused: str = "",
    message: str = "",
    problems: list[InputProblem] | None = None,
    **extra: Any,
) -> HttpResponse:
    """The background save's answer (``refused``: why nothing was saved; it stays in the bar
    until a save goes through)."""
    context: dict[str, Any] = {
        "version": version,
        "save_failed": bool(refused or problems),
        "save_message": message or refused,
        "save_refused": refused,
        "problems": problems or [],
        "refreshed": False,
        **extra,
    }
    return render(request, "filing/editor.html#autosaved", context)


def _added_rows(
    request: HttpRequest, editor: Editor, category_id: int, values: list[dict[str, str]]
) -> HttpResponse:
    """New rows for the page (htmx), with the formset's count raised to take them."""
    asked = NewRowsForm(request.GET if TOTAL in request.GET else request.POST, prefix=PREFIX)
    start = asked.cleaned_data.get("TOTAL_FORMS") if asked.is_valid() else None
    if start is None:
        return HttpResponseBadRequest("缺少指标行数，请刷新页面。")
    if not 0 <= start <= MAX_ROWS - len(values) or category_id not in editor.order:
        return HttpResponseBadRequest("无法添加指标行，请刷新页面。")
    group, rows = editor.new_rows(category_id, start, values)

    def include(name: str, names: dict[str, Any]) -> str:
        return render_to_string(name, {"editor": editor, **names}, request)

    html = "".join(indicator_row(row, group, editor, include) for row in rows)
    total = f'<input type="hidden" name="{TOTAL}" value="{start + len(rows)}" id="id_{TOTAL}" hx-swap-oob="true">'
    return HttpResponse(html + total)


def _category(request: HttpRequest) -> int:
    """The category asked for (``?category=``), -1 when it names none."""
    asked = NewRowsForm(request.GET)
    category = asked.cleaned_data.get("category") if asked.is_valid() else None
    return -1 if category is None else category


@login_required
@require_GET
def form_edit_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One blank row under a category (the 添加一行 button, with JavaScript)."""
    form = get_form_for_actor(actor_of(request), pk, check=can_edit)
    return _added_rows(request, Editor(form), _category(request), [{}])


@login_required
@require_POST
def form_edit_paste(request: HttpRequest, pk: int) -> HttpResponse:
    """Rows pasted from Excel into a category's table (with JavaScript): read as the save reads
    them, returned as rows to review before saving."""
    form = get_form_for_actor(actor_of(request), pk, check=can_edit)
    editor = Editor(form)
    category_id = _category(request)
    paste_form = CategoryForm(
        request.POST, prefix=f"cat-{category_id}", columns=editor.value_columns
    )
    if not paste_form.is_valid():
        errors = "；".join(str(e) for e in paste_form.errors.get("paste", []))
        return HttpResponse(f'<div class="alert alert-danger small m-2">{escape(errors)}</div>')
    return _added_rows(request, editor, category_id, paste_form.cleaned_data["rows"])


@login_required
@require_http_methods(["GET", "POST"])
def form_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    units = list(Organization.objects.filter(pk__in=actor.filer_units).order_by("name"))
    if not units:
        raise PermissionDenied("只有用款单位的填报人可以新建绩效目标表。")
    new_form = NewFormForm(
        request.POST or None,
        units=[(unit.pk, unit.name) for unit in units],
        layouts=[(key, str(label)) for key, label in layout_choices()],
        initial={"layout": DEFAULT_LAYOUT},
    )
    if request.method == "POST" and new_form.is_valid():
        data = new_form.cleaned_data
        unit = next(unit for unit in units if unit.pk == data["unit"])
        try:
            form = create_form(
                actor=actor,
                unit=unit,
                fiscal_year=data["fiscal_year"],
                layout=data["layout"],
                name=data["name"],
            )
        except FilingError as error:
            new_form.add_error(None, error.message)
        else:
            messages.success(request, "已新建，请填写表的内容。")
            return redirect("projects:form_edit", pk=form.pk)
    return render(request, "filing/new.html", {"nav": "forms", "new_form": new_form})


@login_required
@require_http_methods(["GET", "POST"])
def form_roll_over(request: HttpRequest, pk: int) -> HttpResponse:
    """Start next year's form from this one: a preview of what is copied (each indicator with
    what it achieved this year, from its reports, to weigh next year's target by), then the
    draft."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_roll_over)
    existing = PerformanceForm.objects.filter(
        project_id=form.project_id, fiscal_year=form.fiscal_year + 1
    ).first()
    if request.method == "POST" and existing is None:
        try:
            draft = roll_over_form(actor=actor, form_id=form.pk)
        except FilingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"已按 {form.fiscal_year} 年的表生成 {draft.fiscal_year} 年度草稿，请逐项修改。",
            )
            return redirect("projects:form_edit", pk=draft.pk)
    indicators = list(form.indicators.all())
    actuals = actuals_of([form.pk]) if existing is None else {}
    return render(
        request,
        "filing/roll_over.html",
        {
            "nav": "forms",
            "form": form,
            "existing": existing,
            "next_year": form.fiscal_year + 1,
            "carried": [(row, actuals.get(str(row.uid))) for row in indicators],
            "any_actual": bool(actuals),
        },
    )


@login_required
@require_POST
def form_leftover_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The filer has moved what the import could not place into the form (待修正 no more)."""
    actor = actor_of(request)
    form = get_form_for_actor(actor, pk, check=can_edit)
    try:
        resolve_import_leftover(actor=actor, form_id=form.pk)
    except FilingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已清除“待修正”提示，这张表可以提交了。")
    return redirect("projects:form_edit", pk=form.pk)
