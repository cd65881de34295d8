"""Resting orders and the per-symbol book that keeps the price tick cheap.

An order rests until the mark reaches its price (session-format.md § Additions). Which way that
is depends on what it does: buying (opening a long, closing a short) a ``limit`` fills when the
mark falls to or below its price and a ``stop`` when it rises to or above it; selling (opening a
short, closing a long) the reverse; a ``take_profit`` closes on the profitable side, which is the
limit's direction. So every resting order either fires "below" (when the mark is ≤ its price) or
"above" (≥ its price).

The book of one symbol keeps each kind sorted by price, like the isolated liquidation triggers:
the tick path compares the new mark with the highest "below" price and the lowest "above" price
and nothing else, however many orders rest. Only a tick that crosses one of them asks the book
which orders it crossed, in the order they fill: along the move (a falling mark meets the highest
price first), then in the order they were placed.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass
from decimal import Decimal

from .commands import Mode, OrderKind, Side

INF = Decimal("Infinity")
NEG_INF = Decimal("-Infinity")


def fires_below(kind: OrderKind, side: Side, opens: bool) -> bool:
    """Whether an order fills when the mark falls to its price (else when it rises to it)."""
    buying = (side == "long") == opens
    return (kind != "stop") == buying


@dataclass(frozen=True, slots=True)
class RestingOrder:
    """An order as it rests. ``side`` is the side of the position it opens or closes;
    ``position`` the lot it closes, or the id of the lot it opens; ``qty`` None closes all of it.
    ``reserved`` is what an opening order holds out of the available balance; ``seq`` its place
    in the order of placement; ``t`` when it was placed."""

    id: str
    kind: OrderKind
    symbol: str
    side: Side
    qty: Decimal | None
    price: Decimal
    position: str
    opens: bool
    leverage: int | None
    mode: Mode | None
    reserved: Decimal
    seq: int
    t: int
    below: bool  # fires when the mark is ≤ price (else ≥)


class Book:
    """The resting orders of one symbol, by trigger price. ``low_fire`` is the highest price of an
    order that fires below (−∞ if none) and ``high_fire`` the lowest of one that fires above (+∞):
    a mark strictly between them crosses nothing."""

    __slots__ = ("_above", "_below", "high_fire", "low_fire")

    def __init__(self) -> None:
        self._below: list[tuple[Decimal, int, str]] = []
        self._above: list[tuple[Decimal, int, str]] = []
        self.low_fire = NEG_INF
        self.high_fire = INF

    def __len__(self) -> int:
        return len(self._below) + len(self._above)

    def add(self, order: RestingOrder) -> None:
        insort(self._below if order.below else self._above, (order.price, order.seq, order.id))
        self._edges()

    def remove(self, order: RestingOrder) -> None:
        side = self._below if order.below else self._above
        side.pop(bisect_left(side, (order.price, order.seq, order.id)))
        self._edges()

    def _edges(self) -> None:
        self.low_fire = self._below[-1][0] if self._below else NEG_INF
        self.high_fire = self._above[0][0] if self._above else INF

    def crossed(self, mark: Decimal) -> list[str]:
        """Ids of the orders the mark ``mark`` fires, in the order they fill: a falling mark meets
        the highest "below" price first, a rising one the lowest "above" price; equal prices in
        the order the orders were placed."""
        out: list[str] = []
        if mark <= self.low_fire:
            start = bisect_left(self._below, (mark, -1, ""))
            hit = sorted(self._below[start:], key=lambda e: (-e[0], e[1]))
            out += [oid for _, _, oid in hit]
        if mark >= self.high_fire:
            for price, _, oid in self._above:
                if price > mark:
                    break
                out.append(oid)
        return out
