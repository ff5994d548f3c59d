"""Settings for perfgoals, read from the environment.

Development works with no environment at all (SQLite next to manage.py, DEBUG on).
A deployment names its SECRET_KEY (or its ALLOWED_HOSTS) and is then DEBUG off unless DEBUG=1
asks for it; DEBUG off refuses to start without a real SECRET_KEY.
Nothing here writes files or generates secrets.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Lets generic admin and queryset classes be subscripted at run time (ModelAdmin[Model]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# DEBUG is on only when asked for (DEBUG=1: `make run` does) or when nothing says this is a
# deployment: with a SECRET_KEY or ALLOWED_HOSTS in the environment it is off by default.
DEBUG = env_bool(
    "DEBUG", default=not any(os.environ.get(name) for name in ("SECRET_KEY", "ALLOWED_HOSTS"))
)

_DEV_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 32 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    # django-tasks-db and django-axes under Chinese names in the admin (perfgoals/apps.py)
    "perfgoals.apps.TasksConfig",
    "perfgoals.apps.AxesConfig",
    "projects",
    "indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "perfgoals.middleware.PrivateCacheMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # last: turns a login refused for too many failures into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "perfgoals.urls"
WSGI_APPLICATION = "perfgoals.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "projects.permissions.navigation",
            ],
        },
    },
]

# A deployment keeps each worker's connection to the database for five minutes (a new
# PostgreSQL connection per request cost more than most pages' queries), checked before a
# request reuses it (a restarted database costs one failed check, not an error page).
# Development opens one per request, as the development server's threads come and go.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 300),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", default=True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (the embedded default) lets one connection write at a time. A transaction that
    # reads first and then writes (every step of the workflow) could not wait for another
    # writer to finish: it failed at once with "database is locked" (a click during a
    # background save, a notice mailed beside a decision). Each transaction takes the write
    # lock as it begins and waits up to 20 s for it; with write-ahead logging, readers go on
    # while one connection writes (synchronous=NORMAL: a power cut may lose the last commits,
    # never corrupt the file). A background job's heartbeat cannot be written while its own
    # long transaction holds the lock (an import's commit): on SQLite, a commit that takes
    # longer than JOB_LEASE_SECONDS shows as interrupted; production runs on PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # the pages' queries are short: PostgreSQL's JIT compiles for 50-70 ms before running a
    # query it guesses to be big (the finance queue at 50,000 forms), more than it saves
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out user or address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:form_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# Chinese only: our own strings are written in Chinese, not translated (docs/ARCHITECTURE.md,
# "Language"); Django's and other packages' strings come in their Chinese translations.
LANGUAGES = [("zh-hans", "简体中文")]
# perfgoals/third_party_locale: Chinese for other packages' English strings (django-axes,
# django-tasks-db, Django 6.1's new "- Select an option -"). Not named "locale", so that
# makemessages, which would drop them as unused, leaves it alone; edit the .po, then
# `msgfmt -o django.mo django.po` in its folder.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "perfgoals" / "third_party_locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Nothing is loaded from anywhere but this site: CSS, JS and fonts come from static/.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# A working day: the session ends after 8 hours, or when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_FAILURE_VIEW = "perfgoals.views.csrf_failure"

# HTTPS only, outside development. Preloading (browsers' built-in HSTS lists) is hard to undo,
# so it is asked for explicitly; Django's deployment check warns about it unless it is on.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Behind reverse proxies (nginx...), PROXY_COUNT says how many: the scheme is then read from
# X-Forwarded-Proto and the client's address (for the login lockout) from X-Forwarded-For,
# counting that many entries from the right (the ones the proxies appended).
PROXY_COUNT = env_int("PROXY_COUNT", 0)
if PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login protection (django-axes): after LOGIN_FAILURE_LIMIT failed logins in a row, the
# username and, separately, the address they came from are locked for LOGIN_LOCKOUT_MINUTES
# (unknown usernames count too). Administrators unlock in the admin (登录保护 → 登录失败记录:
# delete the records). Retrying while locked does not extend the lockout.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账号或地址已被暂时锁定，请稍后再试。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，账号或地址已被锁定，请联系系统管理员解锁。"
AXES_CLIENT_IP_CALLABLE = "perfgoals.middleware.client_ip" if PROXY_COUNT > 0 else None

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Notifications: mail goes out from the background worker; in development it is printed on
# the worker's console. SITE_URL makes the links in the mails absolute.
MAIL_BACKEND = env_str(
    "MAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": MAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env_str("MAIL_HOST", "localhost"),
                "port": env_int("MAIL_PORT", 25),
                "username": env_str("MAIL_USER"),
                "password": env_str("MAIL_PASSWORD"),
                "use_tls": env_bool("MAIL_USE_TLS", default=False),
                "timeout": 30,
            }
            if MAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "perfgoals@localhost")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Import limits (bytes / counts); see projects/importing.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# the files of one upload together (each is read whole when it is staged)
IMPORT_MAX_TOTAL_BYTES = env_int("IMPORT_MAX_TOTAL_BYTES", 50 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
# Uploads (files and pasted text together) larger than this are read and committed by the
# background worker, with progress on the page; smaller ones in the request.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 1024 * 1024)
# A PDF is read in a child process: refused past this many pages, stopped after this many
# seconds (about a third of a second a page of a 广州 table).
IMPORT_PDF_MAX_PAGES = env_int("IMPORT_PDF_MAX_PAGES", 500)
IMPORT_PDF_SECONDS = env_int("IMPORT_PDF_SECONDS", 180)
# Exports: batches up to this many forms are rendered in the request, larger ones by the worker.
# A big PDF is rendered EXPORT_PDF_CHUNK_FORMS forms at a time by EXPORT_PDF_WORKERS processes
# (0: one per CPU) and streamed to a file, so memory does not grow with it; the cap bounds the
# time (about 0.05 s of one core a form) and the file (about 26 KB a form).
EXPORT_INLINE_MAX_FORMS = env_int("EXPORT_INLINE_MAX_FORMS", 20)
EXPORT_PDF_MAX_FORMS = env_int("EXPORT_PDF_MAX_FORMS", 5000)
EXPORT_PDF_WORKERS = env_int("EXPORT_PDF_WORKERS", 0)
EXPORT_PDF_CHUNK_FORMS = env_int("EXPORT_PDF_CHUNK_FORMS", 12)
# A running background job (export, big import) stamps its heartbeat every few seconds; one
# silent for this long was interrupted (its worker died) and may be retried. Finished export
# files are deleted after the TTL.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", env_int("EXPORT_JOB_LEASE_SECONDS", 60))
EXPORT_FILE_TTL_HOURS = env_int("EXPORT_FILE_TTL_HOURS", 24)
# A worker (manage.py run_worker) queues an interrupted job again by itself, up to this many
# runs in all; then the job fails and says so.
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
if (
    JOB_LEASE_SECONDS < 15
    or EXPORT_PDF_CHUNK_FORMS < 1
    or EXPORT_PDF_WORKERS < 0
    or JOB_MAX_ATTEMPTS < 1
):
    raise ImproperlyConfigured(
        "JOB_LEASE_SECONDS must be at least 15 (a job reports every 5 s), "
        "EXPORT_PDF_CHUNK_FORMS and JOB_MAX_ATTEMPTS at least 1 and EXPORT_PDF_WORKERS not "
        "negative."
    )
# The editor posts every input of a form at once (multipart: templates/filing/editor.html): up
# to 600 indicator rows (projects.filing.forms.ROW_LIMIT) of ten fields, each row at most about
# 3,800 characters. tests/test_filing_views.py checks that the largest page fits.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 7000
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

if env_bool("FAST_PASSWORD_HASHER", default=False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
