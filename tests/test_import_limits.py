"""Every field's length is checked in the preview, with the cell named, so a commit never
fails on a value too long for its column (PostgreSQL) nor stores it whole (SQLite)."""

from __future__ import annotations

import json

import pytest

from projects.models import PerformanceForm
from projects.services.importing import read_sources
from tests.import_helpers import DONGGUAN_SEED

pytestmark = pytest.mark.django_db


def test_an_overlong_project_type_is_an_error_naming_its_cell() -> None:
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    first_type = "其他运转类（信息化运维类）"
    assert first_type in text
    text = text.replace(first_type, "类" * 100_000, 1)
    plan = read_sources(uploads=[("东莞.txt", text.encode("utf-8"))], year=2023)
    errors = [p for form in plan.forms for p in form.errors]
    assert len(errors) == 1
    assert "项目类型有 100,000 个字，超过上限 100 个字" in errors[0].message
    assert errors[0].where.startswith("东莞.txt") and errors[0].where[-2:].isalnum()
    assert PerformanceForm.objects.count() == 0


def test_an_overlong_indicator_value_is_an_error() -> None:
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    text = text.replace("维护项目数量", "维" * 400, 1)
    plan = read_sources(uploads=[("东莞.txt", text.encode("utf-8"))], year=2023)
    messages = [p.message for form in plan.forms for p in form.errors]
    assert any("第 1 项指标的三级指标有 400 个字，超过上限 300 个字" in m for m in messages)


def test_the_json_import_holds_a_goal_to_the_same_limit_as_a_sheet() -> None:
    """Every way in has the same limits: a 10,000-character goal is refused from JSON as from
    a sheet, so whatever the product exports (the xlsx of that form) imports back."""
    from projects.content import to_json

    [form] = read_sources(paths=[DONGGUAN_SEED], year=2023).forms[:1]
    content = form.data
    content.goals["annual"] = "目" * 10_000
    document = json.dumps({"forms": [to_json(content)]}, ensure_ascii=False)
    plan = read_sources(uploads=[("表.json", document.encode("utf-8"))])
    [planned] = plan.forms
    messages = [p.message for p in planned.errors]
    assert any("有 10,000 个字，超过上限 5,000 个字" in m for m in messages), messages
    assert planned.errors[0].where == "表.json › 第 1 张表"
    content.goals["annual"] = "目" * 5_000  # at the limit: taken
    document = json.dumps({"forms": [to_json(content)]}, ensure_ascii=False)
    assert not read_sources(uploads=[("表.json", document.encode("utf-8"))]).has_errors
