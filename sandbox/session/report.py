"""The replay report: the JSON of session-format.md ("The report") and a readable summary.

Both are written as the events are read back (``write_report``, ``write_summary``), so a replay
whose engine said ten million things prints them without holding them; the JSON is byte for byte
what ``json.dumps(report, indent=2)`` gives.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from ..engine import (
    Account,
    Event,
    FundingSettled,
    Liquidated,
    OrderCancelled,
    OrderFilled,
    OrderPlaced,
    Rejected,
    text,
)
from ..engine.views import REPORT_ORDER_FIELDS, REPORT_POSITION_FIELDS
from .jsonlines import format_decimal


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (int, str)):  # enums
        return value.value
    return value


def account_dict(account: Account) -> dict[str, Any]:
    """The contract's account fields first, then extras (extensions keep old names intact)."""
    view = account.view()
    out = view.to_dict()
    positions = []
    for p in view.positions:
        d = p.to_dict()
        ordered = {k: d[k] for k in REPORT_POSITION_FIELDS}
        ordered.update((k, v) for k, v in d.items() if k not in ordered)
        positions.append(ordered)
    first = [
        "cross_wallet",
        "total_wallet",
        "cross_margin_balance",
        "available",
        "cross_margin_ratio",
        "insurance_fund",
    ]
    result = {k: out[k] for k in first}
    result.update((k, v) for k, v in out.items() if k not in result and k not in ("positions", "orders"))
    result["positions"] = positions
    orders = []
    for o in view.orders:
        d = o.to_dict()
        ordered = {k: d[k] for k in REPORT_ORDER_FIELDS}
        ordered.update((k, v) for k, v in d.items() if k not in ordered)
        orders.append(ordered)
    result["orders"] = orders
    return result


def report(account: Account, t: int, events: Iterable[Event]) -> dict[str, Any]:
    result: dict[str, Any] = plain(
        {"t": t, "events": [e.to_dict() for e in events], "account": account_dict(account)}
    )
    return result


