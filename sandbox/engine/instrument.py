"""Instruments and their maintenance-margin brackets.

A bracket is one row of an exchange's leverage/risk table: notionals in ``[floor, cap)`` pay
``notional × mmr − maintenance_amount`` of maintenance margin and may use up to ``max_leverage``.
The maintenance amount makes that function continuous across brackets (margin-math §1.3), which
is what lets the liquidation price be found one bracket at a time.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Bracket:
    floor: Decimal
    cap: Decimal
    max_leverage: int
    mmr: Decimal
    maintenance_amount: Decimal = ZERO


def derived_maintenance_amounts(brackets: list[Bracket]) -> list[Decimal]:
    """``cum_1 = 0, cum_n = cum_(n-1) + floor_n × (mmr_n − mmr_(n-1))`` (Binance and Bybit)."""
    amounts: list[Decimal] = []
    for i, b in enumerate(brackets):
        if i == 0:
            amounts.append(ZERO)
        else:
            amounts.append(amounts[-1] + b.floor * (b.mmr - brackets[i - 1].mmr))
    return amounts


@dataclass(frozen=True, slots=True)
class Instrument:
    """A linear (USDT-margined) perpetual: quantity in base units, prices and money in USDT."""

    symbol: str
    tick_size: Decimal
    qty_step: Decimal
    taker_fee: Decimal
    maker_fee: Decimal
    liquidation_fee: Decimal
    brackets: tuple[Bracket, ...]
    _floors: tuple[Decimal, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.brackets:
            raise ValueError(f"{self.symbol}: an instrument needs at least one bracket")
        floors = tuple(b.floor for b in self.brackets)
        if (
            floors[0] != 0
            or any(b.cap <= b.floor for b in self.brackets)
            or any(a.cap != b.floor for a, b in zip(self.brackets, self.brackets[1:]))
        ):
            raise ValueError(f"{self.symbol}: brackets must start at 0 and follow each other without gaps")
        object.__setattr__(self, "_floors", floors)

    def bracket_index(self, notional: Decimal) -> int:
        """Index of the bracket whose ``[floor, cap)`` holds ``notional`` (the last one beyond it)."""
        return max(bisect_right(self._floors, notional) - 1, 0)

    def bracket(self, notional: Decimal) -> Bracket:
        return self.brackets[self.bracket_index(notional)]

    def max_leverage(self, notional: Decimal) -> int:
        return self.bracket(notional).max_leverage

    @property
    def top_leverage(self) -> int:
        return self.brackets[0].max_leverage
