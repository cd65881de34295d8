"""What a cell's tooltip says: how the engine got the number, with the actual values.

Every number here is the engine's (``PositionView`` and ``AccountView`` fields); the text only
lays them out as the formula they came from. Written when the tooltip opens, never per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from ...engine import AccountView, Instrument, MaintenanceBasis, MarginRules, PositionView
from ...engine.buffer import position_buffer
from .. import format as fmt
from ..ratio_bar import used_text

RATIO_CONVENTION = (
    "margin ratio = maintenance margin / margin balance; liquidation at 100 % (Binance's convention)"
)
ENGINE_QUANTUM = Decimal("0.00000001")  # the engine's liquidation prices are exact to 1e-8


class Context(Protocol):
    """What a tooltip may read besides the position: the account's numbers and the profile's rules."""

    def view(self) -> AccountView: ...

    @property
    def margin_rules(self) -> MarginRules: ...


Explain = Callable[[PositionView, Instrument, Context], str | None]
_ZERO = Decimal(0)


def maintenance(p: PositionView, inst: Instrument, rules: MarginRules) -> str:
    """How the engine got this position's maintenance margin: its own numbers, laid out."""
    where = "valued at entry: " if rules.maintenance_basis is MaintenanceBasis.ENTRY else ""
    fee = (
        f" + taker fee {fmt.money(p.notional)} × {fmt.pct(inst.taker_fee)}"
        if rules.fee_in_requirement
        else ""
    )
    # The bracket's place in the instrument's table (which row the engine's floor is), for naming.
    row = next((i for i, b in enumerate(inst.brackets) if b.floor == p.bracket_floor), None)
    bracket = f"bracket {row + 1}" if row is not None else "bracket"
    up_to = f", up to {inst.brackets[row].max_leverage}×" if row is not None else ""
    return (
        f"maintenance = {where}{fmt.money(p.maintenance_notional)} × {fmt.pct(p.maintenance_rate)} − "
        f"{fmt.money(p.maintenance_amount)}{fee} = {fmt.money(p.maintenance_margin)} USDT\n({bracket}: "
        f"notional {fmt.money(p.bracket_floor)} to {fmt.money(p.bracket_cap)} USDT, MMR "
        f"{fmt.pct(p.maintenance_rate)}, maintenance amount {fmt.money(p.maintenance_amount)}{up_to})"
    )


def symbol(p: PositionView, inst: Instrument, ctx: Context) -> str:
    return (
        f"{p.symbol} perpetual, position {p.id} (tick {fmt.decimal(inst.tick_size)}, "
        f"step {fmt.decimal(inst.qty_step)})"
    )


def side(p: PositionView, inst: Instrument, ctx: Context) -> str:
    return (
        f"{p.side}: gains when the mark {'rises' if p.side == 'long' else 'falls'}, "
        f"liquidated if it {'falls' if p.side == 'long' else 'rises'} far enough"
    )


def mode(p: PositionView, inst: Instrument, ctx: Context) -> str:
    if p.mode == "isolated":
        return (
            f"isolated: only its own wallet ({fmt.money(p.isolated_wallet or _ZERO)} USDT) backs it; "
            f"a liquidation loses that and nothing else.\nClick to switch to cross: the wallet goes "
            f"back to the cross wallet and the whole cross balance backs it (and can be lost)."
        )
    return (
        f"cross: the whole cross wallet backs it, shared with every cross position.\nClick to "
        f"switch to isolated: a wallet of its initial margin at entry ({fmt.decimal(p.qty)} × "
        f"{fmt.price(p.entry_price, inst.tick_size)} ÷ {p.leverage} = {fmt.money(p.entry_margin)} USDT) "
        f"is moved out of the available balance."
    )


def leverage(p: PositionView, inst: Instrument, ctx: Context) -> str:
    if ctx.margin_rules.initial_margin_basis is MaintenanceBasis.ENTRY:
        initial = f"initial margin = notional at entry ÷ {p.leverage} = {fmt.money(p.initial_margin)} USDT"
    else:
        initial = (
            f"initial margin = notional ÷ leverage = {fmt.money(p.notional)} ÷ {p.leverage} = "
            f"{fmt.money(p.initial_margin)} USDT"
        )
    return (
        f"{p.leverage}×: {initial}\nat this size the maximum is {p.bracket_max_leverage}×.\n"
        f"Double-click (or type a number) to change it."
    )


def size(p: PositionView, inst: Instrument, ctx: Context) -> str:
    return f"{fmt.size(p.qty, p.symbol, inst.qty_step)} {p.side}"


