"""Choosing forms to export and rendering them: one form, or a unit's / department's / year's
forms in one file. The pages, the background task and ``manage.py export_forms`` all call
``export_form`` / ``export_batch`` (bytes) or ``write_batch`` (into a file, for big batches).

Forms print in pinyin order of department, unit and project on PostgreSQL (ICU collation); on
SQLite, which has no Chinese collation, in the order of the characters' code points.

What prints is the version in force: while an adjustment (调整) is open, the approved version,
from its snapshot; the adjustment's draft only when asked for (``Selection.drafts``, a single
form's ``version``), and then titled 调整稿.

Loading is a fixed number of queries whatever the number of forms: the forms with their project,
department, unit and framework; their indicators with categories; each framework's categories;
and, when some of them are being adjusted, the approved snapshots of those, in one query.
A per-form PDF loads its forms ``LOAD_SLICE`` at a time (two queries a slice) so that memory does
not grow with the batch either.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from io import BytesIO
from itertools import groupby
from typing import BinaryIO

from django.conf import settings

from projects.content import CategoryLookup, FormContent, load_content
from projects.errors import DomainError
from projects.exporting import FORMATS, ExportError, ExportFormat, Rendered
from projects.exporting.content_json import content_document
from projects.exporting.pdf import PdfPart, render_pdf, write_pdf_parts
from projects.exporting.xlsx import SheetSpec, render_workbook
from projects.history import approved_contents, content_at
from projects.layouts import (
    LAYOUTS,
    Grid,
    Layout,
    UnitForms,
    build_grid,
    framework_categories,
    is_per_form,
)
from projects.models import DEFAULT_LAYOUT, PerformanceForm, PerformanceFormQuerySet
from projects.models.fields import pinyin
from projects.permissions import Actor

Progress = Callable[[int, int], None]
_FILENAME_TRASH = re.compile(r'[\\/:*?"<>|\s]+')
LOAD_SLICE = 200  # forms a per-form PDF loads at a time


@dataclass(frozen=True)
class Selection:
    """Which forms to export and how. Empty filters select everything the user may see."""

    layout: str
    format: ExportFormat
    year: int | None = None
    department_id: int | None = None
    unit_id: int | None = None
    project_ids: tuple[int, ...] = ()
    form_ids: tuple[int, ...] = ()
    stacked: bool = False  # xlsx: all forms in one sheet instead of one sheet per form
    with_snapshots: bool = False  # json: each history event with the content it left
    drafts: bool = False  # a form being adjusted: its draft (titled 调整稿), not the approved
    labels: dict[str, str] = field(default_factory=dict, compare=False)  # for the filename

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ExportError(f"未知的表样：{self.layout}")
        if self.format not in FORMATS:
            raise ExportError(f"未知的导出格式：{self.format}")

    def as_json(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "format": self.format,
            "year": self.year,
            "department_id": self.department_id,
            "unit_id": self.unit_id,
            "project_ids": list(self.project_ids),
            "form_ids": list(self.form_ids),
            "stacked": self.stacked,
            "with_snapshots": self.with_snapshots,
            "drafts": self.drafts,
            "labels": self.labels,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Selection:
        return cls(
            layout=str(data["layout"]),
            format=data["format"],  # type: ignore[arg-type]
            year=data.get("year"),  # type: ignore[arg-type]
            department_id=data.get("department_id"),  # type: ignore[arg-type]
            unit_id=data.get("unit_id"),  # type: ignore[arg-type]
            project_ids=tuple(data.get("project_ids") or ()),  # type: ignore[arg-type]
            form_ids=tuple(data.get("form_ids") or ()),  # type: ignore[arg-type]
            stacked=bool(data.get("stacked")),
            with_snapshots=bool(data.get("with_snapshots")),
            drafts=bool(data.get("drafts")),
            labels=dict(data.get("labels") or {}),  # type: ignore[call-overload]
        )


def select_forms(*, actor: Actor, selection: Selection) -> PerformanceFormQuerySet:
    """The forms the selection names, among those the actor may see. Ordered as they print:
    year, then department, unit and project by pinyin (``pinyin``: PostgreSQL only)."""
    forms = PerformanceForm.objects.visible_to(actor).matching(
        year=selection.year, department=selection.department_id, unit=selection.unit_id
    )
    if selection.project_ids:
        forms = forms.filter(project_id__in=selection.project_ids)
    if selection.form_ids:
        forms = forms.filter(pk__in=selection.form_ids)
    return forms.order_by(
        "fiscal_year",
        pinyin("project__department__name"),
        pinyin("project__unit__name"),
        pinyin("project__name"),
        "id",
    )


# How a printed adjustment draft (not the version in force) is titled.
DRAFT_MARK = "（调整稿）"


def load_forms(
    forms: PerformanceFormQuerySet, *, drafts: bool = False
) -> list[tuple[PerformanceForm, FormContent]]:
    """The forms with the content to print: the version in force, which for a form being
    adjusted is its approved version (``drafts``: the adjustment's draft, which the grids
    mark with ``draft_mark``). Two queries, and a third for the approved snapshots when
    some form is being adjusted."""
    loaded = [(form, load_content(form)) for form in forms.with_content()]
    if drafts:
        return loaded
    approved = approved_contents(form for form, _data in loaded)
    return [(form, approved.get(form.pk, data)) for form, data in loaded]


def form_grid(
    form: PerformanceForm,
    data: FormContent,
    layout: str,
    categories: CategoryLookup,
    *,
    mark: str = "",
) -> Grid:
    """The form's grid; ``categories``: read each framework once per export. ``mark`` is
    added to the title (调整稿, or which version this is)."""
    grid = build_grid(layout, data, framework_categories(form.framework_id, categories))
    return marked(grid, mark)


def marked(grid: Grid, mark: str) -> Grid:
    """The grid with ``mark`` after its title, on the sheet and in the PDF's title."""
    if mark:
        grid.title += mark
        for row in grid.rows:
            titles = [cell for cell in row.cells if cell.role == "title"]
            if titles:
                titles[0].text += mark
                break
    return grid


