"""The indicator library is rebuilt from the forms, after imports and roll-overs."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from indicators.models import LibraryEntry
from projects.filing.library import rebuild_library
from projects.filing.rollover import roll_over
from projects.services.importing import import_files
from tests.factories import FormFactory, IndicatorFactory, category

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def test_it_counts_forms_units_and_usual_values(db):
    for value in ("≥90%", "≥90%", "≥95%"):
        IndicatorFactory(
            form=FormFactory(),
            category=category("服务对象满意度指标"),
            name="委托方的满意度",
            annual_value=value,
        )
    IndicatorFactory(category=category("经济效益指标"), name="", not_applicable=True)
    assert rebuild_library() == 1
    entry = LibraryEntry.objects.get()
    assert (entry.category.name, entry.name, entry.usage_count) == (
        "服务对象满意度指标",
        "委托方的满意度",
        3,
    )
    assert entry.units == ["%"]
    assert entry.sample_values == ["≥90%", "≥95%"]


def test_rebuilding_replaces_what_is_gone(db):
    indicator = IndicatorFactory(name="租用量")
    rebuild_library()
    indicator.delete()
    assert rebuild_library() == 0
    assert not LibraryEntry.objects.exists()


def test_an_import_refreshes_the_library_once_committed(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_files(paths=[SEEDS / "dongguan_finance_2023.txt"])
    maintenance = LibraryEntry.objects.get(name="维护项目数量", category__name="数量指标")
    assert maintenance.usage_count == 9  # 9 of the 14 东莞 seed forms
    assert maintenance.units == ["个"]
    assert maintenance.sample_values == ["1个"]


def test_a_roll_over_refreshes_the_library(db, django_capture_on_commit_callbacks):
    indicator = IndicatorFactory(name="系统巡检次数", annual_value="≥4次")
    with django_capture_on_commit_callbacks(execute=True):
        roll_over(form_ids=[indicator.form_id])
    assert LibraryEntry.objects.get(name="系统巡检次数").usage_count == 2


def test_the_demo_has_a_library(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    assert LibraryEntry.objects.filter(category__name="社会效益指标").exists()
    assert LibraryEntry.objects.count() > 50
