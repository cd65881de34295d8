"""Liquidation: what happens to an isolated position or to the cross pool whose margin ran out.

The account decides *when* (``account.py``: a price, a funding payment, a command's fee); this
module decides *what*, by the profile's liquidation style (``profile.LiquidationStyle``; the
rules with their sources are in resources/profiles/README.md):

- ``whole``: the position (or every cross position) is closed at the triggering mark; the loss and
  a liquidation fee come out of the wallet that backs it; what is left of an isolated wallet goes
  to the insurance fund (or back to the user where the profile says so); the fund pays a shortfall.
- ``hyperliquid``: below ⅔ of the maintenance margin the backstop takes the position and whatever
  equity is left (the fund stands in for the liquidator vault); otherwise a market liquidation
  closes 20 % of a position above the size threshold, unless a slice happened within the
  cool-down, when it closes the whole position and the user keeps what is left.
- ``bybit_ladder``: a position above the first risk-limit tier is reduced to the highest lower tier
  at which it is healthy (a taker fill of the difference); if none would make it healthy, it is
  liquidated whole.
- ``okx_tiers``: a position in tier 3 or above whose equity still covers the tier-1 requirement is
  reduced two tiers down, again and again while it is liquidatable; otherwise whole.

A partial step keeps the position's margin with what remains of it (no margin is released; only
then can a step restore health) and books the closed part's realised PnL and fee out of the wallet
that backs it; the fee goes to the insurance fund as a liquidation fee. A step leaves the position
healthy at the mark or the episode goes on in the same step, so after it the displayed liquidation
price is again the first tick at which it would fire.

Every function returns the events, ``Liquidated`` first, then the cancellation of the closing
orders of each position that is gone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from .commands import Side
from .curve import requirement
from .events import Event, Liquidated, LiquidatedLot
from .instrument import ZERO
from .money import round_money
from .partial import floor_to_step, qty_within, reduced, tier_of, value_of
from .position import Position
from .profile import Leftover, LiquidationStyle, MaintenanceBasis

if TYPE_CHECKING:
    from .account import Account

_Step = tuple[str, int] | None  # (step name, step number) where the style is stepped


# ---------------------------------------------------------------------- isolated positions
def isolated(account: Account, t: int, p: Position, price: Decimal, shown: Decimal | None) -> list[Event]:
    """Liquidate isolated position ``p`` (liquidatable at ``price``) as the profile says."""
    style = account.profile.liquidation.style
    if style is LiquidationStyle.HYPERLIQUID:
        return _hyperliquid_isolated(account, t, p, price, shown)
    if style is LiquidationStyle.BYBIT_LADDER:
        return _bybit_isolated(account, t, p, price, shown)
    if style is LiquidationStyle.OKX_TIERS:
        return _okx_isolated(account, t, p, price, shown)
    return whole_isolated(account, t, p, price, shown, None)


def whole_isolated(
    account: Account,
    t: int,
    p: Position,
    price: Decimal,
    shown: Decimal | None,
    step: _Step,
    backstop: bool = False,
) -> list[Event]:
    """Close all of ``p`` at ``price``: the loss and the fee from its isolated wallet only; what is
    left goes to the insurance fund, or back to the cross wallet where the profile returns it
    (never after a backstop); a shortfall is paid by the fund."""
    wallet = p.isolated_wallet
    pnl = round_money(p.unrealized_pnl(price))
    left = wallet + pnl
    fee = min(round_money(p.qty * price * p.instrument.liquidation_fee), max(left, ZERO))
    payout = -left if left < 0 else ZERO
    if account.profile.margin.liquidation_leftover is Leftover.RETURNED and not backstop:
        returned = max(left, ZERO) - fee
        to_fund = fee
        account.cross_wallet += returned
    else:
        returned = ZERO
        to_fund = max(left, ZERO)  # the fee plus whatever margin was left
    account.insurance_fund += to_fund - payout
    ledger = account.ledger
    ledger.realized_pnl += pnl
    ledger.liquidation_fees += to_fund
    ledger.insurance_payouts += payout
    del account.positions[p.id]
    account._refresh_symbol(p.symbol)
    lot = LiquidatedLot(
        p.id,
        p.symbol,
        p.side,
        p.qty,
        round_money(p.entry),
        price,
        pnl,
        fee,
        None if step is None else ZERO,
    )
    event = Liquidated(
        t,
        (p.id,),
        p.symbol,
        p.side,
        "isolated",
        price,
        shown,
        pnl,
        fee,
        to_fund - payout,
        wallet,
        ZERO,
        (lot,),
        returned,
        *_step_fields(step, p.qty, ZERO),
    )
    return [event, *account._gone(t, p.id)]


def _step_isolated(
    account: Account,
    t: int,
    p: Position,
    qty: Decimal,
    price: Decimal,
    fee_rate: Decimal,
    shown: Decimal | None,
    step: tuple[str, int],
    tiers: tuple[int, int] | None = None,
) -> Liquidated:
    """Close ``qty`` of ``p`` at ``price``; the margin stays with what remains."""
    wallet = p.isolated_wallet
    entry = round_money(p.entry)
    pnl = round_money(p.sign * (qty * price - p.cost_of(qty)))
    fee = min(round_money(qty * price * fee_rate), max(wallet + pnl, ZERO))
    p.reduce(qty)
    p.isolated_wallet = wallet + pnl - fee
    account.insurance_fund += fee
    account.ledger.realized_pnl += pnl
    account.ledger.liquidation_fees += fee
    account._refresh_symbol(p.symbol)
    lot = LiquidatedLot(p.id, p.symbol, p.side, qty, entry, price, pnl, fee, p.qty)
    return Liquidated(
        t,
        (p.id,),
        p.symbol,
        p.side,
        "isolated",
        price,
        shown,
        pnl,
        fee,
        fee,
        wallet,
        p.isolated_wallet,
        (lot,),
        ZERO,
        *_step_fields(step, qty, p.qty, tiers),
    )


def _hyperliquid_isolated(
    account: Account, t: int, p: Position, price: Decimal, shown: Decimal | None
) -> list[Event]:
    rules = account.profile.liquidation
    margin = account.profile.margin
    events: list[Event] = []
    n = 0
    while p.id in account.positions and account._isolated_headroom(p) <= 0:
        n += 1
        equity = p.isolated_wallet + p.unrealized_pnl(price)
        if rules.backstop_denominator * equity < rules.backstop_numerator * requirement(p, margin, price):
            return events + whole_isolated(account, t, p, price, shown, ("backstop", n), backstop=True)
        part = _slice(account, t, p, price)
        if part is None:
            return events + whole_isolated(account, t, p, price, shown, ("full", n))
        events.append(
            _step_isolated(account, t, p, part, price, p.instrument.liquidation_fee, shown, ("slice", n))
        )
        account._cooldown_until = t + rules.cooldown_ms
        shown = account._position_liquidation_price(p)
    return events


def _slice(account: Account, t: int, p: Position, mark: Decimal) -> Decimal | None:
    """The quantity a Hyperliquid market liquidation closes when it is a slice; None when it
    closes the whole position (small position, in the cool-down, or a slice that rounds to
    nothing or to everything)."""
    rules = account.profile.liquidation
    if p.qty * mark <= rules.size_threshold or account.in_cooldown(t):
        return None
    part = floor_to_step(p.qty * rules.slice_fraction, p.instrument.qty_step)
    return part if 0 < part < p.qty else None


def _bybit_isolated(
    account: Account, t: int, p: Position, price: Decimal, shown: Decimal | None
) -> list[Event]:
    at_entry = account.profile.margin.maintenance_basis is MaintenanceBasis.ENTRY
    inst = p.instrument
    k = tier_of(inst, value_of(p, p.qty, price, at_entry), inclusive=True)
    for j in range(k - 1, -1, -1):
        keep = qty_within(p, inst.brackets[j].cap, price, at_entry, inclusive=True)
        if not 0 < keep < p.qty:
            continue
        closed = p.qty - keep
        pnl = round_money(p.sign * (closed * price - p.cost_of(closed)))
        wallet = p.isolated_wallet + pnl - round_money(closed * price * inst.taker_fee)
        trial = reduced(p, keep)
        if wallet >= 0 and wallet + trial.unrealized_pnl(price) > requirement(
            trial, account.profile.margin, price
        ):
            step = _step_isolated(
                account, t, p, closed, price, inst.taker_fee, shown, ("tier_step", 1), (k + 1, j + 1)
            )
            return [step]
    return whole_isolated(account, t, p, price, shown, ("full", 1))


def _okx_isolated(
    account: Account, t: int, p: Position, price: Decimal, shown: Decimal | None
) -> list[Event]:
    events: list[Event] = []
    n = 0
    while p.id in account.positions and account._isolated_headroom(p) <= 0:
        n += 1
        target = _okx_target(account, p, price, p.isolated_wallet + p.unrealized_pnl(price))
        if target is not None:
            keep, k, j = target
            closed = p.qty - keep
            fee_rate = p.instrument.liquidation_fee
            pnl = round_money(p.sign * (closed * price - p.cost_of(closed)))
            if p.isolated_wallet + pnl - round_money(closed * price * fee_rate) >= 0:
                events.append(
                    _step_isolated(
                        account, t, p, closed, price, fee_rate, shown, ("tier_step", n), (k + 1, j + 1)
                    )
                )
                shown = account._position_liquidation_price(p)
                continue
        return events + whole_isolated(account, t, p, price, shown, ("full", n))
    return events


def _okx_target(
    account: Account, p: Position, mark: Decimal, equity: Decimal
) -> tuple[Decimal, int, int] | None:
    """(quantity to keep, tier, target tier) of an OKX step for ``p`` whose equity (its own, or
    the pool's) is ``equity``; None when it is not eligible (below tier 3, or the equity does not
    cover the requirement at the tier-1 rate)."""
    inst = p.instrument
    k = inst.bracket_index(p.qty * mark)
    if k < 2 or not equity > _tier1_requirement(account, p, mark):
        return None
    j = max(k - account.profile.liquidation.tiers_down, 0)
    keep = qty_within(p, inst.brackets[j].cap, mark, at_entry=False, inclusive=False)
    return (keep, k, j) if 0 < keep < p.qty else None


def _tier1_requirement(account: Account, p: Position, mark: Decimal) -> Decimal:
    inst = p.instrument
    first = inst.brackets[0]
    notional = p.qty * mark
    mm = notional * first.mmr - first.maintenance_amount
    if account.profile.margin.fee_in_requirement:
        mm += notional * inst.taker_fee
    return mm


# ---------------------------------------------------------------------- the cross pool
def pool(account: Account, t: int, symbol: str, price: Decimal, shown: Decimal | None) -> list[Event]:
    """Liquidate the cross pool (liquidatable now; ``symbol`` moved to ``price``)."""
    style = account.profile.liquidation.style
    if style is LiquidationStyle.HYPERLIQUID:
        return _hyperliquid_pool(account, t, symbol, price, shown)
    if style is LiquidationStyle.BYBIT_LADDER:
        return _bybit_pool(account, t, symbol, price, shown)
    if style is LiquidationStyle.OKX_TIERS:
        return _okx_pool(account, t, symbol, price, shown)
    return whole_pool(account, t, symbol, price, shown, None)


def _cross(account: Account) -> list[Position]:
    return [p for p in account.positions.values() if not p.isolated]


def whole_pool(
    account: Account,
    t: int,
    symbol: str,
    price: Decimal,
    shown: Decimal | None,
    step: _Step,
    backstop: bool = False,
) -> list[Event]:
    """Close every cross position at its mark; losses and fees from the cross wallet, which stops
    at zero (the fund pays the rest). A backstop also hands the fund what equity is left."""
    victims = _cross(account)
    wallet = account.cross_wallet
    marks = account.marks
    pnls = [round_money(p.unrealized_pnl(marks[p.symbol])) for p in victims]
    pnl_total = sum(pnls, ZERO)
    fee_room = max(wallet + pnl_total, ZERO)
    lots = []
    for p, pnl in zip(victims, pnls):
        mark = marks[p.symbol]
        fee = min(round_money(p.qty * mark * p.instrument.liquidation_fee), fee_room)
        fee_room -= fee
        lots.append(
            LiquidatedLot(
                p.id,
                p.symbol,
                p.side,
                p.qty,
                round_money(p.entry),
                mark,
                pnl,
                fee,
                None if step is None else ZERO,
            )
        )
        del account.positions[p.id]
    fees = sum((lot.fee for lot in lots), ZERO)
    after = wallet + pnl_total - fees
    payout = -after if after < 0 else ZERO
    after += payout
    to_fund = fees
    if backstop:
        to_fund += after
        after = ZERO
    account.cross_wallet = after
    account.insurance_fund += to_fund - payout
    ledger = account.ledger
    ledger.realized_pnl += pnl_total
    ledger.liquidation_fees += to_fund
    ledger.insurance_payouts += payout
    for s in {lot.symbol for lot in lots}:
        account._refresh_symbol(s)
    qty = sum((lot.qty for lot in lots), ZERO)
    event = Liquidated(
        t,
        tuple(lot.position for lot in lots),
        symbol,
        _side(lots),
        "cross",
        price,
        shown,
        pnl_total,
        fees,
        to_fund - payout,
        wallet,
        after,
        tuple(lots),
        ZERO,
        *_step_fields(step, qty, ZERO),
    )
    return [event, *(e for lot in lots for e in account._gone(t, lot.position))]


def _step_cross(
    account: Account,
    t: int,
    symbol: str,
    price: Decimal,
    shown: Decimal | None,
    parts: list[tuple[Position, Decimal]],
    fee_rate_of: str,
    step: tuple[str, int],
    tiers: tuple[int, int] | None = None,
) -> list[Event]:
    """Close ``qty`` of each cross position in ``parts`` at its mark (all of it where ``qty`` is
    the whole); losses and fees from the cross wallet."""
    wallet = account.cross_wallet
    lots = []
    pnl_total = fees = ZERO
    gone = []
    for p, qty in parts:
        mark = account.marks[p.symbol]
        pnl = round_money(p.sign * (qty * mark - p.cost_of(qty)))
        fee = round_money(qty * mark * getattr(p.instrument, fee_rate_of))
        pnl_total += pnl
        fees += fee
        entry = round_money(p.entry)
        p.reduce(qty)
        if p.qty == 0:
            del account.positions[p.id]
            gone.append(p.id)
        lots.append(LiquidatedLot(p.id, p.symbol, p.side, qty, entry, mark, pnl, fee, p.qty))
    account.cross_wallet = wallet + pnl_total - fees
    account.insurance_fund += fees
    account.ledger.realized_pnl += pnl_total
    account.ledger.liquidation_fees += fees
    for s in {p.symbol for p, _ in parts}:
        account._refresh_symbol(s)
    qty_total = sum((lot.qty for lot in lots), ZERO)
    left = sum((lot.remaining_qty or ZERO for lot in lots), ZERO)
    event = Liquidated(
        t,
        tuple(lot.position for lot in lots),
        symbol,
        _side(lots),
        "cross",
        price,
        shown,
        pnl_total,
        fees,
        fees,
        wallet,
        account.cross_wallet,
        tuple(lots),
        ZERO,
        *_step_fields(step, qty_total, left, tiers),
    )
    return [event, *(e for pid in gone for e in account._gone(t, pid))]


def _round_cost(account: Account, parts: list[tuple[Position, Decimal]], fee_rate_of: str) -> Decimal:
    """What closing ``parts`` at their marks would do to the cross wallet (realised PnL − fees)."""
    total = ZERO
    for p, qty in parts:
        mark = account.marks[p.symbol]
        total += round_money(p.sign * (qty * mark - p.cost_of(qty)))
        total -= round_money(qty * mark * getattr(p.instrument, fee_rate_of))
    return total


def _hyperliquid_pool(
    account: Account, t: int, symbol: str, price: Decimal, shown: Decimal | None
) -> list[Event]:
    rules = account.profile.liquidation
    margin = account.profile.margin
    events: list[Event] = []
    n = 0
    while account._legs and account._pool_headroom() <= 0:
        n += 1
        victims = _cross(account)
        marks = account.marks
        equity = account.cross_wallet + sum((p.unrealized_pnl(marks[p.symbol]) for p in victims), ZERO)
        mm = sum((requirement(p, margin, marks[p.symbol]) for p in victims), ZERO)
        if rules.backstop_denominator * equity < rules.backstop_numerator * mm:
            return events + whole_pool(account, t, symbol, price, shown, ("backstop", n), backstop=True)
        parts = [(p, _slice(account, t, p, marks[p.symbol]) or p.qty) for p in victims]
        sliced = any(qty < p.qty for p, qty in parts)
        if not sliced or account.cross_wallet + _round_cost(account, parts, "liquidation_fee") < 0:
            return events + whole_pool(account, t, symbol, price, shown, ("full", n))
        events += _step_cross(account, t, symbol, price, shown, parts, "liquidation_fee", ("slice", n))
        account._cooldown_until = t + rules.cooldown_ms
        shown = account.pool_shown(symbol)
    return events


def _by_risk(account: Account, victims: list[Position], tier: list[int]) -> list[int]:
    """Indices of ``victims`` in the order a stepped pool liquidation tries them: highest tier
    first, then the larger notional, then the order the positions were opened."""
    marks = account.marks
    return sorted(
        range(len(victims)), key=lambda i: (-tier[i], -(victims[i].qty * marks[victims[i].symbol]), i)
    )


def _bybit_pool(account: Account, t: int, symbol: str, price: Decimal, shown: Decimal | None) -> list[Event]:
    margin = account.profile.margin
    at_entry = margin.maintenance_basis is MaintenanceBasis.ENTRY
    victims = _cross(account)
    marks = account.marks
    tiers = [
        tier_of(p.instrument, value_of(p, p.qty, marks[p.symbol], at_entry), inclusive=True) for p in victims
    ]
    room = account._pool_headroom()
    for i in _by_risk(account, victims, tiers):
        p, k = victims[i], tiers[i]
        mark = marks[p.symbol]
        before = p.unrealized_pnl(mark) - requirement(p, margin, mark)
        for j in range(k - 1, -1, -1):
            keep = qty_within(p, p.instrument.brackets[j].cap, mark, at_entry, inclusive=True)
            if not 0 < keep < p.qty:
                continue
            change = _round_cost(account, [(p, p.qty - keep)], "taker_fee")
            trial = reduced(p, keep)
            after = trial.unrealized_pnl(mark) - requirement(trial, margin, mark)
            if account.cross_wallet + change >= 0 and room + change - before + after > 0:
                return _step_cross(
                    account,
                    t,
                    symbol,
                    price,
                    shown,
                    [(p, p.qty - keep)],
                    "taker_fee",
                    ("tier_step", 1),
                    (k + 1, j + 1),
                )
    return whole_pool(account, t, symbol, price, shown, ("full", 1))


def _okx_pool(account: Account, t: int, symbol: str, price: Decimal, shown: Decimal | None) -> list[Event]:
    events: list[Event] = []
    n = 0
    while account._legs and account._pool_headroom() <= 0:
        n += 1
        victims = _cross(account)
        marks = account.marks
        equity = account.cross_wallet + sum((p.unrealized_pnl(marks[p.symbol]) for p in victims), ZERO)
        floor = sum((_tier1_requirement(account, p, marks[p.symbol]) for p in victims), ZERO)
        tiers = [p.instrument.bracket_index(p.qty * marks[p.symbol]) for p in victims]
        chosen = None
        if equity > floor:
            for i in _by_risk(account, victims, tiers):
                target = _okx_target(account, victims[i], marks[victims[i].symbol], equity)
                if target is not None:
                    chosen = victims[i], target
                    break
        if chosen is not None:
            p, (keep, k, j) = chosen
            parts = [(p, p.qty - keep)]
            if account.cross_wallet + _round_cost(account, parts, "liquidation_fee") >= 0:
                events += _step_cross(
                    account,
                    t,
                    symbol,
                    price,
                    shown,
                    parts,
                    "liquidation_fee",
                    ("tier_step", n),
                    (k + 1, j + 1),
                )
                shown = account.pool_shown(symbol)
                continue
        return events + whole_pool(account, t, symbol, price, shown, ("full", n))
    return events


# ---------------------------------------------------------------------- events
def _side(lots: list[LiquidatedLot]) -> Side | Literal["mixed"]:
    sides = {lot.side for lot in lots}
    return sides.pop() if len(sides) == 1 else "mixed"


def _step_fields(
    step: _Step, qty: Decimal, remaining: Decimal, tiers: tuple[int, int] | None = None
) -> tuple[str | None, int | None, Decimal | None, Decimal | None, int | None, int | None]:
    if step is None:
        return None, None, None, None, None, None
    tier_from, tier_to = tiers if tiers is not None else (None, None)
    return step[0], step[1], qty, remaining, tier_from, tier_to