def _dumps(value: Any, indent: str) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` writes it nested ``indent`` deep."""
    return json.dumps(plain(value), indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def write_report(out: IO[str], account: Account, t: int, events: Iterable[Event]) -> None:
    """The JSON report, written one event at a time."""
    out.write(f'{{\n  "t": {json.dumps(t)},\n  "events": [')
    first = True
    for event in events:
        out.write(("\n    " if first else ",\n    ") + _dumps(event.to_dict(), "    "))
        first = False
    out.write("]" if first else "\n  ]")
    out.write(f',\n  "account": {_dumps(account_dict(account), "  ")}\n}}\n')


def report_json(account: Account, t: int, events: Iterable[Event]) -> str:
    out = io.StringIO()
    write_report(out, account, t, events)
    return out.getvalue()


def describe(event: Event, account: Account | None = None) -> str:
    """One sentence for a person (the window's event log says the same)."""
    if isinstance(event, Liquidated):
        return _liquidated(event, account)
    if isinstance(event, OrderPlaced | OrderFilled | OrderCancelled | FundingSettled):
        return _order_or_funding(event, account)
    if isinstance(event, Rejected):
        return rejection(event)
    return _plain_event(event.to_dict(), account)


# What a rejected command tried, in words (a person reads "Margin mode switch of p1 rejected",
# never the command's type).
_TRIED = {
    "open": "Order",
    "close": "Close of {position}",
    "set_mode": "Margin mode switch of {position}",
    "adjust_margin": "Margin change of {position}",
    "set_leverage": "Leverage change of {position}",
    "deposit": "Deposit",
    "withdraw": "Withdrawal",
    "price": "Price",
    "order": "Resting order",
    "cancel": "Cancel",
    "funding": "Funding settlement",
}


def rejection(event: Rejected) -> str:
    """``Margin mode switch of p1 rejected: …`` (never "rejected set_mode: …")."""
    tried = _TRIED.get(event.command, "Command").format(position=event.position or "a position")
    return f"{tried} rejected: {event.message}"


_STEPS = {"slice": "slice", "tier_step": "tier step", "full": "whole", "backstop": "backstop"}


def _liquidated(event: Liquidated, account: Account | None) -> str:
    at = _p(account, event.symbol, event.price)
    who = ", ".join(event.positions)
    if event.step in ("slice", "tier_step"):
        tiers = f", tier {event.tier_from} → {event.tier_to}" if event.tier_from is not None else ""
        left = "" if event.remaining_qty is None else f", {text.qty(event.remaining_qty)} left"
        return (
            f"{who} ({event.symbol} {event.mode}) partly liquidated at {at} ({_STEPS[event.step]} "
            f"{event.step_no}{tiers}): {text.qty(event.qty or Decimal(0))} closed{left}, realised "
            f"{text.money(event.realized_pnl)}, fee {text.money(event.fee)} USDT; the margin stays with "
            f"what is left"
        )
    if event.mode == "isolated":
        how = "taken by the backstop" if event.step == "backstop" else "liquidated"
        if event.returned > 0:
            lost = text.money(event.wallet_before - event.returned)
            return (
                f"{event.symbol} {event.side} (isolated) {how} at {at}: lost {lost} of its "
                f"{text.money(event.wallet_before)} USDT margin; {text.money(event.returned)} USDT went back "
                f"to the cross wallet; the rest of the account is untouched"
            )
        return (
            f"{event.symbol} {event.side} (isolated) {how} at {at}: lost its "
            f"{text.money(event.wallet_before)} USDT margin; the rest of the account is untouched"
        )
    how = "taken by the backstop" if event.step == "backstop" else "liquidated"
    return (
        f"cross margin {how} at {event.symbol} {at}: "
        f"{len(event.positions)} cross position(s) closed ({who}), "
        f"cross wallet {text.money(event.wallet_before)} → {text.money(event.wallet_after)} USDT; "
        f"isolated positions are untouched"
    )


_KINDS = {"limit": "limit", "stop": "stop", "take_profit": "take-profit"}


def _order_or_funding(
    event: OrderPlaced | OrderFilled | OrderCancelled | FundingSettled, account: Account | None
) -> str:
    if isinstance(event, FundingSettled):
        rate = f"{event.rate * 100:.4f} %"
        if not event.payments:
            return f"funding {event.symbol} {rate}: no position on it"
        parts = [
            f"{pay.position} {'paid' if pay.amount >= 0 else 'received'} {text.money(abs(pay.amount))}"
            for pay in event.payments
        ]
        return f"funding {event.symbol} {rate} at {_p(account, event.symbol, event.mark)}: {', '.join(parts)} USDT"
    if isinstance(event, OrderCancelled):
        why = {
            "user": "",
            "position_gone": f": {event.position} is gone",
        }.get(event.reason, f" when it triggered: {event.message}")
        return f"{event.order} cancelled{why}"
    kind = _KINDS[event.kind]
    price = _p(account, event.symbol, event.price)
    if isinstance(event, OrderPlaced):
        if event.opens:
            return (
                f"placed {event.order}: {kind} to open {event.side} {text.qty(event.qty or Decimal(0))} {event.symbol} "
                f"at {price}, {event.leverage}× {event.mode} as {event.position} (holds "
                f"{text.money(event.reserved)} USDT of the available balance)"
            )
        qty = "all" if event.qty is None else text.qty(event.qty)
        return f"placed {event.order}: {kind} to close {qty} of {event.position} ({event.symbol} {event.side}) at {price}"
    if event.liquidation_price is not None and event.realized_pnl is not None:
        trigger = _p(account, event.symbol, event.trigger_price)
        loss = text.money(event.fee - event.realized_pnl)
        # the display rule, from where the stop stood (before the liquidation price along the move)
        shown = text.liquidation(event.liquidation_price, event.trigger_price, _tick(account, event.symbol))
        if event.margin is not None:
            return (
                f"the {kind} at {trigger} closed {event.position} before its liquidation price {shown}: "
                f"lost {loss} USDT instead of its {text.money(event.margin)} margin"
            )
        return (
            f"the {kind} at {trigger} closed {event.position} before the cross pool's liquidation price "
            f"{shown}: lost {loss} USDT"
        )
    verb = "opened" if event.opens else f"closed {text.qty(event.qty)} of"
    return f"{event.order} ({kind}) filled at {price} as a {event.liquidity}: {verb} {event.position}"


def _plain_event(d: dict[str, Any], account: Account | None) -> str:
    """One sentence for the events that carry no more than their fields say."""
    kind = d["type"]
    if kind == "opened":
        verb = "increased" if d["increase"] else "opened"
        return (
            f"{verb} {d['position']}: {d['side']} {text.qty(d['qty'])} {d['symbol']} at "
            f"{_p(account, d['symbol'], d['price'])}, {d['leverage']}× {d['mode']}, "
            f"margin {text.money(d['margin'])}, fee {text.money(d['fee'])} USDT"
        )
    if kind == "closed":
        return (
            f"closed {text.qty(d['qty'])} of {d['position']} ({d['symbol']} {d['side']}) at "
            f"{_p(account, d['symbol'], d['price'])}: realised {text.money(d['realized_pnl'])}, "
            f"fee {text.money(d['fee'])} USDT"
        )
    if kind == "mode_changed":
        return f"{d['position']} switched {d['previous_mode']} → {d['mode']}" + (
            f", isolated wallet {text.money(d['isolated_wallet'])} USDT" if d["mode"] == "isolated" else ""
        )
    if kind == "margin_adjusted":
        verb = "added" if d["amount"] > 0 else "removed"
        return (
            f"{verb} {text.money(abs(d['amount']))} USDT {'to' if d['amount'] > 0 else 'from'} "
            f"{d['position']}: isolated wallet {text.money(d['isolated_wallet'])} USDT"
        )
    if kind == "leverage_changed":
        return f"{d['position']} leverage {d['previous_leverage']}× → {d['leverage']}×"
    if kind == "deposited":
        return f"deposited {text.money(d['amount'])} USDT"
    if kind == "withdrawn":
        return f"withdrew {text.money(d['amount'])} USDT"
    return str(kind)


def _tick(account: Account | None, symbol: str) -> Decimal:
    inst = account.profile.instrument(symbol) if account is not None else None
    return inst.tick_size if inst is not None else Decimal("0.01")


def _p(account: Account | None, symbol: str, value: Decimal) -> str:
    return text.price(value, _tick(account, symbol))


def write_summary(out: IO[str], account: Account, t: int, events: Iterable[Event]) -> None:
    """The readable summary, written one event at a time. Liquidation prices read as on every
    screen (``engine.text.liquidation``: the first tick at which it fires)."""
    out.write(f"replayed to t={t} ms ({account.profile.title}, {account.rules} rules)\n\n")
    first = True
    for e in events:
        if first:
            out.write("events:\n")
            first = False
        out.write(f"  {e.t:>10} ms  {describe(e, account)}\n")
    if not first:
        out.write("\n")
    v = account.view()
    lines = [
        f"cross wallet      {text.money(v.cross_wallet):>18} USDT",
        f"isolated wallets  {text.money(v.isolated_wallets):>18} USDT",
        f"total wallet      {text.money(v.total_wallet):>18} USDT",
        f"available         {text.money(v.available):>18} USDT",
        f"equity            {text.money(v.equity):>18} USDT",
        f"cross margin ratio {_pct(v.cross_margin_ratio):>17} (maintenance / margin balance; 100 % liquidates)",
        f"insurance fund    {text.money(v.insurance_fund):>18} USDT",
    ]
    if v.positions:
        lines += ["", "positions:"]
        for p in v.positions:
            tick = account.profile.instruments[p.symbol].tick_size
            lp = text.liquidation(p.liquidation_price, p.mark_price, tick)
            lines.append(
                f"  {p.id:<5} {p.symbol:<9} {p.side:<5} {p.mode:<8} {p.leverage:>3}×  qty "
                f"{text.qty(p.qty)}  entry {text.price(p.entry_price, tick)}  mark "
                f"{text.price(p.mark_price, tick)}  uPnL {text.money(p.unrealized_pnl)}  "
                f"ratio {_pct(p.margin_ratio)}  liq. {lp}"
            )
    else:
        lines += ["", "no open positions"]
    out.write("\n".join(lines) + "\n")


def summary(account: Account, t: int, events: Iterable[Event]) -> str:
    out = io.StringIO()
    write_summary(out, account, t, events)
    return out.getvalue()


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f} %"
