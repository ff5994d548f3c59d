"""Settings for the test suite: the real settings, with fast hashing and tasks run at once.

Login protection (django-axes) is off here: Django's test ``Client.login()`` authenticates
without a request, which django-axes refuses with an error. tests/test_login_protection.py turns
it on (``settings.AXES_ENABLED = True``) and logs in through the login page, as a browser does.
The browser tests run on plain HTTP, so nothing here redirects to HTTPS or marks cookies secure,
whatever the environment says.
"""

from perfgoals.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
AXES_ENABLED = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# SQLite: a test database in a file, not in memory. The browser tests' live server answers
# several requests at once (a page, its htmx requests); an in-memory database would be one
# connection shared by every server thread, which SQLite does not allow ("bad parameter or
# other API misuse"). One file per test run (process).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"perfgoals-test-{os.getpid()}.sqlite3")
    }

# Files the tests write (export jobs, staged files) go to a temporary folder, not media/.
import tempfile as _tempfile  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

MEDIA_ROOT = _Path(_tempfile.mkdtemp(prefix="perfgoals-test-media-"))
