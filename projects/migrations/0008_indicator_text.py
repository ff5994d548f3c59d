"""The 广州 绩效指标 as typed. On SQLite, adding a NOT NULL column rebuilds the table, which the
triggers of 0002 (that name it) do not survive: they are dropped first and created again."""

import importlib

from django.db import migrations, models

triggers = importlib.import_module("projects.migrations.0002_triggers")


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_pinyin_indexes")]

    operations = [
        migrations.RunPython(
            _on_sqlite(triggers.SQLITE_BACKWARD), _on_sqlite(triggers.SQLITE_FORWARD)
        ),
        migrations.AddField(
            model_name="performanceform",
            name="indicator_text",
            field=models.TextField(blank=True, verbose_name="绩效指标（原文）"),
        ),
        migrations.RunPython(
            _on_sqlite(triggers.SQLITE_FORWARD), _on_sqlite(triggers.SQLITE_BACKWARD)
        ),
    ]
