"""The week's decisions of each finance reviewer (the 进度总览's review loads) read from a small
index of decisions (PostgreSQL only, as the indexes of 0010).

``event_decision_idx``: the approvals and returns by time, holding the status each left and
who took it, so that counting a week's decisions by reviewer reads only this index, not the
rows of every event of the week (each save of a form is one, with its snapshot: in a budget
season most of a week's events). On the city of ``generate_city`` (6,000 events on the day
measured, 1,300 of them decisions): 6.2 ms against 0.3 in ``EXPLAIN ANALYZE``."""

from django.db import migrations

NAME = "event_decision_idx"
COLUMNS = (
    "projects_formevent (created_at) INCLUDE (from_status, actor_id, id)"
    " WHERE kind IN ('approve', 'return')"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON {COLUMNS}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0021_order_by_parent_id")]

    operations = [migrations.RunPython(create, drop)]
