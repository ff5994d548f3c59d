"""Problems found while reading a source, and the importer's domain error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _

from projects.errors import DomainError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    severity: Severity
    where: str  # "file › sheet › A12"
    message: str
    text: str = ""  # the row as typed, when the problem leaves a row unread

    def to_json(self) -> dict[str, str]:
        found = {"severity": self.severity, "where": self.where, "message": self.message}
        return found | ({"text": self.text} if self.text else {})

    def as_text(self) -> str:
        """One line (two with the row as typed), for a form that keeps what it could not
        place (待修正)."""
        line = f"{self.where}：{self.message}"
        return f"{line}\n    {_('原文')}：{self.text}" if self.text else line

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class ImportError_(DomainError):
    """An import that cannot go ahead, with the problems that stop it."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class SourceError(Exception):
    """A whole file cannot be read (not a workbook, encrypted, too large…)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
