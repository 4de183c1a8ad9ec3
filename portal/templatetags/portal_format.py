"""Numbers the way the reader's language writes them: {% load portal_format %}.

``{{ 46540|number }}`` -> "46.540" (vi) / "46,540" (en); ``{{ ratio|percent }}`` -> "95,74%" / "95.74%";
``{% rate done expected as r %}{{ r|percent }}``. Missing values and zero denominators show "—".

Grouping is forced here rather than left to USE_THOUSAND_SEPARATOR, so these filters give the same
answer whatever that setting is, and ids or years printed with plain ``{{ }}`` are the setting's business.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format

from portal.lib.numbers import Number, to_decimal
from portal.lib.numbers import rate as _rate

register = template.Library()

MISSING = "—"


@register.filter
def number(value: Number | str | None, decimal_pos: int | None = None) -> str:
    """A number with the active language's thousands and decimal separators."""
    amount = to_decimal(value)
    if amount is None:
        return MISSING
    if decimal_pos is not None:
        decimal_pos = int(decimal_pos)
        amount = amount.quantize(Decimal(1).scaleb(-decimal_pos), rounding=ROUND_HALF_UP)
    return number_format(amount, decimal_pos=decimal_pos, use_l10n=True, force_grouping=True)


@register.filter
def percent(ratio: Number | str | None, decimal_pos: int = 2) -> str:
    """A ratio as a percentage: 0.9574 -> "95,74%" (vi) / "95.74%" (en); None -> "—"."""
    amount = to_decimal(ratio)
    if amount is None:
        return MISSING
    return f"{number(amount * 100, decimal_pos)}%"


@register.simple_tag
def rate(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """``{% rate done expected as r %}``: the Decimal ratio, or None for a zero denominator."""
    return _rate(numerator, denominator)
