"""The filer's services: create a form, save a draft (version checked, one event per change),
start this year's form from last year's."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from projects.content import IndicatorContent, load_content
from projects.filing.services import (
    FilingError,
    VersionConflict,
    create_form,
    roll_over_form,
    save_draft,
)
from projects.models import FormEvent, Indicator, PerformanceForm
from projects.permissions import Actor
from projects.services.importing import import_files
from tests.import_helpers import DONGGUAN_SEED

pytestmark = pytest.mark.django_db


def fresh(form: PerformanceForm) -> PerformanceForm:
    return PerformanceForm.objects.with_content().get(pk=form.pk)


def test_a_filer_creates_a_form_for_a_new_project_of_its_unit(alice, unit_a, unit_c) -> None:
    actor = Actor.for_user(alice)
    form = create_form(
        actor=actor, unit=unit_a, fiscal_year=2024, layout="dongguan", name=" 新项目 "
    )
    assert (form.project.name, form.project.unit_id, form.project.department_id) == (
        "新项目",
        unit_a.pk,
        unit_a.parent_id,
    )
    assert (form.status, form.version, form.layout) == ("draft", 1, "dongguan")
    [event] = form.events.all()
    assert (event.kind, event.actor_id, event.source, event.version) == (
        "create",
        alice.pk,
        "web",
        1,
    )
    with pytest.raises(FilingError, match="已有"):
        create_form(actor=actor, unit=unit_a, fiscal_year=2024, layout="dongguan", name="新项目")
    with pytest.raises(FilingError, match="只有本单位的填报人"):
        create_form(actor=actor, unit=unit_c, fiscal_year=2024, layout="dongguan", name="别人的")


def test_saving_a_draft_changes_it_in_place_and_records_one_event(alice, alice_form) -> None:
    actor = Actor.for_user(alice)
    form = fresh(alice_form)
    content = load_content(form)
    content.goals["annual"] = "保障系统全年正常运行。"
    content.indicators.append(IndicatorContent("产出指标", "数量指标", "巡检次数", "12次", "12次"))
    result = save_draft(actor=actor, form_id=form.pk, seen_version=1, content=content)
    assert result.changed and result.form.version == 2
    form = fresh(alice_form)
    assert form.annual_goal == "保障系统全年正常运行。"
    row = form.indicators.get(name="巡检次数")
    assert row.annual_value == "12次" and row.target_number == 12
    [event] = form.events.filter(kind="edit")
    assert (event.version, event.actor_id, event.from_status, event.to_status) == (
        2,
        alice.pk,
        "draft",
        "draft",
    )
    assert event.snapshot["goals"]["annual"] == "保障系统全年正常运行。"

    # the same content again: nothing is written, nothing recorded
    again = save_draft(actor=actor, form_id=form.pk, seen_version=2, content=load_content(form))
    assert not again.changed
    assert fresh(alice_form).version == 2 and form.events.count() == 1


def test_a_save_over_a_newer_version_is_refused_with_the_newer_content(alice, alice_form) -> None:
    actor = Actor.for_user(alice)
    first = load_content(fresh(alice_form))
    second = load_content(fresh(alice_form))
    first.goals["annual"] = "甲的目标"
    second.goals["annual"] = "乙的目标"
    save_draft(actor=actor, form_id=alice_form.pk, seen_version=1, content=first)
    with pytest.raises(VersionConflict) as refused:
        save_draft(actor=actor, form_id=alice_form.pk, seen_version=1, content=second)
    assert refused.value.version == 2
    assert refused.value.current.goals["annual"] == "甲的目标"
    assert "第 2 版" in refused.value.message
    assert fresh(alice_form).annual_goal == "甲的目标"


def test_only_the_units_filers_save_and_only_drafts_or_returned(alice, bob, charlie, alice_form):
    content = load_content(fresh(alice_form))
    content.goals["annual"] = "改"
    for user in (bob, charlie):
        with pytest.raises(FilingError, match="只有本单位的填报人"):
            save_draft(
                actor=Actor.for_user(user), form_id=alice_form.pk, seen_version=1, content=content
            )
    PerformanceForm.objects.filter(pk=alice_form.pk).update(status="approved")
    with pytest.raises(FilingError, match="已通过"):
        save_draft(
            actor=Actor.for_user(alice), form_id=alice_form.pk, seen_version=1, content=content
        )
    assert FormEvent.objects.filter(form=alice_form).count() == 0


def test_two_saves_of_the_same_version_at_once_one_wins(alice, alice_form, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    actor = Actor.for_user(alice)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def save(text: str) -> None:
        content = load_content(fresh(alice_form))
        content.goals["annual"] = text
        barrier.wait()
        try:
            save_draft(actor=actor, form_id=alice_form.pk, seen_version=1, content=content)
            outcomes.append("saved")
        except VersionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert fresh(alice_form).version == 2
    assert FormEvent.objects.filter(form=alice_form, kind="edit").count() == 1


def test_a_filer_starts_this_years_form_from_last_years(django_user_model) -> None:
    import_files(paths=[DONGGUAN_SEED])
    source = PerformanceForm.objects.order_by("pk").first()
    assert source is not None
    filer = django_user_model.objects.create_user("filer")
    filer.memberships.create(organization=source.project.unit, role="filer")
    actor = Actor.for_user(filer)
    draft = roll_over_form(actor=actor, form_id=source.pk)
    assert (draft.fiscal_year, draft.status, draft.project_id) == (2024, "draft", source.project_id)
    assert (
        Indicator.objects.filter(form=draft, origin__form=source).count()
        == source.indicators.count()
    )
    with pytest.raises(FilingError, match="2024 年的表已经存在"):
        roll_over_form(actor=actor, form_id=source.pk)


def test_creating_without_a_default_framework_says_so(alice, unit_a) -> None:
    from indicators.models import Framework

    Framework.objects.update(is_default=False)
    with pytest.raises(FilingError, match="没有默认的指标体系"):
        create_form(
            actor=Actor.for_user(alice), unit=unit_a, fiscal_year=2024, layout="dongguan", name="甲"
        )


def _save(actor: Actor, form: PerformanceForm, seen: int, session: str, seq: int, **goals: str):
    content = load_content(fresh(form))
    content.goals.update(goals)
    return save_draft(
        actor=actor,
        form_id=form.pk,
        seen_version=seen,
        content=content,
        edit_session=session,
        edit_seq=seq,
    )


def test_one_editing_session_is_one_version_in_the_history(alice, alice_form) -> None:
    actor = Actor.for_user(alice)
    page = "page-of-alice-0001"
    for seq, text in enumerate(("一", "一二", "一二三", "一二三四"), start=1):
        result = _save(actor, alice_form, seen=1, session=page, seq=seq, annual=text)
        if seq == 1:
            first = FormEvent.objects.get(form=alice_form, kind="edit").created_at
    form = fresh(alice_form)
    assert form.version == 5 and result.form.version == 5  # the lock token moves every save
    [edit] = FormEvent.objects.filter(form=form, kind="edit")
    assert (edit.version, edit.edit_seq, edit.snapshot["goals"]["annual"]) == (5, 4, "一二三四")
    assert edit.created_at > first  # the time of its last change
    # the next page opened (a reload) starts a version of its own
    _save(actor, alice_form, seen=5, session="page-of-alice-0002", seq=10, annual="改")
    assert FormEvent.objects.filter(form=form, kind="edit").count() == 2


def test_coalescing_keeps_the_conflict_as_strict(alice, alice_form, unit_a) -> None:
    """Bob (another filer of the unit) opened the form while Alice's page was saving: his save
    over her newer one is refused, with her content; her next save then starts a new version
    (his refused save wrote nothing, but the history is no longer hers alone after his)."""
    from projects.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    ben = UserFactory(username="ben")
    MembershipFactory(user=ben, organization=unit_a, role=Membership.Role.FILER)
    alice_actor, ben_actor = Actor.for_user(alice), Actor.for_user(ben)
    page = "page-of-alice-0001"
    _save(alice_actor, alice_form, seen=1, session=page, seq=1, annual="爱丽丝一")
    # ben's page opens at version 2, alice's page saves again (one event, version 3)
    _save(alice_actor, alice_form, seen=2, session=page, seq=2, annual="爱丽丝二")
    with pytest.raises(VersionConflict) as refused:
        _save(ben_actor, alice_form, seen=2, session="page-of-ben-00001", seq=3, annual="本")
    assert refused.value.version == 3 and refused.value.current.goals["annual"] == "爱丽丝二"
    assert not refused.value.same_page
    assert fresh(alice_form).annual_goal == "爱丽丝二"
    # ben saves over it deliberately (he saw version 3): a version of his own
    _save(ben_actor, alice_form, seen=3, session="page-of-ben-00001", seq=4, annual="本")
    # alice's page, still at version 3, is refused in turn, and her history is not merged
    with pytest.raises(VersionConflict):
        _save(alice_actor, alice_form, seen=3, session=page, seq=5, annual="爱丽丝三")
    edits = list(
        FormEvent.objects.filter(form=alice_form, kind="edit")
        .order_by("id")
        .values_list("actor__username", "version")
    )
    assert edits == [("alice", 3), ("ben", 4)]


def test_a_late_save_of_the_same_page_is_outdated_not_a_conflict(alice, alice_form) -> None:
    actor = Actor.for_user(alice)
    page = "page-of-alice-0001"
    _save(actor, alice_form, seen=1, session=page, seq=20, annual="新的")
    with pytest.raises(VersionConflict) as late:
        _save(actor, alice_form, seen=1, session=page, seq=10, annual="旧的")
    assert late.value.same_page
    assert fresh(alice_form).annual_goal == "新的"


def test_a_session_idle_for_long_starts_a_new_version(alice, alice_form) -> None:
    from datetime import timedelta

    from projects.history import SESSION_IDLE

    actor = Actor.for_user(alice)
    page = "page-of-alice-0001"
    _save(actor, alice_form, seen=1, session=page, seq=1, annual="上午")
    event = FormEvent.objects.get(form=alice_form, kind="edit")
    FormEvent.objects.filter(pk=event.pk).update(
        created_at=event.created_at - SESSION_IDLE - timedelta(minutes=1)
    )
    _save(actor, alice_form, seen=2, session=page, seq=2, annual="下午")
    assert FormEvent.objects.filter(form=alice_form, kind="edit").count() == 2
