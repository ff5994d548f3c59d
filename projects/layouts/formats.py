"""How the layouts print numbers: amounts in 元 or 万元, with or without thousands separators."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TEN_THOUSAND = Decimal(10000)


def format_plain_yuan(amount: Decimal | None) -> str:
    """东莞: ``699000``; cents only when there are any (``699000.50``)."""
    if amount is None:
        return ""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def format_thousands(amount: Decimal | None) -> str:
    """深圳 and 广州: ``7,567,200.00``."""
    if amount is None:
        return ""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def yuan_to_wan(amount: Decimal | None) -> Decimal | None:
    if amount is None:
        return None
    return (amount / TEN_THOUSAND).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_bool(value: bool | str | None) -> str:
    if value is None or value == "":
        return ""
    return "是" if value is True else "否" if value is False else str(value)
