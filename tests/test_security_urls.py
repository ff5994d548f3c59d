"""Every URL of the site, for every persona, GET and POST: the status each must get on alice's
form (or, for pages about no form, at all). A URL the table does not name fails the test, so a
new page needs its row. Also: POSTs without a CSRF token are refused, answers to a signed-in
user are private, and Django's deployment check is clean with a production environment.

Personas (tests/conftest.py): alice files for unit A (owns the form); bob reviews A's
department; fiona reviews for finance everywhere; felix for finance in unit C's department
only; charlie files for unit C; adam administers (and is a superuser); stan is a superuser with
no membership. The data are made once for the module; every request runs in a savepoint that
is rolled back, so no request sees another's effects.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from projects.filing.services import create_form
from projects.models import (
    Comment,
    ExportJob,
    Membership,
    Notification,
    Report,
    ReportComment,
)
from projects.permissions import Actor
from tests.factories import (
    DepartmentFactory,
    FinanceFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parent.parent

PERSONAS = ("anonymous", "alice", "bob", "fiona", "felix", "charlie", "adam", "stan")
L = "login"  # a redirect to the login page
ALL_405 = (405,) * 8
# signed-in personas only: anonymous is sent to log in first
SIGNED_IN_405 = (L, *(405,) * 7)


@dataclass(frozen=True)
class Row:
    """What each persona gets, in PERSONAS order: a status, or ``L`` (302 to the login page).
    ``kwargs`` name the URL's objects: FORM (alice's form), COMMENT, NOTICE (a notification to
    alice), JOB (alice's finished export)."""

    get: tuple[int | str, ...]
    post: tuple[int | str, ...]
    kwargs: dict[str, str] = field(default_factory=dict)
    query: str = ""


FORM = {"pk": "FORM"}

#            anonymous alice bob  fiona felix charlie adam stan
TABLE: dict[str, Row] = {
    # the site
    "home": Row(get=(302,) * 8, post=(302,) * 8),
    "favicon": Row(get=(302,) * 8, post=ALL_405),
    "login": Row(get=(200, *(302,) * 7), post=(200, *(302,) * 7)),  # signed in: to the list
    "logout": Row(get=ALL_405, post=(L,) * 8),
    # reading
    "projects:form_list": Row(get=(L, *(200,) * 7), post=SIGNED_IN_405),
    "projects:form_detail": Row(
        get=(L, 200, 200, 200, 404, 404, 200, 404), post=SIGNED_IN_405, kwargs=FORM
    ),
    "projects:form_compare": Row(
        get=(L, 200, 200, 200, 404, 404, 200, 404),
        post=SIGNED_IN_405,
        kwargs=FORM,
        query="old=1&new=1",
    ),
    # filing: only a unit's filers; who may see the form but not edit it gets 403
    "projects:form_new": Row(
        get=(L, 200, 403, 403, 403, 200, 403, 403), post=(L, 200, 403, 403, 403, 200, 403, 403)
    ),
    "projects:form_edit": Row(
        get=(L, 200, 403, 403, 404, 404, 403, 404),
        post=(L, 400, 403, 403, 404, 404, 403, 404),  # alice: no version posted
        kwargs=FORM,
    ),
    "projects:form_edit_row": Row(
        get=(L, 400, 403, 403, 404, 404, 403, 404),  # alice: no category asked for
        post=SIGNED_IN_405,
        kwargs=FORM,
    ),
    "projects:form_edit_paste": Row(
        get=SIGNED_IN_405, post=(L, 400, 403, 403, 404, 404, 403, 404), kwargs=FORM
    ),
    # alice's form has nothing left from an import: her POST changes nothing, back to the editor
    "projects:form_leftover_done": Row(
        get=(L, *(405,) * 7),
        post=(L, 302, 403, 403, 404, 404, 403, 404),
        kwargs=FORM,
    ),
    "projects:form_roll_over": Row(
        get=(L, 200, 403, 403, 404, 404, 200, 404),
        post=(L, 302, 403, 403, 404, 404, 302, 404),
        kwargs=FORM,
    ),
    # review: whoever may see the form posts, and the service says no (a message, 302)
    "projects:form_act": Row(
        get=SIGNED_IN_405,
        post=(L, 302, 302, 302, 404, 404, 302, 404),
        kwargs={"pk": "FORM", "verb": "submit"},
    ),
    "projects:form_grade": Row(
        get=SIGNED_IN_405, post=(L, 302, 302, 302, 404, 404, 302, 404), kwargs=FORM
    ),
    "projects:queue": Row(get=(L, *(200,) * 7), post=SIGNED_IN_405),
    "projects:queue_batch": Row(get=SIGNED_IN_405, post=(L, *(400,) * 7)),  # no verb posted
    # the service refuses whoever may not assign (none of these may): a message, 302
    "projects:queue_assign": Row(get=SIGNED_IN_405, post=(L, *(302,) * 7)),
    "projects:assignments": Row(get=(L, *(403,) * 7), post=(L, *(403,) * 7)),
    # each person's own quick picks: an empty one posted is refused with a message, 302
    "projects:my_opinions": Row(get=(L, *(200,) * 7), post=(L, *(302,) * 7)),
    "projects:queue_export": Row(get=(L, *(200,) * 7), post=SIGNED_IN_405),
    "projects:dashboard": Row(get=(L, *(200,) * 7), post=SIGNED_IN_405),
    "projects:comment_add": Row(
        get=SIGNED_IN_405, post=(L, 302, 302, 302, 404, 404, 302, 404), kwargs=FORM
    ),
    "projects:comment_answer": Row(
        get=SIGNED_IN_405,
        post=(L, 302, 302, 302, 404, 404, 302, 404),
        kwargs={"pk": "FORM", "comment_id": "COMMENT"},
    ),
    "projects:comment_resolve": Row(
        get=SIGNED_IN_405,
        post=(L, 302, 302, 302, 404, 404, 302, 404),
        kwargs={"pk": "FORM", "comment_id": "COMMENT"},
    ),
    # notices: each person's own
    "projects:notifications": Row(get=(L, *(200,) * 7), post=SIGNED_IN_405),
    "projects:notification_count": Row(get=(L, *(200,) * 7), post=SIGNED_IN_405),
    "projects:notification_open": Row(
        get=(L, 302, 404, 404, 404, 404, 404, 404), post=SIGNED_IN_405, kwargs={"pk": "NOTICE"}
    ),
    "projects:notifications_read": Row(get=SIGNED_IN_405, post=(L, *(302,) * 7)),
    # exports: a form's download for whoever may see it; a batch job for its owner only
    "projects:form_export": Row(
        get=(L, 200, 200, 200, 404, 404, 200, 404),
        post=SIGNED_IN_405,
        kwargs={"pk": "FORM", "fmt": "xlsx"},
    ),
    "projects:export": Row(get=(L, *(200,) * 7), post=(L, *(200,) * 7)),  # nothing chosen
    "projects:export_job": Row(
        get=(L, 200, 404, 404, 404, 404, 404, 404), post=SIGNED_IN_405, kwargs={"pk": "JOB"}
    ),
    "projects:export_job_download": Row(
        get=(L, 200, 404, 404, 404, 404, 404, 404), post=SIGNED_IN_405, kwargs={"pk": "JOB"}
    ),
    # the performance cycle (alice's form has a self-evaluation in draft, with a comment)
    "cycle:list": Row(get=(L, *(200,) * 7), post=SIGNED_IN_405),
    # finance of every department and administrators open them (nothing posted: 400)
    "cycle:round_open": Row(get=SIGNED_IN_405, post=(L, 403, 403, 400, 403, 403, 400, 403)),
    "cycle:self_evaluations_start": Row(
        get=SIGNED_IN_405, post=(L, 403, 403, 400, 403, 403, 400, 403)
    ),
    # alice's form is not approved: nobody starts its self-evaluation
    "cycle:form_self_evaluation": Row(
        get=SIGNED_IN_405,
        post=(L, 403, 403, 403, 404, 404, 403, 404),
        kwargs={"form_id": "FORM"},
    ),
    # its unit fills it (nothing posted: 400); who may read it but not fill it gets 403
    "cycle:report": Row(
        get=(L, 200, 200, 200, 404, 404, 200, 404),
        post=(L, 400, 403, 403, 404, 404, 403, 404),
        kwargs={"pk": "REPORT"},
    ),
    "cycle:step": Row(
        get=SIGNED_IN_405,
        post=(L, 302, 302, 302, 404, 404, 302, 404),  # no version posted: a message
        kwargs={"pk": "REPORT", "verb": "submit"},
    ),
    "cycle:export": Row(
        get=(L, 200, 200, 200, 404, 404, 200, 404),
        post=SIGNED_IN_405,
        kwargs={"pk": "REPORT", "fmt": "xlsx"},
    ),
    "cycle:upload": Row(
        get=SIGNED_IN_405,
        post=(L, 400, 403, 403, 404, 404, 403, 404),  # alice: no file
        kwargs={"pk": "REPORT"},
    ),
    "cycle:comment": Row(
        get=SIGNED_IN_405,
        post=(L, 302, 302, 302, 404, 404, 302, 404),  # nothing said: a message
        kwargs={"pk": "REPORT"},
    ),
    # a draft has no reviewer yet: nobody resolves its comments
    "cycle:comment_resolve": Row(
        get=SIGNED_IN_405,
        post=(L, 403, 403, 403, 404, 404, 403, 404),
        kwargs={"pk": "REPORT", "comment_id": "REPORT_COMMENT"},
    ),
    # import: administrators only (no preview waiting: back to the upload page)
    "projects:import_upload": Row(
        get=(L, 403, 403, 403, 403, 403, 200, 403), post=(L, 403, 403, 403, 403, 403, 200, 403)
    ),
    # (whoever may not import hears so before the method is looked at)
    "projects:import_preview": Row(
        get=(L, 403, 403, 403, 403, 403, 302, 403), post=(L, 403, 403, 403, 403, 403, 405, 403)
    ),
    "projects:import_commit": Row(
        get=(L, 403, 403, 403, 403, 403, 405, 403), post=(L, 403, 403, 403, 403, 403, 302, 403)
    ),
    "projects:import_cancel": Row(
        get=(L, 403, 403, 403, 403, 403, 405, 403), post=(L, 403, 403, 403, 403, 403, 302, 403)
    ),
    "projects:import_retry": Row(
        get=(L, 403, 403, 403, 403, 403, 405, 403), post=(L, 403, 403, 403, 403, 403, 302, 403)
    ),
}


def site_urls() -> dict[str, str]:
    """Every URL pattern outside the admin and static files: name -> route. Unnamed patterns
    appear under their route, so they fail the table test too."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                if route.startswith((settings.STATIC_URL.lstrip("/"), "media/")):
                    continue
                name = f"{namespace}{pattern.name}" if pattern.name else f"<unnamed: /{route}>"
                found[name] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def test_the_table_names_every_url_of_the_site() -> None:
    urls = site_urls()
    missing = sorted(set(urls) - set(TABLE))
    stale = sorted(set(TABLE) - set(urls))
    assert not missing, f"URLs with no row in TABLE (add one): {missing}"
    assert not stale, f"rows in TABLE for URLs that no longer exist: {stale}"
    for name, row in TABLE.items():
        assert len(row.get) == len(row.post) == len(PERSONAS), name


# --------------------------------------------------------------------------- the data


@dataclass
class World:
    users: dict[str, AbstractBaseUser]
    sessions: dict[str, str]  # persona -> session key
    objects: dict[str, int]  # FORM, COMMENT, NOTICE, JOB -> pk


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The personas of tests/conftest.py, alice's form (made as alice makes it, so it has its
    first version on record), a comment on it, a notice and a finished export for alice; made
    once and rolled back after the module."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(media)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        department = DepartmentFactory(name="东莞市财政局")
        unit_a = UnitFactory(name="东莞市财政局信息中心", parent=department)
        unit_c = UnitFactory(
            name="东莞市教育局直属单位", parent=DepartmentFactory(name="东莞市教育局")
        )
        Role = Membership.Role
        roles = {
            "alice": (unit_a, Role.FILER),
            "bob": (department, Role.DEPARTMENT_REVIEWER),
            "fiona": (FinanceFactory(), Role.FINANCE_REVIEWER),
            "felix": (unit_c.parent, Role.FINANCE_REVIEWER),
            "charlie": (unit_c, Role.FILER),
            "adam": (FinanceFactory(), Role.ADMINISTRATOR),
        }
        users: dict[str, AbstractBaseUser] = {}
        for name in PERSONAS[1:]:
            staff = name in {"adam", "stan"}
            users[name] = UserFactory(username=name, is_staff=staff, is_superuser=staff)
            if name in roles:
                organization, role = roles[name]
                MembershipFactory(user=users[name], organization=organization, role=role)
        form = create_form(
            actor=Actor.for_user(users["alice"]),
            unit=unit_a,
            fiscal_year=2023,
            layout="dongguan",
            name="财政业务系统运维服务项目",
        )
        comment = Comment.objects.create(form=form, author=users["bob"], text="请细化指标。")
        notice = Notification.objects.create(recipient=users["alice"], form=form, text="测试")
        report = Report.objects.create(
            kind=Report.Kind.SELF_EVALUATION,
            form=form,
            department_id=form.project.department_id,
            fiscal_year=form.fiscal_year,
            target_version=form.version,
        )
        report_comment = ReportComment.objects.create(
            report=report, author=users["fiona"], text="请补充佐证。"
        )
        job = ExportJob.objects.create(
            user=users["alice"], status=ExportJob.Status.DONE, total=1, filename="导出.xlsx"
        )
        job.file.save("export.xlsx", ContentFile(b"PK fake workbook"))
        sessions = {}
        for name, user in users.items():
            client = Client()
            client.force_login(user)
            sessions[name] = client.session.session_key
        yield World(
            users=users,
            sessions=sessions,
            objects={
                "FORM": form.pk,
                "COMMENT": comment.pk,
                "NOTICE": notice.pk,
                "JOB": job.pk,
                "REPORT": report.pk,
                "REPORT_COMMENT": report_comment.pk,
            },
        )
        transaction.set_rollback(True)


def client_for(world: World, persona: str, **options: Any) -> Client:
    client = Client(**options)
    if persona != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


def url_of(name: str, world: World) -> str:
    row = TABLE[name]
    kwargs = {key: world.objects.get(value, value) for key, value in row.kwargs.items()}
    url = reverse(name, kwargs=kwargs)
    return f"{url}?{row.query}" if row.query else url


def request(client: Client, method: str, url: str):
    """One request, its effects rolled back."""
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url)
        transaction.set_rollback(True)
    return response


# --------------------------------------------------------------------------- the tests


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_persona_gets_what_the_table_says(name, world) -> None:
    url = url_of(name, world)
    login = reverse("login")
    got: dict[tuple[str, str], int | str] = {}
    expected: dict[tuple[str, str], int | str] = {}
    for method, row in (("GET", TABLE[name].get), ("POST", TABLE[name].post)):
        for persona, want in zip(PERSONAS, row, strict=True):
            response = request(client_for(world, persona), method, url)
            status: int | str = response.status_code
            if status == 302 and response["Location"].startswith(login):
                status = L
            got[persona, method] = status
            expected[persona, method] = want
            if persona != "anonymous":
                # every answer to a signed-in user is private to them
                assert "private" in response.get("Cache-Control", ""), (persona, method)
                assert "Cookie" in response.get("Vary", ""), (persona, method)
    wrong = {
        key: f"got {got[key]}, table says {expected[key]}"
        for key in got
        if got[key] != expected[key]
    }
    assert not wrong, f"{name} ({url}): {wrong}"


POST_URLS = sorted(
    name for name, row in TABLE.items() if row.post != ALL_405 and row.post != SIGNED_IN_405
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_URLS)
def test_every_post_view_refuses_a_post_without_the_csrf_token(name, world) -> None:
    """Posted as the persona the table lets through (or anonymously, for the login page)."""
    row = TABLE[name]
    persona = next(
        (p for p, want in zip(PERSONAS, row.post, strict=True) if want not in (L, 403, 404, 405)),
        "anonymous",
    )
    client = client_for(world, persona, enforce_csrf_checks=True)
    response = request(client, "POST", url_of(name, world))
    assert response.status_code == 403, (name, persona)
    assert "刷新页面后重试" in response.content.decode()


# --------------------------------------------------------------------------- deployment


# settings the subprocesses must not inherit from the test run (the browser tests set
# DJANGO_ALLOW_ASYNC_UNSAFE, which the deployment check rightly refuses)
INHERITED_NOT = ("DJANGO_", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "SECURE_")
INHERITED_NOT += ("SESSION_", "CSRF_", "MAIL_", "PROXY_COUNT", "LOGIN_")


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(INHERITED_NOT)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50)[:50],
    "ALLOWED_HOSTS": "example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/perfgoals-deploy-check.sqlite3",
    # Django 6.1's deployment check refuses the console mail backend (notices would never be
    # mailed): a deployment names its mail server
    "MAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def test_the_deployment_check_is_clean_in_production() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def print_settings(**env: str) -> list[str]:
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.AXES_ENABLED)"
    )
    result = run_manage("shell", "-v", "0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_deployment_is_secure_unless_told_otherwise() -> None:
    # DEBUG, SSL redirect, HSTS, secure cookies, 8-hour sessions, login protection
    assert print_settings(**PRODUCTION) == [
        "False",
        "True",
        "31536000",
        "True",
        "28800",
        "True",
        "True",
    ]
    # a SECRET_KEY alone says "deployment": DEBUG stays off unless asked for
    assert print_settings(SECRET_KEY=PRODUCTION["SECRET_KEY"])[0] == "False"


def test_development_is_in_debug_without_https() -> None:
    assert print_settings() == ["True", "False", "0", "False", "28800", "True", "True"]
    assert print_settings(DEBUG="1", SECRET_KEY=PRODUCTION["SECRET_KEY"])[:3] == [
        "True",
        "False",
        "0",
    ]
