"""Outputs of the engine. Each event is what the report (``replay --json``) lists and what the
window's log turns into a sentence; ``to_dict`` gives the report's field names."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, ClassVar, Literal

from .commands import Mode, OrderKind, Side

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


def _without_unset(obj: Any, out: dict[str, Any], optional: tuple[str, ...]) -> dict[str, Any]:
    """``out`` without the optional fields ``obj`` leaves unset (None): a whole liquidation reads
    exactly as it did before partial liquidation existed."""
    for name in optional:
        if getattr(obj, name) is None:
            out.pop(name, None)
    return out


@dataclass(frozen=True, slots=True)
class LiquidatedLot:
    """One position closed by a liquidation (a cross liquidation closes several), or the part of
    it a partial step closed (``remaining_qty`` then says what is left of it)."""

    position: str
    symbol: str
    side: Side
    qty: Decimal
    entry_price: Decimal
    price: Decimal
    realized_pnl: Decimal
    fee: Decimal
    remaining_qty: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        return _without_unset(self, out, ("remaining_qty",))


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
    # Partial liquidation (profiles with a stepped style): which step this was ("slice",
    # "tier_step", "full", "backstop"), its number within the episode, the quantity it closed and
    # what is left (of the one position; per position in ``lots`` for a pool), and the tiers
    # (1-based) it stepped between. All None for a whole liquidation under the "whole" style.
    step: str | None = None
    step_no: int | None = None
    qty: Decimal | None = None
    remaining_qty: Decimal | None = None
    tier_from: int | None = None
    tier_to: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _without_unset(self, Event.to_dict(self), _STEP_FIELDS)

    @property
    def gone(self) -> tuple[str, ...]:
        """The positions this event closed for good (a partial step leaves its position open)."""
        if self.step is None:
            return self.positions
        return tuple(lot.position for lot in self.lots if not lot.remaining_qty)


_STEP_FIELDS = ("step", "step_no", "qty", "remaining_qty", "tier_from", "tier_to")


@dataclass(frozen=True, slots=True)
class OrderPlaced(Event):
    """An order now rests. ``side`` is the side of the position it opens or closes; ``qty`` None
    closes all of ``position``; an opening order names in ``position`` the lot it will open and
    holds ``reserved`` (initial margin and taker fee at its price) out of the available balance."""

    type: ClassVar[str] = "order_placed"
    order: str
    kind: OrderKind
    symbol: str
    side: Side
    qty: Decimal | None
    price: Decimal
    position: str
    opens: bool
    leverage: int | None = None
    mode: Mode | None = None
    reserved: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class OrderFilled(Event):
    """An order filled; the ``opened`` or ``closed`` event it caused follows it in the events.
    ``liquidity`` is ``maker`` (a resting limit at its price) or ``taker``. Where the fill came on
    a move that had already crossed the position's displayed liquidation price (an order is
    checked before liquidation), ``liquidation_price`` is that price and ``margin`` what backed
    the position (its isolated wallet; None for cross): the sentence "closed p1 before its
    liquidation price" is made of them."""

    type: ClassVar[str] = "order_filled"
    order: str
    kind: OrderKind
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee: Decimal
    liquidity: Literal["maker", "taker"]
    position: str
    opens: bool
    trigger_price: Decimal  # the order's own price
    mark: Decimal  # the mark that crossed it
    liquidation_price: Decimal | None = None
    margin: Decimal | None = None
    realized_pnl: Decimal | None = None  # of a closing fill


@dataclass(frozen=True, slots=True)
class OrderCancelled(Event):
    """An order stopped resting without filling. ``reason``: ``user`` (a cancel), ``position_gone``
    (the position it would close was closed or liquidated), ``insufficient_available`` (it
    triggered, but the available balance could not pay its margin and fee), ``rejected`` (it
    triggered, but the fill broke another rule: ``code`` and ``message`` say which)."""

    type: ClassVar[str] = "order_cancelled"
    order: str
    reason: str
    symbol: str
    position: str | None
    released: Decimal = _ZERO
    code: str | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _without_unset(self, Event.to_dict(self), ("code", "message"))


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """What one position paid (positive) or received (negative), and from which wallet: ``cross``
    the part that moved the cross wallet, ``isolated`` the part that moved its isolated wallet
    (``amount = cross + isolated``; Bybit takes an isolated position's funding from the available
    balance first)."""

    position: str
    amount: Decimal
    cross: Decimal
    isolated: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class FundingSettled(Event):
    """A funding settlement: each position on ``symbol`` paid ``rate × qty × mark`` (``payments``,
    positive = paid). Liquidations it caused follow it."""

    type: ClassVar[str] = "funding"
    symbol: str
    rate: Decimal
    mark: Decimal
    payments: tuple[FundingPayment, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected(Event):
    type: ClassVar[str] = "rejected"
    code: str
    message: str
    command: str
    position: str | None = None
    shortfall: Decimal | None = None
