"""Export → import gives the same data: every seed form, written by our exporters as xlsx in its
own layout, reads back through the importer as "unchanged" (issue 3 and issue 4 item 6)."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from projects.content import load_content
from projects.exporting.batch import Selection, export_batch
from projects.layouts.guangzhou import indicator_cell
from projects.models import Organization, PerformanceForm
from projects.services.importing import read_sources


@pytest.fixture
def demo(db) -> None:
    call_command("load_demo", stdout=StringIO())


def reimport(rendered, year: int = 2023):
    plan = read_sources(uploads=[(rendered.filename, rendered.content)], year=year)
    problems = [p for form in plan.forms for p in form.errors] + list(plan.problems)
    return plan, problems


@pytest.mark.parametrize("layout", ["dongguan", "shenzhen"])
@pytest.mark.parametrize("stacked", [False, True])
def test_every_per_form_seed_comes_back_unchanged(demo, layout, stacked):
    forms = PerformanceForm.objects.filter(layout=layout)
    rendered = export_batch(
        actor=None,
        selection=Selection(
            layout=layout,
            format="xlsx",
            stacked=stacked,
            form_ids=tuple(forms.values_list("id", flat=True)),
        ),
    )
    plan, problems = reimport(rendered)
    assert problems == []
    assert len(plan.forms) == forms.count()
    changed = {f.data.project.name: f.changes for f in plan.forms if f.action != "unchanged"}
    assert changed == {}


def test_the_guangzhou_table_comes_back_unchanged(demo):
    department = Organization.objects.get(kind="department", name="广州市财政局")
    rendered = export_batch(
        actor=None,
        selection=Selection(layout="guangzhou", format="xlsx", department_id=department.id),
    )
    plan, problems = reimport(rendered)
    assert problems == []
    assert len(plan.forms) == 22
    assert [f.action for f in plan.forms] == ["unchanged"] * 22


def test_export_import_export_gives_the_same_workbook_text(demo):
    from io import BytesIO

    from openpyxl import load_workbook

    from projects.services.importing import commit_import

    form = PerformanceForm.objects.filter(layout="dongguan").order_by("id").first()
    selection = Selection(layout="dongguan", format="xlsx", form_ids=(form.id,))
    first = export_batch(actor=None, selection=selection)
    plan, problems = reimport(first)
    assert problems == []
    commit_import(plan=plan)
    second = export_batch(actor=None, selection=selection)

    def cells(content: bytes) -> list[list[object]]:
        sheet = load_workbook(BytesIO(content)).worksheets[0]
        return [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert cells(first.content) == cells(second.content)


def test_a_form_printed_in_the_other_layout_reads_back_without_errors(demo):
    forms = PerformanceForm.objects.filter(layout="shenzhen").order_by("id")
    rendered = export_batch(
        actor=None,
        selection=Selection(
            layout="dongguan", format="xlsx", form_ids=tuple(forms.values_list("id", flat=True))
        ),
    )
    plan, problems = reimport(rendered)
    assert problems == []
    by_name = {f.data.project.name: f.data for f in plan.forms}
    for form in forms:
        names = [i.name for i in form.indicators.all() if not i.not_applicable]
        read = [i.name for i in by_name[form.project.name].indicators if i.name]
        assert read == names


def test_the_guangzhou_indicator_text_prints_as_typed_until_the_indicators_change(demo):
    seed = (Path(settings.BASE_DIR) / "fixtures/seeds/guangzhou_finance_2023.txt").read_text(
        encoding="utf-8"
    )
    typed_cells = {line.split("\t")[-1].strip() for line in seed.splitlines() if "\t" in line}
    forms = PerformanceForm.objects.filter(layout="guangzhou").with_content()
    ascii_typed = 0
    for form in forms:
        data = load_content(form)
        cell = indicator_cell(data)
        assert cell in typed_cells, form.project.name  # exactly as the sheet had it
        ascii_typed += bool(re.search(r"[:,]", cell))
    assert ascii_typed >= 8  # the ASCII colons and commas kept, not rewritten
    # once the indicators say something else, the layout writes its own text
    data = load_content(forms[0])
    data.indicators[0].name = "改过的指标"
    assert "改过的指标" in indicator_cell(data) and indicator_cell(data) not in typed_cells
