"""What a check finds in a form's content (``projects.filing.checks`` runs the checks): the
check's id, its severity, the property of the four it serves (完整性, 相关性, 适当性, 可行性),
where (a field, an indicator row or a category), what is wrong and what to do, in Chinese.
It sits with the content so that what carries findings (an import plan's preview) need not
know the checks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from projects.models.checks import Severity


class Property(StrEnum):
    COMPLETENESS = "完整性"
    RELEVANCE = "相关性"
    APPROPRIATENESS = "适当性"
    FEASIBILITY = "可行性"


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    prop: Property  # the property of the four it serves
    message: str
    suggestion: str = ""
    field: str = ""  # a content key (``goals.annual``)
    indicator: int | None = None  # the row's index in the content
    indicator_uid: str = ""
    category: tuple[str, str] | None = None
    where: str = ""  # the place, as a person names it

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": str(self.severity),
            "property": str(self.prop),
            "where": self.where,
            "message": self.message,
            "suggestion": self.suggestion,
        }
