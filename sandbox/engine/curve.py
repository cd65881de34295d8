"""Margin headroom of positions on one symbol as a piecewise-linear function of its mark.

For positions on one symbol, ``f(P) = Σ side·(qty·P − cost) − Σ requirement(P)``. A pool (or an
isolated wallet) holding ``C`` besides them is liquidated where ``C + f(P) ≤ 0``. The requirement
is ``notional × mmr − maintenance_amount`` of the bracket that holds the notional (plus the taker
fee on the notional where a profile says so), so ``f`` is linear between the prices at which some
position changes bracket. Binance's closed form (margin-math §1.2) is this equation solved on one
such piece; walking the pieces from the current mark finds the bracket "at the liquidation price"
(§1.4c) without guessing, for one position or for many.

Three uses, three shapes:
- ``Segment``: the piece that holds the current mark, with conservative bounds, so that a price
  tick costs one multiply-add and two comparisons whatever the number of positions.
- ``Curve``: every piece over the whole price axis. It depends on the positions only, not on the
  mark or on what else the pool holds, so it is built once per change of the positions and then
  answers ``root`` (the liquidation price) for any start and reserve, usually in a few steps:
  each piece carries the reserve below which the walk would stop on it, and the walk jumps over
  runs of pieces that cannot stop it. A cross pool's reserve changes with every other symbol's
  tick; this is what keeps its liquidation prices cheap to refresh every frame.
- ``first_root(positions, …)``: the same answer for a list of positions (builds their curve).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

from .instrument import ZERO
from .position import Position
from .profile import MaintenanceBasis, MarginRules

INF = Decimal("Infinity")
_NEG_INF = -INF
_UP = Context(prec=28, rounding=ROUND_CEILING)
_DOWN = Context(prec=28, rounding=ROUND_FLOOR)
# Relative size of the rounding error of a few 28-digit operations, with a wide margin: a piece is
# skipped only when the reserve clears its threshold by more than this.
_SLACK = Decimal("1e-24")


def requirement(p: Position, rules: MarginRules, mark: Decimal) -> Decimal:
    """Maintenance requirement of one position at ``mark`` (what its margin ratio divides)."""
    inst = p.instrument
    notional = p.cost if rules.maintenance_basis is MaintenanceBasis.ENTRY else p.qty * mark
    bracket = inst.bracket(notional)
    mm = notional * bracket.mmr - bracket.maintenance_amount
    if rules.fee_in_requirement:
        mm += p.qty * mark * inst.taker_fee
    return mm


def _terms(p: Position, idx: int, rules: MarginRules) -> tuple[Decimal, Decimal]:
    """Slope and intercept of one position's share of ``f`` while its notional is in bracket idx."""
    q = p.qty
    a = p.sign * q
    b = -p.sign * p.cost
    inst = p.instrument
    if rules.fee_in_requirement:
        a -= q * inst.taker_fee
    if rules.maintenance_basis is MaintenanceBasis.ENTRY:
        bracket = inst.bracket(p.cost)
        b -= p.cost * bracket.mmr - bracket.maintenance_amount
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


