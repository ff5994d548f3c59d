"""The cycle on the 进度总览: for each department, its monitoring reports of the year's latest
round by their budget light (红色预警 / 黄色预警 / 正常 / 未填), and its self-evaluations by
grade (优 / 良 / 中 / 差 / 未评分). Three queries whatever the number of forms (the round,
and one grouped count each): the
lights and grades are written on each report as it is saved (``services.refresh_figures``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Subquery

from projects.models import MonitoringRound, Report
from projects.permissions import Actor

LIGHTS = (("red", "红色预警"), ("yellow", "黄色预警"), ("green", "正常"), ("", "未计算"))
GRADES = (("优", "优"), ("良", "良"), ("中", "中"), ("差", "差"), ("", "未评分"))


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
        return [sum(row.light_cells()[i] for row in self.rows) for i in range(len(LIGHTS))]

    def grade_totals(self) -> list[int]:
        return [sum(row.grade_cells()[i] for row in self.rows) for i in range(len(GRADES))]


def cycle_summary(actor: Actor, year: int) -> CycleSummary:
    """The year's lights and grades by department, over the reports the actor may read."""
    latest = MonitoringRound.objects.filter(fiscal_year=year).order_by("-months")
    round = latest.first()
    reports = Report.objects.visible_to(actor).filter(fiscal_year=year)
    rows: dict[str, CycleRow] = {}
    lit = (
        reports.filter(round=Subquery(latest.values("pk")[:1]))
        .values_list("department__name", "light")
        .annotate(n=Count("id"))
        .order_by()
    )
    for department, light, n in lit:
        rows.setdefault(department, CycleRow(department)).lights[light] = n
    graded = (
        reports.filter(kind=Report.Kind.SELF_EVALUATION)
        .values_list("department__name", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    for department, grade, n in graded:
        rows.setdefault(department, CycleRow(department)).grades[grade] = n
    return CycleSummary(round, sorted(rows.values(), key=lambda row: row.department))
