"""Numbers in sentences: the rejection and liquidation messages people read.

None of these raises, whatever the decimal: a number too large to write out in full (beyond
``_LONGEST`` digits: far outside what the engine holds, see ``limits.py``) is written in
scientific notation, and a non-finite one as itself.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .money import divide

_LONGEST = 30  # digits before the point beyond which a number is written as 1.23E+40
_MOST_PLACES = 12


def _unwritable(value: Decimal) -> str | None:
    """How to write ``value`` when it is not a finite number of sensible size, else None."""
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "-∞" if value < 0 else "∞"
    if value.adjusted() >= _LONGEST:
        return f"{value:.3E}"
    return None


def _fixed(value: Decimal, places: int) -> str:
    """Grouped thousands, ``places`` decimals (half to even), never "-0.00"."""
    shown = f"{value:,.{places}f}"
    return shown[1:] if shown.startswith("-") and not shown.strip("-0.,") else shown


def money(value: Decimal) -> str:
    """``1234.5 → '1,234.50'`` (USDT amounts, two decimals)."""
    return _unwritable(value) or _fixed(value, 2)


def _places(tick: Decimal) -> int:
    if not tick.is_finite() or tick.is_zero():
        return 2
    exponent = tick.normalize().as_tuple().exponent
    return min(max(-exponent if isinstance(exponent, int) else 0, 2), _MOST_PLACES)


def price(value: Decimal, tick: Decimal) -> str:
    """A price with as many decimals as the instrument's tick size (at least two)."""
    return _unwritable(value) or _fixed(value, _places(tick))


def qty(value: Decimal) -> str:
    """A quantity as it is, without trailing zeros (``0.100 → '0.1'``)."""
    odd = _unwritable(value)
    if odd is not None:
        return odd
    shown = f"{value:f}"
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return "0" if shown in ("-0", "") else shown


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
    if value is None or not value.is_finite() or not mark.is_finite():
        return None
    down = value < mark
    steps = divide(value, tick) if tick.is_finite() and tick > 0 else None
    if steps is None:
        return None
    shown = steps.to_integral_value(ROUND_FLOOR if down else ROUND_CEILING) * tick
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
