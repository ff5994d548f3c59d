"""待我审核 in bulk: approving, passing on and returning several forms at once (each through the
transition service, each in its own transaction), the filter by check results, and the queue
as a workbook."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from projects.models import Deadline, FormEvent, Membership, PerformanceForm, ReviewGrade
from projects.permissions import Actor, can_approve
from projects.review.comments import add_comment
from tests.factories import FormFactory, MembershipFactory, UnitFactory, UserFactory
from tests.review_helpers import act

pytestmark = pytest.mark.django_db
QUEUE = reverse("projects:queue")
BATCH = reverse("projects:queue_batch")
EXPORT = reverse("projects:queue_export")
NOT_FOUND = "没有找到这张绩效目标表，或您无权查看。"


def shown(client, **filters) -> list[PerformanceForm]:
    """The forms the queue page shows the signed-in reviewer (as the page saw them)."""
    return [form for form, _days in client.get(QUEUE, filters).context["rows"]]


def batch(client, verb: str, forms: list[PerformanceForm], comment: str = "", **extra):
    """Post the batch form as the queue page builds it: the ticked forms with the version and
    status each row showed; then confirm the list the first POST shows (which acts on
    nothing), as the reviewer does."""
    data: dict[str, object] = {"verb": verb, "form": [f.pk for f in forms], "comment": comment}
    for form in forms:
        data[f"version_{form.pk}"] = form.version
        data[f"status_{form.pk}"] = form.status
    asked = client.post(BATCH, {**data, **extra}, follow=True)
    if asked.context is None or "token" not in asked.context:  # refused before the list
        return asked
    return client.post(BATCH, {**data, **extra, "confirm": asked.context["token"]}, follow=True)


def planned(response) -> dict[int, str]:
    """What the confirmation page says will become of each form."""
    return {o.pk: o.refusal or "将执行" for o in response.context["outcomes"]}


def results(response) -> dict[int, str]:
    return {o.pk: o.refusal or "成功" for o in response.context["outcomes"]}


@pytest.fixture
def passed_on(seeded):
    """Five seed forms submitted by their unit and passed on by the department: they wait for
    finance."""
    forms, users = seeded
    for form in forms[:5]:
        act(users["filer"], form, "submit")
        act(users["dept"], form, "pass_on")
    return forms[:5], users


# --------------------------------------------------------------------------- batch


def test_finance_approves_several_and_each_refusal_is_reported(client, passed_on) -> None:
    forms, users = passed_on
    client.force_login(users["finance"])
    page = shown(client)
    assert [f.pk for f in page] == [f.pk for f in forms]
    changed, returned = page[1], page[2]
    # Meanwhile: one form has a new version, the department took another back.
    PerformanceForm.objects.filter(pk=changed.pk).update(version=F("version") + 1)
    act(users["finance"], returned, "return", "指标不全")
    response = batch(client, "approve", page)
    assert response.status_code == 200
    outcome = results(response)
    assert "已更新为第 2 版" in outcome[changed.pk]
    assert "finance于" in outcome[returned.pk] and "您的操作没有执行" in outcome[returned.pk]
    approved = [f.pk for f in page if f not in (changed, returned)]
    assert [pk for pk, text in outcome.items() if text == "成功"] == approved
    statuses = dict(PerformanceForm.objects.values_list("pk", "status"))
    assert {statuses[pk] for pk in approved} == {"approved"}
    assert statuses[changed.pk] == "department_approved" and statuses[returned.pk] == "returned"
    for form in page:
        expected = 1 if form.pk in approved else 0
        assert FormEvent.objects.filter(form=form, kind="approve").count() == expected
    html = response.content.decode()
    assert "成功 3 张，未执行 2 张。" in html and html.count("审核通过：结果") == 1
    assert reverse("projects:queue") in html  # the way back


def test_a_department_reviewer_passes_several_on(client, seeded) -> None:
    forms, users = seeded
    for form in forms[:3]:
        act(users["filer"], form, "submit")
    client.force_login(users["dept"])
    html = client.get(QUEUE).content.decode()
    assert "批量部门审核通过，报财政" in html and "批量退回" in html
    assert 'value="approve"' not in html
    response = batch(client, "pass_on", shown(client))
    assert set(results(response).values()) == {"成功"}
    assert set(
        PerformanceForm.objects.filter(pk__in=[f.pk for f in forms[:3]]).values_list(
            "status", flat=True
        )
    ) == {"department_approved"}
    # Approving is finance's: the service refuses it to the department, form by form.
    client.force_login(users["finance"])
    assert 'value="approve"' in client.get(QUEUE).content.decode()
    client.force_login(users["dept"])
    act(users["filer"], forms[3], "submit")
    response = batch(client, "approve", shown(client))
    assert results(response) == {forms[3].pk: "这张表还在主管部门审核阶段。"}


def test_a_batch_return_needs_a_reason(client, passed_on) -> None:
    _forms, users = passed_on
    client.force_login(users["finance"])
    page = shown(client)[:2]
    response = batch(client, "return", page, comment="  ")
    assert "请写明退回的理由。" in response.content.decode()
    assert response.redirect_chain == [(QUEUE, 302)]
    assert not FormEvent.objects.filter(kind="return").exists()
    response = batch(client, "return", page, comment="绩效指标不够细化")
    assert set(results(response).values()) == {"成功"}
    returns = FormEvent.objects.filter(kind="return")
    assert sorted(returns.values_list("form_id", flat=True)) == [f.pk for f in page]
    assert set(returns.values_list("comment", flat=True)) == {"绩效指标不够细化"}


def test_the_filer_and_an_outsider_move_nothing(client, passed_on) -> None:
    forms, users = passed_on
    page = list(PerformanceForm.objects.filter(pk__in=[f.pk for f in forms[:2]]))
    client.force_login(users["filer"])
    response = batch(client, "approve", page)
    _allowed, reason = can_approve(Actor.for_user(users["filer"]), page[0])
    assert "财政审核" in reason and set(results(response).values()) == {reason}
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, organization=UnitFactory(), role=Membership.Role.FILER)
    client.force_login(outsider)
    response = batch(client, "return", page, comment="退回")
    assert set(results(response).values()) == {NOT_FOUND}
    html = response.content.decode()
    for form in page:
        assert form.project.name not in html and f"编号 {form.pk}" in html
    assert set(PerformanceForm.objects.values_list("status", flat=True)) <= {
        "department_approved",
        "draft",
    }
    assert not FormEvent.objects.filter(kind__in=["approve", "return"]).exists()


def test_other_verbs_and_oversized_batches_are_refused(client, passed_on) -> None:
    forms, users = passed_on
    client.force_login(users["finance"])
    for verb in ("submit", "adjust", "withdraw", ""):
        assert client.post(BATCH, {"verb": verb, "form": [forms[0].pk]}).status_code == 400
    response = client.post(BATCH, {"verb": "approve", "form": list(range(1, 202))}, follow=True)
    assert "一次最多批量处理 200 张表，您选了 201 张。" in response.content.decode()
    response = client.post(BATCH, {"verb": "approve", "query": "checks=clean"}, follow=True)
    assert "请先勾选要处理的表。" in response.content.decode()
    assert response.redirect_chain == [(f"{QUEUE}?checks=clean", 302)]
    assert client.get(BATCH).status_code == 405
    assert not FormEvent.objects.filter(kind="approve").exists()


def test_refusals_are_escaped(client, passed_on) -> None:
    _forms, users = passed_on
    users["finance"].first_name = "<b>财政</b>"
    users["finance"].save()
    client.force_login(users["finance"])
    form = shown(client)[0]
    act(users["finance"], form, "return", "退回")  # in another tab, say
    html = batch(client, "approve", [form]).content.decode()
    assert "&lt;b&gt;财政&lt;/b&gt;" in html and "<b>财政</b>" not in html


# --------------------------------------------------------------------------- the filter


def waiting(status: str = "department_approved", days: int = 1, **fields) -> PerformanceForm:
    """A form that reached ``status`` (finance's queue by default) ``days`` ago."""
    form = FormFactory(**fields)
    PerformanceForm.objects.filter(pk=form.pk).update(status=status)
    event = FormEvent.objects.create(
        form=form, kind="pass_on", source="web", to_status=status, version=1
    )
    FormEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=days))
    form.refresh_from_db()
    return form