@dataclass(frozen=True, slots=True)
class Curve:
    """``f`` over the whole price axis: on piece ``i``, ``xs[i] ≤ P < xs[i+1]`` (``xs[0] = 0``, the
    last piece unbounded), ``f(P) = a[i]·P + b[i]``.

    ``down_stop[i]`` is (to rounding) the largest reserve for which a walk down reaches no further
    than piece ``i``: a root inside it, or the jump at its lower edge. ``down_skip[i]`` is the
    nearest piece below with a larger threshold: every piece in between has a smaller one, so a
    reserve that clears piece ``i`` clears them all. ``up_stop``/``up_skip`` likewise upwards.
    """

    xs: tuple[Decimal, ...]
    a: tuple[Decimal, ...]
    b: tuple[Decimal, ...]
    down_stop: tuple[Decimal, ...]
    down_skip: tuple[int, ...]
    up_stop: tuple[Decimal, ...]
    up_skip: tuple[int, ...]
    scale: Decimal  # the size of the numbers a threshold is made of, for the rounding slack

    @classmethod
    def of(cls, positions: Iterable[Position], rules: MarginRules) -> Curve:
        by_mark = _moves_with_mark(rules)
        a0 = b0 = ZERO
        steps: list[tuple[Decimal, Decimal, Decimal]] = []  # (price, Δa, Δb) where a bracket changes
        for p in positions:
            if not by_mark:
                da, db = _terms(p, 0, rules)
                a0 += da
                b0 += db
                continue
            brackets = p.instrument.brackets
            previous = _terms(p, 0, rules)
            a0 += previous[0]
            b0 += previous[1]
            for j in range(1, len(brackets)):
                terms = _terms(p, j, rules)
                x = _UP.divide(brackets[j].floor, p.qty)
                steps.append((x, terms[0] - previous[0], terms[1] - previous[1]))
                previous = terms
        steps.sort(key=lambda s: s[0])
        xs, a, b = [ZERO], [a0], [b0]
        for x, da, db in steps:
            if x == xs[-1]:
                a[-1] += da
                b[-1] += db
            else:
                xs.append(x)
                a.append(a[-1] + da)
                b.append(b[-1] + db)
        n = len(xs)
        scale = ZERO
        down_stop: list[Decimal] = []
        up_stop: list[Decimal] = []
        for i in range(n):
            lo = xs[i]
            hi = xs[i + 1] if i + 1 < n else None
            scale = max(scale, abs(a[i]) * (hi if hi is not None else lo) + abs(b[i]))
            stop = -(a[i] * lo + b[i]) if a[i] > 0 else _NEG_INF
            if i > 0:
                stop = max(stop, -(a[i - 1] * lo + b[i - 1]))
            down_stop.append(stop)
            if hi is None:
                up_stop.append(INF if a[i] < 0 else _NEG_INF)
            else:
                stop = -(a[i] * hi + b[i]) if a[i] < 0 else _NEG_INF
                up_stop.append(max(stop, -(a[i + 1] * hi + b[i + 1])))
        return cls(
            tuple(xs),
            tuple(a),
            tuple(b),
            tuple(down_stop),
            _nearest_larger(down_stop, reverse=False),
            tuple(up_stop),
            _nearest_larger(up_stop, reverse=True),
            scale,
        )

    def piece(self, price: Decimal) -> int:
        return bisect_right(self.xs, price) - 1

    def at(self, price: Decimal) -> Decimal:
        i = self.piece(price)
        return self.a[i] * price + self.b[i]

    def slope(self, price: Decimal) -> Decimal:
        return self.a[self.piece(price)]

    def root(self, reserve: Decimal, start: Decimal, down: bool) -> Decimal | None:
        """The first mark, walking from ``start`` (down or up), where ``reserve + f(P) ≤ 0``.

        Returns ``start`` itself when the headroom is already gone, ``None`` when it never runs
        out in that direction (or only at a price ≤ 0). Exact to 28 digits; rounding it for
        display is the caller's business. Pieces whose threshold the reserve clears by more than
        rounding could matter are jumped over; every other piece is checked exactly.
        """
        xs, a, b = self.xs, self.a, self.b
        i = bisect_right(xs, start) - 1
        if reserve + a[i] * start + b[i] <= 0:
            return start
        slack = (abs(reserve) + self.scale) * _SLACK
        if down:
            stops, skip = self.down_stop, self.down_skip
            while i >= 0:
                if reserve > stops[i] + slack:
                    i = skip[i]
                    continue
                edge = xs[i]
                if a[i] > 0:
                    root = _DOWN.divide(-(reserve + b[i]), a[i])
                    if root >= edge:
                        return root if root > 0 else None
                if i == 0:
                    return None
                # Across the edge the headroom is unchanged with continuous brackets; with tier
                # tables without a maintenance amount it can jump, and then the edge itself is
                # where liquidation starts.
                if reserve + a[i - 1] * edge + b[i - 1] <= 0:
                    return edge
                i -= 1
            return None
        last = len(xs) - 1
        stops, skip = self.up_stop, self.up_skip
        while i <= last:
            if reserve > stops[i] + slack:
                i = skip[i]
                continue
            edge = xs[i + 1] if i < last else INF
            if a[i] < 0:
                root = _UP.divide(-(reserve + b[i]), a[i])
                if root < edge:
                    return root
            if i == last:
                return None
            if reserve + a[i + 1] * edge + b[i + 1] <= 0:
                return edge
            i += 1
        return None


def _nearest_larger(values: list[Decimal], reverse: bool) -> tuple[int, ...]:
    """For each index, the nearest index before it (after it, with ``reverse``) holding a larger
    value; -1 (len) where there is none."""
    n = len(values)
    out = [n if reverse else -1] * n
    stack: list[int] = []
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        while stack and values[stack[-1]] <= values[i]:
            stack.pop()
        if stack:
            out[i] = stack[-1]
        stack.append(i)
    return tuple(out)


def first_root(
    positions: Sequence[Position], rules: MarginRules, reserve: Decimal, start: Decimal, down: bool
) -> Decimal | None:
    """The first mark, walking from ``start`` (down or up), where ``reserve + f(P) ≤ 0`` for these
    positions; see ``Curve.root``."""
    return Curve.of(positions, rules).root(reserve, start, down)
