"""Every indicator is visible in every per-form layout: a 广州 form has no 二级 categories, yet
its indicators print under their 一级 in the 东莞 and 深圳 tables."""

from __future__ import annotations

import pytest

from projects.content import load_content
from projects.layouts import build_grid, framework_categories
from projects.models import PerformanceForm
from projects.services.importing import import_files
from tests.factories import default_framework
from tests.import_helpers import GUANGZHOU_SEED

pytestmark = pytest.mark.django_db


def texts(grid) -> list[str]:
    return [cell.text for row in grid.rows for cell in row.cells]


@pytest.mark.parametrize("layout", ["dongguan", "shenzhen"])
def test_a_guangzhou_form_shows_all_its_indicators_in_a_per_form_layout(layout) -> None:
    default_framework()
    import_files(paths=[GUANGZHOU_SEED], year=2023)
    for form in PerformanceForm.objects.with_content():
        data = load_content(form)
        assert data.indicators, form.project.name
        assert all(not item.level2 for item in data.indicators)  # the premise
        printed = texts(build_grid(layout, data, framework_categories(form.framework_id)))
        for item in data.indicators:
            assert item.name in printed, (layout, form.project.name, item.name)
            assert item.level1 in printed or any(
                item.level1.startswith(text) for text in printed if text
            ), (layout, item.level1)
