"""Building reports from approved forms: a monitoring round gives every approved form of its
year a report, and a self-evaluation is started for one form (or every approved form of a
year). Each is pre-filled from the version of its form in force — while an adjustment is
drafted, the approved version, not the draft — so that nothing is typed twice: the indicators
(each line keeps the indicator's ``uid``), their targets, the year's goal and budget."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from projects.content import FormContent, load_content
from projects.cycle.evaluate import refresh_figures
from projects.cycle.snapshot import report_json
from projects.errors import DomainError
from projects.history import approved_contents
from projects.models import (
    FormEvent,
    MonitoringRound,
    PerformanceForm,
    PerformanceFormQuerySet,
    Report,
    ReportEvent,
    ReportLine,
)
from projects.permissions import Actor

CHUNK = 500


class CycleRefused(DomainError):
    """A step of the cycle that cannot be taken; the message says why."""


def approved_forms(year: int) -> PerformanceFormQuerySet:
    """The forms of the year with a version in force (approved, or approved and now being
    adjusted)."""
    return PerformanceForm.objects.filter(fiscal_year=year, approved_version__isnull=False)


def contents_in_force(forms: Sequence[PerformanceForm]) -> dict[int, FormContent]:
    """The content in force of each form (loaded ``with_content``), by id: the approved
    version's snapshot for a form being adjusted, its rows otherwise."""
    snapshots = approved_contents(forms)
    return {form.pk: snapshots.get(form.pk) or load_content(form) for form in forms}


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _new_report(
    form: PerformanceForm,
    content: FormContent,
    kind: str,
    round: MonitoringRound | None,
    previous: Report | None = None,
) -> tuple[Report, list[ReportLine]]:
    annual = content.amounts.get("annual")
    report = Report(
        kind=kind,
        form=form,
        round=round,
        fiscal_year=form.fiscal_year,
        department_id=form.project.department_id,
        target_version=form.approved_version or form.version,
        goal=content.goals.get("annual", ""),
        initial_budget=annual,
        annual_budget=previous.annual_budget if previous is not None else annual,
    )
    before = {str(line.indicator_uid): line for line in previous.lines.all()} if previous else {}
    lines = []
    for order, item in enumerate(content.indicators):
        if not item.uid:
            continue
        earlier = before.get(item.uid)
        lines.append(
            ReportLine(
                indicator_uid=item.uid,
                order=order,
                level1=item.level1,
                level2=item.level2,
                name=item.name,
                target=item.target,
                not_applicable=item.not_applicable,
                # a self-evaluation starts from what monitoring found: its reasons and
                # measures (the actual values are the year's, typed anew)
                reason=(earlier.reason if earlier is not None else ""),
            )
        )
    return report, lines


def _save_new(reports: list[tuple[Report, list[ReportLine]]], actor: Actor) -> list[Report]:
    weights: dict[int, dict[str, Fraction]] = {}
    for report, lines in reports:  # what the checks find, from the start
        framework = report.form.framework
        if framework.pk not in weights:
            weights[framework.pk] = framework.score_weights()
        refresh_figures(report, lines, weights=weights[framework.pk])
    Report.objects.bulk_create([report for report, _lines in reports])
    all_lines: list[ReportLine] = []
    for report, lines in reports:
        for line in lines:
            line.report = report
        all_lines += lines
    ReportLine.objects.bulk_create(all_lines)
    ReportEvent.objects.bulk_create(
        ReportEvent(
            report=report,
            kind=FormEvent.Kind.CREATE,
            actor_id=actor.user_id,
            source=actor.source,
            to_status=report.status,
            version=report.version,
            snapshot=report_json(report, lines),
        )
        for report, lines in reports
    )
    return [report for report, _lines in reports]


def may_start(actor: Actor) -> bool:
    """Opens monitoring rounds and starts the year's self-evaluations: the finance bureau's
    reviewers (who see every department), administrators and commands."""
    return actor.is_system or (
        actor.sees_everything and (actor.is_finance_reviewer or actor.is_admin)
    )


def open_round(
    *, actor: Actor, fiscal_year: int, months: int, deadline: datetime.date
) -> MonitoringRound:
    """Open a monitoring round: every approved form of the year gets a report, made in the
    background (``tasks.fill_round``, queued once the round is committed; the round says how
    many forms there are and when the last report was made). Only the finance bureau's
    reviewers (or an administrator) open one."""
    if not may_start(actor):
        raise CycleRefused("只有财政局的审核人或系统管理员可以发起运行监控。")
    if not 1 <= months <= 12:
        raise CycleRefused("监控截至月份应在 1 至 12 之间。")
    with transaction.atomic():
        if MonitoringRound.objects.filter(fiscal_year=fiscal_year, months=months).exists():
            raise CycleRefused(f"{fiscal_year}年1—{months}月的运行监控已经发起过了。")
        round = MonitoringRound.objects.create(
            fiscal_year=fiscal_year,
            months=months,
            deadline=deadline,
            opened_by_id=actor.user_id,
            forms_total=approved_forms(fiscal_year).count(),
        )
        transaction.on_commit(lambda: _queue("fill_round", round.pk))
    return round


