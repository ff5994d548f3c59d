"""Login protection (django-axes): repeated failures lock the username and, separately, the
address they came from; an administrator unlocks in the admin; known and unknown usernames
cost the same password hashing. The admin pages for all this speak Chinese.

django-axes is off in the test settings (Django's ``Client.login`` cannot pass it a request):
every test here turns it on and logs in through the login page, as a browser does."""

from __future__ import annotations

import re
from typing import ClassVar

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client, RequestFactory
from django.urls import reverse

from projects.models import Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LIMIT = 5


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT


def log_in(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, address: str = "127.0.0.1"):
    response = None
    for _ in range(times):
        response = log_in(client, username, "wrong-password", address)
    return response


def assert_lockout_page(response) -> None:
    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "暂时无法登录" in page
    assert f"连续 {LIMIT} 次登录失败" in page
    assert "请 15 分钟后再试" in page
    assert "联系系统管理员" in page
    assert "css/app.css" in page


def test_the_site_runs_with_django_axes_in_front() -> None:
    from perfgoals import settings as production

    assert production.AXES_ENABLED is True  # off only in perfgoals/test_settings.py
    assert "perfgoals.apps.AxesConfig" in production.INSTALLED_APPS
    assert production.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert production.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert production.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


def test_the_login_page_lets_a_user_in(client, alice) -> None:
    response = log_in(client, "alice", "password")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_few_failures_do_not_lock(client, alice) -> None:
    response = fail(client, "alice", LIMIT - 1)
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert log_in(client, "alice", "password").status_code == 302


def test_five_wrong_passwords_lock_the_user_out_even_with_the_right_one(client, alice) -> None:
    assert_lockout_page(fail(client, "alice", LIMIT))
    response = log_in(client, "alice", "password")
    assert_lockout_page(response)
    assert not signed_in(client)


def test_the_lock_follows_the_user_to_another_address(client, alice) -> None:
    fail(client, "alice", LIMIT, address="10.0.0.1")
    response = log_in(client, "alice", "password", address="10.0.0.2")
    assert_lockout_page(response)
    assert not signed_in(client)


def test_many_failures_from_one_address_lock_every_user_there(client, alice, bob) -> None:
    for n in range(LIMIT):
        log_in(client, f"guess{n}", "wrong-password", address="10.0.0.7")
    response = log_in(client, "bob", "password", address="10.0.0.7")
    assert_lockout_page(response)
    assert not signed_in(client)
    # only that address: bob elsewhere gets in
    assert log_in(client, "bob", "password", address="10.0.0.8").status_code == 302


def test_an_unknown_username_is_locked_out_like_a_known_one(client, alice) -> None:
    known = fail(client, "alice", LIMIT, address="10.0.0.1")
    unknown = fail(client, "nobody", LIMIT, address="10.0.0.2")
    assert_lockout_page(unknown)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", known.content.decode())
    other = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", unknown.content.decode())
    assert text == other, "the page must not tell whether the username exists"


def test_the_password_is_not_kept_in_the_failure_record(client, alice) -> None:
    log_in(client, "alice", "S3cret-typo")
    attempt = AccessAttempt.objects.get(username="alice")
    assert "S3cret-typo" not in attempt.post_data


def test_an_administrator_unlocks_a_user_in_the_admin(client, alice, adam) -> None:
    fail(client, "alice", LIMIT)
    admin = Client()
    admin.force_login(adam)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin.get(changelist).content.decode()
    assert "账号和地址均已锁定" in page and "alice" in page
    attempts = list(AccessAttempt.objects.filter(username="alice").values_list("pk", flat=True))
    response = admin.post(
        changelist, {"action": "unlock", "_selected_action": attempts}, follow=True
    )
    assert "已解锁：删除了 1 条登录失败记录。" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "alice", "password").status_code == 302
    assert signed_in(client)


def test_the_admin_tells_which_lock_holds(client, alice, adam) -> None:
    for n in range(LIMIT):
        log_in(client, f"guess{n}", "wrong-password", address="10.0.0.7")
    log_in(client, "alice", "wrong-password", address="10.0.0.1")
    admin = Client()
    admin.force_login(adam)
    page = admin.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert page.count("地址已锁定") == LIMIT
    assert f"未锁定（还可尝试 {LIMIT - 1} 次）" in page


def test_resetting_an_address_unlocks_it(client, bob) -> None:
    for n in range(LIMIT):
        log_in(client, f"guess{n}", "wrong-password", address="10.0.0.7")
    assert log_in(client, "bob", "password", address="10.0.0.7").status_code == 429
    assert reset(ip="10.0.0.7") == LIMIT
    assert log_in(client, "bob", "password", address="10.0.0.7").status_code == 302


def test_the_admin_login_is_protected_too(client, adam) -> None:
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "adam", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "adam", "password": "password"})
    assert response.status_code == 429
    assert not signed_in(client)


