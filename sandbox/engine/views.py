"""Read-only numbers for one moment: what a position panel and an account strip show.

Views are computed on demand from the account (never on the price-tick path) and carry exact
decimals; ``liquidation_price`` is rounded to 1e-8 toward the side where it has not yet fired,
so walking the mark to the shown price liquidates there and not a tick before.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

PRICE_QUANTUM = Decimal("1e-8")
RATIO_QUANTUM = Decimal("1e-8")


def shown_liquidation_price(root: Decimal | None, down: bool) -> Decimal | None:
    if root is None:
        return None
    shown = root.quantize(PRICE_QUANTUM, rounding=ROUND_FLOOR if down else ROUND_CEILING)
    return shown if shown > 0 else None


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """A quotient rounded to 1e-8 (half-even); None where the denominator is not positive."""
    if denominator <= 0:
        return None
    return (numerator / denominator).quantize(RATIO_QUANTUM, rounding=ROUND_HALF_EVEN)


def _as_dict(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass(frozen=True, slots=True)
class PositionView:
    id: str
    symbol: str
    side: str
    mode: str
    qty: Decimal
    entry_price: Decimal
    leverage: int
    mark_price: Decimal
    notional: Decimal
    isolated_wallet: Decimal | None
    unrealized_pnl: Decimal
    roe: Decimal | None  # unrealised PnL / initial margin at entry
    initial_margin: Decimal  # notional at mark / leverage
    maintenance_margin: Decimal
    margin_balance: Decimal  # isolated: wallet + uPnL; cross: the pool's
    margin_ratio: Decimal | None  # maintenance / margin balance; cross: the pool's ratio
    liquidation_price: Decimal | None
    bankruptcy_price: Decimal | None
    maintenance_rate: Decimal  # the bracket's MMR at the current notional
    bracket_max_leverage: int

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


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

    def to_dict(self) -> dict[str, Any]:
        out = _as_dict(self)
        out["positions"] = [p.to_dict() for p in self.positions]
        return out
