"""Ship the indicator frameworks and make the database refuse an indicator whose category
belongs to another framework than its form's (a rule across two tables, so a trigger)."""

from django.db import migrations

MESSAGE = "indicator category does not belong to the form''s framework"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER indicator_category_framework_{event}
    BEFORE {clause} ON indicators_indicator
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
        SELECT 1 FROM indicators_indicator i
        JOIN indicators_category c ON c.id = i.category_id
        WHERE i.form_id = NEW.id AND c.framework_id IS NOT NEW.framework_id
    )
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """
]
SQLITE_BACKWARD = [
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
    BEFORE INSERT OR UPDATE OF category_id, form_id ON indicators_indicator
    FOR EACH ROW EXECUTE FUNCTION indicator_category_framework_check()
    """,
    f"""
    CREATE FUNCTION form_framework_matches_indicators_check() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM indicators_indicator i
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
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS indicator_category_framework ON indicators_indicator",
    "DROP FUNCTION IF EXISTS indicator_category_framework_check()",
    "DROP TRIGGER IF EXISTS form_framework_matches_indicators ON projects_performanceform",
    "DROP FUNCTION IF EXISTS form_framework_matches_indicators_check()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"No framework-consistency trigger for {schema_editor.connection.vendor}"
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


def load_frameworks(apps, schema_editor):
    from indicators.reference import load_frameworks as load

    load(apps.get_model("indicators", "Framework"), apps.get_model("indicators", "Category"))


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0002_initial"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
        migrations.RunPython(load_frameworks, migrations.RunPython.noop),
    ]
