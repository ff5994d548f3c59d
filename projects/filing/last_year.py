"""Last year's results beside next year's targets.

An indicator rolled over into next year's form keeps its ``origin`` (last year's indicator);
an indicator of a form filed otherwise (imported, typed) continues last year's indicator of the
same category and name, where there is one (``CheckContext.last_of``). What last year's
indicator achieved is the line of last year's reports that carries its ``uid``
(``ReportLine.indicator_uid``). Which line counts, best first:

1. the self-evaluation's (绩效自评) 实际完成值, or for a qualitative target its 达成情况;
2. else the latest monitoring report's (绩效运行监控) 全年预计完成值, marked 预计: next year's
   budget is filed in the autumn, before the year-end self-evaluation;
3. else that monitoring report's 1—N月 actual, marked with its months.

A line left blank gives way to the next source; a 不适用 line counts for nothing. A report not
yet approved still counts, marked 未审核.

Read in a fixed number of queries whatever the number of indicators or forms: the origins of
the forms' indicators in one, the report lines of last year's forms in one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from projects.models import Indicator, Report, ReportLine


class Source(StrEnum):
    """Where last year's value comes from."""

    SELF_EVALUATION = "self_evaluation"  # 绩效自评：全年实际完成值
    FORECAST = "forecast"  # 运行监控：全年预计完成值
    TO_DATE = "to_date"  # 运行监控：1—N月实际完成值


@dataclass(frozen=True)
class LastActual:
    """What an indicator achieved last year (or was expected to), as typed, and how sure."""

    value: str
    source: Source
    approved: bool
    months: int = 12  # the months a monitoring report covers

    @property
    def full_year(self) -> bool:
        """A value for the whole year (achieved or expected), not the months so far."""
        return self.source is not Source.TO_DATE

    @property
    def marks(self) -> list[str]:
        """The short marks shown beside the value: 预计, 1—7月, 未审核."""
        found = []
        if self.source is Source.FORECAST:
            found.append("预计")
        elif self.source is Source.TO_DATE:
            found.append(f"1—{self.months}月")
        if not self.approved:
            found.append("未审核")
        return found

    @property
    def explanation(self) -> str:
        """Where the value comes from, in a sentence (the marks' tooltip)."""
        if self.source is Source.SELF_EVALUATION:
            said = "上年绩效自评的实际完成值"
        elif self.source is Source.FORECAST:
            said = f"上年 1—{self.months} 月运行监控填报的全年预计完成值（尚无自评）"
        else:
            said = f"上年 1—{self.months} 月运行监控的实际完成值（尚无自评和全年预计）"
        return said + ("，尚未审核通过" if not self.approved else "")

    @property
    def wording(self) -> str:
        """How a check's message names it: ``上年实际完成 118个（未审核）``."""
        if self.source is Source.SELF_EVALUATION:
            said = f"上年实际完成 {self.value}"
        elif self.source is Source.FORECAST:
            said = f"上年运行监控预计全年完成 {self.value}"
        else:
            said = f"上年 1—{self.months} 月已完成 {self.value}"
        return said + ("（未审核）" if not self.approved else "")


# One indicator's lines, in the order they count.
def _rank(line: ReportLine) -> tuple[int, int, int]:
    report = line.report
    if report.kind == Report.Kind.SELF_EVALUATION:
        return (0, 0, 0)
    months = report.round.months if report.round is not None else 0
    return (1, -months, -report.pk)


def _actual_of(line: ReportLine) -> LastActual | None:
    report = line.report
    approved = report.status == Report.Status.APPROVED
    if report.kind == Report.Kind.SELF_EVALUATION:
        value = line.actual.strip() or line.achieved
        return LastActual(value, Source.SELF_EVALUATION, approved) if value else None
    months = report.round.months if report.round is not None else 12
    if line.projected.strip():
        return LastActual(line.projected.strip(), Source.FORECAST, approved, months)
    if line.actual.strip():
        return LastActual(line.actual.strip(), Source.TO_DATE, approved, months)
    return None


def actuals_of(form_ids: Collection[int]) -> dict[str, LastActual]:
    """What each indicator of these forms achieved in its year, by the indicator's uid, from
    the forms' reports: one query for any number of forms (none for no form)."""
    if not form_ids:
        return {}
    lines = (
        ReportLine.objects.filter(report__form_id__in=form_ids, not_applicable=False)
        .select_related("report__round")
        .only(
            "indicator_uid",
            "actual",
            "projected",
            "achieved",
            "report__kind",
            "report__status",
            "report__round__months",
        )
    )
    by_uid: dict[str, list[ReportLine]] = {}
    for line in lines:
        by_uid.setdefault(str(line.indicator_uid), []).append(line)
    found = {}
    for uid, candidates in by_uid.items():
        for line in sorted(candidates, key=_rank):
            actual = _actual_of(line)
            if actual is not None:
                found[uid] = actual
                break
    return found


def origins_of(form_ids: Collection[int]) -> dict[int, dict[str, str]]:
    """For each saved form, the uid of each of its indicators rolled over from last year with
    the uid of the indicator it came from: one query for any number of forms."""
    if not form_ids:
        return {}
    found: dict[int, dict[str, str]] = {}
    for form_id, uid, origin in Indicator.objects.filter(
        form_id__in=form_ids, origin__isnull=False
    ).values_list("form_id", "uid", "origin__uid"):
        found.setdefault(form_id, {})[str(uid)] = str(origin)
    return found
