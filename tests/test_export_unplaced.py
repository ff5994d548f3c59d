"""A 广州 form names only the 一级 of each indicator. Printed in a layout whose table has a 二级
column (东莞, 深圳), those indicators sit under a 二级 cell that says 未分二级, never a blank cell
that a reader (or our importer) would take for the category above; read back, each comes back
under its 一级 alone, as it was: no 二级 is invented."""

from __future__ import annotations

import pytest

from projects.content import load_content
from projects.exporting.batch import export_form
from projects.management.commands.load_demo import SEED_DIR
from projects.models import PerformanceForm
from projects.services.importing import import_files, read_sources
from tests.export_helpers import xlsx_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("layout", ["dongguan", "shenzhen"])
def test_a_guangzhou_forms_indicators_come_back_without_an_invented_level2(layout):
    import_files(paths=[SEED_DIR / "guangzhou_finance_2023.txt"], year=2023)
    form = PerformanceForm.objects.filter(layout="guangzhou").order_by("id").first()
    saved = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    assert saved.indicators and all(not item.level2 for item in saved.indicators)
    xlsx = export_form(form=form, fmt="xlsx", layout=layout).content
    cells = [cell for row in xlsx_rows(xlsx) for cell in row]
    assert "未分二级" in cells
    plan = read_sources(uploads=[(f"{layout}.xlsx", xlsx)], year=2023)
    assert not plan.has_errors, [p.message for f in plan.forms for p in f.errors]
    [planned] = plan.forms
    read = [(i.level1, i.level2, i.name, i.target) for i in planned.data.indicators]
    # in the table's order (by category), each under its 一级 alone
    assert sorted(read) == sorted((i.level1, "", i.name, i.target) for i in saved.indicators)
