"""Rules across two tables, so triggers (on SQLite and PostgreSQL alike):

(On SQLite, a migration that rebuilds one of these tables — most ALTERs do — drops or breaks
the triggers on it: such a migration must drop these triggers first and create them again
after, with the statements below.)


* an indicator's category belongs to its form's framework;
* a project's department is its unit's parent: a project is refused otherwise, and follows its
  unit when the unit moves to another department.
"""

from django.db import migrations

MESSAGE = "indicator category does not belong to the form''s framework"
DEPARTMENT_MESSAGE = "project department is not its unit''s parent"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER indicator_category_framework_{event}
    BEFORE {clause} ON projects_indicator
    WHEN (SELECT framework_id FROM indicators_category WHERE id = NEW.category_id)
         IS NOT (SELECT framework_id FROM projects_performanceform WHERE id = NEW.form_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """
    for event, clause in (("insert", "INSERT"), ("update", "UPDATE OF category_id, form_id"))
] + [
    f"""
    CREATE TRIGGER form_framework_matches_indicators
    BEFORE UPDATE OF framework_id ON projects_performanceform
    WHEN EXISTS (
        SELECT 1 FROM projects_indicator i
        JOIN indicators_category c ON c.id = i.category_id
        WHERE i.form_id = NEW.id AND c.framework_id IS NOT NEW.framework_id
    )
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """
]
SQLITE_FORWARD += [
    f"""
    CREATE TRIGGER project_department_is_unit_parent_{event}
    BEFORE {clause} ON projects_project
    WHEN NEW.department_id IS NOT (SELECT parent_id FROM projects_organization WHERE id = NEW.unit_id)
    BEGIN SELECT RAISE(ABORT, '{DEPARTMENT_MESSAGE}'); END
    """
    for event, clause in (("insert", "INSERT"), ("update", "UPDATE OF department_id, unit_id"))
] + [
    """
    CREATE TRIGGER unit_moves_its_projects
    AFTER UPDATE OF parent_id ON projects_organization
    BEGIN UPDATE projects_project SET department_id = NEW.parent_id WHERE unit_id = NEW.id; END
    """
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS project_department_is_unit_parent_insert",
    "DROP TRIGGER IF EXISTS project_department_is_unit_parent_update",
    "DROP TRIGGER IF EXISTS unit_moves_its_projects",
    "DROP TRIGGER IF EXISTS indicator_category_framework_insert",
    "DROP TRIGGER IF EXISTS indicator_category_framework_update",
    "DROP TRIGGER IF EXISTS form_framework_matches_indicators",
]

POSTGRES_FORWARD = [
    f"""
    CREATE FUNCTION indicator_category_framework_check() RETURNS trigger AS $$
    BEGIN
        IF (SELECT framework_id FROM indicators_category WHERE id = NEW.category_id)
           IS DISTINCT FROM
           (SELECT framework_id FROM projects_performanceform WHERE id = NEW.form_id) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER indicator_category_framework
    BEFORE INSERT OR UPDATE OF category_id, form_id ON projects_indicator
    FOR EACH ROW EXECUTE FUNCTION indicator_category_framework_check()
    """,
    f"""
    CREATE FUNCTION form_framework_matches_indicators_check() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM projects_indicator i
            JOIN indicators_category c ON c.id = i.category_id
            WHERE i.form_id = NEW.id AND c.framework_id <> NEW.framework_id
        ) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER form_framework_matches_indicators
    BEFORE UPDATE OF framework_id ON projects_performanceform
    FOR EACH ROW EXECUTE FUNCTION form_framework_matches_indicators_check()
    """,
]
POSTGRES_FORWARD += [
    f"""
    CREATE FUNCTION project_department_check() RETURNS trigger AS $$
    BEGIN
        IF NEW.department_id IS DISTINCT FROM
           (SELECT parent_id FROM projects_organization WHERE id = NEW.unit_id) THEN
            RAISE EXCEPTION '{DEPARTMENT_MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER project_department_is_unit_parent
    BEFORE INSERT OR UPDATE OF department_id, unit_id ON projects_project
    FOR EACH ROW EXECUTE FUNCTION project_department_check()
    """,
    """
    CREATE FUNCTION unit_moves_its_projects() RETURNS trigger AS $$
    BEGIN
        UPDATE projects_project SET department_id = NEW.parent_id WHERE unit_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER unit_moves_its_projects
    AFTER UPDATE OF parent_id ON projects_organization
    FOR EACH ROW EXECUTE FUNCTION unit_moves_its_projects()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS project_department_is_unit_parent ON projects_project",
    "DROP FUNCTION IF EXISTS project_department_check()",
    "DROP TRIGGER IF EXISTS unit_moves_its_projects ON projects_organization",
    "DROP FUNCTION IF EXISTS unit_moves_its_projects()",
    "DROP TRIGGER IF EXISTS indicator_category_framework ON projects_indicator",
    "DROP FUNCTION IF EXISTS indicator_category_framework_check()",
    "DROP TRIGGER IF EXISTS form_framework_matches_indicators ON projects_performanceform",
    "DROP FUNCTION IF EXISTS form_framework_matches_indicators_check()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"No triggers for {schema_editor.connection.vendor}"
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
