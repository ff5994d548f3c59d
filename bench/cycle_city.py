"""Give a generated city its performance cycle, for ``bench_scale.py`` (run by hand; prints what
it made and the 进度总览's figures, asserts nothing).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/perfgoals_city \\
        .venv/bin/python bench/cycle_city.py [--year 2023] [--rounds 30]

On a city made by ``generate_city``: a 1—7月 monitoring round for the year with a report for
every approved form, and a self-evaluation of every approved form, each made by the services
the background jobs run (``cycle.build.fill_round``, ``fill_self_evaluations``: pre-filled from
the version in force, a chunk of forms a transaction). Filling them in a unit's way, one save
at a time, would take hours; so the reports are then marked as filled and decided in one
statement, with the spread of a season (by a hash of the report's id, so the same city gets the
same spread): monitoring lights 红 10 %, 黄 20 %, 正常 55 %, not yet filled 15 %; grades 优 40 %,
良 30 %, 中 15 %, 差 5 %, not yet scored 10 %; states from draft to approved. A city that has
its round already is left as it is.

Then it times the finance reviewer's 进度总览 (which counts the year's lights and grades by
department beside the forms' states) as ``bench_scale.py`` does, ``--rounds`` times after a
warm-up, and prints the median, the 95th percentile and the number of queries beside the same
page before the cycle was added (measured first, in the same run).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LIGHT_SPREAD = (
    "CASE WHEN h < 10 THEN 'red' WHEN h < 30 THEN 'yellow' WHEN h < 85 THEN 'green' ELSE '' END"
)
GRADE_SPREAD = (
    "CASE WHEN h < 40 THEN '优' WHEN h < 70 THEN '良' WHEN h < 85 THEN '中' "
    "WHEN h < 90 THEN '差' ELSE '' END"
)
# the state the spread leaves a report in: not scored yet is a draft; the rest along the way
STATE_SPREAD = (
    "CASE WHEN {column} = '' THEN 'draft' WHEN h %% 5 = 0 THEN 'submitted' "
    "WHEN h %% 5 = 1 THEN 'department_approved' WHEN h %% 7 = 2 THEN 'returned' ELSE 'approved' END"
)


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_scale

    bench_scale.setup(Path(tempfile.mkdtemp(prefix="cycle-city-")))


def add_cycle(year: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from projects.cycle import build
    from projects.cycle.tasks import WORKER
    from projects.models import MonitoringRound, Report

    if connection.vendor != "postgresql":
        raise SystemExit("cycle_city.py: a city on PostgreSQL, please (DATABASE_URL)")
    if MonitoringRound.objects.filter(fiscal_year=year).exists():
        print(f"{year}: the city has its round already; left as it is (--reset makes it again)")
        return
    started = time.perf_counter()
    round = MonitoringRound.objects.create(
        fiscal_year=year,
        months=7,
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        forms_total=build.approved_forms(year).count(),
    )
    monitoring = build.fill_round(round, WORKER)
    evaluations = build.fill_self_evaluations(year, WORKER)
    made = time.perf_counter() - started
    table = Report._meta.db_table
    with connection.cursor() as cursor:
        for kind, column, spread in (
            (Report.Kind.MONITORING, "light", LIGHT_SPREAD),
            (Report.Kind.SELF_EVALUATION, "grade", GRADE_SPREAD),
        ):
            state = STATE_SPREAD.format(column=f"{spread}")
            cursor.execute(
                f"UPDATE {table} AS r SET {column} = s.value, status = s.state "
                f"FROM (SELECT id, {spread} AS value, {state} AS state FROM "
                f"(SELECT id, mod(abs(hashtext(id::text)::bigint), 100) AS h FROM {table} "
                f"WHERE fiscal_year = %s AND kind = %s) AS hashed) AS s WHERE r.id = s.id",
                [year, kind],
            )
        cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(
        f"{year}: {monitoring:,} monitoring reports and {evaluations:,} self-evaluations made "
        f"in {made:.1f} s, then marked as filled"
    )


def remove_cycle(year: int) -> None:
    """The year's rounds and reports deleted, with what hangs on them (in SQL: the ORM would
    fetch the 26,000 reports and their lines to cascade)."""
    from django.db import connection, transaction

    from projects.models import (
        MonitoringRound,
        Notification,
        Report,
        ReportComment,
        ReportEvent,
        ReportLine,
    )

    reports = f"SELECT id FROM {Report._meta.db_table} WHERE fiscal_year = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Notification, ReportComment, ReportEvent, ReportLine):
            table = model._meta.db_table
            cursor.execute(f"DELETE FROM {table} WHERE report_id IN ({reports})", [year])
        cursor.execute(f"DELETE FROM {Report._meta.db_table} WHERE fiscal_year = %s", [year])
        table = MonitoringRound._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE fiscal_year = %s", [year])


def time_dashboard(rounds: int) -> tuple[float, float, int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username="city-finance"))
    client.get("/forms/dashboard/")  # warm-up
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get("/forms/dashboard/")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/forms/dashboard/").content.decode()
    print(f"  the page shows the cycle: {'红色预警' in page and '未评分' in page}")
    from bench_scale import percentile

    return statistics.median(samples), percentile(samples, 0.95), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--reset", action="store_true", help="delete the year's round and reports first"
    )
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("cycle_city.py: set DATABASE_URL to the city's database")
    setup()
    if args.reset:
        remove_cycle(args.year)
    from projects.models import MonitoringRound

    if MonitoringRound.objects.filter(fiscal_year=args.year).exists():
        print("(the city has its cycle already: the first figure is with it too; see --reset)")
    before = time_dashboard(args.rounds)
    add_cycle(args.year)
    after = time_dashboard(args.rounds)
    print("进度总览 (finance)          median ms   p95 ms   queries")
    for label, (median, p95, queries) in (("before the cycle", before), ("with the cycle", after)):
        print(f"  {label:<24} {median:9.1f} {p95:8.1f} {queries:9d}")


if __name__ == "__main__":
    main()
