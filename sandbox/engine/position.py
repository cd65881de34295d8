"""A position: an independent lot with its own side, mode and leverage (hedge-mode style).

A position keeps its **cost** (Σ quantity × fill price of what it still holds), not a rounded
average entry: realised PnL is then exact however large the position (a rounded average moved it
by more than a cent at 300 M DOGE), and ``entry`` is the exact quotient, shown rounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from .commands import Mode, Side
from .instrument import Instrument
from .money import round_money

if TYPE_CHECKING:
    from .curve import Curve
    from .profile import MarginRules


@dataclass(slots=True)
class Position:
    id: str
    instrument: Instrument
    sign: int  # +1 long, -1 short
    qty: Decimal
    cost: Decimal  # Σ quantity × fill price of what is still held
    leverage: int
    isolated: bool
    isolated_wallet: Decimal  # zero while cross
    funding: Decimal = Decimal(0)  # funding paid so far (negative: received)
    # The headroom curve of this lot alone (mark-independent), kept until its quantity or cost
    # changes: an isolated position's liquidation price is one look-up in it.
    _curve: tuple[MarginRules, Curve] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def side(self) -> Side:
        return "long" if self.sign > 0 else "short"

    @property
    def mode(self) -> Mode:
        return "isolated" if self.isolated else "cross"

    @property
    def entry(self) -> Decimal:
        """The average entry price, exact to 28 digits (cost ÷ quantity)."""
        return self.cost / self.qty

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return self.sign * (self.qty * mark - self.cost)

    def entry_margin(self, leverage: int | None = None) -> Decimal:
        """Initial margin at entry, ``cost ÷ leverage``, exact (what an isolated wallet starts with,
        before rounding up to the money quantum)."""
        return self.cost / (leverage or self.leverage)

    def add(self, qty: Decimal, price: Decimal) -> None:
        """An increase filled at ``price``."""
        self.qty += qty
        self.cost += qty * price
        self._curve = None

    def cost_of(self, qty: Decimal) -> Decimal:
        """The cost that leaves with ``qty`` of the position: all of it on a full close, else its
        share rounded to the money quantum (so what stays is exact and nothing drifts)."""
        return self.cost if qty == self.qty else round_money(self.cost * qty / self.qty)

    def reduce(self, qty: Decimal) -> Decimal:
        """Take ``qty`` off the position; returns the cost that left with it."""
        portion = self.cost_of(qty)
        self.qty -= qty
        self.cost -= portion
        self._curve = None
        return portion

    def curve(self, rules: MarginRules) -> Curve:
        from .curve import Curve

        cached = self._curve
        if cached is None or cached[0] is not rules:
            cached = self._curve = (rules, Curve.of([self], rules))
        return cached[1]

    def copy(self) -> Position:
        out = Position(
            self.id,
            self.instrument,
            self.sign,
            self.qty,
            self.cost,
            self.leverage,
            self.isolated,
            self.isolated_wallet,
            self.funding,
        )
        out._curve = self._curve
        return out
