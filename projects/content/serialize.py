"""The import JSON of a content (also each history event's snapshot), both ways."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from projects.content.fields import (
    ALL_KEYS,
    FIELD_BY_KEY,
    INDICATOR_FIELDS,
    FieldSpec,
    fold_single_lines,
)
from projects.content.types import FormContent, IndicatorContent, ProjectContent
from projects.errors import DomainError
from projects.models import DEFAULT_LAYOUT, PerformanceForm


def to_json(content: FormContent, *, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """The import JSON of a content (``keys`` limits the goals, details and amounts to those a
    layout carries; the project is always complete)."""
    wanted = set(ALL_KEYS if keys is None else keys)
    project = content.project
    return {
        "layout": content.layout,
        "project": {
            "name": project.name,
            "code": project.code,
            "department": project.department,
            "unit": project.unit,
            "type": project.type,
            "level": project.level,
            "start_year": project.start_year,
            "end_year": project.end_year,
            "duration_years": project.duration_years,
        },
        "fiscal_year": content.fiscal_year or None,
        "amounts": {k: f"{v:.2f}" for k, v in content.amounts.items() if f"amounts.{k}" in wanted},
        "amount_unit_label": content.amount_unit_label,
        "goals": {
            key.split(".")[1]: content.get(key)
            for key in ALL_KEYS
            if key.startswith("goals.") and key in wanted
        },
        "details": {
            key.split(".")[1]: content.get(key)
            for key in ALL_KEYS
            if key.startswith("details.") and key in wanted
        },
        "indicators": [_indicator_json(item) for item in content.indicators],
    }


def _indicator_json(item: IndicatorContent) -> dict[str, Any]:
    data: dict[str, Any] = {"level1": item.level1, "level2": item.level2}
    data.update({spec.key: getattr(item, spec.key) for spec in INDICATOR_FIELDS})
    if item.uid:
        data["uid"] = item.uid
    return data


class ContentError(DomainError):
    """A JSON document that is not a form's content; the message says where."""


def from_json(data: Any) -> FormContent:
    """The content of an import-JSON object. Raises ``ContentError`` naming the bad key."""
    if not isinstance(data, dict):
        raise ContentError("每张表应是一个 JSON 对象。")
    project_data = data.get("project")
    if not isinstance(project_data, dict) or not str(project_data.get("name") or "").strip():
        raise ContentError("缺少项目名称（project.name）。")
    project = ProjectContent(name=str(project_data["name"]))
    for key in ("code", "department", "unit", "type", "level"):
        setattr(project, key, _text(project_data.get(key), f"project.{key}"))
    for key in ("start_year", "end_year", "duration_years"):
        setattr(project, key, _int(project_data.get(key), f"project.{key}"))
    layout = data.get("layout") or DEFAULT_LAYOUT
    if layout not in PerformanceForm.layout_keys():
        raise ContentError(f"未知的表样（layout）：{layout}")
    year = _int(data.get("fiscal_year"), "fiscal_year")
    content = FormContent(project=project, fiscal_year=year or 0, layout=layout)
    content.amount_unit_label = _text(data.get("amount_unit_label"), "amount_unit_label")
    for section in ("amounts", "goals", "details"):
        values = data.get(section) or {}
        if not isinstance(values, dict):
            raise ContentError(f"“{section}”应是一个对象。")
        for name, value in values.items():
            key = f"{section}.{name}"
            spec = FIELD_BY_KEY.get(key)
            if spec is None:
                raise ContentError(f"未知的字段：{key}")
            content.set(key, _typed(spec, value))
    items = data.get("indicators") or []
    if not isinstance(items, list):
        raise ContentError("“indicators”应是一个列表。")
    for number, item in enumerate(items, start=1):
        where = f"indicators[{number}]"
        if not isinstance(item, dict) or not item.get("level1"):
            raise ContentError(f"{where} 缺少一级指标（level1）。")
        indicator = IndicatorContent(
            level1=_text(item.get("level1"), where),
            level2=_text(item.get("level2"), where),
            uid=_text(item.get("uid"), where),
        )
        for item_spec in INDICATOR_FIELDS:
            value = item.get(item_spec.key)
            if item_spec.key in ("core", "not_applicable"):
                setattr(indicator, item_spec.key, bool(value))
            else:
                setattr(indicator, item_spec.key, _text(value, f"{where}.{item_spec.key}"))
        content.indicators.append(indicator)
    fold_single_lines(content)  # a name or a value is one line, as the sheets' readers give it
    return content


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int)):
        raise ContentError(f"“{where}”应是文字。")
    return str(value)


def _int(value: Any, where: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ContentError(f"“{where}”应是整数。") from None


def amount_from_json(value: Any, key: str) -> Decimal | None:
    """An amount of the import JSON (``key``: the field it is, for the error)."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ContentError(f"“{key}”应是金额。") from None


def _typed(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "amount":
        return amount_from_json(value, spec.key)
    if spec.kind == "bool":
        return value if value in (None, True, False) else bool(value)
    if spec.kind == "int":
        return _int(value, spec.key)
    return _text(value, spec.key)
