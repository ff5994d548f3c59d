"""Acting on a report, each step checked on the server inside its transaction: saving what the
unit typed (a new version, its figures recomputed), taking a workflow step (the report's rows
of ``projects.workflow.TRANSITIONS``, under the same rules as a form's) and commenting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from indicators.scoring import is_qualitative
from projects.cycle.build import CycleRefused
from projects.cycle.evaluate import LINE_FIGURES, Evaluation, refresh_figures
from projects.cycle.inputs import FUND_COLUMNS, FUND_ROWS, LINE_FIELDS, LineInput, ReportInput
from projects.cycle.snapshot import report_json
from projects.layouts.reports import report_table
from projects.models import COMMENT_LIMIT, FormEvent, Report, ReportComment, ReportEvent, ReportLine
from projects.models.forms import Reviewable
from projects.permissions import (
    Actor,
    Decision,
    can_approve,
    can_comment,
    can_pass_on,
    can_return,
    can_submit,
    can_withdraw,
)
from projects.workflow import TRANSITIONS, Transition

type ReportRule = Callable[[Actor, Reviewable], Decision]

# The workflow steps a report takes, with the same rules as a form's: the unit submits (and
# withdraws before any review), its department passes it on where the department reviews, and
# finance approves or returns it with a comment. A report has no adjustment: it is corrected
# by being returned.
REPORT_RULES: dict[str, ReportRule] = {
    "submit": can_submit,
    "withdraw": can_withdraw,
    "pass_on": can_pass_on,
    "return": can_return,
    "approve": can_approve,
}
REPORT_STEPS: dict[str, Transition] = {verb: TRANSITIONS[verb] for verb in REPORT_RULES}


class VersionConflict(CycleRefused):
    """The report changed since the page was opened."""


class SheetClash(VersionConflict):
    """Entries of a sheet printed at an earlier version that were changed since, differently:
    the message names them."""


@dataclass(frozen=True)
class Saved:
    report: Report
    evaluation: Evaluation
    changed: bool
    # the version the entries were made on, when later changes were kept beside them
    rebased_from: int | None = None
    # the entries whose later change was kept where the sheet still shows the earlier value
    kept: tuple[str, ...] = ()
    # the entries whose later change was kept where the sheet shows a value written since
    # and then changed again (the sheet uploaded before, the entry changed on the page after)
    superseded: tuple[str, ...] = ()


def can_edit_report(actor: Actor, report: Report) -> Decision:
    if not actor.is_filer_of(report):
        return False, "只有本单位的填报人可以填写这张表。"
    if not report.is_editable:
        return False, f"这张表的状态为“{report.get_status_display()}”，不能修改。"
    return True, ""


def available_steps(actor: Actor, report: Report) -> list[Transition]:
    return [step for verb, step in REPORT_STEPS.items() if REPORT_RULES[verb](actor, report)[0]]


def _locked(report_id: int) -> Report:
    return Report.objects.select_for_update(of=("self",)).with_related().get(pk=report_id)


def _lines(report: Report) -> list[ReportLine]:
    return list(report.lines.order_by("order", "id"))


def save_report(
    *,
    actor: Actor,
    report_id: int,
    seen_version: int,
    entries: ReportInput,
    rebase: bool = False,
) -> Saved:
    """Save what the unit typed as a new version (nothing is written when nothing changed).
    Refused, with nothing changed, when the actor may not edit it or it changed since the
    page showed ``seen_version``.

    ``rebase`` (a sheet filled offline): entries made on an earlier version are saved over
    the later changes where they do not meet them (``_rebased``); refused only when an entry
    changed on both sides, differently."""
    with transaction.atomic():
        report = _locked(report_id)
        allowed, why = can_edit_report(actor, report)
        if not allowed:
            raise CycleRefused(why)
        lines = _lines(report)
        by_id = {line.pk: line for line in lines}
        rebased_from: int | None = None
        kept: tuple[str, ...] = ()
        superseded: tuple[str, ...] = ()
        if report.version != seen_version:
            if not rebase:
                raise VersionConflict(
                    f"这张表在您打开之后已被修改（现为第 {report.version} 版）。"
                    "您填写的内容仍在页面上：请复制保存后刷新页面，再重新填写。"
                )
            base = snapshot_of(report, seen_version)
            if base is None:
                raise VersionConflict(
                    f"本表没有第 {seen_version} 版（现为第 {report.version} 版）："
                    "这份表不是从本表下载的。"
                )
            entries, kept, superseded = _rebased(report, by_id, entries, base, seen_version)
            rebased_from = seen_version
        changed = _apply(report, by_id, entries)
        result = refresh_figures(report, lines)
        if changed:
            report.version += 1
        report.save()
        ReportLine.objects.bulk_update(lines, [*LINE_FIELDS, *LINE_FIGURES])
        if changed:
            ReportEvent.objects.create(
                report=report,
                kind=FormEvent.Kind.EDIT,
                actor_id=actor.user_id,
                source=actor.source,
                from_status=report.status,
                to_status=report.status,
                version=report.version,
                snapshot=report_json(report, lines),
                sheet_version=seen_version if rebase else None,
            )
    return Saved(report, result, changed, rebased_from, kept, superseded)


def snapshot_of(report: Report, version: int) -> dict[str, Any] | None:
    """What the report said at ``version``, an earlier one (each event keeps its version's
    snapshot); None for a version it never had."""
    if not 0 < version < report.version:
        return None
    found = (
        report.events.filter(version=version)
        .exclude(snapshot={})
        .order_by("-id")
        .values_list("snapshot", flat=True)
        .first()
    )
    return cast("dict[str, Any] | None", found)


def written_from_sheet(report: Report, printed_at: int) -> list[dict[str, Any]]:
    """What the report said at each version since ``printed_at`` that an upload of a sheet
    printed at ``printed_at`` wrote (the same file, uploaded before)."""
    return list(
        report.events.filter(version__gt=printed_at, sheet_version=printed_at)
        .exclude(snapshot={})
        .values_list("snapshot", flat=True)
    )


def _entry_label(report: Report, key: str) -> str:
    """An entry's name as the report's table prints it (``年度总体目标实际完成情况``, ``1—7月
    实际完成值``, ``偏差原因分析及改进措施``…)."""
    layout = report_table(report.kind).layout
    if key == "achieved":  # a judgement, written in the 实际完成值 cell
        return f"{_entry_label(report, 'actual')}（达成情况）"
    try:
        text = layout.text(key, year=report.fiscal_year, months=report.months)
    except KeyError:  # not in this kind's table (a monitoring report's 年初预算数)
        text = {"initial": "年初预算数", "goal.actual": "实际完成情况"}.get(key, key)
    return "年度总体目标" + text if key == "goal.actual" else text


# a report's amounts by the keys of their labels
_AMOUNT_LABELS = {"initial_budget": "initial", "annual_budget": "annual", "executed": "executed"}


def _amount(value: object) -> str | None:
    """An amount as the report keeps it (``fund_rows``, a snapshot): to the 分, or None."""
    if value is None or value == "":
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _rebased(
    report: Report,
    lines: dict[int, ReportLine],
    entries: ReportInput,
    base: dict[str, Any],
    printed_at: int,
) -> tuple[ReportInput, tuple[str, ...], tuple[str, ...]]:
    """The entries of a sheet filled on an earlier version (``base``, its snapshot at
    ``printed_at``) over the report as it is now, entry by entry: one the sheet left as it was
    keeps its later change (named in the second value, where the sheet shows something else:
    the person sees what was kept); one the sheet changed is taken, unless it was also changed
    since, to something else. Where the sheet's value is one an upload of the same sheet
    (printed at the same version) wrote before and that was changed again since (to anything,
    the printed value too), the later change stays (named in the third value). The others
    changed on both sides are refused together (``SheetClash``), each named."""
    clashes: list[str] = []
    kept: list[str] = []
    superseded: list[str] = []
    earlier: list[list[dict[str, Any]]] = []  # what the same sheet wrote: read once, if needed

    def written(
        value: Any, past: Callable[[dict[str, Any]], Any], key: Callable[[Any], Any]
    ) -> bool:
        """Whether an upload of this sheet wrote ``value`` (a key) before."""
        if not earlier:
            earlier.append(written_from_sheet(report, printed_at))
        return any(key(past(snapshot)) == value for snapshot in earlier[0])

    def same(value: Any) -> Any:
        return value

    def pick(
        theirs: Any,
        current: Any,
        before: Any,
        what: str,
        past: Callable[[dict[str, Any]], Any],
        key: Callable[[Any], Any] = same,
    ) -> Any:
        if key(theirs) == key(current):
            return current
        if key(theirs) == key(before):
            kept.append(what)
            return current
        if written(key(theirs), past, key):  # changed again since this sheet wrote it
            superseded.append(what)
            return current
        if key(current) != key(before):
            clashes.append(what)
            return current
        return theirs

    chosen: dict[str, Any] = {}
    for name, label in _AMOUNT_LABELS.items():
        chosen[name] = pick(
            getattr(entries, name),
            getattr(report, name),
            base.get(name),
            _entry_label(report, label),
            partial(_field, name=name),
            _amount,
        )
    chosen["goal_actual"] = pick(
        entries.goal_actual,
        report.goal_actual,
        base.get("goal_actual", ""),
        _entry_label(report, "goal.actual"),
        lambda snapshot: snapshot.get("goal_actual", ""),
    )
    funds: dict[str, dict[str, Decimal | None]] = {}
    for row, row_label in FUND_ROWS:
        for column, column_label in FUND_COLUMNS:
            value = pick(
                entries.fund_rows.get(row, {}).get(column),
                report.fund_rows.get(row, {}).get(column),
                _fund(base, row, column),
                row_label + column_label,
                partial(_fund, row=row, column=column),
                _amount,
            )
            funds.setdefault(row, {})[column] = None if value is None else Decimal(str(value))
    printed = snapshot_lines(base)
    rebased_lines = []
    for entry in entries.lines:
        line = lines.get(entry.line_id)
        if line is None:
            raise CycleRefused("提交的指标与这张表的指标不一致：请刷新页面后重新填写。")
        entry = _as_kept(report, line, entry)
        uid = str(line.indicator_uid)
        before = _as_kept(
            report,
            line,
            LineInput(
                line_id=line.pk,
                **{name: printed.get(uid, {}).get(name, "") for name in LINE_FIELDS},
            ),
        )
        rebased_lines.append(
            replace(
                entry,
                **{
                    name: pick(
                        getattr(entry, name),
                        getattr(line, name),
                        getattr(before, name),
                        f"“{line.name or '（不适用）'}”的{_entry_label(report, name)}",
                        partial(_line_field, uid=uid, name=name),
                    )
                    for name in LINE_FIELDS
                },
            )
        )
    if clashes:
        shown = "、".join(clashes[:5]) + (f"等 {len(clashes)} 项" if len(clashes) > 5 else "")
        raise SheetClash(f"{shown}在下载之后已有修改，表中又填了不同的内容。")
    merged = ReportInput(
        initial_budget=chosen["initial_budget"],
        annual_budget=chosen["annual_budget"],
        executed=chosen["executed"],
        fund_rows=funds,
        goal_actual=chosen["goal_actual"],
        lines=tuple(rebased_lines),
    )
    return merged, tuple(kept), tuple(superseded)


def _field(snapshot: dict[str, Any], name: str) -> Any:
    """A field of the report in a snapshot."""
    return snapshot.get(name)


def _fund(snapshot: dict[str, Any], row: str, column: str) -> Any:
    """A cell of the funds table in a snapshot."""
    return (snapshot.get("fund_rows") or {}).get(row, {}).get(column)


def snapshot_lines(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A snapshot's indicator lines by their indicator's uid."""
    return {line["uid"]: line for line in snapshot.get("lines", ())}


