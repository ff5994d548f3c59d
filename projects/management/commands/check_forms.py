"""python manage.py check_forms [--json] [--year N] FILE...  |  --form ID...

Runs the filing checks (``projects.filing.checks``) on the forms of sheets without importing
them, or on saved forms, and prints what they find: the same checks as the editor, the import
preview and the submit gate. A cell the importer cannot read is reported too (check
``import``). Exit status 1 when anything is an error.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Framework
from projects.content import FormContent, load_content
from projects.content.findings import Finding
from projects.filing.checking import Checker, check_form, last_year_for
from projects.layouts.reading import Problem
from projects.models import PerformanceForm
from projects.services.importing import read_sources


def _import_problem(problem: Problem) -> dict[str, str]:
    return {
        "check": "import",
        "severity": problem.severity,
        "property": "完整性",
        "where": problem.where,
        "message": problem.message,
        "suggestion": "",
    }


def _entry(content: FormContent, source: str, problems: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "project": {"name": content.project.name},
        "fiscal_year": content.fiscal_year or None,
        "source": source,
        "problems": problems,
    }


def _findings(findings: list[Finding]) -> list[dict[str, str]]:
    return [finding.to_json() for finding in findings]


class Command(BaseCommand):
    help = "检查绩效目标表（工作簿、文本或已保存的表），不导入；列出错误、警告和提示。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, metavar="FILE")
        parser.add_argument("--form", type=int, nargs="+", default=[], help="已保存的表的编号")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")
        parser.add_argument("--year", type=int, help="预算年度（表上没有年度时）")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        if not paths and not options["form"]:
            raise CommandError("请给出要检查的文件，或用 --form 指定已保存的表。")
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError("找不到文件：" + "、".join(missing))
        entries: list[dict[str, Any]] = []
        file_problems: list[dict[str, str]] = []
        if paths:
            entries, file_problems = self._files(paths, options["year"])
        entries += self._saved(options["form"])
        document = {"forms": entries, "problems": file_problems}
        if options["json"]:
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            self._report(document)
        problems = file_problems + [p for e in entries for p in e["problems"]]
        if any(p["severity"] == "error" for p in problems):
            sys.exit(1)

    def _files(
        self, paths: list[Path], year: int | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        plan = read_sources(paths=paths, year=year)
        default = Framework.objects.get(is_default=True)
        saved = PerformanceForm.objects.in_bulk([f.form_id for f in plan.forms if f.form_id])
        entries = []
        checker = Checker()  # each framework's categories and settings read once
        for planned in plan.forms:
            form = saved.get(planned.form_id) if planned.form_id else None
            last_year = last_year_for(
                planned.project_id, planned.data.fiscal_year, form.pk if form else None
            )
            findings = checker.run(
                planned.data,
                framework_id=form.framework_id if form else default.pk,
                last_year=last_year.content,
                origins=last_year.origins,
                last_actuals=last_year.actuals,
            )
            problems = [_import_problem(p) for p in planned.problems] + _findings(findings)
            entries.append(_entry(planned.data, planned.source_label, problems))
        return entries, [_import_problem(p) for p in plan.problems]

    def _saved(self, ids: list[int]) -> list[dict[str, Any]]:
        forms = PerformanceForm.objects.with_content().in_bulk(ids)
        unknown = [str(pk) for pk in ids if pk not in forms]
        if unknown:
            raise CommandError("没有这些编号的表：" + "、".join(unknown))
        entries = []
        for pk in ids:
            form = forms[pk]
            source = f"表 {form.pk}（第 {form.version} 版）"
            entries.append(_entry(load_content(form), source, _findings(check_form(form))))
        return entries

    def _report(self, document: dict[str, Any]) -> None:
        labels = {"error": "错误", "warning": "警告", "info": "提示"}
        for problem in document["problems"]:
            self.stderr.write(
                f"{labels[problem['severity']]}：{problem['where']}：{problem['message']}"
            )
        for entry in document["forms"]:
            self.stdout.write(
                f"{entry['fiscal_year'] or '?'} {entry['project']['name']}（{entry['source']}）"
            )
            if not entry["problems"]:
                self.stdout.write("    没有发现问题。")
            for p in entry["problems"]:
                line = f"    {labels[p['severity']]} [{p['check']}] {p['where']}：{p['message']}"
                self.stdout.write(line + (f" {p['suggestion']}" if p["suggestion"] else ""))