@pytest.fixture
def checked(db):
    """Forms waiting for finance with each kind of check result, oldest first."""
    return {
        "errors": waiting(days=4, check_errors=2, check_warnings=1, project__name="有错"),
        "warnings": waiting(days=3, check_errors=0, check_warnings=2, project__name="有提醒"),
        "clean": waiting(days=2, check_errors=0, check_warnings=0, project__name="干净"),
        "unknown": waiting(days=1, project__name="未检查"),  # imported, never submitted here
    }


def test_the_queue_filters_by_check_results(client, fiona, checked) -> None:
    client.force_login(fiona)
    names = {
        key: [f.project.name for f in shown(client, checks=key)]
        for key in ("", "errors", "warnings", "clean", "nonsense")
    }
    assert names[""] == names["nonsense"] == ["有错", "有提醒", "干净", "未检查"]
    assert names["errors"] == ["有错"]
    assert names["warnings"] == ["有错", "有提醒"]
    assert names["clean"] == ["干净"]
    html = client.get(QUEUE).content.decode()
    for text in ("检查结果", "2 错误", "1 提醒", "2 提醒", "无问题", "—"):
        assert text in html
    response = client.get(QUEUE, {"checks": "warnings", "page": "1", "project_type": ""})
    assert response.context["query"] == "checks=warnings&project_type="
    assert '<option value="warnings" selected>' in response.content.decode()
    assert f'href="{EXPORT}?checks=warnings&amp;project_type="' in response.content.decode()


