"""The background tasks moved out of ``projects/tasks.py``, each beside its feature. The
database backend stores each queued task by its import path (``DBTaskResult.task_path``) and
the worker imports that path: the rows queued before the move are pointed at the new homes,
so a deployment with tasks still queued runs them."""

from django.db import migrations

MOVED = {
    "projects.tasks.run_export_job": "projects.exporting.tasks.run_export_job",
    "projects.tasks.run_import_job": "projects.services.import_tasks.run_import_job",
    "projects.tasks.rebuild_library_task": "projects.filing.library.rebuild_library_task",
    "projects.tasks.send_notification_mail": "projects.review.tasks.send_notification_mail",
}


def _rename(apps, renames):
    results = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for old, new in renames.items():
        results.filter(task_path=old).update(task_path=new)


def forwards(apps, schema_editor):
    _rename(apps, MOVED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0011_layout_choices_from_registry"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
