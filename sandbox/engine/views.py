"""Read-only numbers for one moment: what a position panel and an account strip show.

Views are computed on demand from the account (never on the price-tick path) and carry decimals
of at most 8 places: prices and quotients are rounded to 1e-8 (an entry half to even, a margin
up), so no 28-digit quotient reaches a screen or the report. ``liquidation_price`` is rounded
toward the side where it has not yet fired, so walking the mark to the shown price liquidates
there and not a tick before (``text.liquidation_at_tick`` puts it on the instrument's tick).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

from .commands import Mode, OrderKind, Side
from .money import divide, quantize

_ZERO = Decimal(0)
PRICE_QUANTUM = Decimal("1e-8")
RATIO_QUANTUM = Decimal("1e-8")


def shown_liquidation_price(root: Decimal | None, down: bool) -> Decimal | None:
    if root is None or not root.is_finite():
        return None
    shown = quantize(root, PRICE_QUANTUM, ROUND_FLOOR if down else ROUND_CEILING)
    return shown if shown > 0 else None


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """A quotient rounded to 1e-8 (half-even); None where the denominator is not positive (or
    the quotient is not a finite number). Never raises."""
    if not (numerator.is_finite() and denominator.is_finite()) or denominator <= 0:
        return None
    quotient = divide(numerator, denominator)
    return None if quotient is None else quantize(quotient, RATIO_QUANTUM, ROUND_HALF_EVEN)


def _as_dict(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass(frozen=True, slots=True)
class PositionView:
    id: str
    symbol: str
    side: Side
    mode: Mode
    qty: Decimal
    entry_price: Decimal
    leverage: int
    mark_price: Decimal
    notional: Decimal
    isolated_wallet: Decimal | None
    unrealized_pnl: Decimal
    roe: Decimal | None  # unrealised PnL / initial margin at entry
    initial_margin: Decimal  # notional (at mark, or entry where the profile says) / leverage, up to 1e-8
    maintenance_margin: Decimal
    margin_balance: Decimal  # isolated: wallet + uPnL; cross: the pool's
    margin_ratio: Decimal | None  # maintenance / margin balance; cross: the pool's ratio
    liquidation_price: Decimal | None  # one price per cross symbol: the pool's
    bankruptcy_price: Decimal | None
    maintenance_rate: Decimal  # MMR of the bracket maintenance is computed in
    bracket_max_leverage: int  # the most leverage the current notional (at mark) allows
    # How the maintenance margin was computed: maintenance_notional × maintenance_rate −
    # maintenance_amount (+ the taker fee on the notional where the profile says so), with the
    # notional valued at mark or at entry as the profile says, in the bracket [floor, cap).
    maintenance_amount: Decimal
    bracket_floor: Decimal
    bracket_cap: Decimal
    maintenance_notional: Decimal
    entry_margin: Decimal  # initial margin at entry, cost ÷ leverage rounded up: what ROE divides
    funding: Decimal = _ZERO  # funding paid so far (negative: received)

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True, slots=True)
class OrderView:
    """A resting order as a screen shows it. ``side`` is the side of the position it opens or
    closes; ``qty`` what it would fill now (a closing order never more than the position holds;
    ``close_all`` when it closes whatever is left); ``position`` the lot it closes, or the id the
    lot it opens will have; ``fires`` whether it fills when the mark falls to ``price``
    ("below") or rises to it ("above"); ``placed_t`` when it was placed."""

    id: str
    kind: OrderKind
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    position: str
    reserved: Decimal
    opens: bool
    close_all: bool
    leverage: int | None
    mode: Mode | None
    fires: str
    placed_t: int

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


REPORT_ORDER_FIELDS = ("id", "kind", "symbol", "side", "qty", "price", "position", "reserved")


REPORT_POSITION_FIELDS = (
    "id",
    "symbol",
    "side",
    "mode",
    "qty",
    "entry_price",
    "leverage",
    "mark_price",
    "isolated_wallet",
    "unrealized_pnl",
    "maintenance_margin",
    "margin_ratio",
    "liquidation_price",
)


@dataclass(frozen=True, slots=True)
class AccountView:
    cross_wallet: Decimal
    isolated_wallets: Decimal
    total_wallet: Decimal
    cross_unrealized_pnl: Decimal
    cross_margin_balance: Decimal
    cross_maintenance_margin: Decimal
    cross_initial_margin: Decimal
    cross_margin_ratio: Decimal | None
    available: Decimal
    equity: Decimal  # total wallet + every unrealised PnL
    insurance_fund: Decimal
    positions: tuple[PositionView, ...]
    isolated_unrealized_pnl: Decimal = _ZERO
    reserved: Decimal = _ZERO  # held out of the available balance by resting opening orders
    orders: tuple[OrderView, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = _as_dict(self)
        out["positions"] = [p.to_dict() for p in self.positions]
        out["orders"] = [o.to_dict() for o in self.orders]
        return out