def notional(p: PositionView, inst: Instrument, ctx: Context) -> str:
    return (
        f"notional = size × mark = {fmt.decimal(p.qty)} × {fmt.price(p.mark_price, inst.tick_size)}"
        f" = {fmt.money(p.notional)} USDT"
    )


def entry(p: PositionView, inst: Instrument, ctx: Context) -> str:
    return "entry price (the average of the fills that opened and increased it)"


def mark(p: PositionView, inst: Instrument, ctx: Context) -> str:
    return "mark price: drives the unrealised PnL, the margin ratio and liquidation"


def pnl(p: PositionView, inst: Instrument, ctx: Context) -> str:
    sign = "" if p.side == "long" else "−"
    q, tick = fmt.decimal(p.qty), inst.tick_size
    return (
        f"uPnL = {sign}size × (mark − entry) = {sign}{q} × ({fmt.price(p.mark_price, tick)} − "
        f"{fmt.price(p.entry_price, tick)}) = {fmt.money(p.unrealized_pnl)} USDT\nROE = uPnL ÷ initial "
        f"margin at entry ({fmt.money(p.entry_margin)}) = {fmt.pct(p.roe, signed=True)}"
    )


def ratio(p: PositionView, inst: Instrument, ctx: Context) -> str:
    if p.mode == "isolated":
        balance = (
            f"margin balance = isolated wallet {fmt.money(p.isolated_wallet or _ZERO)} + "
            f"uPnL {fmt.money(p.unrealized_pnl)} = {fmt.money(p.margin_balance)} USDT"
        )
        mm = f"maintenance {fmt.money(p.maintenance_margin)}"
    else:
        v = ctx.view()
        balance = (
            f"the cross pool's: margin balance = cross wallet {fmt.money(v.cross_wallet)} + "
            f"cross uPnL {fmt.money(v.cross_unrealized_pnl)} = {fmt.money(v.cross_margin_balance)} USDT"
        )
        mm = f"maintenance of every cross position {fmt.money(v.cross_maintenance_margin)}"
    used = position_buffer(p, ctx.view())
    danger = ""
    if used is not None:
        danger = (
            f"\nmargin buffer used (the Margin panel's bar): loss {fmt.money(used.loss)} ÷ (wallet "
            f"{fmt.money(used.wallet)} − maintenance {fmt.money(used.maintenance)}) = {used_text(used.used)}"
        )
    return (
        f"{RATIO_CONVENTION}\n{mm} ÷ margin balance {fmt.money(p.margin_balance)} = "
        f"{fmt.pct(p.margin_ratio)}\n{balance}{danger}"
    )


def margin(p: PositionView, inst: Instrument, ctx: Context) -> str:
    mm = maintenance(p, inst, ctx.margin_rules)
    if p.isolated_wallet is None:
        return (
            f"cross: initial margin {fmt.money(p.initial_margin)} USDT (see Leverage), counted against "
            f"the available balance; the cross pool backs it.\n{mm}"
        )
    return (
        f"isolated wallet {fmt.money(p.isolated_wallet)} USDT; margin balance = wallet + uPnL = "
        f"{fmt.money(p.margin_balance)} USDT\n{mm}\nClick ± to add or remove margin."
    )


def liquidation(p: PositionView, inst: Instrument, ctx: Context) -> str:
    tick = inst.tick_size
    shown = fmt.liquidation(p, tick)
    bankrupt = fmt.price(p.bankruptcy_price, tick) if p.bankruptcy_price is not None else fmt.DASH
    if p.liquidation_price is None:
        return (
            "no liquidation price (—): with every other mark where it is, no price of "
            f"{p.symbol} liquidates this position\nbankruptcy price: {bankrupt}"
        )
    if p.mode == "isolated":
        backing = f"isolated wallet {fmt.money(p.isolated_wallet or _ZERO)}"
    else:
        backing = (
            f"cross pool: cross wallet {fmt.money(ctx.view().cross_wallet)}, the other cross "
            f"positions' uPnL and maintenance at their current marks"
        )
    where = (
        f"shown on the {fmt.decimal(tick)} tick toward the side where it has not fired yet"
        if fmt.within_reach(p.liquidation_price, p.mark_price, tick)
        else "more than twice the mark away: none within reach"
    )
    return (
        f"liq. price {shown}: {backing}; liquidated when the margin ratio reaches 100 %\n"
        f"engine value {fmt.price(p.liquidation_price, ENGINE_QUANTUM)}, {where}\nbankruptcy price "
        f"(margin balance 0): {bankrupt}"
    )


def close(p: PositionView, inst: Instrument, ctx: Context) -> str:
    return "Close: the whole position at the mark.  Part…: choose how much, with a preview."
