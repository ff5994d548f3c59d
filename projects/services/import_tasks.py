"""The big import's background job (Django's tasks API; the database backend's worker runs it:
``manage.py db_worker``): read an upload for its preview, or commit it."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string

from projects.filing.checking import check_plan
from projects.importing.errors import ImportError_
from projects.models import ImportJob
from projects.permissions import Actor
from projects.services.importing import (
    ImportAlreadyCommitted,
    commit_staged,
    done_message,
    read_staged,
)

logger = logging.getLogger(__name__)


class _ImportProgress:
    """What a background import is doing, set by the run and stamped by its heartbeat."""

    def __init__(self) -> None:
        self.stage = ""
        self.done = 0
        self.total = 0

    def fields(self) -> dict[str, Any]:
        return {"stage": self.stage[:100], "done": self.done, "total": self.total}


@task()
def run_import_job(job_id: int) -> None:
    """Read a big upload for its preview, or commit it, for the user who uploaded it.

    The run claims the job as an export's run does, and its heartbeat stamps what it is doing
    (so progress made inside the commit's transaction shows at once). A commit is all or
    nothing: a run killed in the middle leaves nothing written, and the job, interrupted, may
    run again. A commit that finds its upload committed already (its run died after the
    commit, before it could say so) finishes with that."""
    job = ImportJob.objects.claim(job_id)
    if job is None:
        return
    staged = job.staged
    now = _ImportProgress()

    def say(stage: str) -> None:
        now.stage = stage

    try:
        with job.heartbeat(now.fields):
            if job.kind == ImportJob.Kind.READ:
                say("读取文件")
                plan = read_staged(staged)
                now.total = len(plan.forms)
                say("检查")
                check_plan(plan, progress=lambda done: setattr(now, "done", done))
                job.finish(
                    result=plan.overview(),
                    preview=render_to_string("projects/partials/import_plan.html", {"plan": plan}),
                    total=len(plan.forms),
                )
            else:
                result, held_back = commit_staged(
                    staged=staged,
                    actor=Actor.for_user(staged.user),
                    fingerprint=str(job.options.get("fingerprint", "")),
                    choice=str(job.options.get("choice", "all")),
                    overwrite=[int(pk) for pk in job.options.get("overwrite", [])],
                    stage=say,
                )
                job.finish(
                    result={"message": done_message(result, held_back)},
                    total=result.created + result.updated + result.unchanged,
                )
    except ImportAlreadyCommitted as done:
        job.finish(result={"message": done.message})
    except ImportError_ as error:
        job.fail(error.message)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        job.fail("导入失败，请稍后重试或联系管理员。")


def start_import_job(job: ImportJob) -> None:
    """Queue a run of the job, once the transaction that made it has committed."""

    def enqueue() -> None:
        result = run_import_job.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
