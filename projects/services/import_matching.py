"""Matching an import plan against the database: each form's organisations, project and saved
form, and so what importing it would do (create, update or nothing) and what it would change.

A project is found by its code where the sheet has one (else, or when no project has that code,
by unit and name); the form by project and fiscal year. Organisations by name (ignoring spaces
and bracket width): the department among departments, the unit under that department.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q

from indicators.models import Framework
from projects.content import (
    CategoryLookup,
    ContentDiff,
    FieldChange,
    FormContent,
    diff_content,
    field_label,
    load_content,
)
from projects.importing.errors import ImportError_
from projects.importing.plan import Action, ImportPlan, PlannedForm
from projects.layouts import yuan_to_wan
from projects.layouts.normalize import org_key
from projects.layouts.reading import Problem
from projects.models import FormEvent, Organization, PerformanceForm, Project

HUNDRED_YUAN = Decimal(100)  # 0.01 万元

ORGANIZATION_KEYS = ("project.department", "project.unit")


def default_framework() -> Framework:
    try:
        return Framework.objects.get(is_default=True)
    except Framework.DoesNotExist:
        raise ImportError_("没有默认的指标体系，请先在系统管理中设置。") from None


@dataclass
class Match:
    action: Action
    form_id: int | None
    version: int | None
    diff: ContentDiff | None
    department: Organization | None
    unit: Organization | None
    project: Project | None
    form: PerformanceForm | None
    problems: list[Problem]
    revising: bool = False  # its unit is revising the saved form (``under_revision``)


def identity(data: FormContent) -> tuple[Any, ...]:
    project = data.project
    if project.code:
        return ("code", project.code, data.fiscal_year)
    return (
        "unit",
        org_key(project.department),
        org_key(project.unit),
        project.name,
        data.fiscal_year,
    )


def match_all(
    forms: Sequence[PlannedForm], framework: Framework, *, lock: bool = False
) -> list[Match]:
    """Find each form's organisations, project and existing form; decide the action."""
    departments = {
        org_key(org.name): org
        for org in Organization.objects.filter(kind=Organization.Kind.DEPARTMENT)
    }
    wanted_departments = {
        departments[key].pk
        for key in {org_key(f.data.project.department) for f in forms}
        if key in departments
    }
    units = {
        (org.parent_id, org_key(org.name)): org
        for org in Organization.objects.filter(
            kind=Organization.Kind.UNIT, parent_id__in=wanted_departments
        )
    }
    codes = {f.data.project.code for f in forms if f.data.project.code}
    by_code = {p.code: p for p in Project.objects.filter(code__in=codes)} if codes else {}
    unit_ids = {org.pk for org in units.values()}
    project_names = {f.data.project.name for f in forms}
    by_name: dict[tuple[int, str], Project] = {}
    for known in Project.objects.filter(unit_id__in=unit_ids, name__in=project_names).order_by(
        "-code", "id"
    ):
        by_name.setdefault((known.unit_id, known.name), known)
    project_ids = {p.pk for p in by_code.values()} | {p.pk for p in by_name.values()}
    existing_forms = PerformanceForm.objects.filter(
        project_id__in=project_ids, fiscal_year__in={f.data.fiscal_year for f in forms}
    )
    if lock:
        existing_forms = existing_forms.select_for_update(of=("self",))
    existing = {(form.project_id, form.fiscal_year): form for form in existing_forms.with_content()}
    revising = under_revision(list(existing.values()))
    categories = CategoryLookup()
    seen: dict[tuple[Any, ...], str] = {}
    matches = []
    for planned in forms:
        data = planned.data
        problems: list[Problem] = []
        department = departments.get(org_key(data.project.department))
        unit = units.get((department.pk, org_key(data.project.unit))) if department else None
        project = by_code.get(data.project.code) if data.project.code else None
        if project is None and unit is not None:
            candidate = by_name.get((unit.pk, data.project.name))
            if candidate is not None and (not data.project.code or not candidate.code):
                project = candidate
        form = existing.get((project.pk, data.fiscal_year)) if project else None
        key = identity(data)
        if key in seen and data.fiscal_year:
            problems.append(
                Problem(
                    "error",
                    planned.where,
                    f"与 {seen[key]} 的表是同一项目、同一年度，重复了。",
                )
            )
        seen.setdefault(key, planned.where)
        framework_id = form.framework_id if form else framework.pk
        for item in data.indicators:
            if item.level1 and categories.get(framework_id, item.level1, item.level2) is None:
                problems.append(
                    Problem(
                        "error",
                        planned.where,
                        "指标类别“{category}”不在这张表所用的指标体系中。".format(
                            category="／".join(x for x in (item.level1, item.level2) if x)
                        ),
                    )
                )
                break
        diff = None
        action: Action = "create"
        if form is not None:
            diff = _differences(planned, form, department, unit)
            action = "update" if diff else "unchanged"
            if action == "update" and not form.is_editable:
                problems.append(
                    Problem(
                        "error",
                        planned.where,
                        f"系统中这张表的状态是“{form.get_status_display()}”，不能被导入覆盖。",
                    )
                )
        matches.append(
            Match(
                action,
                form.pk if form else None,
                form.version if form else None,
                diff,
                department,
                unit,
                project,
                form,
                problems,
                revising=form is not None and form.pk in revising,
            )
        )
    return matches


