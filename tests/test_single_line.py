"""Single-line fields (names, codes, values: the database's ``CharField``s) hold one line:
line breaks typed, pasted or imported into them fold into a space, whichever way the text
comes (the editor, a sheet, the import JSON); multi-line fields (goals, bases, explanations)
keep theirs. A project named ``abc\\r\\nX-Injected: yes`` would otherwise reach a mail header."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from projects.content import FIELDS, INDICATOR_FIELDS, from_json, load_content, one_line
from projects.filing.forms import HeaderForm, LineField, NewFormForm
from projects.models import PerformanceForm, Project
from projects.services.importing import import_files
from tests.import_helpers import DONGGUAN_SEED
from tests.test_content_json import export, import_json

INJECTED = "abc\r\nX-Injected: yes"


def test_one_line_folds_every_kind_of_line_break() -> None:
    assert one_line(INJECTED) == "abc X-Injected: yes"
    for brk in ("\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\v", "\f", "\n\n  \n"):
        assert one_line(f"甲 {brk} 乙") == "甲 乙"
    assert one_line("  不变  ") == "  不变  "  # no line break: as typed


def test_the_single_line_fields_are_the_length_bound_ones() -> None:
    single = {spec.key for spec in FIELDS if spec.single_line}
    assert {"project.name", "project.code", "project.type", "amount_unit_label"} <= single
    assert not single & {"goals.period", "goals.annual", "details.content"}
    assert {s.key for s in INDICATOR_FIELDS if s.single_line} == {
        "name",
        "period_value",
        "annual_value",
        "value",
    }


def test_the_editors_fields_fold_line_breaks() -> None:
    assert LineField().clean(INJECTED) == "abc X-Injected: yes"
    header = HeaderForm(
        {"project__name": INJECTED, "goals__annual": "第一行\r\n第二行"},
        keys=("project.name", "goals.annual"),
    )
    assert header.is_valid(), header.errors
    assert header.values()["project.name"] == "abc X-Injected: yes"
    assert "\n" in header.values()["goals.annual"]  # a goal keeps its lines
    new = NewFormForm(
        {"unit": "1", "name": INJECTED, "fiscal_year": "2024", "layout": "dongguan"},
        units=[(1, "单位")],
        layouts=[("dongguan", "东莞")],
    )
    assert new.is_valid(), new.errors
    assert new.cleaned_data["name"] == "abc X-Injected: yes"


@pytest.mark.django_db
def test_the_import_json_folds_them_and_the_history_says_what_is_stored(tmp_path: Path):
    import_files(paths=[DONGGUAN_SEED])
    document = export(tmp_path)
    target = document["forms"][0]
    target["project"]["name"] = INJECTED
    target["indicators"][0]["name"] = "维护\n项目数量"
    target["indicators"][0]["explanation"] = "第一行\n第二行"
    assert from_json(target).project.name == "abc X-Injected: yes"
    (tmp_path / "forms.json").write_text(json.dumps(document, ensure_ascii=False))
    status, _result = import_json(tmp_path / "forms.json")
    assert status == 0
    # (a project known by its name: the new name makes a new project and form)
    form = PerformanceForm.objects.with_content().get(project__name="abc X-Injected: yes")
    assert not Project.objects.filter(name__contains="\n").exists()
    row = form.indicators.all()[0]
    assert (row.name, row.explanation) == ("维护 项目数量", "第一行\n第二行")
    snapshot = form.events.order_by("-id").first().snapshot
    assert snapshot["project"]["name"] == "abc X-Injected: yes"
    assert from_json(snapshot) == load_content(form)
