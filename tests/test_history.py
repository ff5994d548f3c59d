"""Every change to a form leaves one event with the content it left; indicators keep their
identity through re-imports and roll-over."""

from __future__ import annotations

from pathlib import Path

import pytest

from projects.content import diff_content, from_json, load_content
from projects.filing.rollover import roll_over
from projects.history import compare_versions, content_at
from projects.models import FormEvent, Indicator, PerformanceForm
from projects.services.importing import commit_import, import_files, read_sources
from tests.import_helpers import DONGGUAN_SEED

pytestmark = pytest.mark.django_db


def rows(form: PerformanceForm) -> dict[str, tuple[int, str, str]]:
    return {row.name: (row.pk, str(row.uid), row.annual_value) for row in form.indicators.all()}


def changed_seed(tmp_path: Path) -> Path:
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    changed = text.replace("财税库联网\t正常运行\t正常运行", "财税库联网\t正常运行\t稳定运行", 1)
    assert changed != text
    path = tmp_path / "东莞.txt"
    path.write_text(changed, encoding="utf-8")
    return path


def test_an_import_records_one_event_per_new_form_with_its_content() -> None:
    import_files(paths=[DONGGUAN_SEED])
    assert FormEvent.objects.count() == PerformanceForm.objects.count() == 14
    event = FormEvent.objects.select_related("form").first()
    assert event is not None
    assert (event.kind, event.actor_id, event.source) == ("import", None, "command")
    assert (event.from_status, event.to_status, event.version) == ("", "draft", 1)
    assert "dongguan_finance_2023.txt" in event.comment
    form = PerformanceForm.objects.with_content().get(pk=event.form_id)
    assert not diff_content(from_json(event.snapshot), load_content(form))
    uids = [item["uid"] for item in event.snapshot["indicators"]]
    assert uids == [str(row.uid) for row in form.indicators.all()]


def test_a_changed_value_keeps_the_other_rows_and_records_one_event(tmp_path: Path) -> None:
    import_files(paths=[DONGGUAN_SEED])
    form = Indicator.objects.get(name="财税库联网").form
    before = rows(form)
    path = changed_seed(tmp_path)

    commit_import(plan=read_sources(paths=[path]))

    form.refresh_from_db()
    after = rows(form)
    assert form.version == 2
    assert after.keys() == before.keys()
    assert after["财税库联网"] == (*before["财税库联网"][:2], "稳定运行")
    assert {k: v for k, v in after.items() if k != "财税库联网"} == {
        k: v for k, v in before.items() if k != "财税库联网"
    }
    events = list(form.events.order_by("id"))
    assert [(e.kind, e.version) for e in events] == [("import", 1), ("import", 2)]
    assert FormEvent.objects.count() == 15  # the other 13 forms were unchanged
    # both versions can be rebuilt and compared; the new one is what the form now says
    assert content_at(form, 1).indicators != content_at(form, 2).indicators
    saved = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))
    assert not diff_content(content_at(form, 2), saved)
    assert [i.uid for i in content_at(form, 2).indicators] == [i.uid for i in saved.indicators]
    diff = compare_versions(form, 1, 2)
    assert diff.fields == ()
    [change] = diff.indicators
    assert change.kind == "changed" and change.uid == before["财税库联网"][1]
    assert change.label.endswith("财税库联网")
    assert [(f.label, f.before, f.after) for f in change.fields] == [
        ("当年度指标值", "正常运行", "稳定运行")
    ]

    # again: nothing changes, nothing is recorded
    plan = read_sources(paths=[path])
    assert {f.action for f in plan.forms} == {"unchanged"}
    commit_import(plan=plan)
    form.refresh_from_db()
    assert form.version == 2 and rows(form) == after
    assert FormEvent.objects.count() == 15


def test_the_preview_describes_an_update_with_chinese_labels(tmp_path: Path) -> None:
    import_files(paths=[DONGGUAN_SEED])
    text = changed_seed(tmp_path).read_text(encoding="utf-8")
    text = text.replace("2023年预算金额（元）\t\t699000", "2023年预算金额（元）\t\t700000", 1)
    (tmp_path / "东莞.txt").write_text(text, encoding="utf-8")
    plan = read_sources(paths=[tmp_path / "东莞.txt"])
    diff = plan.forms[0].diff
    assert diff is not None
    assert [(f.label, f.before, f.after) for f in diff.fields] == [
        ("本年度预算金额（元）", "699,000.00", "700,000.00")
    ]
    assert [c.kind for c in diff.indicators] == ["changed"]


def test_a_comment_stays_on_its_indicator_through_a_reimport(tmp_path: Path, adam) -> None:
    import_files(paths=[DONGGUAN_SEED])
    row = Indicator.objects.get(name="财税库联网")
    comment = row.comments.create(form=row.form, author=adam, text="指标值不够量化")
    commit_import(plan=read_sources(paths=[changed_seed(tmp_path)]))
    comment.refresh_from_db()
    assert comment.indicator_id == row.pk
    assert Indicator.objects.get(pk=row.pk).annual_value == "稳定运行"


def test_a_renamed_indicator_keeps_its_row_by_position(tmp_path: Path) -> None:
    import_files(paths=[DONGGUAN_SEED])
    row = Indicator.objects.get(name="财税库联网")
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    text = text.replace("财税库联网\t", "财税库横向联网\t", 1)
    path = tmp_path / "东莞.txt"
    path.write_text(text, encoding="utf-8")
    commit_import(plan=read_sources(paths=[path]))
    renamed = Indicator.objects.get(pk=row.pk)
    assert (renamed.name, renamed.uid) == ("财税库横向联网", row.uid)


def test_roll_over_links_each_new_indicator_to_last_years() -> None:
    import_files(paths=[DONGGUAN_SEED])
    sources = list(PerformanceForm.objects.values_list("pk", flat=True))
    roll_over(form_ids=sources)
    drafts = PerformanceForm.objects.filter(fiscal_year=2024).prefetch_related("indicators")
    assert drafts.count() == 14
    for draft in drafts:
        last_year = PerformanceForm.objects.get(project=draft.project, fiscal_year=2023)
        new_rows = list(draft.indicators.all())
        old_rows = list(last_year.indicators.all())
        assert [r.origin_id for r in new_rows] == [r.pk for r in old_rows]
        assert {r.uid for r in new_rows}.isdisjoint({r.uid for r in old_rows})
        [event] = draft.events.all()
        assert (event.kind, event.version, event.to_status) == ("roll_over", 1, "draft")
        assert [i["uid"] for i in event.snapshot["indicators"]] == [str(r.uid) for r in new_rows]
        assert event.snapshot["fiscal_year"] == 2024
