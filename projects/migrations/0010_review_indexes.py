"""Indexes for the review pages at city scale (bench/bench_scale.py: 50,000 forms).

On the form, in its model:

* ``form_waiting_idx``: the forms waiting for a review (已提交, 部门已审), a partial index
  holding every column 待我审核 filters, counts and sorts on, so that its count, its filter
  choices and the choice of a page's forms never read the wide form rows. It holds
  ``updated_at`` (a form with no arrival event has waited since then), so no save of a form
  is a HOT update any more; on the city they almost never were (25 saves in 2,000: the
  pages are full), and a save costs the same;
* ``form_year_counts_idx``: a year's forms with their project, status and approved version,
  all that 进度总览 counts.

On PostgreSQL only, created as SQL like the pinyin indexes of 0007 (their models are not
touched; SQLite keeps its plain indexes):

* ``event_waiting_arrival_idx``: when a waiting form reached its status, its last event
  into it, read as one entry of this small index of arrivals into the waiting statuses
  (``projects.review.queue.in_status_since``) rather than from every event row of the form,
  which a real history scatters over the table;
* ``project_department_cover_idx``: each project's department beside its id, so that 进度总览
  joins a year's forms to their departments from two indexes read in the same order.

Creating an index does not rebuild a table on SQLite: the triggers of 0002 are untouched."""

from django.db import migrations, models

POSTGRESQL_INDEXES = [
    (
        "event_waiting_arrival_idx",
        "projects_formevent (form_id, to_status, created_at)"
        " WHERE to_status IN ('submitted', 'department_approved')",
    ),
    ("project_department_cover_idx", "projects_project (id) INCLUDE (department_id)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in POSTGRESQL_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _columns in POSTGRESQL_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0009_import_jobs_and_leftover")]

    operations = [
        migrations.AddIndex(
            model_name="performanceform",
            index=models.Index(
                fields=["fiscal_year", "project", "status", "approved_version", "id"],
                name="form_year_counts_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="performanceform",
            index=models.Index(
                condition=models.Q(status__in=["submitted", "department_approved"]),
                fields=[
                    "project",
                    "status",
                    "id",
                    "updated_at",
                    "fiscal_year",
                    "project_type",
                    "check_errors",
                    "check_warnings",
                ],
                name="form_waiting_idx",
            ),
        ),
        migrations.RunPython(create, drop),
    ]
