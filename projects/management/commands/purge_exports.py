"""python manage.py purge_exports

Deletes the files of finished batch exports older than ``EXPORT_FILE_TTL_HOURS`` (through the
storage, whatever it is) and marks their jobs 已过期; also removes partial files left behind by
runs that died. The export page does the same, a few jobs at a time, on every new export
request; run this from cron (hourly) where exports are rare.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from projects.exporting.tasks import purge_exports


class Command(BaseCommand):
    help = "删除超过保留期限的导出文件，并将其导出任务标记为已过期。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_exports()
        self.stdout.write(f"已删除 {count} 个过期的导出文件。")
