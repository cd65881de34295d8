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

from ..engine import Account, Event, Liquidated, Rejected, text
from ..engine.views import REPORT_POSITION_FIELDS
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
    result.update((k, v) for k, v in out.items() if k not in result and k != "positions")
    result["positions"] = positions
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
    d = event.to_dict()
    kind = d["type"]
    if isinstance(event, Liquidated):
        if event.mode == "isolated":
            lost = text.money(event.wallet_before)
            return (
                f"{event.symbol} {event.side} (isolated) liquidated at {_p(account, event.symbol, event.price)}: "
                f"lost its {lost} USDT margin; the rest of the account is untouched"
            )
        return (
            f"cross margin liquidated at {event.symbol} {_p(account, event.symbol, event.price)}: "
            f"{len(event.positions)} cross position(s) closed ({', '.join(event.positions)}), "
            f"cross wallet {text.money(event.wallet_before)} → {text.money(event.wallet_after)} USDT; "
            f"isolated positions are untouched"
        )
    if isinstance(event, Rejected):
        return f"rejected {event.command}: {event.message}"
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


def _p(account: Account | None, symbol: str, value: Decimal) -> str:
    inst = account.profile.instrument(symbol) if account is not None else None
    return text.price(value, inst.tick_size if inst is not None else Decimal("0.01"))


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
