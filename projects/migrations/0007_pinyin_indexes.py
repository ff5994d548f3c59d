"""Indexes in pinyin order (PostgreSQL's ICU collation), for the form list's order (unit,
then project name) at city scale: the page query walks them instead of sorting every form.
SQLite has no such collation and keeps its plain order."""

from django.db import migrations

INDEXES = [
    ("organization_name_pinyin_idx", "projects_organization"),
    ("project_name_pinyin_idx", "projects_project"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} (name COLLATE "zh-x-icu")'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_export_jobs")]

    operations = [migrations.RunPython(create, drop)]
