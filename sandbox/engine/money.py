"""Rounding decimals to a fixed number of places, the engine's way.

Money moves in steps of 1e-8 (``QUANTUM``, Binance's finest precision): a fee, a realised PnL, a
margin moved between wallets is rounded once, when it is booked, and every wallet is then an exact
sum of such amounts, so nothing drifts however long a session runs. Which way each amount rounds
is part of the rules (README, "The rules and the numbers"): what the user must put up (an initial
margin) rounds up, what they may take (the available balance, a released margin) rounds down,
fees and PnL round half to even.

``quantize`` never raises: Python's default context (28 digits) refuses to quantize a value whose
result needs more digits, so the engine quantizes in a wide context of its own, and a value too
large even for that (far outside ``limits.py``) is returned as it is rather than raising.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal

QUANTUM = Decimal("1e-8")
# Wide enough for any number the engine meets within limits.py (sums of a few thousand amounts
# below 1e21 with 16 decimals need fewer than 40 digits), with room to spare; no traps, so a
# result it cannot hold is a NaN we can see rather than an exception.
_WIDE = Context(prec=80, Emax=999_999, Emin=-999_999, traps=[])


def quantize(value: Decimal, exp: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """``value`` rounded to the places of ``exp``; never "-0" and never an exception."""
    out = value.quantize(exp, rounding=rounding, context=_WIDE)
    if not out.is_finite():
        return value
    return out.copy_abs() if out.is_zero() else out


def round_money(value: Decimal) -> Decimal:
    """A booked amount (fee, realised PnL, a cost portion): to 1e-8, half to even."""
    return quantize(value, QUANTUM, ROUND_HALF_EVEN)


def ceil_money(value: Decimal) -> Decimal:
    """What the user must put up (an initial margin): to 1e-8, up."""
    return quantize(value, QUANTUM, ROUND_CEILING)


def floor_money(value: Decimal) -> Decimal:
    """What the user may take (available balance, a released share of a wallet): to 1e-8, down."""
    return quantize(value, QUANTUM, ROUND_FLOOR)


def below(value: Decimal) -> Decimal:
    """The largest multiple of 1e-8 strictly below ``value``."""
    return ceil_money(value) - QUANTUM


def divide(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """A quotient in the wide context; None where there is none (a zero or non-finite result)."""
    if denominator == 0:
        return None
    out = _WIDE.divide(numerator, denominator)
    return out if out.is_finite() else None
