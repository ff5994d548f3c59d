"""Exports of the official tables: xlsx (openpyxl) and PDF (WeasyPrint), per form and in batches.

Every renderer takes ``projects.layouts.Grid`` objects (the one description of each layout) and
returns a ``Rendered`` (``content, filename``), so a view, a task and the command hand the same
bytes to the user.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from projects.errors import DomainError

ExportFormat = Literal["pdf", "xlsx", "json"]
FORMATS: tuple[ExportFormat, ...] = ("pdf", "xlsx", "json")
TABLE_FORMATS: tuple[ExportFormat, ...] = ("pdf", "xlsx")  # the official tables
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Rendered(NamedTuple):
    """What every renderer returns: the file's bytes and the name to download it as."""

    content: bytes
    filename: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.filename.rsplit(".", 1)[-1].lower()]


class ExportError(DomainError):
    """A user-facing problem with an export request."""