# --------------------------------------------------------------------------- same hashing


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how often a password is hashed."""

    calls: ClassVar[list[str]] = []

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls.append("encode")
        return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        CountingHasher.calls.append("verify")
        return super().verify(password, encoded)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.test_login_protection.CountingHasher"]
    CountingHasher.calls.clear()
    return CountingHasher.calls


def test_known_and_unknown_usernames_both_run_the_password_hasher(
    client, alice, counting_hasher
) -> None:
    """The answer takes as long for a username that does not exist (Django's ModelBackend
    hashes the password anyway), so the time does not tell who has an account."""
    log_in(client, "alice", "wrong-password", address="10.0.0.1")
    known = list(counting_hasher)
    counting_hasher.clear()
    log_in(client, "nobody-here", "wrong-password", address="10.0.0.2")
    unknown = list(counting_hasher)
    # one hash each: verifying alice's password hashes what was typed (encode); for an unknown
    # name ModelBackend hashes it anyway (set_password on a throwaway user)
    assert known == ["verify", "encode"]
    assert unknown == ["encode"]


# --------------------------------------------------------------------------- the admin

ENGLISH = re.compile(r"[A-Za-z]{3,}")
# codes shown beside their Chinese names (checks: "required-field：必填项未填", frameworks:
# "local-2023")
CODE = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b")
# words read as they are (HTTP, SHA, Django's own "按住 Control 键或 Mac 上的 Command 键"), and data
# on the pages: the personas' names, the test client's user agent ("<unknown>"), the login path
# and the form fields recorded with a failure
ALLOWED = {"HTTP", "Accept", "POST", "GET", "SHA", "LDAP", "Control", "Command", "Mac"}
ALLOWED |= {"alice", "adam", "bob", "unknown", "accounts", "login", "username", "password"}


def visible_english(html: str) -> set[str]:
    """English words a user reads on the page (not in tags, scripts or styles)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    text = CODE.sub(" ", text)
    return {word for word in ENGLISH.findall(text) if word not in ALLOWED}


@pytest.fixture
def admin_client_adam(adam) -> Client:
    client = Client()
    client.force_login(adam)
    client.adam = adam  # type: ignore[attr-defined]
    return client


REGISTERED = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
)


@pytest.mark.parametrize("app_label", sorted({name.split(".")[0] for name in REGISTERED}))
def test_the_admin_index_pages_speak_chinese(app_label, admin_client_adam) -> None:
    for url in (reverse("admin:index"), reverse("admin:app_list", args=[app_label])):
        response = admin_client_adam.get(url)
        assert response.status_code == 200
        assert visible_english(response.content.decode()) == set(), url


@pytest.mark.parametrize("model", REGISTERED)
def test_each_admin_list_and_add_page_speaks_chinese(
    model, admin_client_adam, alice, bob, alice_form
) -> None:
    log_in(Client(), "alice", "wrong-password")  # a failure record to list
    app_label, model_name = model.split(".")
    urls = [reverse(f"admin:{app_label}_{model_name}_changelist")]
    model_admin = admin.site._registry[apps.get_model(app_label, model_name)]
    request = RequestFactory().get("/")
    request.user = admin_client_adam.adam  # type: ignore[attr-defined]
    if model_admin.has_add_permission(request):
        urls.append(reverse(f"admin:{app_label}_{model_name}_add"))
    for url in urls:
        response = admin_client_adam.get(url)
        assert response.status_code == 200, url
        assert visible_english(response.content.decode()) == set(), url


def test_the_admin_change_pages_of_a_failure_record_speak_chinese(admin_client_adam) -> None:
    log_in(Client(), "alice", "wrong-password")
    attempt = AccessAttempt.objects.get()
    response = admin_client_adam.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk]))
    assert response.status_code == 200
    assert visible_english(response.content.decode()) == set()


def test_the_admin_has_the_sites_titles(admin_client_adam) -> None:
    page = admin_client_adam.get(reverse("admin:index")).content.decode()
    assert "项目绩效目标管理 · 系统管理" in page
    assert "登录保护" in page and "后台任务" in page


def test_a_reviewer_membership_admin_has_chinese_choices(admin_client_adam) -> None:
    user = UserFactory(username="审核人甲")
    membership = MembershipFactory(user=user, role=Membership.Role.DEPARTMENT_REVIEWER)
    response = admin_client_adam.get(
        reverse("admin:projects_membership_change", args=[membership.pk])
    )
    assert response.status_code == 200
    assert visible_english(response.content.decode()) == set()


def test_the_permission_pickers_name_permissions_in_chinese(admin_client_adam, alice) -> None:
    for url in (
        reverse("admin:auth_user_change", args=[alice.pk]),
        reverse("admin:auth_group_add"),
    ):
        page = admin_client_adam.get(url).content.decode()
        # the picker alone (the user page also shows the password hash's first characters,
        # which may spell a word)
        picker = re.search(r'<select name="(?:user_)?permissions".*?</select>', page, re.S)
        assert picker is not None, url
        assert "修改绩效目标表" in picker[0] and "查看检查设置" in picker[0], url
        assert "Can change" not in picker[0] and visible_english(picker[0]) == set(), url
