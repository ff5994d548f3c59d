"""Background tasks of the indicators app (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from indicators.services import rebuild_library


@task()
def rebuild_library_task() -> int:
    return rebuild_library()


def rebuild_library_later() -> None:
    """Queue a rebuild once the current transaction has committed (nothing if it rolls back)."""
    transaction.on_commit(rebuild_library_task.enqueue)
