"""Inputs to the engine: one class per session event type (session-format.md, "Events").

Commands carry no time of their own beyond ``t``; the engine never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

Side = Literal["long", "short"]
Mode = Literal["cross", "isolated"]


@dataclass(frozen=True, slots=True)
class Price:
    type: ClassVar[str] = "price"
    symbol: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class Open:
    type: ClassVar[str] = "open"
    symbol: str
    side: Side
    qty: Decimal
    leverage: int
    mode: Mode
    position: str | None = None


@dataclass(frozen=True, slots=True)
class Close:
    type: ClassVar[str] = "close"
    position: str
    qty: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SetMode:
    type: ClassVar[str] = "set_mode"
    position: str
    mode: Mode
    margin: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AdjustMargin:
    type: ClassVar[str] = "adjust_margin"
    position: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SetLeverage:
    type: ClassVar[str] = "set_leverage"
    position: str
    leverage: int


@dataclass(frozen=True, slots=True)
class Deposit:
    type: ClassVar[str] = "deposit"
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Withdraw:
    type: ClassVar[str] = "withdraw"
    amount: Decimal


Command = Price | Open | Close | SetMode | AdjustMargin | SetLeverage | Deposit | Withdraw
COMMAND_TYPES: dict[str, type] = {
    c.type: c for c in (Price, Open, Close, SetMode, AdjustMargin, SetLeverage, Deposit, Withdraw)
}
