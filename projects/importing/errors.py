"""The importer's errors: an import that cannot go ahead, a file that cannot be read.

A problem found at a cell is a ``projects.layouts.reading.Problem``."""

from __future__ import annotations

from projects.errors import DomainError
from projects.layouts.reading import Problem


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
