"""``{{ value|yuan }}``: an amount in 元 with thousands separators and two decimals."""

from __future__ import annotations

from decimal import Decimal

from django import template

from projects.layouts.formats import format_thousands

register = template.Library()


@register.filter
def yuan(value: Decimal | None) -> str:
    if value is None or value == "":
        return ""
    return format_thousands(Decimal(value))
