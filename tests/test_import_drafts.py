"""Nothing lost, nothing blocked: forms with errors in an upload can come in as 待修正 drafts
that keep, as text, whatever the import could not place; the unit finishes them in the
editor, and they cannot be submitted before."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from projects.models import FormEvent, Membership, Organization, PerformanceForm
from projects.permissions import Actor
from projects.review.services import TransitionRefused, take_transition
from projects.services.importing import import_files, read_sources, with_drafts
from tests.factories import UserFactory
from tests.import_helpers import DONGGUAN_SEED
from tests.test_import_views import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, adam) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(adam)
    return client


FIRST = "东莞市财政局信息中心财政业务系统支撑软件和硬件运维服务项目"
SECOND = "东莞市财政局部门决算管理系统运维服务项目"


def dirty_seed() -> str:
    """The 东莞 seed with errors in three forms: the first has a row of an unknown category
    and an amount that is not a number (a draft can hold both), the second has no unit (it
    cannot be filed anywhere: held back)."""
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    text = text.replace(
        "\t产出指标\t数量指标\t维护项目数量\t1个\t1个",
        "\t产出指标\t神秘指标\t维护项目数量\t1个\t1个",
        1,
    )
    text = text.replace("699000", "六十九万九千元", 1)
    second = text.index(SECOND)
    unit_line = text.index("用款单位", second)
    end = text.index("\n", unit_line)
    return text[:unit_line] + "用款单位\t\t\t\t\t" + text[end:]


def test_the_preview_offers_the_drafts_and_says_which_cannot_be(admin_client: Client) -> None:
    upload(admin_client, ("东莞.txt", dirty_seed().encode()), year="2023")
    preview = admin_client.get(reverse("projects:import_preview"))
    overview = preview.context["overview"]
    assert (overview["clean"], overview["held_back"], overview["draftable"]) == (12, 2, 1)
    page = preview.content.decode()
    assert "只导入没有错误的 12 张表（2 张有错误，暂不导入）" in page
    assert "导入没有错误的 12 张，另 1 张有错误的作为“待修正”草稿导入" in page
    assert "有错误的 2 张中，只有 1 张能作为草稿导入" in page
    # and which: the row of each form with errors says whether it can
    assert page.count("可作为“待修正”草稿导入") == 1 and page.count("须修正原表") == 1


def test_a_draft_keeps_what_it_could_not_place_and_the_rest_is_held_back(
    admin_client: Client,
) -> None:
    upload(admin_client, ("东莞.txt", dirty_seed().encode()), year="2023")
    fingerprint = admin_client.get(reverse("projects:import_preview")).context["overview"][
        "fingerprint"
    ]
    response = admin_client.post(
        reverse("projects:import_commit"),
        {"fingerprint": fingerprint, "choice": "drafts"},
        follow=True,
    )
    page = response.content.decode()
    assert "新建 13 张" in page
    assert "其中 1 张有错误，已作为“待修正”草稿导入" in page and "有错误的 1 张未导入" in page
    assert PerformanceForm.objects.count() == 13
    assert not PerformanceForm.objects.filter(project__name=SECOND).exists()
    draft = PerformanceForm.objects.get(project__name=FIRST)
    assert draft.status == PerformanceForm.Status.DRAFT and draft.annual_amount is None
    leftover = draft.import_leftover
    # every error with its cell, and the unplaced row as it was typed
    assert "东莞.txt › " in leftover and "二级指标“神秘指标”不在指标体系中。" in leftover
    assert "原文：产出指标 | 神秘指标 | 维护项目数量 | 1个 | 1个" in leftover
    assert "金额“六十九万九千元”不是数字。" in leftover
    names = list(draft.indicators.values_list("name", flat=True))
    assert "维护项目数量" not in names and "项目维护质量" in names
    # the clean forms are as the sheet says, with nothing left over
    assert not PerformanceForm.objects.exclude(pk=draft.pk).exclude(import_leftover="").exists()
    # the history keeps the leftover too, whatever becomes of it on the form
    event = FormEvent.objects.get(form=draft, kind=FormEvent.Kind.IMPORT)
    assert "待修正" in event.comment and "神秘指标" in event.comment
    # the list and the form page say so
    assert (
        "待修正" in admin_client.get(reverse("projects:form_list") + "?q=信息中心").content.decode()
    )
    detail = admin_client.get(draft.get_absolute_url()).content.decode()
    assert "导入时未能识别的内容" in detail and "神秘指标" in detail


def test_a_draft_cannot_be_submitted_until_its_filer_has_placed_the_leftover(
    client: Client,
) -> None:
    plan = with_drafts(read_sources(uploads=[("东莞.txt", dirty_seed().encode())], year=2023))
    from projects.services.importing import commit_import

    commit_import(plan=plan)
    draft = PerformanceForm.objects.select_related("project").get(project__name=FIRST)
    filer = UserFactory()
    Membership.objects.create(
        user=filer, organization=draft.project.unit, role=Membership.Role.FILER
    )
    actor = Actor.for_user(filer)
    with pytest.raises(TransitionRefused, match="待修正"):
        take_transition(actor=actor, verb="submit", form_id=draft.pk, seen_version=draft.version)
    client.force_login(filer)
    editor = client.get(reverse("projects:form_edit", args=[draft.pk])).content.decode()
    assert "已全部补入，清除此提示" in editor and "神秘指标" in editor
    response = client.post(reverse("projects:form_leftover_done", args=[draft.pk]), follow=True)
    assert "已清除“待修正”提示" in response.content.decode()
    draft.refresh_from_db()
    assert draft.import_leftover == ""
    assert FormEvent.objects.filter(
        form=draft, kind=FormEvent.Kind.EDIT, actor=filer, comment__contains="导入时未能识别"
    ).exists()
    # the gate now is the checks' (the amount is still missing), not the leftover's
    with pytest.raises(TransitionRefused) as refused:
        take_transition(actor=actor, verb="submit", form_id=draft.pk, seen_version=draft.version)
    assert "待修正" not in str(refused.value)


def test_someone_else_cannot_clear_the_leftover(client: Client) -> None:
    commit_plan = with_drafts(
        read_sources(uploads=[("东莞.txt", dirty_seed().encode())], year=2023)
    )
    from projects.services.importing import commit_import

    commit_import(plan=commit_plan)
    draft = PerformanceForm.objects.get(project__name=FIRST)
    other_unit = Organization.objects.create(
        kind="unit", name="别的单位", parent=Organization.objects.get(name="东莞市财政局")
    )
    outsider = UserFactory()
    Membership.objects.create(user=outsider, organization=other_unit, role=Membership.Role.FILER)
    client.force_login(outsider)
    assert client.post(reverse("projects:form_leftover_done", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.import_leftover


def test_a_sheet_with_errors_never_overwrites_a_form_in_the_system() -> None:
    import_files(paths=[DONGGUAN_SEED])
    plan = read_sources(uploads=[("东莞.txt", dirty_seed().encode())], year=2023)
    first = next(f for f in plan.forms if f.data.project.name == FIRST)
    assert first.action == "update" and first.has_errors
    assert plan.draftable == []
    assert [f.data.project.name for f in with_drafts(plan).forms if f.draft] == []


def test_a_text_file_with_shifted_rows_imports_every_form_and_loses_nothing() -> None:
    """The issue's own case: rows typed off their columns. One is realigned by its category
    labels (a warning: its form is clean); one is too far off to read (three cells, its
    labels gone): its form comes in as a draft holding the row as typed."""
    from projects.services.importing import commit_import

    lines = DONGGUAN_SEED.read_text(encoding="utf-8").split("\n")
    assert lines[17] == "\t\t质量指标\t项目维护质量\t良好\t良好"
    lines[17] = "\t\t\t\t\t质量指标\t项目维护质量\t良好\t良好"  # three cells right
    second = lines.index("\t\t时效指标\t服务时限\t1年\t1年", 40)
    lines[second] = "\t时效指标\t服务时限\t1年\t1年"  # one cell left: realigned
    plan = read_sources(uploads=[("东莞.txt", "\n".join(lines).encode())], year=2023)
    assert [len(plan.clean_forms), len(plan.held_back), len(plan.draftable)] == [13, 1, 1]
    result = commit_import(plan=with_drafts(plan))
    assert (result.created, result.drafts) == (14, 1)
    draft = PerformanceForm.objects.get(project__name=FIRST)
    for cell in ("质量指标", "项目维护质量", "良好"):
        assert cell in draft.import_leftover
    assert "项目维护质量" not in draft.indicators.values_list("name", flat=True)
    assert PerformanceForm.objects.exclude(import_leftover="").count() == 1
