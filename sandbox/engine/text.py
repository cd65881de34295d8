"""Numbers in sentences: the rejection and liquidation messages people read."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

_CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """``1234.5 → '1,234.50'`` (USDT amounts, two decimals)."""
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    return f"{rounded.copy_abs() if rounded == 0 else rounded:,}"  # never "-0.00"


def price(value: Decimal, tick: Decimal) -> str:
    """A price with as many decimals as the instrument's tick size (at least two)."""
    places = max(-tick.normalize().as_tuple().exponent, 2)
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):,}"


def qty(value: Decimal) -> str:
    return f"{value.normalize():f}"
