"""Ship the indicator frameworks (fixtures/frameworks.json)."""

from django.db import migrations


def load_frameworks(apps, schema_editor):
    from indicators.reference import load_frameworks as load

    load(apps.get_model("indicators", "Framework"), apps.get_model("indicators", "Category"))


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(load_frameworks, migrations.RunPython.noop)]
