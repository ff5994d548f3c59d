"""An import does not overwrite a form its unit is revising (已退回, or a 草稿 its unit edited
since it was last imported) unless the administrator ticks it on the preview, which shows each
target form's status; a ticked overwrite names the import in its event, and the unit's version
stays in the history."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.content import load_content
from projects.filing.services import save_draft
from projects.history import content_at
from projects.models import FormEvent, PerformanceForm
from projects.permissions import Actor
from projects.services.importing import import_files
from tests.import_helpers import DONGGUAN_SEED
from tests.review_helpers import act

pytestmark = pytest.mark.django_db
NAME = "东莞市财政绩效管理系统运维服务项目"


def the_form() -> PerformanceForm:
    return PerformanceForm.objects.with_content().get(project__name=NAME)


def edit_as_unit(user, goal: str) -> PerformanceForm:
    form = the_form()
    content = load_content(form)
    content.goals["annual"] = goal
    save_draft(
        actor=Actor.for_user(user), form_id=form.pk, seen_version=form.version, content=content
    )
    return the_form()


def preview(client) -> tuple[str, dict]:
    client.post(
        reverse("projects:import_upload"),
        {"files": [SimpleUploadedFile("东莞.txt", DONGGUAN_SEED.read_bytes())], "year": "2023"},
    )
    response = client.get(reverse("projects:import_preview"))
    return response.content.decode(), response.context["overview"]


def commit(client, overview: dict, *ticked: int):
    return client.post(
        reverse("projects:import_commit"),
        {"fingerprint": overview["fingerprint"], "overwrite": [str(pk) for pk in ticked]},
        follow=True,
    )


def test_a_draft_its_unit_edited_is_held_unless_ticked(client, seeded, adam) -> None:
    _forms, users = seeded
    edited = edit_as_unit(users["filer"], "单位改过的年度目标")
    client.force_login(adam)
    page, overview = preview(client)
    assert "系统中的状态" in page and "单位正在修改" in page and "仍用导入的内容覆盖" in page
    assert [f["id"] for f in overview["revising"]] == [edited.pk]
    assert overview["revising"][0]["status"] == "草稿"
    done = commit(client, overview).content.decode()
    assert "有 1 张表正由填报单位修改" in done and "保持原样" in done
    form = the_form()
    assert (form.version, form.annual_goal) == (edited.version, "单位改过的年度目标")
    assert not form.events.filter(kind="import", version__gt=edited.version).exists()


def test_a_ticked_overwrite_names_the_import_and_keeps_the_units_version(
    client, seeded, adam
) -> None:
    _forms, users = seeded
    edited = edit_as_unit(users["filer"], "单位改过的年度目标")
    client.force_login(adam)
    _page, overview = preview(client)
    commit(client, overview, edited.pk)
    form = the_form()
    assert form.version == edited.version + 1 and form.annual_goal != "单位改过的年度目标"
    event = form.events.get(version=form.version)
    assert event.kind == FormEvent.Kind.IMPORT and event.actor == adam
    assert f"导入覆盖了单位正在修改的第 {edited.version} 版（草稿" in event.comment
    assert "东莞.txt" in event.comment
    assert content_at(form, edited.version).goals["annual"] == "单位改过的年度目标"


def test_a_returned_form_is_held_and_its_status_shown(client, seeded, adam) -> None:
    _forms, users = seeded
    form = the_form()
    act(users["filer"], form, "submit")
    act(users["dept"], form, "return", "请细化指标")
    edit_as_unit(users["filer"], "按退回意见改过")
    client.force_login(adam)
    page, overview = preview(client)
    assert overview["revising"][0]["status"] == "已退回" and "已退回" in page
    commit(client, overview)
    form = the_form()
    assert form.status == "returned" and form.annual_goal == "按退回意见改过"


def test_a_draft_not_edited_since_its_import_is_updated(client, adam) -> None:
    import_files(paths=[DONGGUAN_SEED])
    PerformanceForm.objects.filter(project__name=NAME).update(annual_goal="系统里的旧目标")
    client.force_login(adam)
    page, overview = preview(client)
    assert overview["revising"] == [] and "单位正在修改" not in page
    assert overview["summary"]["update"] == 1
    commit(client, overview)
    assert the_form().annual_goal != "系统里的旧目标"


def test_an_edit_after_the_preview_makes_it_stale(client, seeded, adam) -> None:
    _forms, users = seeded
    client.force_login(adam)
    edit_as_unit(users["filer"], "第一次修改")
    _page, overview = preview(client)
    edit_as_unit(users["filer"], "预览之后又改")
    page = commit(client, overview).content.decode()
    assert "预览之后系统中的数据已有变化" in page
    assert the_form().annual_goal == "预览之后又改"


def test_the_command_keeps_a_revised_form_unless_told(seeded) -> None:
    from io import StringIO

    from django.core.management import call_command

    _forms, users = seeded
    edited = edit_as_unit(users["filer"], "单位改过的年度目标")
    out = StringIO()
    call_command("import_sheets", str(DONGGUAN_SEED), stdout=out)
    assert (
        "（单位正在修改）" in out.getvalue()
        and "有 1 张表正由填报单位修改，未覆盖" in out.getvalue()
    )
    assert the_form().version == edited.version
    call_command("import_sheets", "--overwrite-revising", str(DONGGUAN_SEED), stdout=StringIO())
    form = the_form()
    assert form.version == edited.version + 1
    assert form.events.get(version=form.version).actor is None  # the command's
