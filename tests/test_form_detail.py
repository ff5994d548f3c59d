from __future__ import annotations

from django.urls import reverse

from tests.factories import IndicatorFactory, category


def url(form) -> str:
    return reverse("projects:form_detail", kwargs={"pk": form.pk})


def test_owner_sees_form_as_official_table(client, alice, alice_form):
    IndicatorFactory(form=alice_form, name="维护项目数量", period_value="1个", annual_value="1个")
    IndicatorFactory(
        form=alice_form,
        category=category("成本指标"),
        name="项目维护费",
        period_value="年均≤69.9万元",
        annual_value="≤69.9万元",
    )
    client.force_login(alice)
    response = client.get(url(alice_form))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "项目绩效目标表",
        "项目名称",
        "实施周期",
        "起始年度",
        "2023年预算金额（元）",
        "总体绩效目标",
        "实施周期总目标",
        "2023年度目标",
        "绩效指标",
        "一级指标",
        "当年度指标值",
        "维护项目数量",
        "年均≤69.9万元",
        "生态效益指标",
        "699000",
    ]:
        assert text in html, text
    # The parsed value is shown on hover.
    assert 'data-parsed="年均' in html
    assert response.context["grid"].rows[0].cells[0].text == "项目绩效目标表"


def test_it_shows_the_other_layout_on_request(client, alice, alice_form):
    IndicatorFactory(
        form=alice_form, name="维护项目数量", is_core=True, value="1个", annual_value=""
    )
    client.force_login(alice)
    html = client.get(url(alice_form), {"layout": "shenzhen"}).content.decode()
    assert "二级项目支出绩效目标申报表" in html
    assert "*数量" in html
    html = client.get(url(alice_form), {"layout": "guangzhou"}).content.decode()
    assert "项目支出绩效目标表（含转移支付项目）" in html
    assert "1、产出指标：维护项目数量，年度指标值：1个。" in html


def test_unknown_layout_falls_back_to_the_form_layout(client, alice, alice_form):
    client.force_login(alice)
    response = client.get(url(alice_form), {"layout": "<script>"})
    assert response.context["layout"] == "dongguan"


def test_outsider_gets_404(client, charlie, alice_form):
    client.force_login(charlie)
    assert client.get(url(alice_form)).status_code == 404


def test_reviewers_can_read(client, bob, fiona, alice_form):
    for user in (bob, fiona):
        client.force_login(user)
        assert client.get(url(alice_form)).status_code == 200


def test_imported_text_is_escaped(client, alice, alice_form):
    alice_form.annual_goal = "<script>alert(1)</script>"
    alice_form.save()
    client.force_login(alice)
    html = client.get(url(alice_form)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_loads_nothing_from_the_internet(client, alice, alice_form):
    client.force_login(alice)
    response = client.get(url(alice_form))
    html = response.content.decode()
    assert "http://" not in html and "https://" not in html
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_query_count_is_fixed(client, alice, alice_form, django_assert_num_queries):
    for i in range(12):
        IndicatorFactory(form=alice_form, name=f"指标{i}")
    client.force_login(alice)
    # 1 session, 2 user, 3 the user's memberships (the actor, once per request), 4 form with
    # project/unit/department/framework, 5 indicators with categories, 6 the framework's
    # categories with their parents (read once for the table and the checks), 7 the
    # history's events, 8 the comments with their indicators and people, 9-10 the filing
    # checks (last year's form, the check settings), 11 the gradings with their reviewers
    # (who graded what, in the history; the unit reads the last one after a return)
    with django_assert_num_queries(11):
        client.get(url(alice_form))


def test_it_links_the_downloads_in_the_layout_shown(client, alice, alice_form):
    client.force_login(alice)
    html = client.get(url(alice_form), {"layout": "shenzhen"}).content.decode()
    pdf = reverse("projects:form_export", kwargs={"pk": alice_form.pk, "fmt": "pdf"})
    xlsx = reverse("projects:form_export", kwargs={"pk": alice_form.pk, "fmt": "xlsx"})
    # each link also carries the version the page shows (what was seen is what is printed)
    version = f"&amp;version={alice_form.version}"
    assert f'href="{pdf}?layout=shenzhen{version}"' in html
    assert f'href="{xlsx}?layout=shenzhen{version}"' in html
    response = client.get(f"{pdf}?layout=shenzhen")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_only_administrators_see_the_import_link(client, alice, alice_form, adam, stan):
    client.force_login(alice)
    assert reverse("projects:import_upload") not in client.get(url(alice_form)).content.decode()
    client.force_login(adam)
    assert reverse("projects:import_upload") in client.get(url(alice_form)).content.decode()
    client.force_login(stan)  # the staff flag only opens the Django admin
    assert client.get(url(alice_form)).status_code == 404
    assert reverse("projects:import_upload") not in client.get("/forms/").content.decode()


def test_a_sheet_that_labelled_yuan_as_wan_yuan_gets_a_visible_note(client, fiona):
    from projects.models import PerformanceForm
    from projects.services.importing import import_files
    from tests.import_helpers import SHENZHEN_SEED

    import_files(paths=[SHENZHEN_SEED], year=2023)
    form = PerformanceForm.objects.filter(layout="shenzhen").order_by("pk").first()
    client.force_login(fiona)
    html = client.get(url(form)).content.decode()
    assert "原表把金额单位标为“万元”，但金额实为元" in html
    assert f"{form.annual_amount:,.2f} 元" in html
    # the 东莞 view of the same form prints 元 and needs no note
    assert "实为元" not in client.get(url(form), {"layout": "dongguan"}).content.decode()
