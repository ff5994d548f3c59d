"""Two app instances (gunicorn, on two ports: two hosts as far as the app can tell) on one
PostgreSQL serve one site: a login made on one is good on the other, an import previewed on
one is committed on the other, once, and nothing is kept in one process's memory."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from projects.models import Membership, PerformanceForm, StagedImport
from tests.factories import FinanceFactory, MembershipFactory, UserFactory, default_framework
from tests.import_helpers import DONGGUAN_SEED

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a shared PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def instances(tmp_path: Path):
    """Two gunicorn instances on the test database, in production settings (DEBUG off)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "perfgoals.settings",
        "DEBUG": "0",
        "SECRET_KEY": "two-instances-test-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "GUNICORN_WORKERS": "2",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env={**env, "STATIC_ROOT": str(tmp_path / "static")},
        check=False,
    )
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "perfgoals/gunicorn_conf.py",
                "perfgoals.wsgi",
            ],
            cwd=settings.BASE_DIR,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "/dev/null"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    deadline = time.monotonic() + 30
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
    yield [f"http://127.0.0.1:{port}" for port in ports]
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


class Browser:
    """A cookie jar shared by requests to either instance (one user at one browser)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def post(self, url: str, fields: dict[str, str], referer: str) -> tuple[int, str]:
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(url, data=body, headers={"Referer": referer})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def test_two_instances_share_sessions_and_staged_imports(instances) -> None:
    default_framework()
    admin = UserFactory(username="importer")
    # hashed as production hashes (the test settings use a fast hasher it does not know)
    admin.password = PBKDF2PasswordHasher().encode("password", "twoinstances")
    admin.save()
    MembershipFactory(user=admin, organization=FinanceFactory(), role=Membership.Role.ADMINISTRATOR)
    one, two = instances
    browser = Browser()
    status, _page = browser.get(f"{one}/accounts/login/")
    assert status == 200
    status, page = browser.post(
        f"{one}/accounts/login/", {"username": "importer", "password": "password"}, one
    )
    assert status == 200 and "退出" in page  # signed in, on instance one
    status, page = browser.get(f"{two}/forms/")
    assert status == 200 and "退出" in page  # the same session, on instance two

    status, page = browser.get(f"{two}/forms/import/")
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    status, page = browser.post(f"{two}/forms/import/", {"text": text, "year": "2023"}, two)
    assert status == 200 and "导入预览" in page  # staged by instance two
    staged = re.search(r'name="staged" value="([0-9a-f-]+)"', page).group(1)
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', page).group(1)
    assert StagedImport.objects.filter(pk=staged).exists()
    fields = {"staged": staged, "fingerprint": fingerprint}
    status, page = browser.post(f"{one}/forms/import/commit/", fields, one)  # committed by one
    assert status == 200 and "导入完成" in page
    assert PerformanceForm.objects.count() == 14
    status, page = browser.post(f"{two}/forms/import/commit/", fields, two)  # a second click
    assert "已经提交过了" in page
    assert PerformanceForm.objects.count() == 14