def fill_round_chunk(round: MonitoringRound, actor: Actor) -> int:
    """Make the reports of up to ``CHUNK`` approved forms of the round's year that have none
    in it yet (so a run cut short carries on where it stopped); how many were made."""
    with transaction.atomic():
        ids = list(
            approved_forms(round.fiscal_year)
            .exclude(reports__round=round)
            .order_by("id")
            .values_list("id", flat=True)[:CHUNK]
        )
        if not ids:
            return 0
        forms = list(PerformanceForm.objects.with_content().filter(pk__in=ids).order_by("id"))
        contents = contents_in_force(forms)
        return len(
            _save_new(
                [
                    _new_report(form, contents[form.pk], Report.Kind.MONITORING, round)
                    for form in forms
                ],
                actor,
            )
        )


def fill_round(round: MonitoringRound, actor: Actor) -> int:
    """Make every report of the round still missing, a chunk a transaction; how many."""
    made = 0
    while chunk := fill_round_chunk(round, actor):
        made += chunk
    MonitoringRound.objects.filter(pk=round.pk).update(filled_at=timezone.now())
    return made


def start_self_evaluations(*, actor: Actor, fiscal_year: int) -> int:
    """Start the self-evaluation of every approved form of the year that has none yet
    (finance, after the year), in the background (``tasks.fill_self_evaluations``). Returns
    how many are to be made."""
    if not may_start(actor):
        raise CycleRefused("只有财政局的审核人或系统管理员可以统一发起绩效自评。")
    waiting = _without_self_evaluation(fiscal_year).count()
    if waiting:
        transaction.on_commit(lambda: _queue("fill_self_evaluations", fiscal_year))
    return waiting


def _without_self_evaluation(fiscal_year: int) -> PerformanceFormQuerySet:
    return approved_forms(fiscal_year).exclude(reports__kind=Report.Kind.SELF_EVALUATION)


def fill_self_evaluations_chunk(fiscal_year: int, actor: Actor) -> int:
    """Start the self-evaluations of up to ``CHUNK`` approved forms of the year without one;
    how many were started."""
    with transaction.atomic():
        ids = list(
            _without_self_evaluation(fiscal_year)
            .order_by("id")
            .values_list("id", flat=True)[:CHUNK]
        )
        if not ids:
            return 0
        forms = list(PerformanceForm.objects.with_content().filter(pk__in=ids).order_by("id"))
        contents = contents_in_force(forms)
        last = _last_monitoring(ids)
        return len(
            _save_new(
                [
                    _new_report(
                        form,
                        contents[form.pk],
                        Report.Kind.SELF_EVALUATION,
                        None,
                        last.get(form.pk),
                    )
                    for form in forms
                ],
                actor,
            )
        )


def fill_self_evaluations(fiscal_year: int, actor: Actor) -> int:
    """Start every self-evaluation of the year still missing, a chunk a transaction."""
    made = 0
    while chunk := fill_self_evaluations_chunk(fiscal_year, actor):
        made += chunk
    return made


def _queue(name: str, argument: int) -> None:
    from projects.cycle import tasks  # the task module imports this one

    getattr(tasks, name).enqueue(argument)


def start_self_evaluation(*, actor: Actor, form_id: int) -> Report:
    """Start the self-evaluation of one approved form: its unit's filers (or finance)."""
    with transaction.atomic():
        form = (
            PerformanceForm.objects.select_for_update(of=("self",)).with_content().get(pk=form_id)
        )
        if not (actor.is_filer_of(form) or actor.sees_everything):
            raise CycleRefused("只有本单位的填报人可以开始这张表的绩效自评。")
        if form.approved_version is None:
            raise CycleRefused("这张表还没有审核通过，不能开始绩效自评。")
        existing = form.reports.filter(kind=Report.Kind.SELF_EVALUATION).first()
        if existing is not None:
            return existing
        content = contents_in_force([form])[form.pk]
        previous = _last_monitoring([form.pk]).get(form.pk)
        [report] = _save_new(
            [_new_report(form, content, Report.Kind.SELF_EVALUATION, None, previous)], actor
        )
    return report


def _last_monitoring(form_ids: Sequence[int]) -> dict[int, Report]:
    """The latest monitoring report of each form (by its round's month), with its lines."""
    found: dict[int, Report] = {}
    reports = (
        Report.objects.filter(form_id__in=form_ids, kind=Report.Kind.MONITORING)
        .select_related("round")
        .prefetch_related("lines")
        .order_by("form_id", "round__months", "id")
    )
    for report in reports:
        found[report.form_id] = report  # the last month wins
    return found
