"""The 进度总览's count of the week's decisions by reviewer is read from the partial index of
decisions (migration 0022, PostgreSQL only): the index exists, and the count is answered
from it alone, without the event rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.review.assignment import reviewer_loads

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="an index of PostgreSQL's"),
]


def test_the_weeks_decisions_are_counted_from_the_index_of_decisions() -> None:
    with CaptureQueriesContext(connection) as queries:
        reviewer_loads(timezone.localdate())
    [counted] = [q["sql"] for q in queries if "projects_formevent" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'event_decision_idx'")
        assert cursor.fetchone() == (1,)
        # an empty table is read whole however it is indexed: ask for the plan without that
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + counted)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using event_decision_idx" in plan, plan
