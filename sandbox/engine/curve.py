"""Margin headroom of positions on one symbol as a piecewise-linear function of its mark.

For positions on one symbol, ``f(P) = Σ side·qty·(P − entry) − Σ requirement(P)``. A pool (or an
isolated wallet) holding ``C`` besides them is liquidated where ``C + f(P) ≤ 0``. The requirement
is ``notional × mmr − maintenance_amount`` of the bracket that holds the notional (plus the taker
fee on the notional where a profile says so), so ``f`` is linear between the prices at which some
position changes bracket. Binance's closed form (margin-math §1.2) is this equation solved on one
such piece; walking the pieces from the current mark finds the bracket "at the liquidation price"
(§1.4c) without guessing, for one position or for many.

Two uses, two shapes:
- ``Segment``: the piece that holds the current mark, with conservative bounds, so that a price
  tick costs one multiply-add and two comparisons whatever the number of positions.
- ``first_root``: the first price, walking from the mark in one direction, where the headroom
  runs out. That is the liquidation price shown to the user.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

from .instrument import ZERO
from .position import Position
from .profile import MaintenanceBasis, MarginRules

INF = Decimal("Infinity")
_UP = Context(prec=28, rounding=ROUND_CEILING)
_DOWN = Context(prec=28, rounding=ROUND_FLOOR)


def requirement(p: Position, rules: MarginRules, mark: Decimal) -> Decimal:
    """Maintenance requirement of one position at ``mark`` (what its margin ratio divides)."""
    inst = p.instrument
    if rules.maintenance_basis is MaintenanceBasis.ENTRY:
        notional = p.qty * p.entry
    else:
        notional = p.qty * mark
    bracket = inst.bracket(notional)
    mm = notional * bracket.mmr - bracket.maintenance_amount
    if rules.fee_in_requirement:
        mm += p.qty * mark * inst.taker_fee
    return mm


def _terms(p: Position, idx: int, rules: MarginRules) -> tuple[Decimal, Decimal]:
    """Slope and intercept of one position's share of ``f`` while its notional is in bracket idx."""
    q = p.qty
    a = p.sign * q
    b = -p.sign * q * p.entry
    inst = p.instrument
    if rules.fee_in_requirement:
        a -= q * inst.taker_fee
    if rules.maintenance_basis is MaintenanceBasis.ENTRY:
        bracket = inst.bracket(q * p.entry)
        b -= q * p.entry * bracket.mmr - bracket.maintenance_amount
    else:
        bracket = inst.brackets[idx]
        a -= q * bracket.mmr
        b += bracket.maintenance_amount
    return a, b


def _moves_with_mark(rules: MarginRules) -> bool:
    return rules.maintenance_basis is MaintenanceBasis.MARK


@dataclass(slots=True)
class Segment:
    """``f(P) = a·P + b`` for every P in ``[lo, hi)``; the bounds are rounded inwards."""

    lo: Decimal
    hi: Decimal
    a: Decimal
    b: Decimal

    def holds(self, price: Decimal) -> bool:
        return self.lo <= price < self.hi


def segment_at(positions: Iterable[Position], rules: MarginRules, price: Decimal) -> Segment:
    a = b = ZERO
    lo, hi = ZERO, INF
    by_mark = _moves_with_mark(rules)
    for p in positions:
        idx = p.instrument.bracket_index(p.qty * price) if by_mark else 0
        da, db = _terms(p, idx, rules)
        a += da
        b += db
        if by_mark:
            brackets = p.instrument.brackets
            if idx > 0:
                lo = max(lo, _UP.divide(brackets[idx].floor, p.qty))
            if idx < len(brackets) - 1:
                hi = min(hi, _DOWN.divide(brackets[idx].cap, p.qty))
    return Segment(lo, hi, a, b)


def headroom(positions: Iterable[Position], rules: MarginRules, price: Decimal) -> Decimal:
    """``f(price)`` computed position by position (exact; used where a segment cannot be)."""
    total = ZERO
    for p in positions:
        total += p.unrealized_pnl(price) - requirement(p, rules, price)
    return total


def first_root(
    positions: Sequence[Position], rules: MarginRules, reserve: Decimal, start: Decimal, down: bool
) -> Decimal | None:
    """The first mark, walking from ``start`` (down or up), where ``reserve + f(P) ≤ 0``.

    Returns ``start`` itself when the headroom is already gone, ``None`` when it never runs out in
    that direction (or only at a price ≤ 0). The value is exact to 28 digits; rounding it for
    display is the caller's business.
    """
    by_mark = _moves_with_mark(rules)
    idx = [p.instrument.bracket_index(p.qty * start) if by_mark else 0 for p in positions]
    a = b = ZERO
    for p, i in zip(positions, idx):
        da, db = _terms(p, i, rules)
        a += da
        b += db
    if reserve + a * start + b <= 0:
        return start

    # Breakpoints: the prices at which one position's notional crosses into the next bracket in
    # the walking direction. A heap keeps the nearest first.
    heap: list[tuple[Decimal, int]] = []

    def push(k: int) -> None:
        if not by_mark:
            return
        brackets = positions[k].instrument.brackets
        if down and idx[k] > 0:
            heapq.heappush(heap, (-_DOWN.divide(brackets[idx[k]].floor, positions[k].qty), k))
        elif not down and idx[k] < len(brackets) - 1:
            heapq.heappush(heap, (_UP.divide(brackets[idx[k]].cap, positions[k].qty), k))

    for k in range(len(positions)):
        push(k)

    while True:
        edge = (-heap[0][0] if down else heap[0][0]) if heap else (ZERO if down else INF)
        # On this piece the headroom is linear; it runs out where a·P + b + reserve = 0.
        if down and a > 0:
            root = _DOWN.divide(-(reserve + b), a)
            if root >= edge:
                return root if root > 0 else None
        elif not down and a < 0:
            root = _UP.divide(-(reserve + b), a)
            if root < edge:
                return root
        if not heap:
            return None
        # Cross every breakpoint at this edge, then look at the headroom just beyond it: with
        # continuous brackets it is unchanged; with tier tables without a maintenance amount it
        # can jump, and then the edge itself is where liquidation starts.
        while heap and (-heap[0][0] if down else heap[0][0]) == edge:
            _, k = heapq.heappop(heap)
            old = _terms(positions[k], idx[k], rules)
            idx[k] += -1 if down else 1
            new = _terms(positions[k], idx[k], rules)
            a += new[0] - old[0]
            b += new[1] - old[1]
            push(k)
        if reserve + a * edge + b <= 0:
            return edge if edge > 0 else None
