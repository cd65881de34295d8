"""Inputs to the engine: one class per session event type (session-format.md, "Events").

Commands carry no time of their own beyond ``t``; the engine never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

Side = Literal["long", "short"]
Mode = Literal["cross", "isolated"]
OrderKind = Literal["limit", "stop", "take_profit"]
ORDER_KINDS: tuple[OrderKind, ...] = ("limit", "stop", "take_profit")


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


@dataclass(frozen=True, slots=True)
class Order:
    """An order that rests until the mark reaches ``price`` (session-format.md § Additions).

    It opens a new position when it fills if it carries ``symbol``, ``side``, ``qty``, ``leverage``
    and ``mode`` (``position`` then names the lot it opens, as ``open``'s does; the engine picks
    the next free ``p`` id when the order is placed if it is omitted), or closes all (``qty``
    omitted) or part of the existing ``position`` otherwise. ``order`` is its id (``o1``, ``o2``,
    … when omitted)."""

    type: ClassVar[str] = "order"
    kind: OrderKind
    price: Decimal
    symbol: str | None = None
    side: Side | None = None
    qty: Decimal | None = None
    leverage: int | None = None
    mode: Mode | None = None
    position: str | None = None
    order: str | None = None

    @property
    def opens(self) -> bool:
        return self.symbol is not None


@dataclass(frozen=True, slots=True)
class Cancel:
    type: ClassVar[str] = "cancel"
    order: str


@dataclass(frozen=True, slots=True)
class Funding:
    """A funding settlement: every position on ``symbol`` pays ``rate × qty × mark`` (longs pay
    when ``rate`` > 0, shorts receive; the reverse when it is negative)."""

    type: ClassVar[str] = "funding"
    symbol: str
    rate: Decimal


Command = (
    Price
    | Open
    | Close
    | SetMode
    | AdjustMargin
    | SetLeverage
    | Deposit
    | Withdraw
    | Order
    | Cancel
    | Funding
)
COMMAND_TYPES: dict[str, type] = {
    c.type: c
    for c in (
        Price,
        Open,
        Close,
        SetMode,
        AdjustMargin,
        SetLeverage,
        Deposit,
        Withdraw,
        Order,
        Cancel,
        Funding,
    )
}
