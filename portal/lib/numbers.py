"""Ratios for participation and quality figures (tỉ lệ), kept exact as Decimals until displayed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

Number = int | float | Decimal


def to_decimal(value: Number | str | None) -> Decimal | None:
    """``value`` as a Decimal; floats go through their shortest repr so 0.9574 stays 0.9574."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def rate(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """numerator / denominator as a Decimal ratio (12345, 13000 -> 0.9496...); None when undefined.

    Undefined means a missing figure or a zero denominator: a campaign with nobody expected
    has no participation rate, which is not the same as 0%.
    """
    num, den = to_decimal(numerator), to_decimal(denominator)
    if num is None or den is None or den == 0:
        return None
    return num / den
