"""What the engine says kills each position, in a form numpy can test on many prices at once.

This is the one module of ``sandbox.risk`` that reads an ``Account``, and it uses only the engine's
public names (``Account.positions``, ``.marks``, ``.cross_wallet``, ``.profile.margin``,
``curve.first_root``, ``curve.segment_at``, ``curve.headroom``, ``Position.unrealized_pnl``).
Nothing here re-derives a margin rule:

- An **isolated** lot has a fixed trigger: the engine's exact liquidation price
  (``first_root`` on its own wallet, walking down for a long and up for a short). A long is
  liquidated at any mark at or below it, a short at or above it.
- The **cross pool** is liquidated where ``cross_wallet + Σ_symbols f_s(P_s) ≤ 0``, and each
  ``f_s`` is piecewise linear in its mark (``curve.segment_at`` gives ``a·P + b`` on
  ``[lo, hi)``). Walking the segments tabulates ``f_s`` exactly for every price.

Prices on simulated paths are floats; the engine sees each as the shortest decimal that reads back
as the same float (``Decimal(repr(x))``), which is exact in its 28 digits. That mapping is strictly
increasing, so an isolated trigger becomes one float threshold with exactly the engine's answer
(``float_at_or_below``/``float_at_or_above``). The pool is evaluated in floats with an error far
below ``Pool.tolerance``; points that close to zero are settled exactly with ``Pool.exact``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal

import numpy as np

from ..engine import Account
from ..engine.curve import INF, Segment, first_root, headroom, segment_at
from ..engine.instrument import ZERO
from ..engine.position import Position
from ..engine.profile import MarginRules

_NEXT = Context(prec=28)
_START = Decimal("1e-8")  # the lowest price the engine holds (limits.MIN_PRICE)
# The float sum of a pool's headroom is off by far less than this share of the sum of the sizes
# of its terms (a few ulps of each); within it the exact decimal decides.
RELATIVE_TOLERANCE = 1e-9
_JUMP = Decimal("1e-18")


def engine_price(x: float) -> Decimal:
    """The decimal the engine sees for a float price on a path (exact, at most 17 digits)."""
    return Decimal(repr(float(x)))


def float_at_or_below(limit: Decimal) -> float:
    """The largest float ``x`` with ``engine_price(x) ≤ limit``."""
    x = float(limit)
    while engine_price(x) > limit:
        x = math.nextafter(x, -math.inf)
    while engine_price(up := math.nextafter(x, math.inf)) <= limit:
        x = up
    return x


def float_at_or_above(limit: Decimal) -> float:
    """The smallest float ``x`` with ``engine_price(x) ≥ limit``."""
    x = float(limit)
    while engine_price(x) < limit:
        x = math.nextafter(x, math.inf)
    while engine_price(down := math.nextafter(x, -math.inf)) >= limit:
        x = down
    return x


@dataclass(frozen=True, slots=True)
class IsolatedLot:
    """An isolated position: liquidated at any mark at or beyond ``trigger`` (a float with the
    engine's exact answer), never if ``trigger`` is None."""

    id: str
    symbol: str
    long: bool
    qty: Decimal
    entry: Decimal
    wallet: Decimal  # what a liquidation takes
    root: Decimal | None  # the engine's exact liquidation price
    trigger: float | None

    def hit(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """Liquidated on paths whose lowest (long) or highest (short) mark reached the trigger."""
        if self.trigger is None:
            return np.zeros(low.shape, dtype=bool)
        out: np.ndarray = low <= self.trigger if self.long else high >= self.trigger
        return out

    def equity(self, price: np.ndarray) -> np.ndarray:
        """Wallet + unrealised PnL at ``price`` (float) while it lives."""
        sign = 1.0 if self.long else -1.0
        out: np.ndarray = float(self.wallet) + sign * float(self.qty) * (price - float(self.entry))
        return out


@dataclass(frozen=True, slots=True)
class Headroom:
    """``f(P)`` of the cross positions of one symbol: ``a[i]·P + b[i]`` on ``[lo[i], lo[i+1])``.

    ``lo[0]`` is 0 and the last piece runs to infinity. ``jumps`` says whether ``f`` is
    discontinuous somewhere (tier tables without a maintenance amount), where a float price a
    hair from a bound could take the wrong piece, so those points are settled exactly.
    """

    symbol: str
    positions: tuple[Position, ...]
    rules: MarginRules
    lo: np.ndarray
    a: np.ndarray
    b: np.ndarray
    jumps: bool

    def __call__(self, price: np.ndarray) -> np.ndarray:
        out: np.ndarray
        if len(self.lo) == 1:
            out = self.a[0] * price + self.b[0]
            return out
        lo_p, hi_p = float(np.min(price)), float(np.max(price))
        first = int(np.searchsorted(self.lo, lo_p, side="right")) - 1
        last = int(np.searchsorted(self.lo, hi_p, side="right")) - 1
        if first == last:  # every price on one piece: no gather
            out = self.a[first] * price + self.b[first]
            return out
        idx = np.searchsorted(self.lo, price, side="right") - 1
        out = self.a[idx] * price + self.b[idx]
        return out

    def near_bound(self, price: np.ndarray) -> np.ndarray:
        """Prices within a relative 1e-12 of a bound where ``f`` jumps (empty when it never does)."""
        if not self.jumps:
            return np.zeros(price.shape, dtype=bool)
        bounds = self.lo[1:]
        i = np.searchsorted(bounds, price)
        last = len(bounds) - 1
        left, right = bounds[np.clip(i - 1, 0, last)], bounds[np.clip(i, 0, last)]
        reach = 1e-12 * price
        near: np.ndarray = (np.abs(price - left) <= reach) | (np.abs(price - right) <= reach)
        return near

    def size(self, top: float) -> float:
        """A bound on ``|a·P| + |b|`` for prices up to ``top`` (for the tolerance)."""
        return float(np.max(np.abs(self.a)) * top + np.max(np.abs(self.b)))

    def exact(self, price: Decimal) -> Decimal:
        return headroom(self.positions, self.rules, price)


@dataclass(frozen=True, slots=True)
class Pool:
    """The cross pool: liquidated where ``wallet + Σ legs[s](P_s) ≤ 0``; then every cross
    position closes and the wallet keeps ``max(wallet + Σ uPnL − Σ qty·P·liquidation fee, 0)``
    (engine-rules.md § Liquidation: losses and fees from the cross wallet, which stops at zero)."""

    wallet: Decimal
    legs: Mapping[str, Headroom]
    ids: tuple[str, ...]
    net: Mapping[str, float]  # Σ sign·qty per symbol: uPnL = net·P − cost
    cost: Mapping[str, float]  # Σ sign·qty·entry
    fee_qty: Mapping[str, float]  # Σ qty·liquidation fee rate: the fee is fee_qty·P
    marks: Mapping[str, Decimal]  # the current marks of the legs' symbols

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.legs)

    def tolerance(self, tops: Mapping[str, float]) -> float:
        """Below this distance from zero a float headroom is checked exactly."""
        size = abs(float(self.wallet)) + sum(leg.size(tops[s]) for s, leg in self.legs.items())
        return RELATIVE_TOLERANCE * size

    def exact(self, prices: Mapping[str, Decimal]) -> Decimal:
        """``wallet + Σ f_s(P_s)`` in the engine's own arithmetic."""
        total = self.wallet
        for s, leg in self.legs.items():
            total += leg.exact(prices[s])
        return total

    def upnl(self, prices: Mapping[str, np.ndarray]) -> np.ndarray:
        return sum((self.net[s] * prices[s] - self.cost[s] for s in self.legs), np.zeros(()))

    def left_after(self, prices: Mapping[str, np.ndarray]) -> np.ndarray:
        """The cross wallet after a wipe at these marks."""
        left = float(self.wallet) + sum(
            ((self.net[s] - self.fee_qty[s]) * prices[s] - self.cost[s] for s in self.legs), np.zeros(())
        )
        return np.maximum(left, 0.0)


@dataclass(frozen=True, slots=True)
class Book:
    """One account at one moment, as the Monte Carlo and the hedge map need it."""

    marks: Mapping[str, Decimal]
    isolated: tuple[IsolatedLot, ...]
    pool: Pool | None
    cross_wallet: Decimal  # the pool's wallet, or simply money when nothing is cross
    equity: Decimal  # total wallet + every unrealised PnL now
    positions: Mapping[str, str]  # id → symbol, every open position

    @property
    def symbols(self) -> tuple[str, ...]:
        """Symbols with a position, sorted: the order a minute's marks reach the engine."""
        return tuple(sorted(set(self.positions.values())))

    def lots_on(self, symbol: str) -> list[str]:
        return [pid for pid, s in self.positions.items() if s == symbol]


def tabulate(positions: Sequence[Position], rules: MarginRules) -> tuple[list[Segment], bool]:
    """The pieces of ``f`` from price 0 up, walking ``segment_at``; and whether ``f`` jumps.

    A piece's bounds are rounded inwards, so the bound itself may fall in a sliver one unit of the
    28th digit wide; the walk steps over it.
    """
    pieces: list[Segment] = []
    jumps = False
    price = _START
    seg = segment_at(positions, rules, price)
    pieces.append(Segment(ZERO, seg.hi, seg.a, seg.b))
    while seg.hi != INF:
        bound = seg.hi
        price = bound
        nxt = segment_at(positions, rules, price)
        for _ in range(64):
            if nxt.holds(price):
                break
            price = _NEXT.next_plus(price)
            nxt = segment_at(positions, rules, price)
        else:
            raise ValueError(f"the headroom's pieces do not advance past {bound}")
        # Continuous brackets meet at the breakpoint (the bound is rounded, so compare loosely);
        # tier tables without a maintenance amount step there.
        left, right = seg.a * bound + seg.b, nxt.a * bound + nxt.b
        if abs(left - right) > _JUMP * (abs(left) + abs(seg.a * bound) + 1):
            jumps = True
        pieces.append(Segment(bound, nxt.hi, nxt.a, nxt.b))
        seg = nxt
    return pieces, jumps


def book(account: Account) -> Book:
    """The thresholds of every open position of ``account`` at its current marks."""
    rules = account.profile.margin
    marks = dict(account.marks)
    isolated: list[IsolatedLot] = []
    cross: dict[str, list[Position]] = {}
    equity = account.cross_wallet
    for p in account.positions.values():
        mark = marks[p.symbol]
        equity += p.unrealized_pnl(mark)
        if p.isolated:
            equity += p.isolated_wallet
            long = p.sign > 0
            root = first_root([p], rules, p.isolated_wallet, mark, long)
            trigger = None
            if root is not None:
                trigger = float_at_or_below(root) if long else float_at_or_above(root)
            isolated.append(
                IsolatedLot(p.id, p.symbol, long, p.qty, p.entry, p.isolated_wallet, root, trigger)
            )
        else:
            cross.setdefault(p.symbol, []).append(p)
    pool = None
    if cross:
        legs = {}
        for symbol in sorted(cross):
            lots = cross[symbol]
            pieces, jumps = tabulate(lots, rules)
            legs[symbol] = Headroom(
                symbol,
                tuple(lots),
                rules,
                np.array([float(s.lo) for s in pieces]),
                np.array([float(s.a) for s in pieces]),
                np.array([float(s.b) for s in pieces]),
                jumps,
            )
        pool = Pool(
            account.cross_wallet,
            legs,
            tuple(p.id for p in account.positions.values() if not p.isolated),
            {s: float(sum((p.sign * p.qty for p in lots), ZERO)) for s, lots in cross.items()},
            {s: float(sum((p.sign * p.qty * p.entry for p in lots), ZERO)) for s, lots in cross.items()},
            {
                s: float(sum((p.qty * p.instrument.liquidation_fee for p in lots), ZERO))
                for s, lots in cross.items()
            },
            {s: marks[s] for s in legs},
        )
    positions = {p.id: p.symbol for p in account.positions.values()}
    return Book(marks, tuple(isolated), pool, account.cross_wallet, equity, positions)
