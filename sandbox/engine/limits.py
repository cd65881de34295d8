"""The numbers the engine holds, and the one place that says so.

Inputs within these ranges never make a decimal exception escape the engine, and keep its money
exact: a price from 1e-8 to a billion, a quantity up to a billion, money up to a trillion, each with
at most eight decimals, leverage up to 1,000×. A position's notional at a fill is at most its
instrument's last bracket cap (opens above it are refused; caps are at most ``MAX_MONEY``), so a
fill's quantity × price (at most 16 decimals) fits Python's 28-digit default context exactly, and
booked money is rounded to 1e-8 (``money.py``). A mark that later moves far beyond the fill only
makes a requirement or a uPnL round at the 28th digit; rounding for display uses a wide context.
Readers of files and the window check inputs against these ranges before anything reaches the
engine, and the engine rejects a command outside them with the code ``out_of_range``.
"""

from __future__ import annotations

from decimal import Decimal

MIN_PRICE = Decimal("0.00000001")
MAX_PRICE = Decimal(10**9)
MAX_QTY = Decimal(10**9)
MAX_MONEY = Decimal(10**12)  # balances, deposits, withdrawals, margin amounts (USDT)
MAX_LEVERAGE = 1000
MAX_TIME_MS = 10**15  # about 31,700 years of session time
PLACES = 8  # decimals a price, quantity or amount may carry (Binance's finest precision)
_QUANTUM = Decimal(1).scaleb(-PLACES)


def problem(value: object, what: str, low: Decimal, high: Decimal, low_inclusive: bool = True) -> str | None:
    """Why ``value`` is not a usable ``what`` (a phrase for a sentence), or None if it is.

    ``value`` must be a ``Decimal``; non-finite values, more than ``PLACES`` decimals and values
    outside ``[low, high]`` (or ``(low, high]``) are refused.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        shown = str(value) if isinstance(value, Decimal) else repr(value)
        return f"{what} must be a finite number, not {shown:.40}"
    if value > high:
        return f"{what} must be at most {high:,}, not {value:.40}"
    if value < low or (not low_inclusive and value == low):
        sign = "≥" if low_inclusive else "above"
        return f"{what} must be {sign} {low:f}, not {value:.40}"
    # within the range, quantizing cannot outgrow the default context (and is cheaper than
    # reading the exponent: a price event goes through here)
    if value.quantize(_QUANTUM) != value:
        return f"{what} has more than {PLACES} decimals"
    return None


def price_problem(value: object) -> str | None:
    return problem(value, "a price", MIN_PRICE, MAX_PRICE)


def qty_problem(value: object) -> str | None:
    return problem(value, "a quantity", Decimal(0), MAX_QTY, low_inclusive=False)


def money_problem(value: object, what: str = "an amount", allow_negative: bool = False) -> str | None:
    return problem(value, what, -MAX_MONEY if allow_negative else Decimal(0), MAX_MONEY)


def rate_problem(value: object) -> str | None:
    """Why ``value`` is not a usable funding rate: a number strictly between -1 and 1 (a whole
    notional a settlement) with at most ``PLACES`` decimals."""
    out = problem(value, "a funding rate", Decimal(-1), Decimal(1), low_inclusive=False)
    if out is None and value == 1:
        return "a funding rate must be below 1, not 1"
    return out


def leverage_problem(value: object) -> str | None:
    """Why ``value`` is not a usable leverage: a whole number from 1 to ``MAX_LEVERAGE``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return f"leverage must be a whole number from 1, not {value!r:.40}"
    if value > MAX_LEVERAGE:
        return f"leverage must be at most {MAX_LEVERAGE}×, not {value}×"
    return None