def under_revision(forms: Sequence[PerformanceForm]) -> set[int]:
    """The forms their units are revising, which an import does not overwrite unless the
    administrator ticks them: 已退回 (sent back for the unit to change), or 草稿 and edited by
    its unit since it was last imported (or ever, when it never was). One query."""
    returned = {f.pk for f in forms if f.status == PerformanceForm.Status.RETURNED}
    drafts = [f.pk for f in forms if f.status == PerformanceForm.Status.DRAFT]
    if not drafts:
        return returned
    Kind = FormEvent.Kind
    latest = (
        FormEvent.objects.filter(form_id__in=drafts)
        .values("form_id")
        .annotate(
            imported=Max("created_at", filter=Q(kind=Kind.IMPORT)),
            edited=Max("created_at", filter=Q(kind=Kind.EDIT)),
        )
    )
    return returned | {
        row["form_id"]
        for row in latest
        if row["edited"] is not None
        and (row["imported"] is None or row["edited"] > row["imported"])
    }


def plan_matches(plan: ImportPlan, framework: Framework) -> None:
    for planned, match in zip(plan.forms, match_all(plan.forms, framework), strict=True):
        apply_match(planned, match)


def apply_match(planned: PlannedForm, match: Match) -> None:
    """Record on the planned form what importing it does (again, when matched once more at
    the commit: its problems are then added once)."""
    planned.action = match.action
    planned.form_id = match.form_id
    planned.version = match.version
    planned.project_id = match.project.pk if match.project else None
    planned.diff = match.diff
    planned.changes = match.diff.keys if match.diff else []
    planned.revising = match.revising
    planned.status = match.form.get_status_display() if match.form is not None else ""
    planned.problems += [p for p in match.problems if p not in planned.problems]


def keep_exact_amounts(current: FormContent, data: FormContent) -> None:
    """A sheet in 万元 with two decimals (广州) gives amounts to the nearest 100 元: where the
    saved amount is exact and rounds to the same figure, the sheet says nothing new, and the
    exact amount is kept (``data`` takes it, so the commit writes it back unchanged)."""
    if data.amount_unit_label != "万元":
        return
    for key, new in list(data.amounts.items()):
        old = current.amounts.get(key)
        if new is None or old is None or old == new:
            continue
        if new % HUNDRED_YUAN == 0 and yuan_to_wan(old) == yuan_to_wan(new):
            data.amounts[key] = old


def _differences(
    planned: PlannedForm,
    form: PerformanceForm,
    department: Organization | None,
    unit: Organization | None,
) -> ContentDiff:
    """What importing the sheet would change on the saved form: the fields its layout carries
    (organisations compared as the organisations they resolve to) and the indicators."""
    data = planned.data
    # the 广州 绩效指标 as typed is a copy of the sheet for printing: a sheet that differs in it
    # alone (punctuation) changes nothing; an update writes it with the rest
    keys = [k for k in planned.keys if k not in ORGANIZATION_KEYS and k != "details.indicator_text"]
    current = load_content(form)
    keep_exact_amounts(current, data)
    diff = diff_content(current, data, keys=keys)
    project = form.project
    moved = []
    if department is None or project.department_id != department.pk:
        moved.append(
            FieldChange(
                "project.department",
                field_label("project.department"),
                project.department.name,
                data.project.department,
            )
        )
    if unit is None or project.unit_id != unit.pk:
        moved.append(
            FieldChange(
                "project.unit", field_label("project.unit"), project.unit.name, data.project.unit
            )
        )
    return ContentDiff((*moved, *diff.fields), diff.indicators, diff.reordered)
