"""Other packages' apps under Chinese names in the admin.

Their models' and fields' names are translated in perfgoals/third_party_locale (changing them
here would make ``makemigrations`` want migrations for those packages); the columns their admin
classes name in English are renamed in perfgoals/admin.py.
"""

from __future__ import annotations

from axes.apps import AppConfig as BaseAxesConfig  # type: ignore[import-untyped, unused-ignore]
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(BaseAxesConfig):  # type: ignore[misc, unused-ignore]
    verbose_name = "登录保护"

    def ready(self) -> None:
        super().ready()
        from perfgoals.admin import name_axes_records, register_access_attempts

        register_access_attempts()
        name_axes_records()


class TasksConfig(TasksAppConfig):
    verbose_name = "后台任务"

    def ready(self) -> None:
        super().ready()
        from perfgoals.admin import register_task_results

        register_task_results()
