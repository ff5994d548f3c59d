"""The import service: re-importing changes nothing, updates touch only what changed, a failure
mid-commit leaves the database as it was, and a stale preview is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Indicator, Organization, PerformanceForm, Project
from projects.services.importing import (
    ImportError_,
    commit_import,
    import_files,
    read_sources,
)
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED

pytestmark = pytest.mark.django_db
ALL_SEEDS = [DONGGUAN_SEED, SHENZHEN_SEED, GUANGZHOU_SEED]
WRITES = ("INSERT", "UPDATE", "DELETE")


def snapshot() -> dict[int, tuple[object, ...]]:
    return {
        form.pk: (
            form.version,
            form.updated_at,
            form.annual_amount,
            tuple(form.indicators.values_list("pk", "annual_value", "value")),
        )
        for form in PerformanceForm.objects.all()
    }


def test_reimporting_the_same_files_changes_nothing_and_writes_nothing() -> None:
    import_files(paths=ALL_SEEDS, year=2023)
    before = snapshot()
    plan = read_sources(paths=ALL_SEEDS, year=2023)
    assert {form.action for form in plan.forms} == {"unchanged"}
    assert plan.summary()["unchanged"] == 42
    with CaptureQueriesContext(connection) as queries:
        result = commit_import(plan=plan)
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 42)
    assert snapshot() == before


def test_reading_writes_nothing() -> None:
    with CaptureQueriesContext(connection) as queries:
        plan = read_sources(paths=ALL_SEEDS, year=2023)
    assert plan.summary()["create"] == 42
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert PerformanceForm.objects.count() == Organization.objects.count() == 0


def test_a_changed_sheet_updates_only_its_form_and_bumps_the_version(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_files(paths=[DONGGUAN_SEED])
    before = snapshot()
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    changed = text.replace("2023年预算金额（元）\t\t699000", "2023年预算金额（元）\t\t700000", 1)
    changed = changed.replace("财税库联网\t正常运行\t正常运行", "财税库联网\t正常运行\t稳定运行", 1)
    path = tmp_path / "东莞.txt"
    path.write_text(changed, encoding="utf-8")
    plan = read_sources(paths=[path])
    actions = [form.action for form in plan.forms]
    assert actions == ["update"] + ["unchanged"] * 13
    assert plan.forms[0].changes == ["amounts.annual", "indicators"]
    result = commit_import(plan=plan)
    assert (result.updated, result.unchanged) == (1, 13)
    after = snapshot()
    form = PerformanceForm.objects.get(pk=plan.forms[0].form_id)
    assert form.version == 2 and form.annual_amount == Decimal(700000)
    assert form.indicators.get(name="财税库联网").annual_value == "稳定运行"
    assert {pk: v for pk, v in after.items() if pk != form.pk} == {
        pk: v for pk, v in before.items() if pk != form.pk
    }


def test_an_approved_form_is_not_overwritten(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_files(paths=[DONGGUAN_SEED])
    form = PerformanceForm.objects.get(annual_amount=699000)
    form.status = PerformanceForm.Status.APPROVED
    form.save()
    path = tmp_path / "东莞.txt"
    path.write_text(
        DONGGUAN_SEED.read_text(encoding="utf-8").replace("699000", "1", 1), encoding="utf-8"
    )
    plan = read_sources(paths=[path])
    assert plan.has_errors
    assert "已通过" in plan.forms[0].errors[0].message
    with pytest.raises(ImportError_):
        commit_import(plan=plan)


def test_a_failure_mid_commit_leaves_the_database_as_it_was() -> None:
    import_files(paths=[SHENZHEN_SEED], year=2023)
    before = (snapshot(), Organization.objects.count(), Project.objects.count())
    plan = read_sources(paths=[DONGGUAN_SEED, GUANGZHOU_SEED])
    assert not plan.has_errors
    # the last form carries an amount the database refuses (a check constraint): the insert of
    # the forms, after the organisations and projects were created, fails
    plan.forms[-1].data.amounts["annual"] = Decimal(-1)
    with pytest.raises(ImportError_) as raised:
        commit_import(plan=plan)
    assert "未导入任何数据" in raised.value.message
    assert (snapshot(), Organization.objects.count(), Project.objects.count()) == before


def test_a_preview_made_stale_by_another_import_is_refused() -> None:
    plan = read_sources(paths=[DONGGUAN_SEED])
    import_files(paths=[DONGGUAN_SEED])
    with pytest.raises(ImportError_) as raised:
        commit_import(plan=plan)
    assert "重新预览" in raised.value.message
    assert PerformanceForm.objects.count() == 14


def test_the_same_form_twice_in_one_import_is_an_error() -> None:
    plan = read_sources(
        uploads=[("a.txt", DONGGUAN_SEED.read_bytes()), ("b.txt", DONGGUAN_SEED.read_bytes())]
    )
    duplicates = [p for f in plan.forms for p in f.errors if "重复" in p.message]
    assert len(duplicates) == 14
    assert duplicates[0].where == "b.txt › A3"


def test_a_year_given_against_the_sheet_is_an_error() -> None:
    plan = read_sources(paths=[DONGGUAN_SEED], year=2024)
    assert all(form.has_errors for form in plan.forms)
    assert "2023" in plan.forms[0].errors[0].message


def test_pasted_text_imports_like_a_file() -> None:
    plan = read_sources(text=GUANGZHOU_SEED.read_text(encoding="utf-8"))
    assert len(plan.forms) == 22
    assert plan.forms[0].where == "粘贴的文本 › A12"
    commit_import(plan=plan)
    assert Indicator.objects.filter(form__layout="guangzhou").count() == 140


def test_a_project_code_matches_across_years_and_keeps_one_project() -> None:
    import_files(paths=[SHENZHEN_SEED], year=2023)
    result = import_files(paths=[SHENZHEN_SEED], year=2024)
    assert result.created == 6
    assert Project.objects.count() == 6
    assert PerformanceForm.objects.filter(fiscal_year=2024).count() == 6


def test_a_rounded_guangzhou_sheet_keeps_the_exact_amounts_it_rounds_from() -> None:
    import_files(paths=[GUANGZHOU_SEED], year=2023)
    form = PerformanceForm.objects.filter(project__name="财政改革专项工作经费").first()
    assert form.annual_amount == Decimal("19802800")  # 1,980.28 万元 on the sheet
    PerformanceForm.objects.filter(pk=form.pk).update(
        annual_amount=Decimal("19802812.34"), fiscal_amount=Decimal("19802812.34")
    )
    plan = read_sources(paths=[GUANGZHOU_SEED], year=2023)
    again = next(f for f in plan.forms if f.form_id == form.pk)
    assert again.action == "unchanged"
    import_files(paths=[GUANGZHOU_SEED], year=2023)
    form.refresh_from_db()
    assert form.annual_amount == Decimal("19802812.34")  # kept, not rounded
    # an amount that does not round to the sheet's figure is updated from it
    PerformanceForm.objects.filter(pk=form.pk).update(annual_amount=Decimal("19812800"))
    import_files(paths=[GUANGZHOU_SEED], year=2023)
    form.refresh_from_db()
    assert form.annual_amount == Decimal("19802800")


@pytest.mark.parametrize("raised", ["integrity", "database"])
def test_a_database_error_in_the_commit_is_told_in_chinese_and_logged(
    raised, monkeypatch, caplog
) -> None:
    """The database's own words (English, naming tables and constraints) go to the log; the
    person is told in Chinese that nothing was imported."""
    from django.db import DatabaseError, IntegrityError

    from projects.services import importing

    plan = read_sources(paths=[DONGGUAN_SEED])
    detail = 'duplicate key value violates unique constraint "project_unique_code"'

    def fail(*args, **kwargs):
        raise (IntegrityError if raised == "integrity" else DatabaseError)(detail)

    monkeypatch.setattr(importing, "_commit", fail)
    with pytest.raises(ImportError_) as caught:
        commit_import(plan=plan)
    message = caught.value.message
    assert "未导入任何数据" in message
    assert detail not in message and not any("a" <= c.lower() <= "z" for c in message)
    assert detail in caplog.text
    assert PerformanceForm.objects.count() == 0
