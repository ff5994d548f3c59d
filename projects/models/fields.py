"""Field helpers and limits shared by the models."""

from __future__ import annotations

import functools
import importlib.util
import json
import unicodedata
from decimal import Decimal
from pathlib import Path
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
    characters as themselves (SQLite only)."""
    readings = _readings()
    key = []
    for char in text:
        reading = readings.get(ord(char))
        if reading:
            first = reading.split(",")[0]
            plain = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
            key.append((plain, first + char))
        else:
            key.append((char, char))
    return tuple(key)


@functools.cache
def _readings() -> dict[int, str]:
    """pypinyin's readings of single characters, read from its data file on first use without
    importing the package, which loads its dictionary of phrases too (11 MB instead of 53)."""
    spec = importlib.util.find_spec("pypinyin")
    folders = spec.submodule_search_locations if spec else None
    table = Path(folders[0]) / "pinyin_dict.json" if folders else None
    if table is None or not table.is_file():  # laid out otherwise: the package's own way
        from pypinyin.constants import PINYIN_DICT

        return dict(PINYIN_DICT)
    return {int(code): reading for code, reading in json.loads(table.read_bytes()).items()}


def _compare(a: str | None, b: str | None) -> int:
    left, right = pinyin_key(a or ""), pinyin_key(b or "")
    return (left > right) - (left < right)


def register_pinyin_collation(sender: object, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: teach a new SQLite connection the ``zh_pinyin`` collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_PINYIN, _compare)
