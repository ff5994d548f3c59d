"""When each form reached the status it is in (``FormArrival``): one row a form, filled from the
events there are, then kept by triggers on SQLite and PostgreSQL.

``arrived_at`` is the time of the form's last event into its current status (None when it has
none), what ``projects.review.queue.in_status_since`` read with a subquery into each form's
events: the finance queue, the place of a form in it and the reviewers' loads computed it for
the 13,000 forms waiting in a city of 50,000 on every view.

The triggers:

* a form inserted, or its status changed: its row (re)computed from its events;
* a form deleted: its row deleted;
* an event inserted: its form's row moves on to the event's time if the event is into the
  form's current status (an event written before the form's status changes is found by the
  form's trigger); an event whose time, status or form changed, or one deleted: its form's
  (forms') row computed again.

(On SQLite, a migration that rebuilds ``projects_performanceform`` or ``projects_formevent``
drops these triggers with the table: drop them first and create them again after, with the
statements below.)
"""

import django.db.models.deletion
from django.db import migrations, models

# the time of the form's last event into the status it is in (NULL when none)
LAST_ARRIVAL = """(
    SELECT MAX(e.created_at) FROM projects_formevent e
    WHERE e.form_id = {form} AND e.to_status = {status}
)"""


def _sqlite_again(form: str) -> str:
    """The statement computing the row of the form ``form`` again from its events."""
    status = f"(SELECT f.status FROM projects_performanceform f WHERE f.id = {form})"
    return (
        "UPDATE projects_formarrival SET arrived_at = "
        + LAST_ARRIVAL.format(form=form, status=status)
        + f" WHERE form_id = {form};"
    )


SQLITE_UPSERT = (
    "INSERT INTO projects_formarrival (form_id, arrived_at) VALUES (NEW.id, "
    + LAST_ARRIVAL.format(form="NEW.id", status="NEW.status")
    + ") ON CONFLICT (form_id) DO UPDATE SET arrived_at = excluded.arrived_at;"
)
SQLITE_FORWARD = [
    f"CREATE TRIGGER form_arrival_insert AFTER INSERT ON projects_performanceform BEGIN "
    f"{SQLITE_UPSERT} END",
    "CREATE TRIGGER form_arrival_status AFTER UPDATE OF status ON projects_performanceform"
    f" WHEN OLD.status IS NOT NEW.status BEGIN {SQLITE_UPSERT} END",
    "CREATE TRIGGER form_arrival_delete AFTER DELETE ON projects_performanceform BEGIN "
    "DELETE FROM projects_formarrival WHERE form_id = OLD.id; END",
    "CREATE TRIGGER form_arrival_event_insert AFTER INSERT ON projects_formevent BEGIN "
    "UPDATE projects_formarrival SET arrived_at = NEW.created_at "
    "WHERE form_id = NEW.form_id AND (arrived_at IS NULL OR arrived_at < NEW.created_at) "
    "AND NEW.to_status = (SELECT f.status FROM projects_performanceform f "
    "WHERE f.id = NEW.form_id); END",
    "CREATE TRIGGER form_arrival_event_update"
    " AFTER UPDATE OF created_at, to_status, form_id ON projects_formevent BEGIN "
    + _sqlite_again("OLD.form_id")
    + _sqlite_again("NEW.form_id")
    + " END",
    "CREATE TRIGGER form_arrival_event_delete AFTER DELETE ON projects_formevent BEGIN "
    + _sqlite_again("OLD.form_id")
    + " END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS form_arrival_{name}"
    for name in ("insert", "status", "delete", "event_insert", "event_update", "event_delete")
]

POSTGRES_FORWARD = [
    f"""
    CREATE FUNCTION form_arrival_again(form bigint) RETURNS void AS $$
        UPDATE projects_formarrival a SET arrived_at = {LAST_ARRIVAL.format(form="form", status="f.status")}
        FROM projects_performanceform f WHERE f.id = form AND a.form_id = form
    $$ LANGUAGE sql
    """,  # noqa: E501
    f"""
    CREATE FUNCTION form_arrival_follow_form() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM projects_formarrival WHERE form_id = OLD.id;
        ELSIF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
            INSERT INTO projects_formarrival (form_id, arrived_at)
            VALUES (NEW.id, {LAST_ARRIVAL.format(form="NEW.id", status="NEW.status")})
            ON CONFLICT (form_id) DO UPDATE SET arrived_at = excluded.arrived_at;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER form_arrival_follow_form
    AFTER INSERT OR DELETE OR UPDATE OF status ON projects_performanceform
    FOR EACH ROW EXECUTE FUNCTION form_arrival_follow_form()
    """,
    """
    CREATE FUNCTION form_arrival_follow_event() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE projects_formarrival a SET arrived_at = NEW.created_at
            FROM projects_performanceform f
            WHERE a.form_id = NEW.form_id AND f.id = NEW.form_id AND f.status = NEW.to_status
            AND (a.arrived_at IS NULL OR a.arrived_at < NEW.created_at);
        ELSE
            PERFORM form_arrival_again(OLD.form_id);
            IF TG_OP = 'UPDATE' AND NEW.form_id <> OLD.form_id THEN
                PERFORM form_arrival_again(NEW.form_id);
            END IF;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER form_arrival_follow_event
    AFTER INSERT OR DELETE OR UPDATE OF created_at, to_status, form_id ON projects_formevent
    FOR EACH ROW EXECUTE FUNCTION form_arrival_follow_event()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS form_arrival_follow_event ON projects_formevent",
    "DROP FUNCTION IF EXISTS form_arrival_follow_event()",
    "DROP TRIGGER IF EXISTS form_arrival_follow_form ON projects_performanceform",
    "DROP FUNCTION IF EXISTS form_arrival_follow_form()",
    "DROP FUNCTION IF EXISTS form_arrival_again(bigint)",
]

# the forms there are, each once
FILL = (
    "INSERT INTO projects_formarrival (form_id, arrived_at) SELECT f.id, "
    + LAST_ARRIVAL.format(form="f.id", status="f.status")
    + " FROM projects_performanceform f"
)


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"No triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0019_report_grade_by_state"),
    ]

    operations = [
        migrations.CreateModel(
            name="FormArrival",
            fields=[
                (
                    "form",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="arrival",
                        serialize=False,
                        to="projects.performanceform",
                        verbose_name="绩效目标表",
                    ),
                ),
                ("arrived_at", models.DateTimeField(null=True, verbose_name="进入当前状态的时间")),
            ],
            options={
                "verbose_name": "进入当前状态的时间",
                "verbose_name_plural": "进入当前状态的时间",
            },
        ),
        migrations.RunSQL(FILL, "DELETE FROM projects_formarrival"),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
