"""Settings read the environment and refuse an unsafe production configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import perfgoals.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_development_needs_no_environment():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3"]


def test_production_refuses_a_missing_secret_key():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_accepts_a_real_secret_key_and_database_url():
    result = load_settings(
        DEBUG="false", SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@127.0.0.1:5432/db"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]


def test_a_bad_boolean_is_refused_loudly():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def connection_settings(**env: str) -> list[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import perfgoals.settings as s; d = s.DATABASES['default'];"
            " print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_keeps_its_database_connections_and_checks_them():
    production = {"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@127.0.0.1:5432/db"}
    assert connection_settings(**production) == ["300", "True"]
    assert connection_settings(**production, CONN_MAX_AGE="0") == ["0", "True"]
    assert connection_settings() == ["0", "True"]  # development: one per request
