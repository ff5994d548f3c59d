"""Field helpers and limits shared by the models."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, models
from django.db.models.functions import Collate
from django_stubs_ext import StrOrPromise

MIN_YEAR = 2000
MAX_YEAR = 2100
AMOUNT_DIGITS = 16
AMOUNT_PLACES = 2


def amount_field(label: StrOrPromise) -> models.DecimalField[Decimal | None, Decimal | None]:
    """An amount in 元, to the cent, optional (non-negative by a check constraint)."""
    return models.DecimalField(
        label, max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True
    )


def pinyin(field: str) -> models.expressions.Combinable | str:
    """Order Chinese text by pinyin where the database can (PostgreSQL's ICU collation);
    elsewhere by the field as it is."""
    if connection.vendor == "postgresql":
        return Collate(models.F(field), "zh-x-icu")
    return field
