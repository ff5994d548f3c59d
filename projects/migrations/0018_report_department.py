"""A report keeps its form's 主管部门 (``Report.department``), so that the dashboard counts
reports by department from an index, without joining 50,000 forms and their projects on every
view. Filled from the forms for the reports there are; a trigger follows a project that moves
to another department (as the form counts' triggers of 0017 do), on SQLite and PostgreSQL."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE projects_report SET department_id = (
    SELECT p.department_id FROM projects_performanceform f
    JOIN projects_project p ON p.id = f.project_id
    WHERE f.id = projects_report.form_id
)
"""

SQLITE = [
    """
    CREATE TRIGGER report_department_follows AFTER UPDATE OF department_id ON projects_project
    WHEN OLD.department_id IS NOT NEW.department_id
    BEGIN
        UPDATE projects_report SET department_id = NEW.department_id
        WHERE form_id IN (SELECT id FROM projects_performanceform WHERE project_id = NEW.id);
    END
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS report_department_follows"]

POSTGRES = [
    """
    CREATE FUNCTION report_department_follows() RETURNS trigger AS $$
    BEGIN
        UPDATE projects_report SET department_id = NEW.department_id
        WHERE form_id IN (SELECT id FROM projects_performanceform WHERE project_id = NEW.id);
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER report_department_follows
    AFTER UPDATE OF department_id ON projects_project
    FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)
    EXECUTE FUNCTION report_department_follows()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS report_department_follows ON projects_project",
    "DROP FUNCTION IF EXISTS report_department_follows()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"No trigger for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0017_form_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="department",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="projects.organization",
                verbose_name="主管部门",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="report",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="projects.organization",
                verbose_name="主管部门",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["round", "department", "light"], name="report_round_light_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["fiscal_year", "kind", "department", "grade"],
                name="report_year_grade_idx",
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
