"""The demo command loads every seed form through the importer and one account per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from projects.models import Deadline, Notification, PerformanceForm, ReviewGrade


@pytest.fixture
def demo(db) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_it_loads_all_seed_forms(demo):
    forms = PerformanceForm.objects.all()
    assert forms.filter(layout="dongguan").count() == 14
    assert forms.filter(layout="shenzhen").count() == 6
    assert forms.filter(layout="guangzhou").count() == 22
    assert set(forms.values_list("fiscal_year", flat=True)) == {2023}


def test_it_prints_the_accounts_and_their_passwords(demo):
    for line in ("filer", "filer-demo-2026", "dept", "finance", "admin", "admin-demo-2026"):
        assert line in demo


def test_running_it_twice_changes_nothing(demo):
    before = list(PerformanceForm.objects.order_by("id").values_list("id", "version", "updated_at"))
    out = StringIO()
    call_command("load_demo", stdout=out)
    after = list(PerformanceForm.objects.order_by("id").values_list("id", "version", "updated_at"))
    assert before == after
    assert "示例表已导入（42 张），不再重复导入" in out.getvalue()


@pytest.mark.parametrize(
    ("username", "password", "visible"),
    [
        ("filer", "filer-demo-2026", 14),
        ("dept", "dept-demo-2026", 14),
        ("finance", "finance-demo-2026", 42),
        ("admin", "admin-demo-2026", 42),
    ],
)
def test_each_demo_account_signs_in_and_sees_its_forms(client, demo, username, password, visible):
    assert client.login(username=username, password=password)
    response = client.get(reverse("projects:form_list"))
    assert response.context["page"].paginator.count == visible


def test_every_demo_form_page_shows_its_official_table(client, demo):
    client.force_login(get_user_model().objects.get(username="finance"))
    titles = {
        "dongguan": "项目绩效目标表",
        "shenzhen": "二级项目支出绩效目标申报表",
        "guangzhou": "广州市财政局2023年项目支出绩效目标表（含转移支付项目）",
    }
    for form in PerformanceForm.objects.all():
        response = client.get(reverse("projects:form_detail", kwargs={"pk": form.pk}))
        assert response.status_code == 200
        assert response.context["grid"].title == titles[form.layout]
        assert form.project.name in response.content.decode()


def test_it_leaves_work_to_do_for_every_demo_account(demo):
    counts = {
        status: PerformanceForm.objects.filter(layout="dongguan", status=status).count()
        for status in ("submitted", "department_approved", "approved", "returned")
    }
    # one approved on the review's paths, five more for the performance cycle
    assert counts == {"submitted": 2, "department_approved": 3, "approved": 6, "returned": 1}
    resubmitted = PerformanceForm.objects.get(events__kind="return", status="department_approved")
    assert [e.kind for e in resubmitted.events.order_by("id")] == [
        "import",
        "submit",
        "return",
        "edit",
        "submit",
        "pass_on",
    ]
    # its comment was answered; the returned form's is still open for the unit
    assert resubmitted.comments.get().answer
    returned = PerformanceForm.objects.get(status="returned")
    assert returned.comments.get().indicator is not None
    assert not returned.comments.get().answer
    assert ReviewGrade.objects.count() == 2
    assert Deadline.objects.filter(fiscal_year=2023).count() == 3
    for username in ("filer", "dept", "finance"):
        assert Notification.objects.filter(recipient__username=username).exists(), username
    assert "各演示账号都有待办" in demo


def test_the_cycle_leaves_reports_in_every_state_for_every_account(client, demo):
    from projects.models import Report

    for kind in ("monitoring", "self_evaluation"):
        states = set(Report.objects.filter(kind=kind).values_list("status", flat=True))
        assert {"draft", "submitted", "department_approved", "returned", "approved"} <= states
    assert Report.objects.filter(status="returned", comments__line__isnull=False).exists()
    assert {"red", "yellow", "green"} <= set(Report.objects.values_list("light", flat=True))
    assert len(set(Report.objects.exclude(grade="").values_list("grade", flat=True))) >= 2
    for username, waiting in (("filer", 0), ("dept", 2), ("finance", 2)):
        client.force_login(get_user_model().objects.get(username=username))
        response = client.get(reverse("cycle:list") + "?waiting=1")
        assert response.context["waiting_count"] == waiting, username
    client.force_login(get_user_model().objects.get(username="filer"))
    page = client.get(reverse("cycle:list")).content.decode()
    assert page.count("草稿") >= 3 and "已退回" in page
    assert "绩效监控与自评" in demo


def test_finance_sees_what_changed_since_the_return(client, demo):
    client.force_login(get_user_model().objects.get(username="finance"))
    resubmitted = PerformanceForm.objects.get(events__kind="return", status="department_approved")
    page = client.get(resubmitted.get_absolute_url()).content.decode()
    assert "退回以来的修改" in page and "以验收报告为准" in page


def test_each_demo_reviewer_signs_in_to_a_queue(client, demo):
    for username, waiting in (("dept", 2), ("finance", 3)):
        client.force_login(get_user_model().objects.get(username=username))
        response = client.get(reverse("projects:queue"))
        assert response.context["page"].paginator.count == waiting, username
        assert "待我审核" in response.content.decode()


def test_it_prints_the_address_it_is_served_at(db):
    out = StringIO()
    call_command("load_demo", "--address", "http://0.0.0.0:8080/", stdout=out)
    assert "登录：http://0.0.0.0:8080/accounts/login/" in out.getvalue()
