"""Field lengths, checked while reading (in the preview), so that a commit never fails on a
value too long for its column, and the message names the cell it came from.

The limits are the model fields' own (``max_length``); a text field without one is held to the
editor's limit (``TEXT_LIMIT``, ``EXPLANATION_LIMIT``), so an imported form can be saved in the
editor as it came, and exports whole."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from django.db import models

from projects.content import FIELDS, INDICATOR_FIELDS, FormContent
from projects.content.fields import EXPLANATION_LIMIT, TEXT_LIMIT
from projects.layouts.reading import Problem
from projects.models import Indicator, PerformanceForm, Project


def _limit(model: type[models.Model], attr: str) -> int | None:
    field = model._meta.get_field(attr)
    if isinstance(field, models.CharField) and field.max_length:
        return int(field.max_length)
    if isinstance(field, models.TextField):
        return EXPLANATION_LIMIT if attr == "explanation" else TEXT_LIMIT
    return None  # numbers, booleans, organisations (checked by their own rules)


FORM_LIMITS: list[tuple[str, str, int]] = [
    (spec.key, spec.label, limit)
    for spec in FIELDS
    if spec.kind == "text"
    and (limit := _limit(Project if spec.model == "project" else PerformanceForm, spec.attr))
]
INDICATOR_LIMITS: list[tuple[str, str, int]] = [
    (spec.key, spec.label, limit)
    for spec in INDICATOR_FIELDS
    if (limit := _limit(Indicator, spec.attr))
]


def _getter(key: str) -> Callable[[FormContent], object]:
    """``FormContent.get(key)``, as a function made once."""
    section, _dot, name = key.partition(".")
    if not name:
        return attrgetter(section)
    if section == "project":
        return attrgetter(key)
    return lambda data: getattr(data, section).get(name)


_FORM_CHECKS = [(key, label, limit, _getter(key)) for key, label, limit in FORM_LIMITS]
_INDICATOR_CHECKS = [(key, label, limit, attrgetter(key)) for key, label, limit in INDICATOR_LIMITS]


def length_problems(data: FormContent, locate: Callable[[str], str]) -> list[Problem]:
    """An error for each value longer than its column allows; ``locate(text)`` names the
    place the text came from (a cell), or the form."""
    problems: list[Problem] = []

    def check(text: str, label: str, limit: int, where_label: str = "") -> None:
        if len(text) > limit:
            problems.append(
                Problem(
                    "error",
                    locate(text),
                    "{field}有 {length} 个字，超过上限 {limit} 个字。".format(
                        field=where_label + label,
                        length=f"{len(text):,}",
                        limit=f"{limit:,}",
                    ),
                )
            )

    for _key, label, limit, get in _FORM_CHECKS:
        value = get(data)
        if isinstance(value, str) and len(value) > limit:
            check(value, label, limit)
    indicators = data.indicators
    try:  # at once, field by field: most forms have no indicator value too long
        long = bool(indicators) and any(
            max(map(len, map(get, indicators))) > limit for _k, _l, limit, get in _INDICATOR_CHECKS
        )
    except TypeError:  # a value that is not text: looked at one by one
        long = True
    if long:
        for number, item in enumerate(indicators, start=1):
            for key, label, limit in INDICATOR_LIMITS:
                value = getattr(item, key, None)
                if isinstance(value, str):
                    check(value, label, limit, f"第 {number} 项指标的")
    return problems
