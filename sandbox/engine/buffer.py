"""How much of a margin buffer a loss has used: what a margin bar fills with.

The exchange's margin ratio (maintenance ÷ margin balance) is the number that decides a
liquidation, but it reads badly as a gauge: a 10× isolated long 0.5 % from its liquidation price
has a ratio near 44 %, and a cross pool about to lose 9,985 USDT can sit at 17 %. What a person
reads as danger is how much of the room the margin had has been lost already.

The **buffer** is what the backing wallet can lose before the position is liquidated: the wallet
less the maintenance margin it must keep. The share **used** is the loss so far over that room::

    used = max(0, −uPnL) ÷ (wallet − maintenance margin)

- isolated position: its own wallet, its uPnL and its maintenance margin;
- the cross pool: the cross wallet, every cross position's uPnL and their maintenance margin.

At entry (no loss yet) it is 0; a gain reads 0 as well. It is exactly 1 where wallet + uPnL =
maintenance margin, that is where the margin ratio reaches 100 % and the engine liquidates, so a
bar at 100 % and the liquidation price shown on the chart are the same moment. Past it (a price
that jumped) it stays 1. Maintenance is the engine's, at the current mark, with whatever the
profile puts in it (a taker fee on OKX, entry value on Bybit): the buffer ends where the engine's
liquidation does under every profile.

Pure and exact: functions over ``PositionView`` and ``AccountView`` fields, rounded like every
other ratio of the views (to 1e-8).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .views import AccountView, PositionView, ratio

_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Buffer:
    """The numbers behind one bar (every amount in USDT)."""

    wallet: Decimal  # the wallet that backs the position(s)
    maintenance: Decimal  # the maintenance margin it must keep
    loss: Decimal  # max(0, −uPnL): what the margin has lost so far
    used: Decimal  # loss ÷ (wallet − maintenance), 0…1

    @property
    def room(self) -> Decimal:
        """The buffer: what the wallet could lose in all (wallet − maintenance)."""
        return self.wallet - self.maintenance


def used_share(wallet: Decimal, unrealized_pnl: Decimal, maintenance: Decimal) -> Decimal:
    """max(0, −uPnL) ÷ (wallet − maintenance), from 0 to 1 (1 when there is no room at all)."""
    loss = max(-unrealized_pnl, _ZERO)
    room = wallet - maintenance
    if room <= 0:
        return _ONE
    share = ratio(loss, room)
    return _ONE if share is None else min(share, _ONE)


def buffer(wallet: Decimal, unrealized_pnl: Decimal, maintenance: Decimal) -> Buffer:
    return Buffer(
        wallet, maintenance, max(-unrealized_pnl, _ZERO), used_share(wallet, unrealized_pnl, maintenance)
    )


def isolated_buffer(p: PositionView) -> Buffer | None:
    """An isolated position's buffer (None for a cross position: it shares the pool's)."""
    if p.isolated_wallet is None:
        return None
    return buffer(p.isolated_wallet, p.unrealized_pnl, p.maintenance_margin)


def pool_buffer(v: AccountView) -> Buffer | None:
    """The cross pool's buffer (None when no cross position is open)."""
    if not any(p.mode == "cross" for p in v.positions):
        return None
    return buffer(v.cross_wallet, v.cross_unrealized_pnl, v.cross_maintenance_margin)


def position_buffer(p: PositionView, v: AccountView) -> Buffer | None:
    """The buffer that backs ``p``: its own if isolated, the pool's if cross."""
    return isolated_buffer(p) if p.isolated_wallet is not None else pool_buffer(v)
