"""The error pages (403, 404, 500, CSRF failure) speak Chinese in the site's look, with DEBUG
off, and say nothing of Django's English defaults."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests.urls_errors import REASON

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_errors")]

DJANGO_DEFAULTS = (
    "Forbidden",
    "Not Found",
    "Server Error",
    "CSRF verification failed",
    "Bad Request",
    "The requested resource",
    "More information is available with DEBUG=True",
)


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_site_page(response, status: int, *phrases: str) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page
    assert "/static/css/app.css" in page
    assert "项目绩效目标管理" in page  # the site's name in the bar
    for phrase in phrases:
        assert phrase in page
    for english in DJANGO_DEFAULTS:
        assert english not in page
    # no English sentence a user would read: what remains are at most single words
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", visible_text(page))
    return page


def test_an_unknown_address_gets_the_chinese_404(client) -> None:
    assert_site_page(client.get("/no-such-page/"), 404, "没有找到这个页面", "返回绩效目标表")


def test_a_signed_in_user_gets_the_404_with_the_sites_navigation(client, alice) -> None:
    client.force_login(alice)
    page = assert_site_page(client.get("/forms/999999/"), 404, "没有找到这个页面")
    assert "退出" in page  # base.html's bar for a signed-in user


def test_the_404_does_not_show_the_exceptions_english_message(client, alice) -> None:
    client.force_login(alice)
    page = assert_site_page(client.get("/test-errors/missing/"), 404, "没有找到这个页面")
    assert "ExportJob" not in page


def test_the_403_shows_the_reason_escaped(client, alice) -> None:
    client.force_login(alice)
    page = assert_site_page(client.get("/test-errors/denied/"), 403, "无权进行这项操作")
    assert "只有本单位的填报人可以修改这张表。&lt;script&gt;" in page
    assert REASON not in page


def test_the_403_without_a_reason_says_so_in_chinese(client, alice) -> None:
    client.force_login(alice)
    assert_site_page(client.get("/test-errors/denied-plain/"), 403, "您的账号没有这项权限。")


def test_a_reviewer_opening_the_editor_is_told_why_not(client, bob, alice_form) -> None:
    client.force_login(bob)
    assert_site_page(
        client.get(f"/forms/{alice_form.pk}/edit/"), 403, "只有本单位的填报人可以修改这张表。"
    )


def test_a_server_error_gets_the_chinese_500(client) -> None:
    client.raise_request_exception = False
    page = assert_site_page(client.get("/test-errors/broken/"), 500, "系统出错了")
    assert "something broke" not in page


def test_the_500_page_needs_no_request_and_no_context() -> None:
    page = render_to_string("500.html")
    assert "系统出错了" in page and "/static/css/app.css" in page


def test_a_post_without_the_csrf_token_gets_the_chinese_csrf_page(alice) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "alice", "password": "password"})
    assert_site_page(response, 403, "提交未成功：页面已过期", "刷新页面后重试")
    assert "_auth_user_id" not in client.session


def test_a_signed_in_post_without_the_token_is_refused_in_chinese(alice, alice_form) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(f"/forms/{alice_form.pk}/act/submit/", {"version": "1"})
    assert_site_page(response, 403, "刷新页面后重试")
    alice_form.refresh_from_db()
    assert alice_form.status == "draft"


def test_the_favicon_is_served(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"


def test_a_bad_request_gets_the_chinese_400(client, alice) -> None:
    client.force_login(alice)
    page = assert_site_page(client.get("/test-errors/bad/"), 400, "请求有误，无法处理")
    assert "HTTP_HOST" not in page
