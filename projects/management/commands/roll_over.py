"""Roll chosen forms of one year over into next year's drafts (the same service as the admin)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.filing.rollover import RolloverError, roll_over
from projects.models import PerformanceForm


class Command(BaseCommand):
    help = "把某一年度的绩效目标表结转为下一年度的草稿（已存在的跳过）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="要结转的年度，如 2023")
        parser.add_argument("--department", help="只结转该主管部门的表（名称）")
        parser.add_argument("--unit", help="只结转该用款单位的表（名称）")
        parser.add_argument("--form", type=int, nargs="*", default=[], help="只结转这些表（编号）")

    def handle(self, *args: Any, **options: Any) -> None:
        forms = PerformanceForm.objects.matching(
            year=options["year"],
            department=options["department"] or None,  # by name
            unit=options["unit"] or None,
        )
        if options["form"]:
            forms = forms.filter(pk__in=options["form"])
        ids = list(forms.values_list("pk", flat=True))
        if not ids:
            raise CommandError("没有符合条件的绩效目标表。")
        try:
            result = roll_over(form_ids=ids)
        except RolloverError as error:
            raise CommandError(error.message) from error
        year = options["year"] + 1
        self.stdout.write(
            f"已结转 {len(result.created)} 张为 {year} 年度草稿，跳过 {len(result.skipped)} 张。"
        )
        for form, reason in result.skipped:
            self.stdout.write(f"  跳过：{form.project.name}（{reason}）")
