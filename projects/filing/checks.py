"""The checks on a form's content: one registry, run by the editor on every save, the import
preview, ``manage.py check_forms``, the submit gate and the review page.

A check is a small function over a ``CheckContext`` (the content, its framework's categories,
last year's content where there is one, which of last year's indicators each one continues and
what those achieved) that yields findings. Each check is registered with a
stable id, a default severity (an error blocks submission; a warning or an info does not) and the
property it serves among the four of the central method (完整性, 相关性, 适当性, 可行性). A
framework may switch a check off or change its severity (``CheckSetting``, in the admin).
A finding points at a field (its content key), an indicator row (its index, and its uid where
the row is saved) or a category, and says what is wrong and what to do, in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from indicators.parsing import ParsedTarget, parse_target
from projects.content import FormContent, IndicatorContent, field_label
from projects.content.findings import Finding, Property
from projects.filing.last_year import LastActual
from projects.models.checks import Severity


@dataclass(frozen=True)
class CategoryInfo:
    """A second-level category of the form's framework (or a first-level one without
    children), with whether the framework requires it."""

    level1: str
    level2: str
    is_core: bool = False


@dataclass(frozen=True)
class LastYear:
    """Last year's form of a form's project as the checks and the editor read it: its content,
    the origin of each of this form's rolled-over rows (a saved row's uid -> its origin's) and
    what last year's rows achieved (by their uids: ``projects.filing.last_year``)."""

    content: FormContent | None = None
    origins: Mapping[str, str] = field(default_factory=dict)
    actuals: Mapping[str, LastActual] = field(default_factory=dict)

    def indicator_of(self, item: IndicatorContent) -> IndicatorContent | None:
        """Last year's indicator ``item`` continues: the one it was rolled over from, else
        the one of the same category and name."""
        if self.content is None:
            return None
        origin = self.origins.get(item.uid) if item.uid else None
        if origin is not None:
            for before in self.content.indicators:
                if before.uid == origin:
                    return before
        return same_indicator(self.content.indicators, item)

    def actual_of(self, item: IndicatorContent) -> LastActual | None:
        """What last year's indicator ``item`` continues achieved, where a report says."""
        before = self.indicator_of(item)
        return self.actuals.get(before.uid) if before is not None and before.uid else None


@dataclass
class CheckContext:
    content: FormContent
    categories: Sequence[CategoryInfo]
    before: LastYear = field(default_factory=LastYear)
    findings: list[Finding] = field(default_factory=list)

    @property
    def last_year(self) -> FormContent | None:
        return self.before.content

    def targets(self) -> Iterator[tuple[int, IndicatorContent, ParsedTarget]]:
        """Each named, applicable indicator with its parsed target value."""
        for index, item in enumerate(self.content.indicators):
            if item.name and not item.not_applicable:
                yield index, item, parse_target(item.target)

    def last_of(self, item: IndicatorContent) -> IndicatorContent | None:
        return self.before.indicator_of(item)

    def last_actual(self, item: IndicatorContent) -> LastActual | None:
        return self.before.actual_of(item)


CheckFunction = Callable[[CheckContext, "Check"], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    prop: Property
    function: CheckFunction

    def finding(self, message: str, suggestion: str, **place: Any) -> Finding:
        return Finding(self.id, self.severity, self.prop, message, suggestion, **place)

    def on_field(self, key: str, message: str, suggestion: str = "") -> Finding:
        return self.finding(message, suggestion, field=key, where=field_label(key))

    def on_indicator(
        self, index: int, item: IndicatorContent, message: str, suggestion: str = ""
    ) -> Finding:
        return self.finding(
            message,
            suggestion,
            indicator=index,
            indicator_uid=item.uid,
            category=item.category,
            where=f"{item.label}（第 {index + 1} 个指标）",
        )

    def on_category(self, category: tuple[str, str], message: str, suggestion: str) -> Finding:
        return self.finding(
            message, suggestion, category=category, where=category[1] or category[0]
        )


REGISTRY: dict[str, Check] = {}


def check(
    check_id: str, title: str, severity: Severity, prop: Property
) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        REGISTRY[check_id] = Check(check_id, title, severity, prop, function)
        return function

    return register


@dataclass(frozen=True)
class Setting:
    enabled: bool = True
    severity: Severity | None = None


def check_choices() -> list[tuple[str, str]]:
    """The registered checks, for the choice of a check in the admin (检查设置)."""
    return [(check.id, f"{check.id}：{check.title}") for check in REGISTRY.values()]


def run_checks(context: CheckContext, settings: dict[str, Setting] | None = None) -> list[Finding]:
    """Every enabled check's findings, errors first, then in the order of the form."""
    settings = settings or {}
    found: list[Finding] = []
    for check_id, registered in REGISTRY.items():
        setting = settings.get(check_id, Setting())
        if not setting.enabled:
            continue
        severity = setting.severity or registered.severity
        for finding in registered.function(context, registered):
            if finding.severity is not severity:
                finding = _with_severity(finding, severity)
            found.append(finding)
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(found, key=lambda f: order[f.severity])


def _with_severity(finding: Finding, severity: Severity) -> Finding:
    return replace(finding, severity=severity)


# --------------------------------------------------------------------------- helpers

_YUAN = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
YEAR_IN_TEXT = re.compile(r"(?<!\d)(20\d\d)\s*年")


def amount_in_yuan(target: ParsedTarget) -> Decimal | None:
    factor = _YUAN.get(target.unit)
    if factor is None or target.number is None:
        return None
    return target.number * factor


def is_category(item: IndicatorContent, *names: str) -> bool:
    """Whether the indicator sits in a category whose first- or second-level name starts with
    one of ``names`` (``数量`` matches 数量指标)."""
    return any(part.startswith(names) for part in item.category if part)


def same_indicator(
    items: Sequence[IndicatorContent], item: IndicatorContent
) -> IndicatorContent | None:
    for other in items:
        if other.category == item.category and other.name == item.name:
            return other
    return None


def yuan_text(value: Decimal) -> str:
    return f"{value:,.2f}"


# The checks register themselves when their module is imported.
from projects.filing import rules as _rules  # noqa: E402, F401
