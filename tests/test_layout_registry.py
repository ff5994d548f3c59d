"""A layout is described once: registering one module (``tests/fake_layout.py``, a made-up
佛山 layout with its labels, grid and reader) makes it a choice of new forms and of the export
menu, a layout the editor and the exporters draw, and one the importer finds and reads, with
no other file touched."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from projects.layouts import LAYOUTS, register, unregister
from projects.models import DEFAULT_LAYOUT, PerformanceForm
from projects.services.importing import commit_import, read_sources
from tests.fake_layout import FOSHAN, FOSHAN_SHEET

LABEL = "佛山 项目绩效目标申报表"


@pytest.fixture
def foshan() -> Iterator[None]:
    register(FOSHAN)
    yield
    unregister(FOSHAN.key)


def test_the_official_layouts_are_registered_and_the_default_is_one_of_them():
    assert list(LAYOUTS) == ["dongguan", "shenzhen", "guangzhou"]
    assert LAYOUTS[DEFAULT_LAYOUT].per_form
    assert PerformanceForm.layout_keys() == ["dongguan", "shenzhen", "guangzhou"]


def test_a_layout_needs_a_reader_and_one_kind_of_grid():
    from dataclasses import replace

    with pytest.raises(ValueError, match="reader"):
        register(replace(FOSHAN, reader=None))
    assert "foshan" not in LAYOUTS


def test_a_registered_layout_is_a_choice_of_the_forms_layout_field(foshan):
    field = PerformanceForm._meta.get_field("layout")
    field.validate("foshan", None)  # no error
    assert ("foshan", LABEL) in [(key, str(label)) for key, label in field.flatchoices]
    unregister("foshan")
    with pytest.raises(ValidationError):
        field.validate("foshan", None)


def test_a_filer_files_a_new_form_in_it_and_the_editor_offers_its_columns(
    client, alice, unit_a, foshan
):
    client.force_login(alice)
    url = reverse("projects:form_new")
    assert LABEL in client.get(url).content.decode()
    response = client.post(
        url, {"unit": unit_a.pk, "name": "社区培训项目", "fiscal_year": 2024, "layout": "foshan"}
    )
    form = PerformanceForm.objects.get(project__name="社区培训项目")
    assert form.layout == "foshan" and response.status_code == 302
    html = client.get(reverse("projects:form_edit", kwargs={"pk": form.pk})).content.decode()
    # its one value column (目标值 → annual_value) is an input; 东莞's period value is not
    assert 'name="ind-0-annual_value"' in html
    assert 'type="hidden" name="ind-0-period_value"' in html
    # the form page draws it in its own layout
    page = client.get(form.get_absolute_url()).content.decode()
    assert "佛山市项目绩效目标申报表" in page and "预算单位" in page


def test_the_export_menu_offers_it_and_a_form_prints_in_it(client, adam, foshan):
    client.force_login(adam)
    menu = client.get(reverse("projects:export")).content.decode()
    assert f"{LABEL}（每表一页起）" in menu
    commit_import(plan=read_sources(text=FOSHAN_SHEET))
    form = PerformanceForm.objects.get(project__name="社区培训项目")
    assert form.layout == "foshan" and form.annual_amount == Decimal("120000.00")
    url = reverse("projects:form_export", kwargs={"pk": form.pk, "fmt": "xlsx"})
    book = load_workbook(io.BytesIO(client.get(url).content))
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert "佛山市项目绩效目标申报表" in cells and "培训合格率" in cells
    # and the form page offers it among the layouts to view the form in
    assert LABEL in client.get(form.get_absolute_url()).content.decode()


def test_the_importer_finds_and_reads_it_beside_an_official_layout(foshan, db):
    from pathlib import Path

    seed = Path(__file__).resolve().parent.parent / "fixtures/seeds/dongguan_finance_2023.txt"
    dongguan = seed.read_text(encoding="utf-8").split("\n项目绩效目标表", 2)[1]
    plan = read_sources(text=f"{FOSHAN_SHEET}\n\n项目绩效目标表{dongguan}")
    assert [f.data.layout for f in plan.forms] == ["foshan", "dongguan"]
    data = plan.forms[0].data
    assert data.project.name == "社区培训项目" and data.project.unit == "佛山市培训中心"
    assert data.fiscal_year == 2024 and data.amounts == {"annual": Decimal("120000.00")}
    assert [(i.level2, i.name, i.annual_value) for i in data.indicators] == [
        ("数量指标", "培训人次", "≥500人次"),
        ("质量指标", "培训合格率", "≥90%"),
        ("服务对象满意度指标", "学员满意度", "≥85%"),
    ]
    assert not plan.forms[0].has_errors
    assert "佛山" in str(plan.forms[0].layout_label)


def test_without_it_registered_the_same_sheet_is_not_read_as_any_layout(db):
    plan = read_sources(text=FOSHAN_SHEET)
    assert plan.forms == []
    assert any("东莞、深圳或广州" in p.message for p in plan.problems)
