"""``manage.py export_forms``: the export page's batch export, from the command line.

    python manage.py export_forms --layout dongguan --format pdf --year 2023 \\
        --department 东莞市财政局 -o 东莞2023.pdf
    python manage.py export_forms --format json [--with-snapshots] --year 2023 -o 2023.json

``--format json`` writes each form's content in the import JSON schema, with its id, status,
version, each indicator's uid and its history (no layout needed; it imports back unchanged).

The file is written as it is rendered (a PDF by ``--workers`` processes, one per CPU by
default: ``EXPORT_PDF_WORKERS``), so a batch of thousands of forms needs no more memory than a
small one, into ``<output>.part`` renamed when complete: an error leaves no file behind and an
existing file as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.exporting import FORMATS, ExportError
from projects.exporting.batch import Selection, pdf_workers, write_batch
from projects.layouts import LAYOUTS
from projects.models import Organization


class Command(BaseCommand):
    help = "把绩效目标表按官方表样导出为一个 PDF 或 xlsx 文件，或导出为 JSON（内容、编号、版本与变更记录）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--layout", choices=sorted(LAYOUTS), help="表样（pdf、xlsx 必填）")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--year", type=int)
        parser.add_argument("--department", help="主管部门名称")
        parser.add_argument("--unit", help="用款单位名称（同名时请同时给出 --department）")
        parser.add_argument(
            "--project", type=int, action="append", default=[], help="项目编号 (id)，可重复"
        )
        parser.add_argument(
            "--stacked", action="store_true", help="xlsx: all forms stacked in one sheet"
        )
        parser.add_argument(
            "--drafts",
            action="store_true",
            help="正在调整的表导出调整稿（标题注明“调整稿”），而不是现行有效的版本",
        )
        parser.add_argument(
            "--with-snapshots", action="store_true", help="json：每条变更记录附带当时的内容"
        )
        parser.add_argument(
            "--workers",
            type=int,
            help="生成 PDF 的进程数（默认 EXPORT_PDF_WORKERS：每个 CPU 一个）",
        )
        parser.add_argument("-o", "--output", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["format"] != "json" and not options["layout"]:
            raise CommandError("导出 PDF 或 xlsx 时必须用 --layout 指定表样。")
        department = unit = None
        labels: dict[str, str] = {}
        if options["department"]:
            department = self._one(
                Organization.objects.filter(
                    kind=Organization.Kind.DEPARTMENT, name=options["department"]
                ),
                "主管部门",
                options["department"],
            )
            labels["department"] = department.name
        if options["unit"]:
            units = Organization.objects.filter(kind=Organization.Kind.UNIT, name=options["unit"])
            if department is not None:
                units = units.filter(parent=department)
            unit = self._one(units, "用款单位", options["unit"])
            labels["unit"] = unit.name
        output: Path = options["output"]
        partial = output.with_name(f"{output.name}.part")
        try:
            selection = Selection(
                layout=options["layout"] or "dongguan",  # json: not used
                format=options["format"],
                year=options["year"],
                department_id=department.pk if department else None,
                unit_id=unit.pk if unit else None,
                project_ids=tuple(options["project"]),
                stacked=options["stacked"],
                with_snapshots=options["with_snapshots"],
                drafts=options["drafts"],
                labels=labels,
            )
            with partial.open("wb") as file:
                write_batch(
                    actor=None,
                    selection=selection,
                    output=file,
                    workers=options["workers"] or pdf_workers(),
                )
            partial.replace(output)
        except ExportError as error:
            raise CommandError(str(error)) from error
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"{output}（{output.stat().st_size:,} 字节）")

    @staticmethod
    def _one(organizations: Any, what: str, name: str) -> Organization:
        found: list[Organization] = list(organizations[:2])
        if not found:
            raise CommandError(f"没有名为“{name}”的{what}。")
        if len(found) > 1:
            raise CommandError(f"有多个名为“{name}”的{what}，请同时给出 --department。")
        return found[0]
