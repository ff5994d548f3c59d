"""Bulk import of 绩效目标表 from workbooks and pasted text: read, preview, then one atomic commit.

``read_sources`` parses every source, matches each form against the database (create / update /
unchanged) and collects the problems, writing nothing. ``commit_import`` writes a plan in one
transaction, after checking under lock that the database still matches the preview.
``import_files`` does both (the demo loader and the ``import_sheets`` command use it).

Matching: a project by its code where the sheet has one (else, or when no project has that code,
by unit and name); the form by project and fiscal year. Organisations by name (ignoring spaces
and bracket width): the department among departments, the unit under that department; missing
ones are created. An import only overwrites the fields its layout carries (``Layout.carries``);
an updated form's indicators are changed in place (``projects.content.apply_indicators``), so
unchanged rows keep their uid and comments. Each created or changed form gets one history event
with its new content; an unchanged form gets none.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from indicators.models import Framework
from projects.content import (
    ALWAYS_CARRIED,
    CategoryLookup,
    ContentDiff,
    FieldChange,
    FormContent,
    apply_indicators,
    diff_content,
    field_label,
    load_content,
    new_indicator_rows,
    set_fields,
    to_json,
)
from projects.errors import DomainError
from projects.history import event_for
from projects.importing.detect import find_segments
from projects.importing.errors import ImportError_, Problem, SourceError
from projects.importing.normalize import CategoryNames, canonical_org_name, org_key
from projects.importing.parse import ReadForm, read_segment
from projects.importing.sheet import SEPARATOR, Sheet
from projects.importing.text import PASTED_NAME, decode_text, read_text
from projects.importing.xlsx import is_workbook_bytes, read_workbook
from projects.layouts import LAYOUTS, framework_categories
from projects.models import FormEvent, Indicator, Organization, PerformanceForm, Project
from projects.permissions import Actor, can_import, can_import_over
from projects.tasks import rebuild_library_later

Action = Literal["create", "update", "unchanged"]
TEXT_SUFFIXES = (".txt", ".tsv", ".tab", ".text")
ORGANIZATION_KEYS = ("project.department", "project.unit")

__all__ = [
    "ImportError_",
    "ImportPlan",
    "ImportResult",
    "PlannedForm",
    "commit_import",
    "import_files",
    "read_sources",
]


# --------------------------------------------------------------------------- plan


@dataclass
class PlannedForm:
    data: FormContent
    file: str
    sheet: str
    rows: tuple[int, int]
    where: str
    problems: list[Problem] = field(default_factory=list)
    action: Action = "create"
    form_id: int | None = None
    version: int | None = None
    changes: list[str] = field(default_factory=list)
    diff: ContentDiff | None = None  # what an update changes, for the preview

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def layout_label(self) -> str:
        return str(PerformanceForm.Layout(self.data.layout).label)

    @property
    def source_label(self) -> str:
        parts = [self.file] + ([self.sheet] if self.sheet else [])
        first, last = self.rows
        rows = _("第 %(first)s–%(last)s 行") % {"first": first, "last": last}
        if first == last:
            rows = _("第 %(row)s 行") % {"row": first}
        return SEPARATOR.join([*parts, rows])

    def to_json(self) -> dict[str, Any]:
        data = self.data
        return {
            "source": {"file": self.file, "sheet": self.sheet, "rows": list(self.rows)},
            **to_json(data, keys=carried(data)),
            "action": self.action,
            "problems": [p.to_json() for p in self.problems],
        }


def carried(data: FormContent) -> tuple[str, ...]:
    """The fields an import of this content writes: those its layout prints."""
    return LAYOUTS[data.layout].carries


@dataclass
class ImportPlan:
    forms: list[PlannedForm]
    problems: list[Problem]  # about whole files and sheets
    files: list[str]
    year: int | None = None

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems) or any(f.has_errors for f in self.forms)

    def count(self, action: str) -> int:
        return sum(1 for form in self.forms if form.action == action)

    def summary(self) -> dict[str, Any]:
        problems = self.problems + [p for f in self.forms for p in f.problems]
        return {
            "files": self.files,
            "forms": len(self.forms),
            "create": self.count("create"),
            "update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "errors": sum(1 for p in problems if p.is_error),
            "warnings": sum(1 for p in problems if not p.is_error),
            "problems": [p.to_json() for p in self.problems],
        }

    def to_json(self) -> dict[str, Any]:
        return {"forms": [form.to_json() for form in self.forms], "summary": self.summary()}

    def fingerprint(self) -> str:
        """Changes when the sources or the matched database rows change."""
        state = [(f.where, f.action, f.form_id, f.version, f.changes) for f in self.forms]
        digest = hashlib.sha256(json.dumps(state, ensure_ascii=False).encode())
        return digest.hexdigest()


@dataclass
class ImportResult:
    plan: ImportPlan
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    form_ids: list[int] = field(default_factory=list)
    committed: bool = False

    def to_json(self) -> dict[str, Any]:
        result = self.plan.to_json()
        result["summary"]["committed"] = self.committed
        return result


# --------------------------------------------------------------------------- reading


def read_sources(
    *,
    paths: Sequence[Path] | None = None,
    uploads: Sequence[tuple[str, bytes]] | None = None,
    text: str | None = None,
    year: int | None = None,
) -> ImportPlan:
    """Parse the sources and match them against the database. Writes nothing."""
    framework = _default_framework()
    names = CategoryNames(framework_categories(framework.pk))
    plan = ImportPlan(forms=[], problems=[], files=[], year=year)
    for path in paths or ():
        path = Path(path)
        plan.files.append(path.name)
        try:
            size = path.stat().st_size
            data = path.read_bytes() if size <= settings.IMPORT_MAX_UPLOAD_BYTES else None
        except OSError:
            plan.problems.append(Problem("error", path.name, _("无法打开文件。")))
            continue
        if data is None:
            plan.problems.append(Problem("error", path.name, _too_large(size)))
            continue
        _read_one(plan, path.name, data, names, year)
    for name, data in uploads or ():
        plan.files.append(name)
        _read_one(plan, name, data, names, year)
    if text is not None and text.strip():
        plan.files.append(PASTED_NAME)
        _read_sheets(plan, PASTED_NAME, [read_text(text, file=PASTED_NAME)], names, year)
    _plan_matches(plan, framework)
    return plan


def _too_large(size: int) -> str:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    return _("文件大小为 %(size)s，超过上限 %(limit)s。") % {
        "size": f"{size / 1048576:.1f} MB",
        "limit": f"{limit / 1048576:.1f} MB",
    }


def _read_one(
    plan: ImportPlan, name: str, data: bytes, names: CategoryNames, year: int | None
) -> None:
    try:
        if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise SourceError(_too_large(len(data)))
        if is_workbook_bytes(data) or name.lower().endswith((".xlsx", ".xlsm", ".xls")):
            sheets = read_workbook(data, file=name)
        elif name.lower().endswith(TEXT_SUFFIXES) or (data and b"\0" not in data[:4096]):
            sheets = [read_text(decode_text(data), file=name)]
        else:
            raise SourceError(_("不是 Excel 工作簿（.xlsx）或文本文件，无法读取。"))
    except SourceError as error:
        plan.problems.append(Problem("error", name, error.message))
        return
    _read_sheets(plan, name, sheets, names, year)


def _read_sheets(
    plan: ImportPlan, name: str, sheets: list[Sheet], names: CategoryNames, year: int | None
) -> None:
    found: list[ReadForm] = []
    empty_sheets: list[Sheet] = []
    for sheet in sheets:
        segments = find_segments(sheet)
        for _row, note in sheet.notes:
            plan.problems.append(Problem("warning", sheet.where(), note))
        if not segments:
            if any(any(row) for row in sheet.rows):
                empty_sheets.append(sheet)
            continue
        for segment in segments:
            found += read_segment(sheet, segment, names, year)
    if not found:
        plan.problems.append(
            Problem("error", name, _("没有找到可识别的绩效目标表（东莞、深圳或广州表样）。"))
        )
        return
    for sheet in empty_sheets:
        plan.problems.append(
            Problem("warning", sheet.where(), _("这个工作表中没有找到绩效目标表，已跳过。"))
        )
    for form in found:
        plan.forms.append(
            PlannedForm(
                data=form.data,
                file=form.file,
                sheet=form.sheet,
                rows=form.rows,
                where=form.where,
                problems=list(form.problems),
            )
        )


# --------------------------------------------------------------------------- matching


def _default_framework() -> Framework:
    try:
        return Framework.objects.get(is_default=True)
    except Framework.DoesNotExist:
        raise ImportError_(_("没有默认的指标体系，请先在系统管理中设置。")) from None


@dataclass
class _Match:
    action: Action
    form_id: int | None
    version: int | None
    diff: ContentDiff | None
    department: Organization | None
    unit: Organization | None
    project: Project | None
    form: PerformanceForm | None
    problems: list[Problem]


def _identity(data: FormContent) -> tuple[Any, ...]:
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


def _match_all(
    forms: Sequence[PlannedForm], framework: Framework, *, lock: bool = False
) -> list[_Match]:
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
        identity = _identity(data)
        if identity in seen and data.fiscal_year:
            problems.append(
                Problem(
                    "error",
                    planned.where,
                    _("与 %(other)s 的表是同一项目、同一年度，重复了。")
                    % {"other": seen[identity]},
                )
            )
        seen.setdefault(identity, planned.where)
        framework_id = form.framework_id if form else framework.pk
        for item in data.indicators:
            if item.level1 and categories.get(framework_id, item.level1, item.level2) is None:
                problems.append(
                    Problem(
                        "error",
                        planned.where,
                        _("指标类别“%(category)s”不在这张表所用的指标体系中。")
                        % {"category": "／".join(x for x in (item.level1, item.level2) if x)},
                    )
                )
                break
        diff = None
        action: Action = "create"
        if form is not None:
            diff = _differences(data, form, department, unit)
            action = "update" if diff else "unchanged"
            if action == "update" and not form.is_editable:
                problems.append(
                    Problem(
                        "error",
                        planned.where,
                        _("系统中这张表的状态是“%(status)s”，不能被导入覆盖。")
                        % {"status": form.get_status_display()},
                    )
                )
        matches.append(
            _Match(
                action,
                form.pk if form else None,
                form.version if form else None,
                diff,
                department,
                unit,
                project,
                form,
                problems,
            )
        )
    return matches


def _plan_matches(plan: ImportPlan, framework: Framework) -> None:
    for planned, match in zip(plan.forms, _match_all(plan.forms, framework), strict=True):
        planned.action = match.action
        planned.form_id = match.form_id
        planned.version = match.version
        planned.diff = match.diff
        planned.changes = match.diff.keys if match.diff else []
        planned.problems += match.problems


def _differences(
    data: FormContent,
    form: PerformanceForm,
    department: Organization | None,
    unit: Organization | None,
) -> ContentDiff:
    """What importing the sheet would change on the saved form: the fields its layout carries
    (organisations compared as the organisations they resolve to) and the indicators."""
    keys = [k for k in (*carried(data), *ALWAYS_CARRIED) if k not in ORGANIZATION_KEYS]
    diff = diff_content(load_content(form), data, keys=keys)
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


# --------------------------------------------------------------------------- writing


def commit_import(*, plan: ImportPlan, actor: Actor | None = None) -> ImportResult:
    """Write the plan in one transaction, or nothing. Raises ImportError_ when the plan has
    errors, when the actor may not import, or when the database changed since the plan was
    made. ``actor=None`` is a command."""
    actor = actor or Actor.system()
    if plan.has_errors:
        errors = [p for p in plan.problems if p.is_error] + [
            p for f in plan.forms for p in f.errors
        ]
        raise ImportError_(
            _("有 %(count)s 个错误，未导入任何数据。请修正后重新导入。") % {"count": len(errors)},
            errors,
        )
    if not plan.forms:
        raise ImportError_(_("没有可以导入的绩效目标表。"))
    framework = _default_framework()
    result = ImportResult(plan=plan)
    try:
        with transaction.atomic():
            _commit(plan, framework, result, actor)
    except DatabaseError as error:
        raise ImportError_(
            _("写入数据库时出错，未导入任何数据：%(error)s") % {"error": error}
        ) from error
    except DomainError as error:
        if isinstance(error, ImportError_):
            raise
        raise ImportError_(error.message) from error
    result.committed = True
    if result.created or result.updated:
        rebuild_library_later()
    return result


def _commit(plan: ImportPlan, framework: Framework, result: ImportResult, actor: Actor) -> None:
    allowed, reason = can_import(actor)
    if not allowed:
        raise ImportError_(reason)
    matches = _match_all(plan.forms, framework, lock=True)
    for planned, match in zip(plan.forms, matches, strict=True):
        if (planned.action, planned.form_id, planned.version) != (
            match.action,
            match.form_id,
            match.version,
        ) or match.problems:
            raise ImportError_(
                _("预览之后系统中的数据已有变化（%(where)s），请重新预览后再导入。")
                % {"where": planned.where}
            )
        if match.action == "update" and match.form is not None:
            allowed, reason = can_import_over(actor, match.form)
            if not allowed:
                raise ImportError_(f"{planned.where}：{reason}")
    _write(plan.forms, matches, framework, result, actor)


def _write(
    forms: Sequence[PlannedForm],
    matches: list[_Match],
    framework: Framework,
    result: ImportResult,
    actor: Actor,
) -> None:
    pending = [(p, m) for p, m in zip(forms, matches, strict=True) if m.action != "unchanged"]
    result.unchanged = len(forms) - len(pending)
    result.form_ids = [m.form_id for m in matches if m.action == "unchanged" and m.form_id]
    if not pending:
        return
    _resolve_organizations(pending)
    projects: dict[tuple[Any, ...], Project] = {}
    new_projects: list[Project] = []
    for planned, match in pending:
        identity = _identity(planned.data)[:-1]
        if match.project is None:
            match.project = projects.get(identity)
        if match.project is None:
            match.project = Project()
            new_projects.append(match.project)
        projects[identity] = match.project
        changed = _set_project(match.project, planned.data, match.department, match.unit)
        if match.project.pk and changed:
            match.project.save(update_fields=changed)
    Project.objects.bulk_create(new_projects)
    categories = CategoryLookup()
    new_forms: list[PerformanceForm] = []
    new_rows: list[Indicator] = []
    events: list[FormEvent] = []
    for planned, match in pending:
        assert match.project is not None
        data = planned.data
        if match.form is None:
            form = PerformanceForm(
                project=match.project, fiscal_year=data.fiscal_year, framework=framework
            )
            set_fields(form, data, (*carried(data), *ALWAYS_CARRIED))
            rows = new_indicator_rows(form, data.indicators, categories)
            for item, row in zip(data.indicators, rows, strict=True):
                item.uid = str(row.uid)
            new_forms.append(form)
            new_rows += rows
            match.form = form
            result.created += 1
            continue
        form = match.form
        set_fields(form, data, (*carried(data), *ALWAYS_CARRIED))
        form.version += 1
        form.save()
        if "indicators" in planned.changes:
            apply_indicators(form, data.indicators, categories)
        events.append(
            event_for(
                form,
                actor=actor,
                kind=FormEvent.Kind.IMPORT,
                from_status=form.status,
                comment=planned.source_label,
            )
        )
        result.updated += 1
    PerformanceForm.objects.bulk_create(new_forms)
    Indicator.objects.bulk_create(new_rows, batch_size=500)
    for planned, match in pending:
        if match.action == "create" and match.form is not None:
            events.append(
                event_for(
                    match.form,
                    actor=actor,
                    kind=FormEvent.Kind.IMPORT,
                    comment=planned.source_label,
                    content=planned.data,
                )
            )
    FormEvent.objects.bulk_create(events, batch_size=500)
    result.form_ids += [m.form.pk for _p, m in pending if m.form is not None]


def _resolve_organizations(pending: Sequence[tuple[PlannedForm, _Match]]) -> None:
    """Each pending form's department and unit, creating those the database lacks."""
    departments: dict[str, Organization] = {}
    units: dict[tuple[int, str], Organization] = {}
    for planned, match in pending:
        project = planned.data.project
        key = org_key(project.department)
        department = match.department or departments.get(key)
        if department is None:
            department = Organization.objects.create(
                kind=Organization.Kind.DEPARTMENT, name=canonical_org_name(project.department)
            )
        departments[key] = department
        match.department = department
        unit_key = (department.pk, org_key(project.unit))
        unit = match.unit or units.get(unit_key)
        if unit is None:
            unit = Organization.objects.create(
                kind=Organization.Kind.UNIT,
                parent=department,
                name=canonical_org_name(project.unit),
            )
        units[unit_key] = unit
        match.unit = unit
        # the names as the database keeps them, for the history's snapshot
        project.department, project.unit = department.name, unit.name


def _set_project(
    project: Project, data: FormContent, department: Organization | None, unit: Organization | None
) -> list[str]:
    changed = set_fields(project, data, carried(data))
    if unit is not None and project.unit_id != unit.pk:
        project.unit = unit
        changed.append("unit")
    if department is not None and project.department_id != department.pk:
        project.department = department
        changed.append("department")
    return changed


# --------------------------------------------------------------------------- both


def import_files(
    *,
    paths: Sequence[Path],
    year: int | None = None,
    actor: Actor | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Read the files and, unless ``dry_run``, commit them. Raises ImportError_ on errors."""
    plan = read_sources(paths=paths, year=year)
    if dry_run:
        if plan.has_errors:
            return ImportResult(plan=plan)
        return ImportResult(
            plan=plan,
            created=plan.count("create"),
            updated=plan.count("update"),
            unchanged=plan.count("unchanged"),
        )
    return commit_import(plan=plan, actor=actor)


def amount_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"
