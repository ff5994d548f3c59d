"""python manage.py purge_staged_imports

Deletes the uploads kept for an import preview that are older than a day (committed, cancelled
by leaving the page, or forgotten). The upload page does the same on every new upload; run
this from cron where uploads are rare.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from projects.services.importing import purge_staged_imports


class Command(BaseCommand):
    help = "删除超过一天的待确认导入（上传后未确认或已导入的文件）。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_staged_imports()
        self.stdout.write(f"已删除 {count} 个过期的待确认导入。")
