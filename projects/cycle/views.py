"""The cycle's pages: the list of reports (with the finance bureau's tools to open a
monitoring round and start the year's self-evaluations), one report — filled in by its unit,
reviewed like a form, its figures computed as it is saved — and its steps and comments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from projects.cycle.build import (
    CycleRefused,
    may_start,
    open_round,
    start_self_evaluation,
    start_self_evaluations,
)
from projects.cycle.evaluate import evaluate
from projects.cycle.forms import CommentForm, OpenRoundForm, ReportForm, YearForm
from projects.cycle.inputs import FUND_COLUMNS, FUND_ROWS
from projects.cycle.queries import waiting_for
from projects.cycle.services import (
    REPORT_STEPS,
    SheetClash,
    VersionConflict,
    add_comment,
    available_steps,
    can_edit_report,
    resolve_comment,
    save_report,
    take_step,
)
from projects.cycle.sheet import read_report_sheet
from projects.cycle.tables import report_figures
from projects.exporting.reports import report_filename, report_pdf, report_xlsx
from projects.forms import SeenVersionForm
from projects.models import MonitoringRound, PerformanceForm, Report, ReportLine
from projects.permissions import Actor, actor_of, can_comment
from projects.review.notify import after_report_comment, after_report_step
from projects.views.uploads import limited_uploads, upload_refusal

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report_for(actor: Actor, pk: int) -> Report:
    try:
        return Report.objects.visible_to(actor).with_related().get(pk=pk)
    except Report.DoesNotExist:
        raise Http404("没有找到这张表，或您无权查看。") from None


@login_required
@require_http_methods(["GET"])
def report_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = _list_context(request, actor)
    if may_start(actor):
        context |= _tools_context(request)
    return render(request, "cycle/list.html", context)


def _list_context(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    """The list of reports as the query string filters it (the tools' forms post with it, so
    that a refused one shows the same list again)."""
    reports = Report.objects.visible_to(actor).with_related()
    kind = request.GET.get("kind", "")
    if kind in Report.Kind.values:
        reports = reports.filter(kind=kind)
    status = request.GET.get("status", "")
    if status in Report.Status.values:
        reports = reports.filter(status=status)
    if request.GET.get("waiting") == "1":
        reports = reports.filter(pk__in=waiting_for(actor).values("pk"))
    year_text = request.GET.get("year", "")
    if year_text.isdigit():
        reports = reports.filter(fiscal_year=int(year_text))
    page = Paginator(
        reports.order_by("-fiscal_year", "kind", "form__project__name", "id"), PAGE_SIZE
    )
    return {
        "nav": "cycle",
        "page": page.get_page(request.GET.get("page")),
        "kind": kind,
        "status": status,
        "year": year_text,
        "kinds": Report.Kind.choices,
        "statuses": Report.Status.choices,
        "waiting_count": waiting_for(actor)
        .filter(pk__in=Report.objects.visible_to(actor).values("pk"))
        .count(),
        "waiting": request.GET.get("waiting") == "1",
    }


def _tools_context(
    request: HttpRequest,
    round_form: OpenRoundForm | None = None,
    year_form: YearForm | None = None,
) -> dict[str, Any]:
    rounds = MonitoringRound.objects.annotate(
        reports_count=Count("reports"),
        submitted=Count("reports", filter=~Q(reports__status__in=Report.EDITABLE_STATUSES)),
        red=Count("reports", filter=Q(reports__light=Report.Light.RED)),
    )[:10]
    return {
        "may_run_cycle": True,
        "rounds": rounds,
        "round_form": round_form or OpenRoundForm(),
        "year_form": year_form or YearForm(),
    }


@login_required
@require_POST
def round_open(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not may_start(actor):
        raise PermissionDenied("只有财政局的审核人或系统管理员可以发起运行监控。")
    form = OpenRoundForm(request.POST)
    if form.is_valid():
        try:
            round = open_round(
                actor=actor,
                fiscal_year=form.cleaned_data["fiscal_year"],
                months=form.cleaned_data["months"],
                deadline=form.cleaned_data["deadline"],
            )
        except CycleRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                f"已发起{round}：正在为 {round.forms_total} 张已通过的绩效目标表各生成一张监控表"
                "（后台进行，下方可见进度）。",
            )
            return redirect(reverse("cycle:list") + f"?kind=monitoring&year={round.fiscal_year}")
    return _list_again(request, round_form=form)


@login_required
@require_POST
def self_evaluations_start(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not may_start(actor):
        raise PermissionDenied("只有财政局的审核人或系统管理员可以统一发起绩效自评。")
    form = YearForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["fiscal_year"]
        try:
            made = start_self_evaluations(actor=actor, fiscal_year=year)
        except CycleRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                f"正在为 {year} 年度 {made} 张尚无自评表的已通过目标表生成绩效自评表"
                "（后台进行，稍后刷新可见）。"
                if made
                else f"{year} 年度已通过的目标表都已有绩效自评表。",
            )
            return redirect(reverse("cycle:list") + f"?kind=self_evaluation&year={year}")
    return _list_again(request, year_form=form)


def _list_again(request: HttpRequest, **forms: Any) -> HttpResponse:
    """The list as it was (its filters come with the post's query string), with the refused
    tool's form and what it says."""
    actor = actor_of(request)
    context = _list_context(request, actor) | _tools_context(request, **forms)
    return render(request, "cycle/list.html", context, status=400)


@login_required
@require_POST
def self_evaluation_for_form(request: HttpRequest, form_id: int) -> HttpResponse:
    """The form page's 开始绩效自评: the form's self-evaluation (started when there is none)."""
    actor = actor_of(request)
    if not PerformanceForm.objects.visible_to(actor).filter(pk=form_id).exists():
        raise Http404("没有找到这张绩效目标表，或您无权查看。")
    try:
        report = start_self_evaluation(actor=actor, form_id=form_id)
    except CycleRefused as refused:
        raise PermissionDenied(refused.message) from refused
    return redirect("cycle:report", pk=report.pk)


@login_required
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    report = _report_for(actor, pk)
    lines = list(report.lines.order_by("order", "id"))
    editable, edit_reason = can_edit_report(actor, report)
    if request.method == "GET":
        form = ReportForm(report, lines) if editable else None
        return _render_report(request, actor, report, lines, form, edit_reason=edit_reason)
    if not editable and not actor.is_filer_of(report):
        raise PermissionDenied(edit_reason)
    form = ReportForm(report, lines, request.POST)
    posted = _posted_version(request)
    if not editable:  # its unit's page, left open while the report moved on: keep the typing
        form.is_valid()
        return _render_report(
            request,
            actor,
            report,
            lines,
            form,
            error=f"{edit_reason}您填写的内容没有保存，仍在下面：请复制保存。",
            seen_version=posted,
            status=409,
        )
    seen = SeenVersionForm(request.POST)
    if not form.is_valid() or not seen.is_valid():
        return _render_report(
            request,
            actor,
            report,
            lines,
            form,
            error="有内容无法保存，已在下面标出；其余内容未保存，您填写的都还在页面上。",
            seen_version=posted,
            status=400,
        )
    try:
        saved = save_report(
            actor=actor,
            report_id=report.pk,
            seen_version=seen.cleaned_data["version"],
            entries=form.entries(),
        )
    except CycleRefused as refused:
        status = 409 if isinstance(refused, VersionConflict) else 403
        return _render_report(
            request,
            actor,
            report,
            lines,
            form,
            error=refused.message,
            seen_version=posted,
            status=status,
        )
    then = request.POST.get("then", "")
    if then == "submit":
        try:
            _step_and_tell(actor, "submit", report.pk, saved.report.version)
        except CycleRefused as refused:
            messages.warning(
                request, f"已保存（第 {saved.report.version} 版），但未能提交：{refused.message}"
            )
            return redirect("cycle:report", pk=report.pk)
        messages.success(request, REPORT_STEPS["submit"].done)
        return redirect("cycle:report", pk=report.pk)
    if saved.changed:
        messages.success(request, f"已保存（第 {saved.report.version} 版）。")
    else:
        messages.info(request, "内容没有变化。")
    return redirect("cycle:report", pk=report.pk)


def _posted_version(request: HttpRequest) -> int | None:
    """The version the posting page was opened with, if it says one."""
    seen = SeenVersionForm(request.POST)
    return seen.cleaned_data["version"] if seen.is_valid() else None


def _render_report(
    request: HttpRequest,
    actor: Actor,
    report: Report,
    lines: list[ReportLine],
    form: ReportForm | None,
    *,
    edit_reason: str = "",
    error: str = "",
    step_comment: str = "",
    seen_version: int | None = None,
    status: int = 200,
) -> HttpResponse:
    """The report's page; ``form`` the entries shown (what was typed, on a refused save),
    ``seen_version`` the version its saves and steps are taken on: by default the report's
    own, but on a page that shows a refused save's typing the version it was opened with, so
    that a page refused because someone else saved stays refused until it is opened again
    (its next save would undo theirs)."""
    result = evaluate(report, lines)
    comments = list(report.comments.select_related("author").order_by("created_at", "id"))
    by_line: dict[int | None, list[Any]] = {}
    for comment in comments:
        by_line.setdefault(comment.line_id, []).append(comment)
    rows = [
        {
            "line": line,
            "fields": form.line_fields(line) if form is not None else [],
            "problems": result.for_line(place),
            "comments": by_line.get(line.pk, []),
            "weight": result.scores.get(place, (None, None))[0],
            "score": result.scores.get(place, (None, None))[1],
        }
        for place, line in enumerate(lines)
    ]
    # the sources of the funds as stored (当年财政拨款, 上年结转资金, 其他资金), as printed
    figures = report_figures(report, lines, result)
    fund_rows = [
        (label, [figures.funds[row][column] for column, _c in FUND_COLUMNS], figures.rates[row])
        for row, label in FUND_ROWS
        if row in figures.funds
    ]
    events = list(report.events.select_related("actor").order_by("-created_at", "-id")[:20])
    steps = [
        step
        for step in available_steps(actor, report)
        if not (form is not None and step.verb == "submit")
    ]
    context = {
        "nav": "cycle",
        "report": report,
        "seen_version": report.version if seen_version is None else seen_version,
        "form": form,
        "rows": rows,
        "evaluation": result,
        "report_problems": result.for_report(),
        "general_comments": by_line.get(None, []),
        # the page's own 保存并提交审核 submits while it is being filled
        "steps": steps,
        "step_comment_shown": any(step.comment_label for step in steps),
        "may_comment": can_comment(actor, report)[0],
        "comment_form": CommentForm(),
        "events": events,
        # a returned report says why at the top, where its unit looks first
        "returned_by": next((e for e in events if e.kind == "return"), None)
        if report.status == Report.Status.RETURNED
        else None,
        "edit_reason": edit_reason,
        "error": error,
        "step_comment": step_comment,
        # a step's refused comment shown where it was typed, else beside the error
        "fund_rows": fund_rows,
        "open_comments": sum(1 for c in comments if c.is_open),
        "downloads": True,
    }
    return render(request, "cycle/report.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The report's table as PDF, or as xlsx to fill in offline."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    report = _report_for(actor_of(request), pk)
    if fmt == "pdf":
        content, content_type = report_pdf(report), "application/pdf"
    else:
        content, content_type = report_xlsx(report), XLSX_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, report_filename(report, fmt))
    response["Cache-Control"] = "private"
    return response


@limited_uploads(max_files=1)
@login_required
@require_POST
def report_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """A sheet the unit filled offline (the xlsx this page gives): read, checked against the
    report cell by cell and saved as a version, as the page's own save would be. A sheet
    printed before a later change of the report (often the sheet's own upload, filled in
    again) is saved over that change where the two do not meet; an entry changed on both
    sides, differently, refuses the sheet, naming it."""
    actor = actor_of(request)
    report = _report_for(actor, pk)
    lines = list(report.lines.order_by("order", "id"))
    editable, edit_reason = can_edit_report(actor, report)
    if not editable:
        raise PermissionDenied(edit_reason)

    def refuse(message: str) -> HttpResponse:
        return _render_report(
            request, actor, report, lines, ReportForm(report, lines), error=message, status=400
        )

    if refused := upload_refusal(request):
        return refuse(refused)
    upload = request.FILES.get("sheet")
    if upload is None:
        return refuse("请选择要上传的 Excel 文件（在本页下载的表填好后上传）。")
    name = upload.name or "上传的文件"
    try:
        entries = read_report_sheet(report, upload.read(), name)
        saved = save_report(
            actor=actor,
            report_id=report.pk,
            seen_version=entries.version if entries.version is not None else report.version,
            entries=entries,
            rebase=True,
        )
    except SheetClash as clash:
        report.refresh_from_db()
        return refuse(
            f"{name}：这份表是从第 {entries.version} 版下载的，本表之后已被修改（现为第 "
            f"{report.version} 版）。{clash.message}文件中的内容没有保存：请在本页改好这几项，"
            "或重新下载本表，把填写的内容抄过去后再上传。"
        )
    except VersionConflict as conflict:
        report.refresh_from_db()
        detail = (
            conflict.message
            if entries.version is not None
            else f"本表在读入时已被修改（现为第 {report.version} 版）。"
        )
        return refuse(f"{name}：{detail}文件中的内容没有保存：请在本页重新下载后再填写上传。")
    except CycleRefused as refused_sheet:
        return refuse(refused_sheet.message)
    if saved.rebased_from is not None and (saved.changed or saved.kept or saved.superseded):
        kept = (
            f"表中这几项与本表现有的内容不同，但在下载后没有改动，已按本表保留："
            f"{_some(saved.kept)}。如需改动，请在本页修改。"
            if saved.kept
            else ""
        ) + (
            f"表中这几项的内容之前已从这份表写入过，之后又被改过，已保留之后的修改："
            f"{_some(saved.superseded)}。如需改回，请在本页修改。"
            if saved.superseded
            else ""
        )
        done = (
            f"已从 {name} 读入并保存（第 {saved.report.version} 版）。这份表是从第 "
            f"{saved.rebased_from} 版下载的：表中{'其余' if saved.superseded else ''}改过的内容已写入，"
            "下载之后的其他修改都已保留。"
            if saved.changed
            else f"{name} 中没有需要写入的新内容，本表没有变化（这份表是从第 "
            f"{saved.rebased_from} 版下载的，下载之后的修改都已保留）。"
        )
        tell = messages.info if kept or not saved.changed else messages.success
        tell(request, done + kept)
    elif saved.changed:
        messages.success(request, f"已从 {name} 读入并保存（第 {saved.report.version} 版）。")
    else:
        messages.info(request, f"{name} 与本表现有内容相同，没有变化。")
    return redirect("cycle:report", pk=report.pk)


def _some(names: tuple[str, ...]) -> str:
    """The first five of some entries' names, and how many there are when more."""
    return "、".join(names[:5]) + (f"等 {len(names)} 项" if len(names) > 5 else "")


def _step_and_tell(
    actor: Actor, verb: str, report_id: int, seen_version: int, comment: str = ""
) -> Report:
    """Take the step and write its notices in one transaction (the mail goes after it)."""
    with transaction.atomic():
        moved = take_step(
            actor=actor, verb=verb, report_id=report_id, seen_version=seen_version, comment=comment
        )
        after_report_step(moved, actor=actor, verb=verb, comment=comment.strip())
    return moved


@login_required
@require_POST
def report_step(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    actor = actor_of(request)
    report = _report_for(actor, pk)
    seen = SeenVersionForm(request.POST)
    comment = request.POST.get("comment", "")
    if verb not in REPORT_STEPS:
        raise Http404("未知的操作。")
    if not seen.is_valid():
        messages.error(request, "页面缺少版本信息，请刷新后再操作。")
        return redirect("cycle:report", pk=report.pk)
    try:
        _step_and_tell(actor, verb, report.pk, seen.cleaned_data["version"], comment)
    except CycleRefused as refused:
        lines = list(report.lines.order_by("order", "id"))
        editable, edit_reason = can_edit_report(actor, report)
        status = 409 if isinstance(refused, VersionConflict) else 400
        return _render_report(
            request,
            actor,
            report,
            lines,
            ReportForm(report, lines) if editable else None,
            edit_reason=edit_reason,
            error=refused.message,
            step_comment=comment,
            status=status,
        )
    messages.success(request, REPORT_STEPS[verb].done)
    return redirect("cycle:report", pk=report.pk)


@login_required
@require_POST
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    report = _report_for(actor, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写审核意见（不超过 2000 字）。")
        return redirect("cycle:report", pk=report.pk)
    try:
        with transaction.atomic():  # the comment and the unit's notice, or neither
            comment = add_comment(
                actor=actor,
                report_id=report.pk,
                line_id=form.cleaned_data["line"],
                text=form.cleaned_data["text"],
            )
            after_report_comment(comment.report, actor=actor, said=comment.text)
    except CycleRefused as refused:
        raise PermissionDenied(refused.message) from refused
    messages.success(request, "已提出审核意见。")
    anchor = f"#line-{comment.line_id}" if comment.line_id else "#comments"
    return redirect(reverse("cycle:report", args=[report.pk]) + anchor)


@login_required
@require_POST
def report_comment_resolve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    actor = actor_of(request)
    report = _report_for(actor, pk)
    try:
        resolve_comment(actor=actor, report_id=report.pk, comment_id=comment_id)
    except CycleRefused as refused:
        raise PermissionDenied(refused.message) from refused
    messages.success(request, "已标为解决。")
    return redirect("cycle:report", pk=report.pk)
