"""Numbers in sentences: the rejection and liquidation messages people read."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

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


# A liquidation price further than this from the mark (a short's price above twice the mark) is
# shown as out of reach rather than as a many-digit number nobody can act on.
FAR_FACTOR = Decimal(2)
NONE_WITHIN_REACH = "none within reach"


def liquidation_at_tick(value: Decimal | None, mark: Decimal, tick: Decimal) -> Decimal | None:
    """The first price on the instrument's tick at which the liquidation fires.

    ``value`` is the engine's exact liquidation price (a view's, already rounded to 1e-8 toward
    the side where it has not fired). Below the mark it fires at any mark ≤ it, so the tick at or
    below it; above the mark, the tick at or above it. Walking the mark to this price liquidates
    there and not a tick before. This is the one rule every screen and the command line follow.
    """
    if value is None:
        return None
    down = value < mark
    steps = (value / tick).to_integral_value(ROUND_FLOOR if down else ROUND_CEILING)
    shown = steps * tick
    return shown if shown > 0 else None


def liquidation(value: Decimal | None, mark: Decimal, tick: Decimal) -> str:
    """How a liquidation price reads everywhere (table, chart, dialogs, tooltips, summary).

    "—" when there is none, "none within reach" when it lies beyond twice the mark, else the
    price from ``liquidation_at_tick`` with the instrument's decimals.
    """
    shown = liquidation_at_tick(value, mark, tick)
    if shown is None:
        return "—"
    if shown > mark * FAR_FACTOR:
        return NONE_WITHIN_REACH
    return price(shown, tick)