# --------------------------------------------------------------------------- the workbook


def test_the_queue_as_a_workbook(client, fiona, checked) -> None:
    clean = checked["clean"]
    clean.project.name = '=HYPERLINK("http://example.com")'
    clean.project.save()
    PerformanceForm.objects.filter(pk=clean.pk).update(annual_amount=1234567.5)
    grades = {"completeness": "优", "relevance": "良", "appropriateness": "优"}
    for stage, version, feasibility in (
        ("department", 1, "优"),  # 优 overall
        ("finance", 1, "中"),  # 良 overall
        ("finance", 2, "差"),  # another version: not this one's
    ):
        ReviewGrade.objects.create(
            form=clean,
            version=version,
            stage=stage,
            reviewer=fiona,
            feasibility=feasibility,
            **grades,
        )
    client.force_login(fiona)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith(
        f"attachment; filename*=utf-8''{quote('待我审核')}"
    )
    assert response["Cache-Control"] == "private"
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0] == [
        "序号", "项目名称", "主管部门", "用款单位", "项目类型", "本年度金额（元）", "状态",
        "等待天数", "检查错误", "检查提醒", "部门评定", "财政评定", "链接",
    ]  # fmt: skip
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    assert [row[1] for row in rows[1:]] == ["有错", "有提醒", clean.project.name, "未检查"]
    row = rows[3]
    assert row[0] == 3 and row[5] == 1234567.5 and row[6] == "部门已审" and row[7] == 2
    assert row[8:12] == [0, 0, "优", "良"]
    assert row[12] == f"http://testserver{clean.get_absolute_url()}"
    assert ws.cell(row=4, column=2).data_type == "s"
    assert rows[1][8:12] == [2, 1, None, None] and rows[4][8:10] == [None, None]
    # The same filters as the page, over every page.
    ws = load_workbook(io.BytesIO(client.get(EXPORT, {"checks": "warnings"}).content)).active
    assert [row[1].value for row in ws.iter_rows(min_row=2)] == ["有错", "有提醒"]