def _line_field(snapshot: dict[str, Any], uid: str, name: str) -> Any:
    """An indicator's entry in a snapshot."""
    return snapshot_lines(snapshot).get(uid, {}).get(name, "")


def _as_kept(report: Report, line: ReportLine, entry: LineInput) -> LineInput:
    """The entry as the report keeps it: a monitoring report has no 达成情况; a
    self-evaluation has no projection, and a number is scored by its actual value."""
    if report.is_monitoring:
        return replace(entry, achieved="")
    entry = replace(entry, projected="", likelihood="", reason_kind="", measures="")
    if not is_qualitative(line.target):
        entry = replace(entry, achieved="")
    return entry


def _apply(report: Report, lines: dict[int, ReportLine], entries: ReportInput) -> bool:
    changed = False
    for name in ("initial_budget", "annual_budget", "executed", "goal_actual"):
        value = getattr(entries, name)
        if isinstance(value, Decimal):
            value = value.quantize(Decimal("0.01"))
        if getattr(report, name) != value:
            setattr(report, name, value)
            changed = True
    fund_rows = {
        row: {
            column: (None if amount is None else str(amount.quantize(Decimal("0.01"))))
            for column, amount in columns.items()
        }
        for row, columns in entries.fund_rows.items()
        if any(amount is not None for amount in columns.values())
    }
    if report.is_monitoring:
        fund_rows = {}
    if report.fund_rows != fund_rows:
        report.fund_rows = fund_rows
        changed = True
    for entry in entries.lines:
        line = lines.get(entry.line_id)
        if line is None:
            raise CycleRefused("提交的指标与这张表的指标不一致：请刷新页面后重新填写。")
        entry = _as_kept(report, line, entry)
        for name in LINE_FIELDS:
            value = getattr(entry, name)
            if getattr(line, name) != value:
                setattr(line, name, value)
                changed = True
    return changed