def draft_mark(form: PerformanceForm, drafts: bool) -> str:
    """调整稿 for the draft of a form being adjusted, when drafts were asked for."""
    return DRAFT_MARK if drafts and form.is_adjusting else ""


def department_grids(
    layout: Layout,
    loaded: Sequence[tuple[PerformanceForm, FormContent]],
    *,
    drafts: bool = False,
) -> list[tuple[Grid, int]]:
    """One table per department and year (广州), with the number of forms it holds: the unit
    named like the department first, then the others; departments and units in the order the
    forms come (``select_forms``: pinyin), each unit's projects in the order they were filed
    (or imported). With ``drafts``, an adjustment's draft is marked 调整稿 after its
    project's name (the table is the department's: its title is not the draft's)."""
    if drafts:
        loaded = [(form, _draft_named(form, data)) for form, data in loaded]
    departments: dict[str, int] = {}
    units: dict[tuple[str, str], int] = {}
    for _form, data in loaded:
        departments.setdefault(data.project.department, len(departments))
        units.setdefault((data.project.department, data.project.unit), len(units))
    ordered = sorted(
        loaded,
        key=lambda item: (
            item[0].fiscal_year,
            departments[item[1].project.department],
            item[1].project.unit != item[1].project.department,
            units[(item[1].project.department, item[1].project.unit)],
            item[0].pk,
        ),
    )
    grids = []
    for (year, department), items in groupby(
        ordered, key=lambda item: (item[0].fiscal_year, item[1].project.department)
    ):
        forms = list(items)
        unit_forms = [
            UnitForms(name=unit, forms=[data for _, data in group])
            for unit, group in groupby(forms, key=lambda item: item[1].project.unit)
        ]
        grids.append((layout.build_department(department, year, unit_forms), len(forms)))
    return grids


