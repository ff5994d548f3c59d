"""The content of a 绩效目标表, layout-neutral: what the importer reads, the exporters lay out, the
history snapshots and the diff compares. Amounts are in 元."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from projects.models.forms import DEFAULT_LAYOUT


@dataclass
class IndicatorContent:
    level1: str
    level2: str = ""
    name: str = ""
    period_value: str = ""
    annual_value: str = ""
    value: str = ""
    explanation: str = ""
    core: bool = False
    not_applicable: bool = False
    # The row's identity: kept through edits and re-imports; not part of what it says.
    uid: str = field(default="", compare=False)

    @property
    def target(self) -> str:
        """当年度指标值, or the single 指标值 for a form drawn up in a one-value layout."""
        return self.annual_value or self.value

    @property
    def single_value(self) -> str:
        """指标值, or 当年度指标值 for a form drawn up in the two-value 东莞 layout."""
        return self.value or self.annual_value

    @property
    def category(self) -> tuple[str, str]:
        return (self.level1, self.level2)

    @property
    def label(self) -> str:
        """How a person names this row: ``数量指标／租用量``."""
        category = self.level2 or self.level1
        return f"{category}／{self.name}" if self.name else category


@dataclass
class ProjectContent:
    name: str
    code: str = ""
    department: str = ""
    unit: str = ""
    type: str = ""
    level: str = ""
    start_year: int | None = None
    end_year: int | None = None
    duration_years: int | None = None


@dataclass
class FormContent:
    """One form's content. Keys follow the import JSON."""

    project: ProjectContent
    fiscal_year: int
    layout: str = DEFAULT_LAYOUT  # a key of ``projects.layouts.LAYOUTS``
    amounts: dict[str, Decimal] = field(default_factory=dict)  # annual total fiscal special other
    goals: dict[str, str] = field(default_factory=dict)  # period annual
    details: dict[str, str | bool | None] = field(default_factory=dict)
    indicators: list[IndicatorContent] = field(default_factory=list)
    amount_unit_label: str = ""

    def get(self, key: str) -> Any:
        """The value of one of ``FIELDS`` by its key (``project.name``, ``amounts.annual``…)."""
        section, _dot, name = key.partition(".")
        if not name:
            return getattr(self, section)
        if section == "project":
            return getattr(self.project, name)
        value = getattr(self, section).get(name)
        if value is None and section == "goals":
            return ""
        return value

    def set(self, key: str, value: Any) -> None:
        section, _dot, name = key.partition(".")
        if not name:
            setattr(self, section, value)
        elif section == "project":
            setattr(self.project, name, value)
        elif section == "amounts" and value is None:
            self.amounts.pop(name, None)
        else:
            getattr(self, section)[name] = value
