"""The one base class of the errors a person is shown."""

from __future__ import annotations


class DomainError(Exception):
    """A change that cannot go ahead. ``message`` is translated (Chinese) and says what to fix;
    services raise it (or a subclass: import, roll-over, export, workflow), views and commands
    show it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
