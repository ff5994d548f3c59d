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

PROJECT_DEPARTMENT = "(SELECT p.department_id FROM projects_project p WHERE p.id = {form}.project_id)"

FILL = (
    "UPDATE projects_performanceform SET department_id = "
    + PROJECT_DEPARTMENT.format(form="projects_performanceform")
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
    f"""
    CREATE FUNCTION form_department_from_project() RETURNS trigger AS $$
    BEGIN
        NEW.department_id := {PROJECT_DEPARTMENT.format(form="NEW")};
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
        # nullable, no default, no constraint: an ALTER TABLE ADD COLUMN on SQLite too (a
        # rebuild of the table would drop the triggers of 0017 and 0020)
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