def take_step(
    *, actor: Actor, verb: str, report_id: int, seen_version: int, comment: str = ""
) -> Report:
    """Take one workflow step on the report, under the rules a form's step has; a submission
    is refused while the report's checks find errors."""
    step = REPORT_STEPS.get(verb)
    if step is None:
        raise CycleRefused("未知的操作。")
    comment = comment.strip()
    if step.comment_label and not comment:
        raise CycleRefused(step.comment_missing)
    if len(comment) > COMMENT_LIMIT:
        raise CycleRefused(f"说明不能超过 {COMMENT_LIMIT} 个字。")
    with transaction.atomic():
        report = _locked(report_id)
        allowed, why = REPORT_RULES[verb](actor, report)
        if not allowed:
            raise CycleRefused(why)
        if report.version != seen_version:
            raise VersionConflict(
                f"这张表在您打开之后已有变化（现为第 {report.version} 版，"
                f"状态“{report.get_status_display()}”）：请刷新页面后再操作。"
            )
        lines = _lines(report)
        result = refresh_figures(report, lines)
        if step.runs_checks and result.errors:
            shown = "；".join(f"{p.where}：{p.message.rstrip('。')}" for p in result.errors[:3])
            more = (
                f"等（其余 {len(result.errors) - 3} 处见页面上标红的内容）"
                if len(result.errors) > 3
                else ""
            )
            raise CycleRefused(f"还有 {len(result.errors)} 处需要改正，不能提交：{shown}{more}。")
        before = report.status
        report.status = step.target
        report.save()
        ReportLine.objects.bulk_update(lines, LINE_FIGURES)
        ReportEvent.objects.create(
            report=report,
            kind=step.kind,
            actor_id=actor.user_id,
            source=actor.source,
            from_status=before,
            to_status=report.status,
            version=report.version,
            comment=comment,
            snapshot=report_json(report, lines),
        )
        if verb == "approve":
            report.comments.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    return report