def _draft_named(form: PerformanceForm, data: FormContent) -> FormContent:
    if not form.is_adjusting:
        return data
    project = replace(data.project, name=data.project.name + DRAFT_MARK)
    return replace(data, project=project)


def safe_filename(*parts: object) -> str:
    name = "_".join(str(part) for part in parts if part not in (None, ""))
    return _FILENAME_TRASH.sub("_", name).strip("._")[:150] or "export"


def _title(layout: str) -> str:
    return LAYOUTS[layout].title.replace("{department}", "").replace("{year}年", "")


def render_grids(
    grids: Sequence[Grid],
    *,
    fmt: ExportFormat,
    names: Sequence[str],
    stacked: bool,
    document_title: str,
) -> bytes:
    """The grids as one PDF (each a document of its own) or one workbook (a sheet each, or
    stacked)."""
    if fmt == "pdf":
        return render_pdf(grids, document_title=document_title, running_titles=names)
    landscape = bool(grids) and grids[0].layout.landscape
    if stacked or not grids:
        sheets = [SheetSpec(document_title, grids, landscape)]
    else:
        sheets = [
            SheetSpec(name, [grid], landscape) for name, grid in zip(names, grids, strict=True)
        ]
    return render_workbook(sheets)


def export_form(
    *, form: PerformanceForm, fmt: ExportFormat, layout: str = "", version: int | None = None
) -> Rendered:
    """One form in its own layout (or another per-form layout on request); a form of a
    department layout (广州) in the default one.

    ``version``: the version to print (a download link carries the version its page showed);
    by default the version in force, which while an adjustment is open is the approved one.
    A version that is not in force says so in the title: the adjustment's draft is titled
    调整稿, an earlier version by its number. Raises ``ExportError`` for a version the form
    has no record of."""
    layout = layout or form.layout
    if not is_per_form(layout):
        layout = DEFAULT_LAYOUT
    in_force = form.version_in_force
    wanted = in_force if version is None else version
    mark = ""
    if wanted == form.version:
        ((_form, data),) = load_forms(PerformanceForm.objects.filter(pk=form.pk), drafts=True)
        mark = draft_mark(form, drafts=True)
    else:
        try:
            data = content_at(form, wanted)
        except DomainError as error:
            raise ExportError(error.message) from error
        if wanted != in_force:
            mark = f"（第{wanted}版）"
    grid = form_grid(form, data, layout, CategoryLookup(), mark=mark)
    name = data.project.name
    content = render_grids(
        [grid], fmt=fmt, names=[name], stacked=False, document_title=f"{form.fiscal_year} {name}"
    )
    what = _title(layout) + mark.strip("（）") if mark else _title(layout)
    return Rendered(content, f"{safe_filename(form.fiscal_year, name, what)}.{fmt}")


def check_batch_size(*, selection: Selection, count: int) -> None:
    """A PDF batch is capped (``EXPORT_PDF_MAX_FORMS``, 5,000 by default): memory no longer
    grows with it (forms are rendered a chunk at a time and streamed to the file), but time and
    the file do (about 0.1 s of one core and 17 KB a 东莞 form). Excel has no such limit."""
    limit: int = settings.EXPORT_PDF_MAX_FORMS
    if selection.format == "pdf" and count > limit:
        raise ExportError(
            f"一份 PDF 最多包含 {limit} 张表，所选有 {count} 张：请按主管部门或单位分批"
            "导出，或导出 Excel。"
        )


def pdf_workers() -> int:
    """Processes rendering a big PDF batch: ``EXPORT_PDF_WORKERS``, or one a CPU (0)."""
    configured: int = settings.EXPORT_PDF_WORKERS
    if configured > 0:
        return configured
    count = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()
    return count or 1


