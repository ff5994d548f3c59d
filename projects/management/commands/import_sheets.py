"""python manage.py import_sheets [--dry-run] [--json] [--year YYYY] PATH...

Reads 绩效目标表 from workbooks (.xlsx, .xls, .ods), 广州 PDFs and tab-separated text through the same service as
the upload page. Exit status 1 when any form (or file) has an error, else 0; nothing is written
with --dry-run or when there is any error. Two imports at once are serialized: the second finds
what the first wrote (and reports those forms as unchanged or updated).
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from projects.content import ContentDiff
from projects.services.importing import ImportError_, ImportPlan, commit_import, read_sources


class Command(BaseCommand):
    help = "导入绩效目标表（.xlsx、.xls、.ods 工作簿，广州表样的 PDF，或制表符分隔的文本），先检查再一次性写入。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        parser.add_argument("--year", type=int, help="预算年度（深圳表样没有年度时必填）")
        parser.add_argument(
            "--overwrite-revising",
            action="store_true",
            help="也覆盖填报单位正在修改的表（已退回，或单位在上次导入后改过）；默认保持原样",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError("找不到文件：{paths}".format(paths="、".join(missing)))
        plan = read_sources(paths=paths, year=options["year"])
        committed = False
        message = ""
        if not plan.has_errors and not options["dry_run"]:
            try:
                # matched again under the import lock: forms another import created since
                # the reading above are updated or left unchanged, not created twice
                result = commit_import(
                    plan=plan, replan=True, overwrite_revising=options["overwrite_revising"]
                )
                committed = True
                if result.kept_for_revision and not options["json"]:
                    self.stdout.write(
                        f"有 {result.kept_for_revision} 张表正由填报单位修改，未覆盖"
                        "（标为“单位正在修改”；要覆盖，加 --overwrite-revising）。"
                    )
            except ImportError_ as error:
                message = error.message
        if options["json"]:
            output = plan.to_json()
            output["summary"]["committed"] = committed
            if message:
                output["summary"]["message"] = message
            self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
        else:
            self._report(plan, committed, options["dry_run"], message)
        if plan.has_errors or message:
            sys.exit(1)

    def _report(self, plan: ImportPlan, committed: bool, dry_run: bool, message: str) -> None:
        labels = {"create": "新建", "update": "更新", "unchanged": "不变"}
        severity = {"error": "错误", "warning": "警告"}
        for problem in plan.problems:
            self.stderr.write(f"{severity[problem.severity]}：{problem.where}：{problem.message}")
        for form in plan.forms:
            revising = "（单位正在修改）" if form.held_for_revision else ""
            self.stdout.write(
                f"[{labels[form.action]}] {form.data.fiscal_year or '?'} "
                f"{form.data.project.name} ({form.source_label}){revising}"
            )
            if form.diff:
                for line in describe_changes(form.diff):
                    self.stdout.write(f"    {line}")
            for problem in form.problems:
                self.stdout.write(
                    f"    {severity[problem.severity]}：{problem.where}：{problem.message}"
                )
        summary = plan.summary()
        self.stdout.write(
            (
                "共 {forms} 张表：新建 {create}，更新 {update}，不变 {unchanged}；"
                "错误 {errors}，警告 {warnings}。"
            ).format(**summary)
        )
        if message:
            self.stderr.write(message)
        elif plan.has_errors:
            self.stderr.write("有错误，未写入任何数据。")
        elif dry_run:
            self.stdout.write("试运行，未写入数据库。")
        elif committed:
            self.stdout.write(self.style.SUCCESS("已导入。"))


def _short(value: str, limit: int = 60) -> str:
    value = value.replace("\n", " ")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def describe_changes(diff: ContentDiff) -> list[str]:
    """An update, field by field and indicator by indicator, in Chinese, before → after."""
    empty = "（空）"
    lines = [
        f"{change.label}：{_short(change.before) or empty} → {_short(change.after) or empty}"
        for change in diff.fields
    ]
    kinds = {"added": "新增指标", "removed": "删除指标", "changed": "修改指标"}
    for change in diff.indicators:
        parts = [
            f"{f.label} {_short(f.before) or empty} → {_short(f.after) or empty}"
            for f in change.fields
        ]
        detail = "：" + "；".join(parts) if parts else ""
        lines.append(f"{kinds.get(change.kind, change.kind)} {change.label}{detail}")
    if diff.reordered:
        lines.append("指标顺序调整")
    return lines
