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


def as_int(text: str) -> int | None:
    """A whole number typed in ASCII digits (a query parameter, a posted id), else ``None``:
    ``str.isdigit`` also accepts "²" and "٣", which ``int`` then refuses or reads."""
    if text and text.isascii() and text.isdigit():
        return int(text)
    return None