def _form_parts(
    forms: PerformanceFormQuerySet, ids: Sequence[int], layout: str, *, drafts: bool = False
) -> Iterator[PdfPart]:
    """Each form laid out, in the order of ``ids``, loading ``LOAD_SLICE`` forms at a time."""
    categories = CategoryLookup()
    for start in range(0, len(ids), LOAD_SLICE):
        wanted = ids[start : start + LOAD_SLICE]
        found = {
            form.pk: (form, data)
            for form, data in load_forms(forms.filter(pk__in=wanted), drafts=drafts)
        }
        for pk in wanted:
            if pk in found:  # not deleted since the batch was chosen
                form, data = found[pk]
                grid = form_grid(form, data, layout, categories, mark=draft_mark(form, drafts))
                yield PdfPart(grid, data.project.name)


def _document_title(selection: Selection, total: int) -> str:
    what = selection.labels.get("unit") or selection.labels.get("department") or (f"{total}张")
    return safe_filename(selection.year, what, _title(selection.layout))


def write_batch(
    *,
    actor: Actor | None,
    selection: Selection,
    output: BinaryIO,
    progress: Progress | None = None,
    workers: int = 1,
) -> str:
    """Every selected form the actor may see, written as one file to ``output`` (``actor=None``:
    a command, every form); returns the file's name. A PDF is rendered by ``workers``
    processes when it holds more than one chunk, and written as it is rendered.
    ``progress(done, total)`` counts forms (for a PDF, at least every few seconds: a
    heartbeat). Raises ``ExportError`` when there is nothing to export."""
    actor = actor or Actor.system()
    forms = select_forms(actor=actor, selection=selection)
    if selection.format == "json":  # the content, whatever the layout
        if not forms.exists():
            raise ExportError("没有符合条件的绩效目标表。")
        output.write(
            content_document(
                forms, with_snapshots=selection.with_snapshots, drafts=selection.drafts
            )
        )
        name = safe_filename(selection.year, selection.labels.get("unit"), "绩效目标表")
        return f"{name}.json"
    layout = LAYOUTS[selection.layout]
    chunk_forms: int = settings.EXPORT_PDF_CHUNK_FORMS
    if selection.format == "pdf" and layout.per_form:
        ids = list(forms.values_list("pk", flat=True))
        total = len(ids)
        parts: Iterable[PdfPart] = _form_parts(
            forms, ids, selection.layout, drafts=selection.drafts
        )
    else:
        loaded = load_forms(forms, drafts=selection.drafts)
        total = len(loaded)
    if not total:
        raise ExportError("没有符合条件的绩效目标表。")
    check_batch_size(selection=selection, count=total)
    document_title = _document_title(selection, total)
    if selection.format == "pdf":
        if not layout.per_form:
            parts = [
                PdfPart(grid, forms=count)
                for grid, count in department_grids(layout, loaded, drafts=selection.drafts)
            ]
        write_pdf_parts(
            parts,
            output=output,
            document_title=document_title,
            workers=workers if total > chunk_forms else 1,
            chunk_forms=chunk_forms,
            progress=(lambda done: progress(done, total)) if progress else None,
        )
        return f"{document_title}.pdf"
    if not layout.per_form:
        grids = [grid for grid, _count in department_grids(layout, loaded, drafts=selection.drafts)]
        names = [grid.title for grid in grids]
    else:
        categories = CategoryLookup()
        grids = [
            form_grid(
                form, data, selection.layout, categories, mark=draft_mark(form, selection.drafts)
            )
            for form, data in loaded
        ]
        names = [data.project.name for _form, data in loaded]
    output.write(
        render_grids(
            grids,
            fmt=selection.format,
            names=names,
            stacked=selection.stacked,
            document_title=document_title,
        )
    )
    if progress:
        progress(total, total)
    return f"{document_title}.{selection.format}"


def export_batch(
    *,
    actor: Actor | None,
    selection: Selection,
    progress: Progress | None = None,
    workers: int = 1,
) -> Rendered:
    """``write_batch`` into memory: the file's bytes and name (small batches: the page answers
    with it at once; the command and the tests)."""
    output = BytesIO()
    filename = write_batch(
        actor=actor, selection=selection, output=output, progress=progress, workers=workers
    )
    return Rendered(output.getvalue(), filename)