def add_comment(*, actor: Actor, report_id: int, line_id: int | None, text: str) -> ReportComment:
    """A reviewer's comment on the report or one of its lines."""
    text = text.strip()
    if not text:
        raise CycleRefused("请填写审核意见。")
    if len(text) > COMMENT_LIMIT:
        raise CycleRefused(f"审核意见不能超过 {COMMENT_LIMIT} 个字。")
    with transaction.atomic():
        report = _locked(report_id)
        allowed, why = can_comment(actor, report)
        if not allowed:
            raise CycleRefused(why)
        line = None
        if line_id is not None:
            line = report.lines.filter(pk=line_id).first()
            if line is None:
                raise CycleRefused("这条指标不在这张表上。")
        assert actor.user_id is not None
        return ReportComment.objects.create(
            report=report, line=line, author_id=actor.user_id, text=text, version=report.version
        )


def resolve_comment(*, actor: Actor, report_id: int, comment_id: int) -> ReportComment:
    with transaction.atomic():
        report = _locked(report_id)
        allowed, why = can_comment(actor, report)
        if not allowed:
            raise CycleRefused(why)
        comment = report.comments.filter(pk=comment_id).first()
        if comment is None:
            raise CycleRefused("没有这条审核意见。")
        if comment.resolved_at is None:
            comment.resolved_at = timezone.now()
            comment.save(update_fields=["resolved_at"])
        return comment
