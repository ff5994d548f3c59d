"""Every field's length is checked in the preview, with the cell named, so a commit never
fails on a value too long for its column (PostgreSQL) nor stores it whole (SQLite)."""

from __future__ import annotations

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
