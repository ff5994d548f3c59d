"""The editor, the new-form page and the filer's roll-over page, as a browser without JavaScript
uses them: what each persona gets, what a save writes, and what bad input is told."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Category
from projects.models import FormEvent, Indicator, PerformanceForm
from tests.factories import FormFactory, IndicatorFactory, category

pytestmark = pytest.mark.django_db


def edit_url(form: PerformanceForm) -> str:
    return reverse("projects:form_edit", kwargs={"pk": form.pk})


def page_data(client: Client, form: PerformanceForm) -> dict[str, str]:
    """What the editor's page would post back unchanged (every input with its value)."""
    response = client.get(edit_url(form))
    assert response.status_code == 200
    data: dict[str, str] = {}
    editor = response.context["editor"]
    data["version"] = str(response.context["version"])
    data["edit_session"] = response.context["edit_session"]
    for bound in editor.header_form:
        value = bound.value()
        data[bound.html_name] = "" if value is None else str(value)
    management = editor.formset.management_form
    for bound in management:
        data[bound.html_name] = str(bound.value())
    for row in editor.formset.forms:
        for bound in row:
            value = bound.value()
            if bound.name in ("core", "DELETE"):
                if value:
                    data[bound.html_name] = "on"
                continue
            data[bound.html_name] = "" if value is None else str(value)
    for category_form in editor.category_forms.values():
        if category_form["marked"].value():
            data[category_form["marked"].html_name] = "on"
        data[category_form["reason"].html_name] = category_form["reason"].value() or ""
    return data


def row_prefix(data: dict[str, str], name: str) -> str:
    key = next(k for k, v in data.items() if k.endswith("-name") and v == name)
    return key.removesuffix("-name")


def blank_row(data: dict[str, str], category_id: int) -> str:
    """The prefix of the blank row the editor offers under a category."""
    for key, value in data.items():
        prefix = key.removesuffix("-category")
        if key.endswith("-category") and value == str(category_id) and not data[f"{prefix}-name"]:
            return prefix
    raise AssertionError("no blank row")


@pytest.fixture
def filled(alice_form):
    IndicatorFactory(form=alice_form, name="维护项目数量", period_value="1个", annual_value="1个")
    return alice_form


def test_personas_reach_the_editor_as_they_may(client, alice, bob, charlie, filled) -> None:
    client.force_login(alice)
    response = client.get(edit_url(filled))
    assert response.status_code == 200
    assert "维护项目数量" in response.content.decode()
    client.force_login(bob)
    response = client.get(edit_url(filled))
    assert response.status_code == 403 and "只有本单位的填报人" in response.content.decode()
    client.force_login(charlie)
    assert client.get(edit_url(filled)).status_code == 404
    client.logout()
    assert client.get(edit_url(filled)).status_code == 302


def test_an_approved_form_is_not_edited(client, alice, filled) -> None:
    PerformanceForm.objects.filter(pk=filled.pk).update(status="approved")
    client.force_login(alice)
    assert client.get(edit_url(filled)).status_code == 403


