"""A position: an independent lot with its own side, mode and leverage (hedge-mode style)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .instrument import Instrument


@dataclass(slots=True)
class Position:
    id: str
    instrument: Instrument
    sign: int  # +1 long, -1 short
    qty: Decimal
    entry: Decimal
    leverage: int
    isolated: bool
    isolated_wallet: Decimal  # zero while cross

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def side(self) -> str:
        return "long" if self.sign > 0 else "short"

    @property
    def mode(self) -> str:
        return "isolated" if self.isolated else "cross"

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return self.sign * self.qty * (mark - self.entry)

    def entry_margin(self) -> Decimal:
        """Initial margin at entry, ``qty × entry / leverage``: what an isolated wallet starts with."""
        return self.qty * self.entry / self.leverage

    def copy(self) -> Position:
        return Position(
            self.id,
            self.instrument,
            self.sign,
            self.qty,
            self.entry,
            self.leverage,
            self.isolated,
            self.isolated_wallet,
        )
