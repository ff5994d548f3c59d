"""Field helpers and limits shared by the models."""

from __future__ import annotations

import functools
import unicodedata
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models.functions import Collate

MIN_YEAR = 2000
MAX_YEAR = 2100
AMOUNT_DIGITS = 16
AMOUNT_PLACES = 2


def amount_field(label: str) -> models.DecimalField[Decimal | None, Decimal | None]:
    """An amount in 元, to the cent, optional (non-negative by a check constraint)."""
    return models.DecimalField(
        label, max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True
    )


def pinyin(field: str) -> models.expressions.Combinable | str:
    """Order Chinese text by pinyin: PostgreSQL's ICU collation, or on SQLite the ``zh_pinyin``
    collation this app registers on each connection (``register_pinyin_collation``)."""
    if connection.vendor == "postgresql":
        return Collate(models.F(field), "zh-x-icu")
    if connection.vendor == "sqlite":
        return Collate(models.F(field), SQLITE_PINYIN)
    return field


SQLITE_PINYIN = "zh_pinyin"


@functools.lru_cache(maxsize=65536)
def pinyin_key(text: str) -> tuple[tuple[str, str], ...]:
    """A sort key for Chinese text in pinyin order: each character's first reading without
    tones (then the tone and the character itself, to order homophones stably); other
    characters as themselves. pypinyin is imported on first use (SQLite only: about 50 MB)."""
    from pypinyin.constants import PINYIN_DICT

    key = []
    for char in text:
        reading = PINYIN_DICT.get(ord(char))
        if reading:
            first = reading.split(",")[0]
            plain = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
            key.append((plain, first + char))
        else:
            key.append((char, char))
    return tuple(key)


def _compare(a: str | None, b: str | None) -> int:
    left, right = pinyin_key(a or ""), pinyin_key(b or "")
    return (left > right) - (left < right)


def register_pinyin_collation(sender: object, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: teach a new SQLite connection the ``zh_pinyin`` collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_PINYIN, _compare)
