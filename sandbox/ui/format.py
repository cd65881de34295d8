"""How the window writes numbers: prices, sizes, percents, times. One place, so every panel says
the same thing the same way.

Money, prices and liquidation prices are the engine's text layer (``sandbox.engine.text``); this
module only adds what a screen needs on top: quantities on the instrument's step, percents, signs,
the distance of a price from the mark, and session or market time.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from ..engine import PositionView, text

DASH = "—"
MINUS = "−"  # the typographic minus, for signed distances (money keeps the plain hyphen)
EPOCH_THRESHOLD_S = 86400 * 365 * 5  # times past 1975 are dates; smaller ones are session time

money = text.money
price = text.price
decimal = text.qty  # a number as exact as the engine holds it, without trailing zeros ("0.1", "6")


def places(step: Decimal) -> int:
    """Decimals of a tick or quantity step (``0.001`` → 3, ``1`` → 0)."""
    exponent = step.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """A quantity rounded down to the instrument's step: what an order or a close can ask for."""
    return (value / step).to_integral_value(ROUND_FLOOR) * step


def round_to_tick(value: Decimal, tick: Decimal) -> Decimal:
    """A price on the instrument's tick (half-even), never below one tick."""
    return max((value / tick).to_integral_value(ROUND_HALF_EVEN) * tick, tick)


def base_asset(symbol: str) -> str:
    for quote in ("USDT", "USDC", "USD"):
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)]
    return symbol


def qty(value: Decimal, step: Decimal) -> str:
    """A quantity with as many decimals as the instrument's step (``0.1`` BTC → ``0.100``)."""
    return f"{value:,.{places(step)}f}"


def size(value: Decimal, symbol: str, step: Decimal) -> str:
    """``0.100 BTC``."""
    return f"{qty(value, step)} {base_asset(symbol)}"


def signed_money(value: Decimal) -> str:
    shown = money(value)
    return "+" + shown if value > 0 and shown != "0.00" else shown


def pct(value: Decimal | float | None, signed: bool = False, decimals: int = 2, minus: str = "-") -> str:
    """A fraction as a percent: ``0.1234 → '12.34 %'``; "—" for None; never "-0.00 %".

    ``signed`` adds "+" to positive values; ``minus`` is the sign a negative one gets."""
    if value is None:
        return DASH
    if isinstance(value, float):
        value = Decimal(repr(value))
    shown = f"{abs(value) * 100:,.{decimals}f}"
    if float(shown.replace(",", "")) == 0:
        return f"{shown} %"
    if value < 0:
        return f"{minus}{shown} %"
    return f"+{shown} %" if signed else f"{shown} %"


def distance(value: Decimal, mark: Decimal) -> str:
    """How far ``value`` lies from the mark, signed: ``−4.62 %``."""
    return pct(value / mark - 1, signed=True, minus=MINUS)


def price_or_dash(value: Decimal | float | None, tick: Decimal) -> str:
    """A price read off a screen position (a float from the crosshair) or the engine; "—" if none."""
    if value is None:
        return DASH
    if not isinstance(value, Decimal):
        if not math.isfinite(value):
            return DASH
        value = Decimal(repr(float(value)))
    return price(value, tick)


# -- liquidation prices: the engine's one display rule (``text.liquidation``, where a line goes:
# ``text.liquidation_at_tick``), for an engine value or a position on its instrument's tick
liquidation_text = text.liquidation
liquidation_tick = text.liquidation_at_tick


def liquidation(p: PositionView, tick: Decimal) -> str:
    """The text every panel shows for ``p``'s liquidation price ("—", "none within reach" or the
    first tick at which it fires)."""
    return text.liquidation(p.liquidation_price, p.mark_price, tick)


def liquidation_at(p: PositionView, tick: Decimal) -> Decimal | None:
    """Where a chart draws ``p``'s liquidation line (None: no line)."""
    return text.liquidation_at_tick(p.liquidation_price, p.mark_price, tick)


def within_reach(value: Decimal | None, mark: Decimal, tick: Decimal) -> bool:
    """True when a liquidation price reads as a number a person can act on (not "—" and not
    "none within reach")."""
    shown = text.liquidation_at_tick(value, mark, tick)
    return shown is not None and shown <= mark * text.FAR_FACTOR


# -- time
def elapsed(seconds: float, with_ms: bool = False) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    whole = int(seconds)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    out = f"{sign}{h}:{m:02d}:{s:02d}"
    if with_ms:
        out += f".{round((seconds - whole) * 1000) % 1000:03d}"
    return out


def clock(seconds: float, with_ms: bool = False) -> str:
    """Session time (from 0) as h:mm:ss, market time (epoch) as a UTC date and time."""
    if abs(seconds) < EPOCH_THRESHOLD_S:
        return elapsed(seconds, with_ms)
    try:
        d = datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):  # past the year 9999: a file may say so (t ≤ 10¹⁵ ms)
        return elapsed(seconds, with_ms)
    out = d.strftime("%Y-%m-%d %H:%M:%S")
    if with_ms:
        out += f".{d.microsecond // 1000:03d}"
    return out + " UTC"


# -- characters every font can draw
# A few characters that names and titles use are missing from the fonts a Debian desktop has by
# default (DejaVu): Qt would draw a box. They are written the way people type them instead.
_PLAIN = str.maketrans({"\u24c8": "S"})  # a circled S, as in Binance's "USDS-M"


def drawable(text: str) -> str:
    """``text`` with the characters the default fonts lack replaced (USD-circled-S-M → "USDS-M")."""
    return text.translate(_PLAIN)
