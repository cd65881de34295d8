"""Funding settlements (engine-rules.md § Orders, funding, partial liquidation).

At a settlement every position on the symbol pays ``rate × qty × mark`` (longs pay and shorts
receive when the rate is positive; the reverse when it is negative), rounded to 1e-8 half to even
like every booked amount. A cross position pays from the cross wallet; an isolated one from its
isolated wallet, so its liquidation price moves by the payment over what the formula divides by
(Binance, OKX since June 2024, Hyperliquid), or, where the profile says so, from the available
balance first and from its isolated wallet only for the rest (Bybit). A position that receives
funding receives it into the wallet it would pay from.

The liquidation check runs in the same step, at the current mark. A payment an isolated wallet
cannot cover (it would go below zero) liquidates that position whatever its unrealised PnL; a
payment the cross wallet cannot cover liquidates the cross positions; either way a shortfall is
the insurance fund's, so no wallet stays below zero. Anything else the payments left
liquidatable goes through the ordinary check (``Account.apply`` sweeps after every input).

Funding comes from outside the account (the other side of the contract), so it is a flow in or
out like a deposit: the ledger counts it (``Ledger.funding``, net paid) in the conservation
identity, and "no command creates money" is untouched (a settlement is a market event).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import liquidation
from .commands import Funding
from .events import Event, FundingPayment, FundingSettled
from .instrument import ZERO
from .money import round_money
from .profile import FundingSource, LiquidationStyle
from .rejections import Rejection
from .views import shown_liquidation_price

if TYPE_CHECKING:
    from .account import Account


def settle(account: Account, c: Funding, t: int) -> list[Event]:
    account._instrument(c.symbol)
    mark = account._mark(c.symbol)
    if not -1 < c.rate < 1:
        raise Rejection("invalid_rate", f"a funding rate lies between -1 and 1, not {c.rate}")
    # what every isolated position of the symbol displayed before it paid (for its liquidation)
    watch = account._watch.get(c.symbol)
    shown = {p.id: shown_liquidation_price(root, p.sign > 0) for p, root in watch.roots} if watch else {}
    pool_shown = account.pool_shown(c.symbol)
    from_available = account.profile.funding.isolated_source is FundingSource.AVAILABLE_THEN_ISOLATED
    payments = []
    for p in [p for p in account.positions.values() if p.symbol == c.symbol]:
        amount = round_money(p.sign * c.rate * p.qty * mark)
        cross = isolated = ZERO
        if not p.isolated:
            cross = amount
        elif amount > 0 and from_available:
            cross = min(amount, account.withdrawable())
            isolated = amount - cross
        else:
            isolated = amount
        account.cross_wallet -= cross
        p.isolated_wallet -= isolated
        p.funding += amount
        account.ledger.funding += amount
        payments.append(FundingPayment(p.id, amount, cross, isolated))
    account._refresh_symbol(c.symbol)
    events: list[Event] = [FundingSettled(t, c.symbol, c.rate, mark, tuple(payments))]
    for p in [p for p in account.positions.values() if p.isolated and p.symbol == c.symbol]:
        if p.isolated_wallet < 0:
            events += liquidation.whole_isolated(account, t, p, mark, shown.get(p.id), _step(account))
        elif account._isolated_headroom(p) <= 0:
            events += liquidation.isolated(account, t, p, mark, shown.get(p.id))
    if account.cross_wallet < 0 and account._legs:
        events += liquidation.whole_pool(account, t, c.symbol, mark, pool_shown, _step(account))
    elif account._legs and account._pool_headroom() <= 0:
        events += liquidation.pool(account, t, c.symbol, mark, pool_shown)
    return events


def _step(account: Account) -> tuple[str, int] | None:
    """A liquidation for want of funding closes the whole position; a stepped profile says so."""
    return None if account.profile.liquidation.style is LiquidationStyle.WHOLE else ("full", 1)
