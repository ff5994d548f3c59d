"""Score self-evaluations (绩效自评) and print the result; nothing is written.

    python manage.py score_self_evaluation [--json] FILE...

Each FILE is a 项目支出绩效自评表 as the report page downloads it (.xlsx, or .xls / .ods as the
importer reads them), filled in, read without any report in the database
(``projects.cycle.sheet.read_self_evaluation_sheet``, scored with the default framework's
weights), or the self-evaluation JSON:

    {"forms": [{"project": {"name": "…", "unit": "…"}, "fiscal_year": 2023,
                "framework": "local-2023",            (optional: the default framework's weights)
                "funds": {"annual_budget": "699000", "executed": "650000", "unit": "元"},
                "indicators": [{"level1": "产出指标", "level2": "数量指标", "name": "维护项目数量",
                                "target": "120个", "actual": "118个", "achieved": null,
                                "reason": "…", "not_applicable": false}]}]}

The rules are ``indicators.scoring``'s. With ``--json`` it answers
``{"forms": [{"project": {"name"}, "fiscal_year", "budget_score", "indicators": [{"name",
"weight", "score"}], "total", "grade", "problems": [{"check", "severity", "where",
"message"}]}]}``, every number a string with two decimals (``null`` where there is none).
The exit status is 1 when any form has an error, as ``check_forms``'s; 2 when a file is refused
(it cannot be read, or is not a self-evaluation): nothing is scored then.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.models import Framework
from indicators.scoring import (
    EvaluatedIndicator,
    Funds,
    Scoring,
    score_self_evaluation,
    two_decimals,
)
from projects.cycle.build import CycleRefused
from projects.cycle.sheet import read_self_evaluation_sheet
from projects.importing.sources import WORKBOOK_SUFFIXES

REFUSED = 2  # the exit status of a file that is refused


class Command(BaseCommand):
    help = "计算绩效自评的得分（不写入任何数据）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files",
            nargs="+",
            type=Path,
            help="自评表 Excel 文件（.xlsx、.xls、.ods）或自评 JSON 文件",
        )
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        results = []
        for path in options["files"]:
            if path.suffix.lower() in WORKBOOK_SUFFIXES:
                results.append(_scored_sheet(path))
                continue
            for number, entry in enumerate(_entries(path), start=1):
                results.append(_scored_entry(entry, f"{path.name} › 第 {number} 张表"))
        if options["json"]:
            document = {"forms": [result for result, _scoring in results]}
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            for result, _scoring in results:
                self.stdout.write(_as_text(result))
        if any(scoring.has_errors for _result, scoring in results):
            raise SystemExit(1)


def _refused(message: str) -> CommandError:
    return CommandError(message, returncode=REFUSED)


def _scored_sheet(path: Path) -> tuple[dict[str, Any], Scoring]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _refused(f"无法读取 {path}：{error.strerror}") from error
    try:
        sheet = read_self_evaluation_sheet(data, path.name)
    except CycleRefused as error:
        raise _refused(error.message) from None
    return _scored(
        project=sheet.project,
        fiscal_year=sheet.fiscal_year,
        funds=sheet.funds,
        indicators=list(sheet.indicators),
        weights=_weights(None, path.name),
    )


def _entries(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise _refused(f"无法读取 {path}：{error.strerror}") from error
    except ValueError as error:
        raise _refused(f"{path.name} 不是有效的 JSON 文件：{error}") from error
    entries = document.get("forms") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _refused(f'{path.name} 中没有自评表（应为 {{"forms": [...]}}）。')
    return entries


def _amount(value: object, where: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise _refused(f"{where}：“{value}”不是金额。") from None
    if not amount.is_finite():
        raise _refused(f"{where}：“{value}”不是金额。")
    return amount


def _weights(code: str | None, where: str) -> dict[str, Fraction]:
    frameworks = Framework.objects.all()
    framework = (
        frameworks.filter(code=code).first() if code else frameworks.filter(is_default=True).first()
    )
    if framework is None:
        raise _refused(f"{where}：没有指标体系“{code or '默认'}”。")
    return framework.score_weights()


def _scored_entry(entry: dict[str, Any], where: str) -> tuple[dict[str, Any], Scoring]:
    funds_data = entry.get("funds") or {}
    if not isinstance(funds_data, dict):
        raise _refused(f"{where}：funds 应是一个对象。")
    funds = Funds(
        annual_budget=_amount(funds_data.get("annual_budget"), f"{where} › 全年预算数"),
        executed=_amount(funds_data.get("executed"), f"{where} › 全年执行数"),
    )
    items = entry.get("indicators") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _refused(f"{where}：indicators 应是一个列表。")
    indicators = [
        EvaluatedIndicator(
            level1=str(item.get("level1") or ""),
            level2=str(item.get("level2") or ""),
            name=str(item.get("name") or ""),
            target=str(item.get("target") or ""),
            actual=str(item.get("actual") or ""),
            achieved=item.get("achieved") or None,
            reason=str(item.get("reason") or ""),
            not_applicable=bool(item.get("not_applicable")),
        )
        for item in items
    ]
    project = entry.get("project") or {}
    return _scored(
        project=str(project.get("name") or "") if isinstance(project, dict) else "",
        fiscal_year=entry.get("fiscal_year"),
        funds=funds,
        indicators=indicators,
        weights=_weights(entry.get("framework"), where),
    )


def _scored(
    *,
    project: str,
    fiscal_year: object,
    funds: Funds,
    indicators: list[EvaluatedIndicator],
    weights: dict[str, Fraction],
) -> tuple[dict[str, Any], Scoring]:
    scoring = score_self_evaluation(funds, indicators, weights)
    result = {
        "project": {"name": project},
        "fiscal_year": fiscal_year,
        "budget_score": _number(scoring.budget_score),
        "indicators": [
            {"name": score.name, "weight": _number(score.weight), "score": _number(score.score)}
            for score in scoring.indicators
        ],
        "total": None if scoring.total is None else f"{scoring.total:.2f}",
        "grade": scoring.grade or None,
        "problems": [
            {
                "check": problem.check,
                "severity": problem.severity,
                "where": problem.where,
                "message": problem.message,
            }
            for problem in scoring.problems
        ],
    }
    return result, scoring


def _number(value: Fraction | None) -> str | None:
    return None if value is None else f"{two_decimals(value):.2f}"


def _as_text(result: dict[str, Any]) -> str:
    lines = [f"{result['fiscal_year'] or ''} {result['project']['name']}".strip()]
    lines.append(f"  预算执行得分：{result['budget_score'] or '—'}（满分 10）")
    for item in result["indicators"]:
        lines.append(f"  {item['name']}：{item['score'] or '—'} / {item['weight']}")
    total = result["total"] or "—（有错误，未计算总分）"
    lines.append(f"  总分：{total}  等级：{result['grade'] or '—'}")
    severities = {"error": "错误", "warning": "提醒"}
    for problem in result["problems"]:
        lines.append(
            f"  [{severities[problem['severity']]}] {problem['where']}：{problem['message']}"
        )
    return "\n".join(lines) + "\n"
