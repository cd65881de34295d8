"""Outputs of the engine. Each event is what the report (``replay --json``) lists and what the
window's log turns into a sentence; ``to_dict`` gives the report's field names."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, ClassVar, Literal

from .commands import Mode, Side

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Event:
    type: ClassVar[str] = "event"
    t: int

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": self.t, "type": self.type}
        for f in fields(self):
            if f.name != "t":
                out[f.name] = _plain(getattr(self, f.name))
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Event):
        return value.to_dict()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


@dataclass(frozen=True, slots=True)
class Opened(Event):
    """A fill that opened a position or increased one (``increase`` tells which)."""

    type: ClassVar[str] = "opened"
    position: str
    symbol: str
    side: Side
    mode: Mode
    leverage: int
    qty: Decimal
    price: Decimal
    fee: Decimal
    margin: Decimal
    entry_price: Decimal
    position_qty: Decimal
    increase: bool = False


@dataclass(frozen=True, slots=True)
class Closed(Event):
    type: ClassVar[str] = "closed"
    position: str
    symbol: str
    side: Side
    mode: Mode
    qty: Decimal
    price: Decimal
    realized_pnl: Decimal
    fee: Decimal
    remaining_qty: Decimal
    released_margin: Decimal


@dataclass(frozen=True, slots=True)
class ModeChanged(Event):
    type: ClassVar[str] = "mode_changed"
    position: str
    symbol: str
    mode: Mode
    previous_mode: Mode
    isolated_wallet: Decimal
    liquidation_price: Decimal | None


@dataclass(frozen=True, slots=True)
class MarginAdjusted(Event):
    type: ClassVar[str] = "margin_adjusted"
    position: str
    symbol: str
    amount: Decimal
    isolated_wallet: Decimal
    liquidation_price: Decimal | None


@dataclass(frozen=True, slots=True)
class LeverageChanged(Event):
    type: ClassVar[str] = "leverage_changed"
    position: str
    symbol: str
    leverage: int
    previous_leverage: int
    isolated_wallet: Decimal | None
    liquidation_price: Decimal | None


@dataclass(frozen=True, slots=True)
class Deposited(Event):
    type: ClassVar[str] = "deposited"
    amount: Decimal
    cross_wallet: Decimal


@dataclass(frozen=True, slots=True)
class Withdrawn(Event):
    type: ClassVar[str] = "withdrawn"
    amount: Decimal
    cross_wallet: Decimal


@dataclass(frozen=True, slots=True)
class LiquidatedLot:
    """One position closed by a liquidation (a cross liquidation closes several)."""

    position: str
    symbol: str
    side: Side
    qty: Decimal
    entry_price: Decimal
    price: Decimal
    realized_pnl: Decimal
    fee: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Liquidated(Event):
    """``price`` is the triggering mark; ``liquidation_price`` what was displayed just before.
    ``insurance_fund`` is the fund's net movement (fee and any leftover in, minus a shortfall it
    paid); ``wallet_before``/``wallet_after`` are the wallet that backed the position(s): the
    isolated wallet, or the cross wallet for a cross liquidation. ``returned`` is what went back
    to the cross wallet (an isolated leftover, where the profile returns it: Hyperliquid)."""

    type: ClassVar[str] = "liquidated"
    positions: tuple[str, ...]
    symbol: str
    side: Side | Literal["mixed"]
    mode: Mode
    price: Decimal
    liquidation_price: Decimal | None
    realized_pnl: Decimal
    fee: Decimal
    insurance_fund: Decimal
    wallet_before: Decimal
    wallet_after: Decimal
    lots: tuple[LiquidatedLot, ...] = field(default=())
    returned: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class Rejected(Event):
    type: ClassVar[str] = "rejected"
    code: str
    message: str
    command: str
    position: str | None = None
    shortfall: Decimal | None = None
