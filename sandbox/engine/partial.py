"""The arithmetic of stepped liquidation: tiers and the quantity a step leaves.

A stepped liquidation (Bybit's ladder, OKX's tier steps) reduces a position until its value fits a
lower tier. The value is the one the profile's maintenance is computed on: the entry value (the
remaining cost) where maintenance is valued at entry (Bybit), the notional at mark otherwise.
Bybit's risk limits are inclusive ("position value ≤ risk limit"), so its ladder takes a tier's
cap as reachable; OKX's tiers are read with the engine's ``[floor, cap)`` brackets, so a step
ends strictly below the cap (the engine would put a value equal to the cap in the next tier, and
OKX's maintenance has no deduction to make the two agree there).
"""

from __future__ import annotations

from decimal import Decimal

from .instrument import ZERO, Instrument
from .position import Position


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of ``step`` at or below ``value`` (≥ 0)."""
    if value <= 0:
        return ZERO
    return (value // step) * step


def tier_of(inst: Instrument, value: Decimal, inclusive: bool) -> int:
    """Index of the tier holding ``value``: the first whose cap is ≥ it (``inclusive``) or > it."""
    for i, b in enumerate(inst.brackets):
        if value < b.cap or (inclusive and value == b.cap):
            return i
    return len(inst.brackets) - 1


def value_of(p: Position, qty: Decimal, mark: Decimal, at_entry: bool) -> Decimal:
    """The tier value of what would remain of ``p`` if it held ``qty``."""
    if not at_entry:
        return qty * mark
    return p.cost - p.cost_of(p.qty - qty) if qty < p.qty else p.cost


def qty_within(p: Position, cap: Decimal, mark: Decimal, at_entry: bool, inclusive: bool) -> Decimal:
    """The largest quantity (a multiple of the step, at most the position's) whose tier value is
    ≤ ``cap`` (``inclusive``) or < ``cap``."""
    step = p.instrument.qty_step
    per_unit = p.cost / p.qty if at_entry else mark
    qty = min(floor_to_step(cap / per_unit, step), p.qty)

    def fits(q: Decimal) -> bool:
        v = value_of(p, q, mark, at_entry)
        return v < cap or (inclusive and v == cap)

    while qty > 0 and not fits(qty):
        qty -= step
    while qty + step <= p.qty and fits(qty + step):
        qty += step
    return max(qty, ZERO)


def reduced(p: Position, qty_after: Decimal) -> Position:
    """A copy of ``p`` holding only ``qty_after`` (what a step would leave), for trying a step."""
    out = p.copy()
    out.reduce(p.qty - qty_after)
    return out
