"""Bulk import of 绩效目标表 from workbooks, pasted text and the import JSON: read, preview, then
one atomic commit.

``read_sources`` reads every source (``projects.importing.sources``) and matches each form
against the database (``import_matching``: create / update / unchanged, with what would change),
writing nothing. ``commit_import`` writes a plan in one transaction, after checking under lock
that the database still matches the preview and that the actor may import. ``import_files``
does both (the demo loader and the ``import_sheets`` command use it).

Commits are serialized: each takes the import lock first in its transaction (on PostgreSQL a
transaction-level advisory lock, on SQLite the database's write lock, taken at once rather than
at the first insert) and only then matches the plan against the database again. So of two
imports of the same sheets at once, the second sees what the first created: a previewed plan
(the upload pages) is refused as stale, a plan made just now (``replan=True``: the command)
follows the database and finds the forms unchanged. Unique constraints on projects, forms and
organisations refuse duplicates even without the lock.

The upload pages keep an upload between preview and commit as a ``StagedImport`` (the
database, so every process and host sees it): ``stage_import`` keeps one, ``commit_import``
marks it consumed in its own transaction (a second submission of the same preview commits
nothing), ``purge_staged_imports`` drops the stale ones.

An import only overwrites the fields its layout carries (``Layout.carries``; every field for the
import JSON); an updated form's indicators are changed in place
(``projects.content.apply_indicators``), so unchanged rows keep their uid and comments.
Organisations missing from the database are created. Each created or changed form gets one
history event with its new content; an unchanged form gets none.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from indicators.models import Framework
from projects.content import (
    FIELDS,
    CategoryLookup,
    new_indicator_rows,
    set_fields,
)
from projects.errors import DomainError
from projects.filing.library import rebuild_library_later
from projects.history import event_for, write_version
from projects.importing.errors import ImportError_
from projects.importing.limits import FORM_LIMITS, INDICATOR_LIMITS
from projects.importing.plan import ImportPlan, ImportResult, PlannedForm
from projects.importing.sources import read_plan
from projects.layouts import LAYOUTS, framework_categories
from projects.layouts.normalize import CategoryNames, canonical_org_name, org_key
from projects.models import (
    FormEvent,
    Indicator,
    Organization,
    PerformanceForm,
    Project,
    StagedImport,
    StagedImportFile,
)
from projects.permissions import Actor, can_import, can_import_over
from projects.services.import_matching import (
    Match,
    apply_match,
    default_framework,
    identity,
    match_all,
    plan_matches,
)

__all__ = [
    "CHOICES",
    "IMPORT_LOCK_KEY",
    "ImportAlreadyCommitted",
    "ImportError_",
    "ImportPlan",
    "ImportResult",
    "ImportStale",
    "PlannedForm",
    "commit_import",
    "commit_staged",
    "done_message",
    "import_files",
    "purge_staged_imports",
    "read_sources",
    "read_staged",
    "stage_import",
    "with_drafts",
]

logger = logging.getLogger(__name__)

# The key of the PostgreSQL advisory lock every import commit takes: any bigint, the same in
# every process (the bytes of "perfgoal" read as a number).
IMPORT_LOCK_KEY = int.from_bytes(b"perfgoal", "big")


class ImportAlreadyCommitted(ImportError_):
    """The staged upload was committed already (a second click on 确认导入)."""


def read_sources(
    *,
    paths: Sequence[Path] | None = None,
    uploads: Sequence[tuple[str, bytes]] | None = None,
    text: str | None = None,
    year: int | None = None,
) -> ImportPlan:
    """Read the sources and match them against the database. Writes nothing."""
    framework = default_framework()
    names = CategoryNames(framework_categories(framework.pk))
    plan = read_plan(names=names, paths=paths, uploads=uploads, text=text, year=year)
    plan_matches(plan, framework)
    return plan


def commit_import(
    *,
    plan: ImportPlan,
    actor: Actor | None = None,
    replan: bool = False,
    staged: StagedImport | None = None,
    overwrite: Collection[int] = (),
    overwrite_revising: bool = False,
) -> ImportResult:
    """Write the plan in one transaction, or nothing. Raises ImportError_ when the plan has
    errors, when the actor may not import, or when the database changed since the plan was
    made. ``actor=None`` is a command.

    The plan is matched against the database again under the import lock. A previewed plan
    must still hold (else it is refused as stale); with ``replan`` (a plan nobody has seen,
    made just before) it takes what the database says now: forms another import created
    meanwhile are then updated or left unchanged, never created twice. ``staged``: the upload
    the plan was read from, marked consumed in the same transaction (ImportAlreadyCommitted
    when it was already).

    A form its unit is revising (已退回, or a 草稿 its unit edited since it was last imported:
    ``import_matching.under_revision``) is updated only when its id is in ``overwrite`` (the
    administrator ticked it); its event then says so and names the import, and the version
    it overwrote stays in the history. The others are left as they are
    (``ImportResult.kept_for_revision``); ``overwrite_revising`` overwrites them all (the
    command's ``--overwrite-revising``)."""
    actor = actor or Actor.system()
    if plan.has_errors:
        errors = [p for p in plan.problems if p.is_error] + [
            p for f in plan.forms for p in f.errors
        ]
        raise ImportError_(
            f"有 {len(errors)} 个错误，未导入任何数据。请修正后重新导入。",
            errors,
        )
    if not plan.forms:
        raise ImportError_("没有可以导入的绩效目标表。")
    framework = default_framework()
    result = ImportResult(plan=plan)
    try:
        with transaction.atomic():
            _lock_imports(writes=any(f.action != "unchanged" for f in plan.forms))
            if staged is not None:
                _consume(staged, actor)
            _commit(
                plan,
                framework,
                result,
                actor,
                replan=replan,
                overwrite=None if overwrite_revising else set(overwrite),
            )
    except IntegrityError as error:
        # the database's own words (English, naming tables) are for the log, not the page
        logger.warning("import commit refused by a constraint", exc_info=True)
        raise ImportError_(
            "另一项操作同时写入了相同的单位、项目或表，未导入任何数据。请重新上传预览，"
            "或稍后重新导入。"
        ) from error
    except DatabaseError as error:
        logger.exception("import commit failed in the database")
        raise ImportError_(
            "写入数据库时出错，未导入任何数据。请稍后重新导入；如仍不成功，请联系系统管理员"
            "（详细错误已记入系统日志）。"
        ) from error
    except DomainError as error:
        if isinstance(error, ImportError_):
            raise
        raise ImportError_(error.message) from error
    result.committed = True
    if result.created or result.updated:
        rebuild_library_later()
    return result


def with_drafts(plan: ImportPlan) -> ImportPlan:
    """The clean forms, and the held-back ones that can be (``ImportPlan.draftable``) as
    待修正 drafts: what could not be placed (rows of unknown category, values that do not fit
    their field) is taken out of the form and kept as text beside it, with every error of the
    form, so that nothing of the sheet is lost; the unit finishes it in the editor. The rest
    of the held-back forms (no project, unit or year; an update) wait for a fixed sheet."""
    framework = default_framework()
    categories = CategoryLookup()
    draftable = {id(form) for form in plan.draftable}
    seen = {identity(form.data) for form in plan.clean_forms}
    forms: list[PlannedForm] = []
    for planned in plan.forms:
        if not planned.has_errors:
            forms.append(planned)
        elif id(planned) in draftable and identity(planned.data) not in seen:
            seen.add(identity(planned.data))  # the same project twice: the first only
            forms.append(_as_draft(planned, framework.pk, categories))
    return ImportPlan(
        forms=forms,
        problems=[p for p in plan.problems if not p.is_error],
        files=plan.files,
        year=plan.year,
    )


def _as_draft(planned: PlannedForm, framework_id: int, categories: CategoryLookup) -> PlannedForm:
    data = copy.deepcopy(planned.data)
    lines: list[str] = []
    quoted: set[str] = set()  # each row as typed once, under its first problem
    for problem in planned.errors:
        if problem.text in quoted:
            problem = dataclasses.replace(problem, text="")
        quoted.add(problem.text)
        if problem.as_text() not in lines:
            lines.append(problem.as_text())
    for key, label, limit in FORM_LIMITS:
        value = data.get(key)
        if isinstance(value, str) and len(value) > limit:
            lines.append(f"{label}（超过 {limit} 字，未放入表中）：{value}")
            data.set(key, "")
    kept = []
    tiered = LAYOUTS[data.layout].tiered  # its rows sit under a 二级指标
    for item in data.indicators:
        placed = (
            (item.name or item.not_applicable)
            and (item.level2 or not tiered)
            and categories.get(framework_id, item.level1, item.level2) is not None
            and all(
                len(getattr(item, key, "") or "") <= limit
                for key, _label, limit in INDICATOR_LIMITS
            )
        )
        if placed:
            kept.append(item)
            continue
        cells = [
            item.level1,
            item.level2,
            item.name,
            item.period_value,
            item.annual_value,
            item.value,
            item.explanation,
        ]
        lines.append(
            "未能放入指标表的一行：{cells}".format(cells=" | ".join(c for c in cells if c))
        )
    data.indicators = kept
    return dataclasses.replace(planned, data=data, draft=True, leftover="\n".join(lines))


def _lock_imports(*, writes: bool) -> None:
    """Wait for any other import commit to finish; held until this transaction ends."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        elif connection.vendor == "sqlite" and writes:
            # SQLite takes its (whole-database) write lock at a transaction's first write, and
            # a transaction that read before another took it cannot write any more: take it
            # now, writing nothing, so that the matching below already runs under it. (A plan
            # that changes nothing takes none: should the database have changed meanwhile, its
            # first write fails and the whole import with it.)
            table = StagedImport._meta.db_table
            cursor.execute(f"UPDATE {table} SET consumed_at = consumed_at WHERE 0")


def _consume(staged: StagedImport, actor: Actor) -> None:
    """Mark the staged upload committed, under its row lock, and drop its files."""
    row = (
        StagedImport.objects.select_for_update()
        .filter(pk=staged.pk)
        .only("user_id", "consumed_at")
        .first()
    )
    if row is None or row.user_id != actor.user_id:
        raise ImportError_("这次上传已被取消或已过期，请重新上传。")
    if row.consumed_at is not None:
        raise ImportAlreadyCommitted("这次导入已经提交过了，没有再次导入。")
    staged.consumed_at = timezone.now()
    StagedImport.objects.filter(pk=staged.pk).update(consumed_at=staged.consumed_at)
    StagedImportFile.objects.filter(staged_id=staged.pk).delete()


def _commit(
    plan: ImportPlan,
    framework: Framework,
    result: ImportResult,
    actor: Actor,
    *,
    replan: bool,
    overwrite: set[int] | None,
) -> None:
    allowed, reason = can_import(actor)
    if not allowed:
        raise ImportError_(reason)
    matches = match_all(plan.forms, framework, lock=True)
    if replan:
        problems = []
        for planned, match in zip(plan.forms, matches, strict=True):
            apply_match(planned, match)
            problems += match.problems
        if problems:
            raise ImportError_(
                (
                    f"导入时系统中的数据已有变化，有 {len(problems)} 个错误，未导入任何数据。"
                    "请修正后重新导入。"
                ),
                problems,
            )
    for planned, match in zip(plan.forms, matches, strict=True):
        if (planned.action, planned.form_id, planned.version, planned.revising) != (
            match.action,
            match.form_id,
            match.version,
            match.revising,
        ) or match.problems:
            raise ImportError_(
                f"预览之后系统中的数据已有变化（{planned.where}），请重新预览后再导入。"
            )
        if match.action == "update" and match.form is not None:
            allowed, reason = can_import_over(actor, match.form)
            if not allowed:
                raise ImportError_(f"{planned.where}：{reason}")
    kept = [
        match.action == "update"
        and match.revising
        and overwrite is not None
        and match.form_id not in overwrite
        for match in matches
    ]
    result.kept_for_revision = sum(kept)
    forms = [planned for planned, keep in zip(plan.forms, kept, strict=True) if not keep]
    matches = [match for match, keep in zip(matches, kept, strict=True) if not keep]
    _write(forms, matches, framework, result, actor)


def _write(
    forms: Sequence[PlannedForm],
    matches: list[Match],
    framework: Framework,
    result: ImportResult,
    actor: Actor,
) -> None:
    pending = [(p, m) for p, m in zip(forms, matches, strict=True) if m.action != "unchanged"]
    result.unchanged = len(forms) - len(pending)
    result.form_ids = [m.form_id for m in matches if m.action == "unchanged" and m.form_id]
    for planned, match in zip(forms, matches, strict=True):
        if match.action == "unchanged" and match.form is not None:
            # the same rows in the same order: name their uids (for --json)
            for item, row in zip(planned.data.indicators, match.form.indicators.all(), strict=True):
                item.uid = str(row.uid)
    if not pending:
        return
    _resolve_organizations(pending)
    projects: dict[tuple[Any, ...], Project] = {}
    new_projects: list[Project] = []
    for planned, match in pending:
        key = identity(planned.data)[:-1]
        if match.project is None:
            match.project = projects.get(key)
        if match.project is None:
            match.project = Project()
            new_projects.append(match.project)
        projects[key] = match.project
        changed = _set_project(match.project, planned, match.department, match.unit)
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
            set_fields(form, data, planned.keys)
            form.import_leftover = planned.leftover
            rows = new_indicator_rows(form, data.indicators, categories)
            for item, row in zip(data.indicators, rows, strict=True):
                item.uid = str(row.uid)
            new_forms.append(form)
            new_rows += rows
            match.form = form
            result.created += 1
            result.drafts += planned.draft
            continue
        comment = planned.source_label
        if match.revising:  # ticked: the unit's version stays in the history, before this one
            comment = (
                f"导入覆盖了单位正在修改的第 {match.version} 版（{planned.status}，"
                f"经管理员勾选确认）。来源：{planned.source_label}"
            )
        write_version(  # its project is written above, with the others
            match.form,
            data,
            keys=planned.keys,
            actor=actor,
            kind=FormEvent.Kind.IMPORT,
            comment=comment,
            indicators="indicators" in planned.changes,
            categories=categories,
            with_project=False,
            snapshot_in_memory=True,
            events=events,
        )
        result.updated += 1
    PerformanceForm.objects.bulk_create(new_forms)
    Indicator.objects.bulk_create(new_rows, batch_size=500)
    for planned, match in pending:
        if match.action == "create" and match.form is not None:
            # the snapshot says what the form says: project fields its sheet does not carry
            # are the (existing) project's
            for spec in FIELDS:
                if (
                    spec.model == "project"
                    and spec.kind != "organization"
                    and spec.key not in planned.keys
                    and match.project is not None
                ):
                    planned.data.set(spec.key, getattr(match.project, spec.attr))
            comment = planned.source_label
            if planned.leftover:  # kept in the history too, whatever becomes of it on the form
                comment += "\n" + "待修正，导入时未能识别的内容：" + "\n" + planned.leftover
            events.append(
                event_for(
                    match.form,
                    actor=actor,
                    kind=FormEvent.Kind.IMPORT,
                    comment=comment,
                    content=planned.data,
                )
            )
    FormEvent.objects.bulk_create(events, batch_size=500)
    for planned, match in pending:
        if match.form is not None:
            planned.form_id = match.form.pk
            result.form_ids.append(match.form.pk)


def _resolve_organizations(pending: Sequence[tuple[PlannedForm, Match]]) -> None:
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
    project: Project,
    planned: PlannedForm,
    department: Organization | None,
    unit: Organization | None,
) -> list[str]:
    changed = set_fields(project, planned.data, planned.keys)
    if unit is not None and project.unit_id != unit.pk:
        project.unit = unit
        changed.append("unit")
    if department is not None and project.department_id != department.pk:
        project.department = department
        changed.append("department")
    return changed


def import_files(
    *,
    paths: Sequence[Path],
    year: int | None = None,
    actor: Actor | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Read the files and, unless ``dry_run``, commit them (matched again under the import
    lock: what another import created meanwhile is not created twice). Raises ImportError_
    on errors."""
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
    return commit_import(plan=plan, actor=actor, replan=True)


# --------------------------------------------------------------------------- staged uploads


def stage_import(
    *,
    actor: Actor,
    uploads: Sequence[tuple[str, bytes]],
    text: str = "",
    year: int | None = None,
) -> StagedImport:
    """Keep an upload for its preview and commit (purging the stale ones first)."""
    allowed, reason = can_import(actor)
    if not allowed or actor.user_id is None:
        raise ImportError_(reason or "只有管理员可以导入绩效目标表。")
    purge_staged_imports()
    with transaction.atomic():
        staged = StagedImport.objects.create(user_id=actor.user_id, text=text, year=year)
        StagedImportFile.objects.bulk_create(
            StagedImportFile(staged=staged, position=position, name=name, data=data)
            for position, (name, data) in enumerate(uploads)
        )
    return staged


def read_staged(staged: StagedImport) -> ImportPlan:
    """Read a staged upload's sources, as ``read_sources`` does. Writes nothing."""
    return read_sources(uploads=staged.uploads(), text=staged.text or None, year=staged.year)


class ImportStale(ImportError_):
    """The upload, read again, no longer gives what its preview showed."""


# What the preview offers for the forms with errors: import them all (none has errors), hold
# them back, or bring in those that can be as 待修正 drafts.
CHOICES = ("all", "hold", "drafts")


def commit_staged(
    *,
    staged: StagedImport,
    actor: Actor,
    fingerprint: str,
    choice: str = "all",
    stage: Callable[[str], None] | None = None,
    overwrite: Collection[int] = (),
) -> tuple[ImportResult, int]:
    """Commit a staged upload as its preview showed it (``fingerprint``), with the preview's
    choice for the forms with errors and the forms under revision it ticked (``overwrite``:
    their ids). Returns the result and how many forms were held back.
    Raises ImportAlreadyCommitted (committed before), ImportStale (the preview no longer holds:
    nothing written) or ImportError_. ``stage(text)`` hears what it is doing."""
    say = stage or (lambda _text: None)
    say("读取文件")
    plan = read_staged(staged)
    if plan.fingerprint() != fingerprint:
        staged.refresh_from_db(fields=["consumed_at"])
        if staged.is_consumed:  # committed by an earlier click or run meanwhile
            raise ImportAlreadyCommitted("这次导入已经提交过了，没有再次导入。")
        raise ImportStale("预览之后系统中的数据已有变化，请核对新的预览后再确认。")
    held = len(plan.held_back)
    if held and choice == "drafts":
        plan = with_drafts(plan)
    elif held and choice == "hold":
        plan = plan.without_errors()
    say(f"写入 {len(plan.forms)} 张表")
    result = commit_import(plan=plan, actor=actor, staged=staged, overwrite=overwrite)
    return result, held - result.drafts if held and choice != "all" else 0


def done_message(result: ImportResult, held_back: int) -> str:
    """What a finished import tells its user."""
    done = f"导入完成：新建 {result.created} 张，更新 {result.updated} 张，{result.unchanged} 张无变化。"
    if result.drafts:
        done += (
            f"其中 {result.drafts} 张有错误，已作为“待修正”草稿导入：未能识别的内容保留在表上，"
            "请填报单位补入表中。"
        )
    if held_back:
        done += f"有错误的 {held_back} 张未导入：请修正原表后重新上传。"
    if result.kept_for_revision:
        done += (
            f"有 {result.kept_for_revision} 张表正由填报单位修改（已退回，或单位在上次导入后改过），"
            "未勾选覆盖，保持原样。"
        )
    return done


def purge_staged_imports(*, now: datetime | None = None) -> int:
    """Delete the staged uploads older than ``STAGED_IMPORT_LIFETIME`` (committed or not,
    with their files); the number deleted."""
    _total, deleted = StagedImport.objects.expired(now).delete()
    return deleted.get(StagedImport._meta.label, 0)
