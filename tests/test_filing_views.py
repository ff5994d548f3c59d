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
    # categories by name, 11 the changed row, 12 the form's new version, 13-14 the content
    # for the event's snapshot, 15 the event, 16 release: whatever the number of indicators
    assert len(queries) == 16


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
