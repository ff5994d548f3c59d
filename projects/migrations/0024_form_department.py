"""A form keeps its project's 主管部门 (``PerformanceForm.department``), so that the queues,
a form's place in them and the reviewers' loads find the forms waiting at a stage (whose
stage is their department's: does it review its units' forms?) and a reviewer's departments
without joining the 50,000 projects on every view. The waiting forms' index leads with the
department instead of the project.

Filled from the projects for the forms there are, then kept by triggers, on SQLite and
PostgreSQL, whatever writes a form (the services, an import, a roll-over, the admin,
``generate_city``'s bulk inserts) or moves a project:

* a form inserted, or its project (or the column itself) written: the column is set from the
  project (PostgreSQL: before the row is written; SQLite, whose triggers cannot change the
  row being written: right after, in the same statement). Django writes every column on
  ``save()``, the None a new form holds in memory included: the trigger puts it right;
* a project that moves to another department (``unit_moves_its_projects`` of 0002 moves a
  unit's projects): its forms follow.

(On SQLite, a migration that rebuilds ``projects_performanceform`` or ``projects_project``
drops these triggers with the table: drop them first and create them again after, with the
statements below.)
"""

from django.db import migrations, models

PROJECT_DEPARTMENT = (
    "(SELECT p.department_id FROM projects_project p WHERE p.id = {form}.project_id)"
)

FILL = "UPDATE projects_performanceform SET department_id = " + PROJECT_DEPARTMENT.format(
    form="projects_performanceform"
)

_SQLITE_SET = (
    "UPDATE projects_performanceform SET department_id = "
    + PROJECT_DEPARTMENT.format(form="NEW")
    + " WHERE id = NEW.id;"
)
SQLITE_FORWARD = [
    f"CREATE TRIGGER form_department_insert AFTER INSERT ON projects_performanceform BEGIN "
    f"{_SQLITE_SET} END",
    # not recursive: SQLite fires no trigger again from its own statements (recursive_triggers
    # is off), and the WHEN stops at the right value anyway
    "CREATE TRIGGER form_department_update"
    " AFTER UPDATE OF project_id, department_id ON projects_performanceform"
    f" WHEN NEW.department_id IS NOT {PROJECT_DEPARTMENT.format(form='NEW')}"
    f" BEGIN {_SQLITE_SET} END",
    "CREATE TRIGGER form_department_project_moves AFTER UPDATE OF department_id ON projects_project"
    " WHEN OLD.department_id IS NOT NEW.department_id BEGIN "
    "UPDATE projects_performanceform SET department_id = NEW.department_id"
    " WHERE project_id = NEW.id; END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS form_department_{name}"
    for name in ("insert", "update", "project_moves")
]

POSTGRES_FORWARD = [
    # A new form locks its project's row while reading it (FOR SHARE): a move of the project
    # under way in another transaction is waited for and its department read, since the
    # move's own update of the forms cannot see a form not yet committed. An existing form
    # needs no lock: the move's update waits for the form's row and writes after it.
    """
    CREATE FUNCTION form_department_from_project() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            SELECT p.department_id INTO NEW.department_id
            FROM projects_project p WHERE p.id = NEW.project_id FOR SHARE;
        ELSE
            NEW.department_id := (
                SELECT p.department_id FROM projects_project p WHERE p.id = NEW.project_id
            );
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER form_department_from_project
    BEFORE INSERT OR UPDATE OF project_id, department_id ON projects_performanceform
    FOR EACH ROW EXECUTE FUNCTION form_department_from_project()
    """,
    """
    CREATE FUNCTION form_department_project_moves() RETURNS trigger AS $$
    BEGIN
        UPDATE projects_performanceform SET department_id = NEW.department_id
        WHERE project_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER form_department_project_moves
    AFTER UPDATE OF department_id ON projects_project
    FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)
    EXECUTE FUNCTION form_department_project_moves()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS form_department_project_moves ON projects_project",
    "DROP FUNCTION IF EXISTS form_department_project_moves()",
    "DROP TRIGGER IF EXISTS form_department_from_project ON projects_performanceform",
    "DROP FUNCTION IF EXISTS form_department_from_project()",
]


# The column and its index, written by hand (the state is Django's AddField): undone, Django
# would rebuild the forms' table on SQLite to drop an indexed column, which the triggers on
# the table and on the indicators (0002) do not survive; SQLite drops a column in place once
# its index is gone.
COLUMN = "ALTER TABLE projects_performanceform ADD COLUMN department_id bigint NULL"
COLUMN_INDEX = (
    "CREATE INDEX projects_performanceform_department_id_53f8aad7"
    " ON projects_performanceform (department_id)"
)
NO_COLUMN = [
    "DROP INDEX IF EXISTS projects_performanceform_department_id_53f8aad7",
    "ALTER TABLE projects_performanceform DROP COLUMN department_id",
]


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
        ("projects", "0023_report_event_sheet_version"),
    ]

    operations = [
        # nullable, no default, no constraint: added and dropped in place on SQLite too (a
        # rebuild of the table would drop the triggers of 0017 and 0020)
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="performanceform",
                    name="department",
                    field=models.ForeignKey(
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.organization",
                        verbose_name="主管部门",
                    ),
                ),
            ],
            database_operations=[migrations.RunSQL([COLUMN, COLUMN_INDEX], NO_COLUMN)],
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
        migrations.RemoveIndex(model_name="performanceform", name="form_waiting_idx"),
        migrations.AddIndex(
            model_name="performanceform",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "department_approved"])),
                fields=[
                    "department",
                    "status",
                    "id",
                    "updated_at",
                    "fiscal_year",
                    "project_type",
                    "check_errors",
                    "check_warnings",
                    "project",
                ],
                name="form_waiting_department_idx",
            ),
        ),
    ]
