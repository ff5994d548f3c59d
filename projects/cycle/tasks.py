"""The cycle's background jobs (Django's tasks API; the database backend's worker runs them:
``manage.py run_worker``): making a round's monitoring reports and a year's self-evaluations,
a chunk of forms a transaction (``build.fill_round``, ``build.fill_self_evaluations``), so
that a city's thousands of forms neither hold one long transaction nor keep the finance
reviewer's page waiting. Each run carries on where an earlier one stopped (forms with a
report are skipped), so a job may safely run again."""

from __future__ import annotations

from django.tasks import task

from projects.cycle import build
from projects.models import FormEvent, MonitoringRound
from projects.permissions import Actor

WORKER = Actor.system(source=FormEvent.Source.SYSTEM)


@task()
def fill_round(round_id: int) -> int:
    """Make every report of the round; how many were made."""
    round = MonitoringRound.objects.filter(pk=round_id).first()
    return 0 if round is None else build.fill_round(round, WORKER)


@task()
def fill_self_evaluations(fiscal_year: int) -> int:
    """Start every self-evaluation of the year still missing; how many were started."""
    return build.fill_self_evaluations(fiscal_year, WORKER)