def test_the_workbook_shows_nobody_else_s_forms(client, alice, checked) -> None:
    client.force_login(alice)
    ws = load_workbook(io.BytesIO(client.get(EXPORT).content)).active
    assert ws.max_row == 1  # the header alone


# --------------------------------------------------------------------------- queries


@pytest.mark.parametrize("count", [3, 20])
def test_the_queue_page_takes_a_fixed_number_of_queries(
    client, fiona, count, django_assert_num_queries
) -> None:
    for i in range(count):
        waiting(days=i, check_errors=0, check_warnings=i % 3)
    client.force_login(fiona)
    # 1 session, 2 user, 3 memberships, 4 the departments and project types to filter by,
    # 5 the deadlines (for what is overdue), 6 whether the bureau divides its review (any
    # assignment: the queue then opens on 分配给我), 7 count, 8 the page of forms with their
    # organisations and when each arrived
    with django_assert_num_queries(8):
        response = client.get(QUEUE, {"checks": "warnings"})
    assert len(response.context["rows"]) == len([i for i in range(count) if i % 3])


@pytest.mark.parametrize("count", [3, 20])
def test_the_workbook_takes_a_fixed_number_of_queries(
    client, fiona, count, django_assert_num_queries
) -> None:
    for i in range(count):
        form = waiting(days=i)
        ReviewGrade.objects.create(
            form=form,
            version=1,
            stage="department",
            reviewer=fiona,
            completeness="优",
            relevance="优",
            appropriateness="优",
            feasibility="良",
        )
    client.force_login(fiona)
    # 1 session, 2 user, 3 memberships, 4 the deadlines, 5 whether the bureau divides its
    # review (any assignment), 6 the forms with their organisations and when each arrived,
    # 7 the grades of their current versions
    with django_assert_num_queries(7):
        response = client.get(EXPORT)
    assert load_workbook(io.BytesIO(response.content)).active.max_row == count + 1