def test_a_save_writes_the_typed_content_and_records_an_event(client, alice, filled) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "保障系统全年正常运行。<script>alert(1)</script>"
    data["amount_unit"] = "万元"
    data["amounts__annual"] = "６９.９"  # full-width digits
    new = blank_row(data, category("质量指标").pk)
    data[f"{new}-name"] = "系统可用率"
    data[f"{new}-period_value"] = "≥99%"
    data[f"{new}-annual_value"] = "≥99%"
    old = row_prefix(data, "维护项目数量")
    data[f"{old}-annual_value"] = "2个"

    response = client.post(edit_url(filled), data)

    assert response.status_code == 302
    form = PerformanceForm.objects.get(pk=filled.pk)
    assert form.version == 2
    assert form.annual_goal == "保障系统全年正常运行。<script>alert(1)</script>"
    assert form.annual_amount == Decimal("699000.00")
    rows = {row.name: row for row in form.indicators.all()}
    assert rows["维护项目数量"].annual_value == "2个"
    assert rows["系统可用率"].category.name == "质量指标"
    assert FormEvent.objects.filter(form=form, kind="edit", actor=alice).count() == 1
    html = client.get(edit_url(filled)).content.decode()
    assert "已保存为第 2 版" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_a_row_with_values_and_no_name_is_refused_and_nothing_is_saved(client, alice, filled):
    client.force_login(alice)
    data = page_data(client, filled)
    new = blank_row(data, category("时效指标").pk)
    data[f"{new}-annual_value"] = "1年"
    data["goals__annual"] = "改了目标"
    response = client.post(edit_url(filled), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写三级指标名称" in html and "尚未保存" in html
    assert "改了目标" in html  # what was typed stays on the page
    assert PerformanceForm.objects.get(pk=filled.pk).version == 1


def test_length_limits_and_amounts_say_what_to_fix(client, alice, filled) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    data[f"{row_prefix(data, '维护项目数量')}-name"] = "长" * 301
    data["amounts__annual"] = "六十九万"
    response = client.post(edit_url(filled), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "300" in html and "请填写金额数字" in html


def test_control_characters_are_dropped_and_thousands_separators_read(client, alice, filled):
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "目标\x00\x07一"
    data["amounts__annual"] = "1,234,567.80"
    assert client.post(edit_url(filled), data).status_code == 302
    form = PerformanceForm.objects.get(pk=filled.pk)
    assert (form.annual_goal, form.annual_amount) == ("目标一", Decimal("1234567.80"))


def test_rows_pasted_from_excel_are_added_to_their_category(client, alice, filled) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    cost = category("成本指标")
    data[f"cat-{cost.pk}-paste"] = (
        "人员费用\t≤50万元\t≤50万元\r\n设备费用\t≤19.9万元\t≤19.9万元\n\n"
    )
    assert client.post(edit_url(filled), data).status_code == 302
    rows = Indicator.objects.filter(form=filled, category=cost).order_by("order")
    assert [(r.name, r.annual_value) for r in rows] == [
        ("人员费用", "≤50万元"),
        ("设备费用", "≤19.9万元"),
    ]


def test_a_category_marked_not_applicable_needs_a_reason(client, alice, filled) -> None:
    client.force_login(alice)
    eco = Category.objects.get(framework=filled.framework, name="生态效益指标")
    data = page_data(client, filled)
    data[f"cat-{eco.pk}-marked"] = "on"
    response = client.post(edit_url(filled), data)
    assert response.status_code == 400 and "请说明不适用的理由" in response.content.decode()
    data[f"cat-{eco.pk}-reason"] = "本项目不涉及生态"
    assert client.post(edit_url(filled), data).status_code == 302
    row = Indicator.objects.get(form=filled, category=eco)
    assert (row.not_applicable, row.explanation, row.name) == (True, "本项目不涉及生态", "")
    data = page_data(client, filled)  # the page shows it marked, and keeps it on the next save
    assert data[f"cat-{eco.pk}-marked"] == "on"


def test_deleting_a_row_removes_it(client, alice, filled) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    data[f"{row_prefix(data, '维护项目数量')}-DELETE"] = "on"
    assert client.post(edit_url(filled), data).status_code == 302
    assert not Indicator.objects.filter(form=filled, name="维护项目数量").exists()


def test_a_stale_save_is_refused_showing_both_versions_and_keeping_the_typing(
    client, alice, filled
) -> None:
    client.force_login(alice)
    mine = page_data(client, filled)
    theirs = page_data(client, filled)
    theirs["goals__annual"] = "另一个窗口保存的目标"
    assert client.post(edit_url(filled), theirs).status_code == 302
    mine["goals__annual"] = "我正在写的目标"
    response = client.post(edit_url(filled), mine)
    html = response.content.decode()
    assert response.status_code == 409
    assert "第 2 版" in html and "另一个窗口保存的目标" in html and "我正在写的目标" in html
    assert PerformanceForm.objects.get(pk=filled.pk).annual_goal == "另一个窗口保存的目标"
    # saving again from the conflict page overwrites deliberately
    mine["version"] = str(response.context["version"])
    assert client.post(edit_url(filled), mine).status_code == 302
    assert PerformanceForm.objects.get(pk=filled.pk).annual_goal == "我正在写的目标"


def test_the_checks_show_on_the_page(client, alice, filled) -> None:
    client.force_login(alice)
    html = client.get(edit_url(filled)).content.decode()
    assert "检查结果" in html
    assert "“时效指标”没有指标，也没有标为不适用。" in html


def test_the_editor_takes_a_fixed_number_of_queries(
    client, alice, filled, django_assert_num_queries
):
    client.force_login(alice)
    client.get(edit_url(filled))
    for i in range(30):
        IndicatorFactory(form=filled, name=f"指标{i}")
    # 1 session, 2 user, 3 memberships, 4 the form with project, unit, department, framework,
    # 5 its indicators with categories, 6 the framework's categories (editor), 7 last year's
    # form (none), 8 categories for the checks, 9 check settings, 10 the reviewers' open
    # comments, 11 the indicator library of the framework (suggestions)
    with django_assert_num_queries(11):
        assert client.get(edit_url(filled)).status_code == 200


def test_a_filer_creates_a_new_form(client, alice, bob, unit_a) -> None:
    client.force_login(alice)
    url = reverse("projects:form_new")
    assert "新建绩效目标表" in client.get(reverse("projects:form_list")).content.decode()
    response = client.post(
        url, {"unit": unit_a.pk, "name": "新建的项目", "fiscal_year": 2024, "layout": "dongguan"}
    )
    form = PerformanceForm.objects.get(project__name="新建的项目")
    assert response.status_code == 302 and response["Location"] == edit_url(form)
    client.force_login(bob)
    assert client.get(url).status_code == 403


def test_a_filer_starts_next_years_form_from_this_one(client, alice, filled) -> None:
    client.force_login(alice)
    url = reverse("projects:form_roll_over", kwargs={"pk": filled.pk})
    assert "以此表填报 2024 年度" in client.get(filled.get_absolute_url()).content.decode()
    preview = client.get(url).content.decode()
    assert "维护项目数量" in preview and "生成 2024 年度草稿" in preview
    assert "699,000.00 元" in preview
    response = client.post(url)
    draft = PerformanceForm.objects.get(project=filled.project, fiscal_year=2024)
    assert response["Location"] == edit_url(draft)
    html = client.get(edit_url(draft)).content.decode()
    assert "上年：1个" in html
    assert "已有 2024 年度的表" in client.get(url).content.decode()


def test_only_the_filer_is_offered_next_years_form_on_the_page(client, adam, bob, filled):
    """An administrator may roll the form over (in bulk), but the page offers 以此表填报 to
    the unit's filers alone (``can_file_next_year``)."""
    for user in (adam, bob):
        client.force_login(user)
        page = client.get(filled.get_absolute_url())
        assert page.status_code == 200 and "以此表填报" not in page.content.decode()


def test_a_background_save_answers_with_the_status_version_and_checklist(client, alice, filled):
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "自动保存的目标"
    response = client.post(edit_url(filled), data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="save-status"' in html and "已自动保存为第 2 版" in html
    assert 'id="version" value="2" hx-swap-oob="true"' in html
    assert 'id="checklist"' in html and "<html" not in html
    assert PerformanceForm.objects.get(pk=filled.pk).annual_goal == "自动保存的目标"
    # a stale background save from another page reports the conflict and changes nothing
    data["goals__annual"] = "旧页面上的目标"
    data["edit_session"] = "another-page-token-000"
    html = client.post(edit_url(filled), data, headers={"HX-Request": "true"}).content.decode()
    assert "另一处已保存第 2 版" in html and 'value="1"' in html
    assert PerformanceForm.objects.get(pk=filled.pk).annual_goal == "自动保存的目标"


def test_a_pages_own_background_save_is_no_conflict_for_its_button(client, alice, filled):
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "先自动保存"
    data["edit_seq"] = "1000"
    client.post(edit_url(filled), data, headers={"HX-Request": "true"})
    # the button posts before the page learnt the new version: same page, so no conflict
    data["goals__period"] = "再点保存"
    data["edit_seq"] = "2000"
    assert client.post(edit_url(filled), data).status_code == 302
    form = PerformanceForm.objects.get(pk=filled.pk)
    assert (form.version, form.annual_goal, form.period_goal) == (3, "先自动保存", "再点保存")
    # the same page's older save arriving late does not overwrite the newer one
    data["edit_seq"] = "1500"
    data["goals__period"] = "迟到的旧内容"
    assert client.post(edit_url(filled), data).status_code == 409
    # nor does another page (another token) with the same old version
    data["edit_session"] = "another-page-token-000"
    data["edit_seq"] = "9000"
    assert client.post(edit_url(filled), data).status_code == 409
    assert PerformanceForm.objects.get(pk=filled.pk).period_goal == "再点保存"


def test_the_editor_page_loads_htmx_from_static(client, alice, filled) -> None:
    client.force_login(alice)
    html = client.get(edit_url(filled)).content.decode()
    assert '<script src="/static/vendor/htmx/htmx.min.js"></script>' in html
    assert 'hx-post="' in html and 'hx-trigger="change delay:1500ms"' in html


@pytest.mark.parametrize("extra", [0, 30])
def test_a_save_takes_a_fixed_number_of_queries(client, alice, filled, extra):
    for i in range(extra):
        IndicatorFactory(form=filled, name=f"指标{i}", order=i + 1)  # in the order shown
    client.force_login(alice)
    data = page_data(client, filled)
    data[f"{row_prefix(data, '维护项目数量')}-annual_value"] = "2个"
    with CaptureQueriesContext(connection) as queries:
        assert client.post(edit_url(filled), data).status_code == 302
    # 1 session, 2 user, 3 memberships, 4-5 the form and its indicators, 6 the framework's
    # categories (the editor), 7 savepoint, 8-9 the form locked and its indicators, 10 the
    # form's latest event (this page's own, to take the save instead of a new event? no: the
    # page has not saved yet), 11 the categories by name, 12 the changed row, 13 the form's
    # new version, 14-15 the content for the event's snapshot, 16 the event, 17 release:
    # whatever the number of indicators
    assert len(queries) == 17


def test_a_row_is_added_in_place_with_the_formsets_count_raised(client, alice, filled) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    total = int(data["ind-TOTAL_FORMS"])
    time_id = category("时效指标").pk
    url = reverse("projects:form_edit_row", kwargs={"pk": filled.pk})
    response = client.get(url, {"category": time_id, "ind-TOTAL_FORMS": total})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="ind-{total}-name"' in html
    assert f'<option value="{time_id}" selected>' in html
    assert f'name="ind-TOTAL_FORMS" value="{total + 1}"' in html and "hx-swap-oob" in html
    # the page then posts the new row with the others
    data["ind-TOTAL_FORMS"] = str(total + 1)
    data.update({f"ind-{total}-category": str(time_id), f"ind-{total}-name": "服务时限"})
    data[f"ind-{total}-annual_value"] = "1年"
    assert client.post(edit_url(filled), data).status_code == 302
    assert Indicator.objects.get(form=filled, name="服务时限").category_id == time_id
    assert client.get(url, {"category": time_id, "ind-TOTAL_FORMS": "x"}).status_code == 400
    # digits other than ASCII are no number (Python's int() would read "٣" as 3)
    assert client.get(url, {"category": time_id, "ind-TOTAL_FORMS": "٣"}).status_code == 400
    assert client.get(url, {"category": "²", "ind-TOTAL_FORMS": total}).status_code == 400


def test_a_save_with_a_version_that_is_no_number_is_refused_and_changes_nothing(
    client, alice, filled
) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "不应保存的目标"
    for version in ("", "²", "٢", "-1"):
        data["version"] = version
        assert client.post(edit_url(filled), data).status_code == 400
    filled.refresh_from_db()
    assert filled.version == 1 and filled.annual_goal != "不应保存的目标"


def test_pasted_rows_come_back_as_rows_to_review(client, alice, charlie, filled) -> None:
    client.force_login(alice)
    cost = category("成本指标")
    url = reverse("projects:form_edit_paste", kwargs={"pk": filled.pk})
    data = {f"cat-{cost.pk}-paste": "人员费用\t≤50万元\t≤50万元\n设备费用\t≤19.9万元\t≤19.9万元"}
    html = client.post(
        f"{url}?category={cost.pk}", {**data, "ind-TOTAL_FORMS": 14}
    ).content.decode()
    assert 'name="ind-14-name" id="id_ind-14-name" value="人员费用"' in html
    assert 'value="≤19.9万元"' in html and 'name="ind-15-annual_value"' in html
    assert 'name="ind-TOTAL_FORMS" value="16"' in html
    assert not Indicator.objects.filter(name="人员费用").exists()  # nothing saved yet
    bad = {f"cat-{cost.pk}-paste": "\t≤50万元"}
    html = client.post(f"{url}?category={cost.pk}", {**bad, "ind-TOTAL_FORMS": 14}).content.decode()
    assert "第 1 行没有三级指标名称" in html
    client.force_login(charlie)
    assert client.post(f"{url}?category={cost.pk}", data).status_code == 404


# --------------------------------------------------------------------------- what a save keeps


def test_an_untouched_save_changes_nothing_whatever_the_row_holds(client, alice, alice_form):
    """是否新增, the core flag of a 东莞 row and a 不适用 row's values survive a save of the page
    as it was drawn: no new version."""
    PerformanceForm.objects.filter(pk=alice_form.pk).update(is_new=True)
    IndicatorFactory(form=alice_form, name="核心指标", is_core=True)
    IndicatorFactory(
        form=alice_form,
        category=category("生态效益指标"),
        name="",
        not_applicable=True,
        period_value="/",
        annual_value="/",
        explanation="不涉及",
    )
    for layout in ("dongguan", "shenzhen"):
        PerformanceForm.objects.filter(pk=alice_form.pk).update(layout=layout)
        client.force_login(alice)
        data = page_data(client, alice_form)
        response = client.post(edit_url(alice_form), data, follow=True)
        assert "没有改动" in response.content.decode(), layout
    form = PerformanceForm.objects.get(pk=alice_form.pk)
    assert form.version == 1 and form.is_new is True
    assert Indicator.objects.get(form=form, name="核心指标").is_core
    na = Indicator.objects.get(form=form, not_applicable=True)
    assert (na.period_value, na.explanation) == ("/", "不涉及")


def test_a_row_typed_where_another_was_deleted_is_a_new_row(client, alice, filled, adam):
    row = Indicator.objects.get(form=filled, name="维护项目数量")
    comment = row.comments.create(form=filled, author=adam, text="指标不够细化")
    client.force_login(alice)
    data = page_data(client, filled)
    data[f"{row_prefix(data, '维护项目数量')}-DELETE"] = "on"
    new = blank_row(data, category("数量指标").pk)
    data[f"{new}-name"] = "巡检次数"
    data[f"{new}-annual_value"] = "12次"
    assert client.post(edit_url(filled), data).status_code == 302
    added = Indicator.objects.get(form=filled, name="巡检次数")
    assert added.uid != row.uid and not Indicator.objects.filter(pk=row.pk).exists()
    comment.refresh_from_db()
    assert comment.indicator_id is None  # the comment did not move to another indicator


def test_bad_years_codes_and_huge_amounts_are_form_errors_not_500s(client, alice, filled):
    from tests.factories import ProjectFactory

    ProjectFactory(code="440304000", unit=filled.project.unit)
    PerformanceForm.objects.filter(pk=filled.pk).update(layout="shenzhen")
    client.force_login(alice)
    data = page_data(client, filled)
    data["amounts__annual"] = "1e40"
    response = client.post(edit_url(filled), data)
    assert response.status_code == 400 and "金额太大" in response.content.decode()
    data["amounts__annual"] = "699000"
    data["project__code"] = "440304000"
    response = client.post(edit_url(filled), data)
    assert response.status_code == 400 and "已被其他项目使用" in response.content.decode()
    PerformanceForm.objects.filter(pk=filled.pk).update(layout="dongguan")
    data = page_data(client, filled)
    data["project__start_year"], data["project__end_year"] = "2025", "2024"
    response = client.post(edit_url(filled), data)
    assert response.status_code == 400 and "到期年度不能早于起始年度" in response.content.decode()


def test_pasted_rows_are_saved_inside_their_category(client, alice, filled) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    data[f"cat-{category('数量指标').pk}-paste"] = "巡检次数\t12次\t12次"
    assert client.post(edit_url(filled), data).status_code == 302
    names = list(
        Indicator.objects.filter(form=filled).order_by("order").values_list("name", flat=True)
    )
    assert names.index("巡检次数") == names.index("维护项目数量") + 1
    data = page_data(client, filled)  # saved again untouched: nothing moves
    client.post(edit_url(filled), data)
    assert PerformanceForm.objects.get(pk=filled.pk).version == 2


def test_a_years_header_fields_are_its_own_and_shared_names_stay_frozen(client, alice, filled):
    approved = FormFactory(project=filled.project, fiscal_year=2022, status="approved")
    client.force_login(alice)
    data = page_data(client, filled)
    data["project__type"] = "新的项目类型"  # this year's, not the approved year's
    data["project__end_year"] = "2026"
    assert client.post(edit_url(filled), data).status_code == 302
    approved.refresh_from_db()
    assert approved.project_type != "新的项目类型" and approved.end_year == 2024
    data = page_data(client, filled)
    data["project__name"] = "改过的名称"  # the project's name is every year's
    response = client.post(edit_url(filled), data)
    html = response.content.decode()
    assert response.status_code == 400 and "2022 年度的表（已通过）共用" in html
    assert PerformanceForm.objects.get(pk=filled.pk).project.name != "改过的名称"


def test_a_background_save_tells_the_page_its_new_rows_uids(client, alice, filled) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    new = blank_row(data, category("质量指标").pk)
    data[f"{new}-name"] = "系统可用率"
    html = client.post(edit_url(filled), data, headers={"HX-Request": "true"}).content.decode()
    uid = Indicator.objects.get(form=filled, name="系统可用率").uid
    assert f'id="uid-{new}" name="{new}-uid" value="{uid}" hx-swap-oob="true"' in html


# --------------------------------------------------------------------------- nothing typed is lost


def background(client: Client, form: PerformanceForm, data: dict[str, str]) -> str:
    response = client.post(edit_url(form), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_a_background_save_keeps_what_it_cannot_read_and_saves_the_rest(client, alice, filled):
    client.force_login(alice)
    data = page_data(client, filled)
    data["amounts__annual"] = "二十四万"
    data["goals__period"] = "改过的实施周期总目标"
    data[f"{row_prefix(data, '维护项目数量')}-annual_value"] = "3个"
    new = blank_row(data, category("时效指标").pk)
    data[f"{new}-annual_value"] = "1年"  # a value with no name: not saved, kept on the page
    html = background(client, filled, data)
    form = PerformanceForm.objects.get(pk=filled.pk)
    assert form.period_goal == "改过的实施周期总目标" and form.version == 2
    assert form.annual_amount == Decimal("699000.00")  # as saved
    assert Indicator.objects.get(form=form, name="维护项目数量").annual_value == "3个"
    assert not Indicator.objects.filter(form=form, annual_value="1年").exists()
    # the bar at the top lists both, each on its input, with what was typed
    assert 'id="save-problems"' in html and 'hx-swap-oob="true"' in html
    assert 'data-input="amounts__annual"' in html and "汉字数字" in html and "24万" in html
    assert "您填写的“二十四万”仍在原处" in html
    assert f'data-input="{new}-name"' in html and "请填写三级指标名称" in html
    assert "有 2 处填写无法保存" in html and "其余内容已保存" in html
    # the checklist counts them: never "no problems" while some are shown
    assert "无法保存" in html and "没有发现问题" not in html
    # fixed: the bar empties, the amount is saved
    data["version"] = "2"  # the page learnt its new version
    data["amounts__annual"] = "24万"
    data[f"{new}-name"] = "完成时限"
    html = background(client, filled, data)
    form.refresh_from_db()
    assert form.annual_amount == Decimal("240000.00")
    assert 'id="save-problems"' in html and "处填写无法保存" not in html


def test_the_button_page_shows_the_problems_in_the_checklist_too(client, alice, filled):
    client.force_login(alice)
    data = page_data(client, filled)
    data["amounts__annual"] = "NaN"
    response = client.post(edit_url(filled), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "“NaN”不是金额" in html and "金额不能为负数" not in html
    assert "没有发现问题" not in html and "个错误" in html
    assert 'value="NaN"' in html  # kept as typed


@pytest.mark.parametrize(
    ("typed", "unit", "saved"),
    [
        ("50万", "元", "500000.00"),
        ("50 万元", "元", "500000.00"),
        ("24.5万", "元", "245000.00"),
        ("1,234.5", "元", "1234.50"),
        ("１２３４．５", "元", "1234.50"),
        ("¥1,000元", "万元", "1000.00"),  # the unit typed wins over the header's
        ("69.9", "万元", "699000.00"),
        ("1亿", "元", "100000000.00"),
    ],
)
def test_amounts_are_read_as_people_type_them(client, alice, filled, typed, unit, saved):
    client.force_login(alice)
    data = page_data(client, filled)
    data["amounts__annual"], data["amount_unit"] = typed, unit
    assert client.post(edit_url(filled), data).status_code == 302
    assert PerformanceForm.objects.get(pk=filled.pk).annual_amount == Decimal(saved)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("NaN", "“NaN”不是金额：请填写金额数字，如 240000 或 24万"),
        ("Infinity", "“Infinity”不是金额"),
        ("-inf", "“-inf”不是金额"),
        ("二十四万", "“二十四万”是汉字数字：请填写金额数字，如 240000 或 24万"),
        ("-5", "金额不能为负数"),
        ("1.234万元", "1.234万元"),  # fine: 12,340.00
        ("0.001", "金额最多精确到分"),
        ("12.345", "金额最多精确到分（两位小数）"),  # refused, never rounded
        ("1,2,3", "“1,2,3”的千位分隔符位置不对"),  # not read as 123
        ("1234,567", "千位分隔符位置不对"),
        ("1,0000", "千位分隔符位置不对"),
    ],
)
def test_unreadable_amounts_say_what_is_wrong(client, alice, filled, typed, said):
    client.force_login(alice)
    data = page_data(client, filled)
    data["amounts__annual"] = typed
    response = client.post(edit_url(filled), data)
    if typed == "1.234万元":
        assert response.status_code == 302
        return
    assert response.status_code == 400 and said in response.content.decode()


@pytest.mark.parametrize(
    "tamper",
    [
        {"ind-TOTAL_FORMS": "-1"},
        {"ind-TOTAL_FORMS": "0"},
        {"ind-TOTAL_FORMS": "1"},  # fewer than the rows posted
        {"ind-TOTAL_FORMS": "99"},  # more than the rows posted
        {"ind-TOTAL_FORMS": "x"},
        {"ind-INITIAL_FORMS": "-1"},
        {"ind-TOTAL_FORMS": "100000"},
    ],
)
def test_a_management_form_that_does_not_match_the_rows_is_refused(client, alice, filled, tamper):
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "不应保存"
    data.update(tamper)
    response = client.post(edit_url(filled), data)
    assert response.status_code == 400
    html = background(client, filled, data)
    assert "没有保存任何内容" in html
    form = PerformanceForm.objects.get(pk=filled.pk)
    assert form.version == 1 and form.annual_goal != "不应保存"
    assert Indicator.objects.filter(form=form, name="维护项目数量").exists()
    assert not FormEvent.objects.filter(form=form, kind="edit").exists()


def test_a_form_of_500_indicators_saves_and_reloads(client, alice, alice_form) -> None:
    """As the browser posts the page (multipart, every input), with the production limits on
    posted fields: 500 indicators, each row about nine fields."""
    cat = category("数量指标")
    Indicator.objects.bulk_create(
        Indicator(
            form=alice_form,
            category=cat,
            name=f"指标{i:03d}",
            period_value=f"≥{i}个",
            annual_value=f"≥{i}个",
            order=i + 1,
        )
        for i in range(500)
    )
    client.force_login(alice)
    data = page_data(client, alice_form)
    assert len(data) > 4000  # Django's default limit is 1,000 fields
    data[f"{row_prefix(data, '指标499')}-annual_value"] = "≥1000个"
    data["goals__annual"] = "五百个指标的表"
    response = client.post(edit_url(alice_form), data)
    assert response.status_code == 302
    form = PerformanceForm.objects.get(pk=alice_form.pk)
    assert (form.version, form.annual_goal) == (2, "五百个指标的表")
    assert form.indicators.count() == 500
    assert Indicator.objects.get(form=form, name="指标499").annual_value == "≥1000个"
    html = client.get(edit_url(alice_form)).content.decode()
    assert 'value="≥1000个"' in html and "五百个指标的表" in html


def test_a_late_background_save_of_the_same_page_is_not_shown_as_a_conflict(
    client, alice, filled
) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "新的"
    data["edit_seq"] = "2000"
    background(client, filled, data)
    data["goals__annual"] = "旧的"
    data["edit_seq"] = "1000"
    html = background(client, filled, data)
    assert "另一处" not in html and "已自动保存为第 2 版" in html
    assert PerformanceForm.objects.get(pk=filled.pk).annual_goal == "新的"


def test_a_beacon_save_is_a_background_save(client, alice, filled) -> None:
    """The page sends its last changes as it is hidden or left (navigator.sendBeacon cannot
    set a header: ``background=1``)."""
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "离开前的目标"
    data["background"] = "1"
    response = client.post(edit_url(filled), data)
    assert response.status_code == 200 and "已自动保存为第 2 版" in response.content.decode()
    assert PerformanceForm.objects.get(pk=filled.pk).annual_goal == "离开前的目标"


def test_a_project_code_taken_elsewhere_is_kept_out_and_the_rest_saved(client, alice, filled):
    from tests.factories import ProjectFactory

    ProjectFactory(code="440304000", unit=filled.project.unit)
    PerformanceForm.objects.filter(pk=filled.pk).update(layout="shenzhen")
    client.force_login(alice)
    data = page_data(client, filled)
    data["project__code"] = "440304000"
    data["goals__annual"] = "编码之外的修改"
    html = background(client, filled, data)
    form = PerformanceForm.objects.get(pk=filled.pk)
    assert form.annual_goal == "编码之外的修改" and form.project.code != "440304000"
    assert 'data-input="project__code"' in html and "已被其他项目使用" in html


def test_the_history_compares_across_an_editing_sessions_gap(client, alice, filled) -> None:
    client.force_login(alice)
    data = page_data(client, filled)
    data["goals__annual"] = "上一页的目标"
    background(client, filled, data)  # version 2, one page
    data = page_data(client, filled)  # the next page: versions 3 to 5, one in the history
    for seq, text in enumerate(("一", "二", "三"), start=1):
        data["goals__annual"], data["edit_seq"] = text, str(seq)
        background(client, filled, data)
    assert PerformanceForm.objects.get(pk=filled.pk).version == 5
    url = reverse("projects:form_compare", kwargs={"pk": filled.pk})
    response = client.get(url)
    assert response.status_code == 200 and (response.context["old"], response.context["new"]) == (
        2,
        5,
    )
    assert "上一页的目标" in response.content.decode()


def test_the_largest_editor_page_fits_the_request_limits(client, alice, filled, settings) -> None:
    """Every row the editor reads (ROW_LIMIT) with every field at its longest, posted as the
    page posts it (multipart: UTF-8 as is, three bytes a Chinese character)."""
    from projects.filing.forms import ROW_LIMIT, IndicatorForm

    client.force_login(alice)
    html = client.get(edit_url(filled)).content.decode()
    assert 'enctype="multipart/form-data"' in html
    data = page_data(client, filled)
    header = {k: v for k, v in data.items() if not k.startswith("ind-")}
    row = IndicatorForm(prefix="ind-0", categories=[])
    per_row = len(row.fields) + 2  # every field, and the formset's ORDER and DELETE
    longest = sum(getattr(f, "max_length", None) or 40 for f in row.fields.values()) + 8
    text_fields = [f for f in data if not f.startswith("ind-")]
    fields = len(header) + ROW_LIMIT * per_row
    assert fields <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    header_bytes = len(text_fields) * 5000 * 3  # a header text holds at most 5,000 characters
    overhead = 120  # multipart headers of a field, and its name
    size = header_bytes + ROW_LIMIT * (longest * 3 + per_row * overhead)
    assert size <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_more_than_500_indicators_are_refused_and_the_rows_stay_as_saved(client, alice, filled):
    from projects.filing.forms import INDICATOR_LIMIT

    client.force_login(alice)
    data = page_data(client, filled)
    total = int(data["ind-TOTAL_FORMS"])
    quantity = category("数量指标").pk
    for n in range(total, total + INDICATOR_LIMIT):
        data.update({f"ind-{n}-category": str(quantity), f"ind-{n}-name": f"新指标{n}"})
        data.update({f"ind-{n}-uid": "", f"ind-{n}-ORDER": ""})
    data["ind-TOTAL_FORMS"] = str(total + INDICATOR_LIMIT)
    data["goals__annual"] = "表头照常保存"
    html = background(client, filled, data)
    assert "一张表最多 500 个指标，现有 501 个" in html
    form = PerformanceForm.objects.get(pk=filled.pk)
    assert form.annual_goal == "表头照常保存" and form.indicators.count() == 1
