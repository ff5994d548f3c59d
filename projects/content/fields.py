"""The one list of a form's fields (``FIELDS``) and of an indicator row's (``INDICATOR_FIELDS``):
each field's key in the import JSON, the model attribute behind it and its Chinese label (the
model field's ``verbose_name``, so no label is typed twice)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from django.db import models

from projects.content.types import FormContent
from projects.models import Indicator, PerformanceForm, Project

FieldKind = Literal["text", "int", "amount", "bool", "organization"]


def verbose_name(model: type[models.Model], attr: str) -> str:
    """The Chinese label of a model field (the one place a field's label is typed)."""
    found = model._meta.get_field(attr)
    assert isinstance(found, models.Field)
    return str(found.verbose_name)


# What breaks a line: CR, LF and the rest Python's str.splitlines knows (a mail header, a
# printed cell or a list row take none of them).
_LINE_BREAKS = re.compile(r"(?:[ \t]*[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029])+[ \t]*")


def one_line(text: str) -> str:
    """Text for a single-line field (a name, a code, a value): each run of line breaks, with
    the spaces around it, becomes one space; text without a line break is left as it is.
    The product folds rather than refuses: a name pasted from a wrapped Excel cell keeps its
    words, and nothing typed is lost."""
    if not _LINE_BREAKS.search(text):
        return text
    return _LINE_BREAKS.sub(" ", text).strip()


def is_single_line(model: type[models.Model], attr: str) -> bool:
    """A text field the database keeps to a length (``CharField``): one line. A
    ``TextField`` (goals, bases, an explanation) keeps its line breaks."""
    field = model._meta.get_field(attr)
    return isinstance(field, models.CharField)


@dataclass(frozen=True)
class FieldSpec:
    key: str  # in the import JSON
    model: Literal["project", "form"]
    attr: str
    kind: FieldKind = "text"

    @property
    def label(self) -> str:
        model: type[models.Model] = Project if self.model == "project" else PerformanceForm
        return verbose_name(model, self.attr)

    @property
    def single_line(self) -> bool:
        model: type[models.Model] = Project if self.model == "project" else PerformanceForm
        return self.kind in ("text", "organization") and is_single_line(model, self.attr)

    def stored(self, value: Any) -> Any:
        """The value as the model keeps it (text fields hold '' rather than None, a
        single-line field one line: ``one_line``)."""
        if self.kind in ("text", "organization"):
            text = "" if value is None else str(value)
            return one_line(text) if self.single_line else text
        return value


# The longest text the editor and the importer accept for a field stored without a length of
# its own (a goal, a basis, a content; an indicator's explanation): long, but far from Excel's
# 32,767-character cell, so every form exports whole.
TEXT_LIMIT = 5000
EXPLANATION_LIMIT = 2000

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("project.code", "project", "code"),
    FieldSpec("project.name", "project", "name"),
    FieldSpec("project.department", "project", "department", "organization"),
    FieldSpec("project.unit", "project", "unit", "organization"),
    FieldSpec("project.type", "form", "project_type"),
    FieldSpec("project.level", "form", "level"),
    FieldSpec("project.start_year", "form", "start_year", "int"),
    FieldSpec("project.end_year", "form", "end_year", "int"),
    FieldSpec("project.duration_years", "form", "duration_years", "int"),
    FieldSpec("details.allocation_method", "form", "allocation_method"),
    FieldSpec("details.is_new", "form", "is_new", "bool"),
    FieldSpec("layout", "form", "layout"),
    FieldSpec("amounts.annual", "form", "annual_amount", "amount"),
    FieldSpec("amounts.total", "form", "total_amount", "amount"),
    FieldSpec("amounts.fiscal", "form", "fiscal_amount", "amount"),
    FieldSpec("amounts.special", "form", "special_amount", "amount"),
    FieldSpec("amounts.other", "form", "other_amount", "amount"),
    FieldSpec("amount_unit_label", "form", "amount_unit_label"),
    FieldSpec("details.content", "form", "content"),
    FieldSpec("details.policy_basis", "form", "policy_basis"),
    FieldSpec("details.calculation_basis", "form", "calculation_basis"),
    FieldSpec("goals.period", "form", "period_goal"),
    FieldSpec("goals.annual", "form", "annual_goal"),
    FieldSpec("details.indicator_text", "form", "indicator_text"),
)
FIELD_BY_KEY = {spec.key: spec for spec in FIELDS}
# Every form carries these whatever its layout (an import writes them too).
ALWAYS_CARRIED = ("layout", "amount_unit_label")
ALL_KEYS = tuple(spec.key for spec in FIELDS)


@dataclass(frozen=True)
class IndicatorFieldSpec:
    key: str  # in IndicatorContent and the import JSON
    attr: str  # on projects.models.Indicator

    @property
    def label(self) -> str:
        return verbose_name(Indicator, self.attr)

    @property
    def single_line(self) -> bool:
        return is_single_line(Indicator, self.attr)


INDICATOR_FIELDS: tuple[IndicatorFieldSpec, ...] = (
    IndicatorFieldSpec("name", "name"),
    IndicatorFieldSpec("period_value", "period_value"),
    IndicatorFieldSpec("annual_value", "annual_value"),
    IndicatorFieldSpec("value", "value"),
    IndicatorFieldSpec("explanation", "explanation"),
    IndicatorFieldSpec("core", "is_core"),
    IndicatorFieldSpec("not_applicable", "not_applicable"),
)


def fold_single_lines(content: FormContent) -> None:
    """Make each single-line field of the content (and of its indicators) one line, in place
    (``one_line``): what every writer stores, so the history's snapshot says what the
    database does."""
    for spec in FIELDS:
        value = content.get(spec.key)
        if spec.single_line and isinstance(value, str) and one_line(value) != value:
            content.set(spec.key, one_line(value))
    for item in content.indicators:
        for item_spec in INDICATOR_FIELDS:
            if item_spec.single_line and isinstance(value := getattr(item, item_spec.key), str):
                setattr(item, item_spec.key, one_line(value))


def service_written(model: type[models.Model]) -> tuple[str, ...]:
    """The attributes of a project or a form that only the services write (the content fields
    of ``FIELDS``, a form's ``WORKFLOW_FIELDS`` and its time stamps) or the database keeps (a
    form's ``department``, its project's): a change to one needs a new version and an event,
    so the Django admin shows them read-only."""
    if model is Project:
        return tuple(spec.attr for spec in FIELDS if spec.model == "project")
    if model is PerformanceForm:
        return (
            *(spec.attr for spec in FIELDS if spec.model == "form"),
            *PerformanceForm.WORKFLOW_FIELDS,
            "department",
            "created_at",
            "updated_at",
        )
    raise ValueError(f"no service-written fields for {model.__name__}")


def field_label(key: str) -> str:
    if key == "indicators":
        return str(Indicator._meta.verbose_name_plural)
    return FIELD_BY_KEY[key].label
