"""An import plan: every form found in the sources, with where it is, what importing it would
do (create, update, unchanged) and its problems. Reading makes one; the commit writes it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from projects.content import ALL_KEYS, ALWAYS_CARRIED, ContentDiff, FormContent, to_json
from projects.content.findings import Finding
from projects.layouts import LAYOUTS
from projects.layouts.reading import Problem
from projects.layouts.sheet import SEPARATOR
from projects.models import MAX_YEAR, MIN_YEAR

Action = Literal["create", "update", "unchanged"]


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
    project_id: int | None = None  # the saved project it matched, if any
    version: int | None = None
    changes: list[str] = field(default_factory=list)
    diff: ContentDiff | None = None  # what an update changes, for the preview
    part: str = ""  # where in the file, when not rows of a sheet (a JSON file's n-th form)
    findings: list[Finding] = field(default_factory=list)  # the filing checks (the preview)
    complete: bool = False  # the content holds every field (JSON), not only its layout's
    # a form with errors imported as a 待修正 draft: what it could not place, as text
    draft: bool = False
    leftover: str = ""
    # the saved form it matched: its status (as shown), and whether its unit is revising it
    # (已退回, or a 草稿 its unit edited since it was last imported): such a form is updated
    # only when the administrator ticks it (``overwrite`` of the commit)
    status: str = ""
    revising: bool = False

    @property
    def held_for_revision(self) -> bool:
        """An update of a form its unit is revising: waits for the administrator's tick."""
        return self.action == "update" and self.revising

    @property
    def has_errors(self) -> bool:
        """Errors that stop its import (a 待修正 draft keeps them as its leftover text)."""
        return not self.draft and any(p.is_error for p in self.problems)

    def can_be_draft(self, year: int | None) -> bool:
        """Whether, despite its errors, it can come in as a 待修正 draft: a new form whose
        project, unit and year are known (and the year the one asked for). An update is never
        made from a sheet with errors: the form in the system stays as it is."""
        project = self.data.project
        return (
            self.action == "create"
            and bool(project.name and project.department and project.unit)
            and MIN_YEAR <= self.data.fiscal_year <= MAX_YEAR
            and (year is None or year == self.data.fiscal_year)
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def layout_label(self) -> str:
        return str(LAYOUTS[self.data.layout].label)

    @property
    def keys(self) -> tuple[str, ...]:
        """The fields an import of this content writes: those its layout prints (every field
        for a complete content), plus the layout and the amount unit."""
        if self.complete:
            return ALL_KEYS
        return (*LAYOUTS[self.data.layout].carries, *ALWAYS_CARRIED)

    @property
    def source_label(self) -> str:
        if self.part:
            return SEPARATOR.join([self.file, self.part])
        parts = [self.file] + ([self.sheet] if self.sheet else [])
        first, last = self.rows
        rows = f"第 {first}–{last} 行"
        if first == last:
            rows = f"第 {first} 行"
        return SEPARATOR.join([*parts, rows])

    def to_json(self) -> dict[str, Any]:
        data = self.data
        return {
            "source": {"file": self.file, "sheet": self.sheet, "rows": list(self.rows)},
            **to_json(data, keys=self.keys),
            "id": self.form_id,
            "action": self.action,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass
class ImportPlan:
    forms: list[PlannedForm]
    problems: list[Problem]  # about whole files and sheets
    files: list[str]
    year: int | None = None

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems) or any(f.has_errors for f in self.forms)

    @property
    def clean_forms(self) -> list[PlannedForm]:
        return [form for form in self.forms if not form.has_errors]

    @property
    def held_back(self) -> list[PlannedForm]:
        return [form for form in self.forms if form.has_errors]

    @property
    def draftable(self) -> list[PlannedForm]:
        """The held-back forms that could come in as 待修正 drafts instead."""
        return [form for form in self.held_back if form.can_be_draft(self.year)]

    def rows(self) -> list[tuple[PlannedForm, bool]]:
        """Each form with whether it could come in as a 待修正 draft (the preview's table)."""
        return [(form, form.has_errors and form.can_be_draft(self.year)) for form in self.forms]

    def without_errors(self) -> ImportPlan:
        """The forms without errors alone, for a commit that holds back the rest (a file
        that could not be read at all has no forms here: its problem goes with it)."""
        return ImportPlan(
            forms=self.clean_forms,
            problems=[p for p in self.problems if not p.is_error],
            files=self.files,
            year=self.year,
        )

    @property
    def under_revision(self) -> list[PlannedForm]:
        """The updates of forms their units are revising (each waits for a tick)."""
        return [form for form in self.forms if form.held_for_revision and not form.has_errors]

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

    def overview(self) -> dict[str, Any]:
        """What the preview page shows above the table (kept as JSON by a background read)."""
        return {
            "summary": self.summary(),
            "fingerprint": self.fingerprint(),
            "has_errors": self.has_errors,
            "forms": len(self.forms),
            "clean": len(self.clean_forms),
            "held_back": len(self.held_back),
            "draftable": len(self.draftable),
            "revising": [
                {
                    "id": form.form_id,
                    "where": form.where,
                    "project": form.data.project.name,
                    "unit": form.data.project.unit,
                    "status": form.status,
                }
                for form in self.under_revision
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return {"forms": [form.to_json() for form in self.forms], "summary": self.summary()}

    def fingerprint(self) -> str:
        """Changes when the sources or the matched database rows change."""
        state = [
            (f.where, f.action, f.form_id, f.version, f.changes, f.revising) for f in self.forms
        ]
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
    drafts: int = 0  # of the created: 待修正 drafts
    # updates of forms their units are revising, not ticked for overwriting: left as they are
    kept_for_revision: int = 0

    def to_json(self) -> dict[str, Any]:
        result = self.plan.to_json()
        result["summary"]["committed"] = self.committed
        return result
