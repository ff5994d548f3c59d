"""The cycle on the 进度总览: for each department, its monitoring reports of the year's latest
round by their budget light (红色预警 / 黄色预警 / 正常 / 未计算), and its self-evaluations by
grade once submitted (优 / 良 / 中 / 差 / 未评分; drafts and returned ones as 填报中). Three
queries whatever the number of forms (the round, and one grouped count each; no count of
lights before a round; one more for the names of departments the caller's rows do not
hold): the lights and grades are written on each report as it is saved
(``services.refresh_figures``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from projects.models import MonitoringRound, Organization, Report
from projects.permissions import Actor

FILLING = "filling"
# a self-evaluation's grade counts once the unit has submitted it
SUBMITTED = frozenset({"submitted", "department_approved", "approved"})
LIGHTS = (("red", "红色预警"), ("yellow", "黄色预警"), ("green", "正常"), ("", "未计算"))
GRADES = (
    ("优", "优"),
    ("良", "良"),
    ("中", "中"),
    ("差", "差"),
    ("", "未评分"),  # submitted without a total (a unit error, a budget of 0)
    (FILLING, "填报中"),  # a draft's or a returned report's grade is not yet the unit's word
)


@dataclass
class CycleRow:
    department: str
    lights: dict[str, int] = field(default_factory=dict)
    grades: dict[str, int] = field(default_factory=dict)

    def light_cells(self) -> list[int]:
        return [self.lights.get(key, 0) for key, _label in LIGHTS]

    def grade_cells(self) -> list[int]:
        return [self.grades.get(key, 0) for key, _label in GRADES]


@dataclass
class CycleSummary:
    round: MonitoringRound | None
    rows: list[CycleRow]

    @property
    def has_reports(self) -> bool:
        return bool(self.rows)

    @property
    def light_labels(self) -> list[str]:
        return [label for _key, label in LIGHTS]

    @property
    def grade_labels(self) -> list[str]:
        return [label for _key, label in GRADES]

    def light_totals(self) -> list[int]:
        return [sum(row.lights.get(key, 0) for row in self.rows) for key, _label in LIGHTS]

    def grade_totals(self) -> list[int]:
        return [sum(row.grades.get(key, 0) for row in self.rows) for key, _label in GRADES]


def cycle_summary(actor: Actor, year: int, names: Mapping[int, str] | None = None) -> CycleSummary:
    """The year's lights and grades by department, over the reports the actor may read.
    ``names``: the departments' names by id where the caller has them (the 进度总览's own
    rows); others are read in one more query. Each count reads only an index (the round's
    reports by department and light, the year's self-evaluations by department and grade)."""
    round = MonitoringRound.objects.filter(fiscal_year=year).order_by("-months").first()
    reports = Report.objects.visible_to(actor)
    counts: dict[int, CycleRow] = {}
    if round is not None:
        lit = (
            reports.filter(round=round)
            .values_list("department_id", "light")
            .annotate(n=Count("*"))
            .order_by()
        )
        for department, light, n in lit:
            counts.setdefault(department, CycleRow("")).lights[light] = n
    # a submitted report by its grade, the others as 填报中: a row a department and grade
    # (states times grades made thousands of rows to read for a city)
    graded = (
        reports.filter(fiscal_year=year, kind=Report.Kind.SELF_EVALUATION)
        .annotate(key=Case(When(status__in=SUBMITTED, then=F("grade")), default=Value(FILLING)))
        .values_list("department_id", "key")
        .annotate(n=Count("*"))
        .order_by()
    )
    for department, key, n in graded:
        counts.setdefault(department, CycleRow("")).grades[key] = n
    known = dict(names or {})
    order = {pk: place for place, pk in enumerate(known)}  # the page's rows: pinyin order
    missing = [pk for pk in counts if pk not in known]
    if missing:
        others = Organization.objects.filter(pk__in=missing).values_list("pk", "name")
        known.update(sorted(others, key=lambda item: item[1]))
    for pk, row in counts.items():
        row.department = known.get(pk, "—")
    rows = sorted(
        counts.items(), key=lambda item: (order.get(item[0], len(order)), item[1].department)
    )
    return CycleSummary(round, [row for _pk, row in rows])


def cycle_rows(summary: CycleSummary) -> SafeString:
    """The table's rows, one a department, drawn here rather than by the template (300
    departments of nine cells each were most of the page's rendering)."""
    drawn = []
    for row in summary.rows:
        cells = [f'<td class="text-nowrap">{escape(row.department)}</td>']
        if summary.round is not None:
            for index, n in enumerate(row.light_cells()):
                alarm = " text-danger fw-bold" if index == 0 and n else ""
                cells.append(f'<td class="text-end{alarm}">{n:d}</td>')
        cells.extend(f'<td class="text-end">{n:d}</td>' for n in row.grade_cells())
        drawn.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("".join(drawn))  # the department's name escaped above