def test_the_queue_marks_and_filters_what_is_overdue(client, fiona) -> None:
    late = waiting(days=3, check_errors=0, check_warnings=0)
    on_time = waiting(days=1, check_errors=0, check_warnings=0)
    on_time.fiscal_year = late.fiscal_year + 1
    on_time.save()
    Deadline.objects.create(
        fiscal_year=late.fiscal_year, stage="finance", due=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(fiona)
    page = client.get(reverse("projects:queue")).content.decode()
    assert page.count(">逾期</span>") == 1
    only = client.get(reverse("projects:queue"), {"overdue": "1"})
    assert [form.pk for form, _days in only.context["rows"]] == [late.pk]


def test_odd_digits_in_parameters_are_refused_without_an_error(client, fiona) -> None:
    form = waiting(days=1, check_errors=0, check_warnings=0)
    client.force_login(fiona)
    assert client.get(reverse("projects:queue"), {"department": "²"}).status_code == 200
    assert client.get(reverse("projects:dashboard"), {"year": "²"}).status_code == 200
    assert client.get(form.get_absolute_url(), {"version": "²"}).status_code == 200
    response = client.post(
        reverse("projects:queue_batch"),
        {"verb": "approve", "form": ["²", str(form.pk)], f"version_{form.pk}": "²"},
    )
    assert response.status_code in (200, 302)


# --------------------------------------------------------------------------- asked once


def test_a_batch_lists_what_it_will_do_and_acts_only_once_confirmed(client, passed_on) -> None:
    _forms, users = passed_on
    client.force_login(users["finance"])
    page = shown(client)[:3]
    data: dict[str, object] = {"verb": "approve", "form": [f.pk for f in page]}
    for form in page:
        data |= {f"version_{form.pk}": form.version, f"status_{form.pk}": form.status}
    asked = client.post(BATCH, data)
    html = asked.content.decode()
    assert asked.status_code == 200 and "确认批量审核通过" in html and "确认审核通过 3 张" in html
    assert planned(asked) == {f.pk: "将执行" for f in page}
    assert not FormEvent.objects.filter(kind="approve").exists()
    # A token for another list (or a forged one) acts on nothing: the list is shown again.
    token = asked.context["token"]
    again = client.post(BATCH, {**data, "form": [page[0].pk], "confirm": token})
    assert "所选的表或其状态已有变化" in again.content.decode()
    again = client.post(BATCH, {**data, "confirm": token + "x"})
    assert "所选的表或其状态已有变化" in again.content.decode()
    assert not FormEvent.objects.filter(kind="approve").exists()
    done = client.post(BATCH, {**data, "confirm": token})
    assert set(results(done).values()) == {"成功"}
    assert FormEvent.objects.filter(kind="approve").count() == 3


def test_a_batch_approves_the_others_and_refuses_a_form_with_an_open_comment(
    client, passed_on
) -> None:
    forms, users = passed_on
    finance = Actor.for_user(users["finance"])
    commented = forms[1]
    add_comment(actor=finance, form_id=commented.pk, text="满意度指标请写明调查方式")
    client.force_login(users["finance"])
    page = shown(client)
    asked = client.post(
        BATCH,
        {"verb": "approve", "form": [f.pk for f in page]}
        | {f"version_{f.pk}": f.version for f in page}
        | {f"status_{f.pk}": f.status for f in page},
    )
    reason = "有 1 条待解决的审核意见，不能批量处理，请打开这张表逐张审核。"
    assert planned(asked)[commented.pk] == reason
    assert "确认审核通过 4 张" in asked.content.decode()
    outcome = results(batch(client, "approve", page))
    assert outcome.pop(commented.pk) == reason
    assert set(outcome.values()) == {"成功"}
    statuses = dict(PerformanceForm.objects.values_list("pk", "status"))
    assert statuses[commented.pk] == "department_approved"
    assert {statuses[pk] for pk in outcome} == {"approved"}
    # Decided on its own page, one by one, it may still be approved.
    act(users["finance"], commented, "approve")
    assert PerformanceForm.objects.get(pk=commented.pk).status == "approved"


def test_a_batch_refuses_check_errors_and_adjustments_but_returns_them(client, passed_on) -> None:
    forms, users = passed_on
    PerformanceForm.objects.filter(pk=forms[0].pk).update(check_errors=2)
    PerformanceForm.objects.filter(pk=forms[1].pk).update(approved_version=1)
    client.force_login(users["finance"])
    page = shown(client)
    outcome = results(batch(client, "approve", page))
    assert outcome[forms[0].pk] == "检查发现 2 个错误，不能批量处理，请打开这张表逐张审核。"
    assert outcome[forms[1].pk] == "这是已通过表的调整稿，不能批量处理，请打开这张表逐张审核。"
    assert [text for text in outcome.values()].count("成功") == 3
    returned = results(batch(client, "return", page[:2], comment="请修改"))
    assert set(returned.values()) == {"成功"}  # sending back needs no such look


def test_a_comment_made_after_the_list_was_shown_still_stops_the_form(client, passed_on) -> None:
    _forms, users = passed_on
    client.force_login(users["finance"])
    page = shown(client)[:2]
    data: dict[str, object] = {"verb": "approve", "form": [f.pk for f in page]}
    for form in page:
        data |= {f"version_{form.pk}": form.version, f"status_{form.pk}": form.status}
    token = client.post(BATCH, data).context["token"]
    add_comment(actor=Actor.for_user(users["dept"]), form_id=page[0].pk, text="请补充依据")
    outcome = results(client.post(BATCH, {**data, "confirm": token}))
    assert "待解决的审核意见" in outcome[page[0].pk] and outcome[page[1].pk] == "成功"
