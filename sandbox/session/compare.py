"""One session under several exchange profiles: where each position's liquidation price lies and
whether (and when) it was liquidated. The same inputs go to one account per profile, read again
from the source for each (a file is streamed once per profile, never held).

Positions are matched across profiles by the input that opened them, not by id: a profile that
refuses an open (leverage above its maximum, say) gives later positions other ids. A position an
order opened is matched by the price input that filled it. Each outcome also says what the
position paid in funding (negative: received) and how many partial liquidation steps it took
before it was gone; each profile's resting orders at the end are listed too (profiles differ in
which orders could reserve, fill or survive).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..engine import (
    Closed,
    Command,
    FundingSettled,
    Liquidated,
    Open,
    Opened,
    OrderView,
    Price,
    Rejected,
    text,
)
from .runner import Source, new_account


@dataclass(slots=True)
class Outcome:
    """A position's fate under one profile."""

    id: str | None = None
    liquidation_price: Decimal | None = None  # as the engine has it right after it opened
    mark: Decimal | None = None  # the mark then (the display rule needs it)
    tick: Decimal = Decimal("0.01")  # the instrument's tick (likewise)
    liquidated_at: int | None = None
    liquidated_price: Decimal | None = None
    closed_at: int | None = None
    rejected: str | None = None
    funding: Decimal = Decimal(0)  # paid (negative: received) while it was open
    partial_steps: int = 0  # partial liquidation steps before it was gone (or to the end)


@dataclass(slots=True)
class Comparison:
    profiles: list[str]
    t: int = 0
    # input index of the open → description and profile → outcome
    labels: dict[int, str] = field(default_factory=dict)
    outcomes: dict[int, dict[str, Outcome]] = field(default_factory=dict)
    orders: dict[str, list[OrderView]] = field(default_factory=dict)  # profile → resting at the end


def compare(source: Source, profiles: list[str], until: int | None = None) -> Comparison:
    result = Comparison(list(profiles))
    for name in profiles:
        account = new_account(source.header, name)
        instruments = account.profile.instruments
        opened_by: dict[str, int] = {}  # position id → input index of its open
        t = 0
        for index, (t, symbol, x) in enumerate(source.items(until)):
            command: Command | None = None
            if symbol is None:
                command = x
                events = account.apply(x, t)
            elif symbol in instruments:
                events = account.set_mark(t, symbol, x)
            else:
                command = Price(symbol, x)
                events = account.apply(command, t)
            for event in events:
                if isinstance(event, Opened) and not event.increase:
                    opened_by[event.position] = index
                    result.labels.setdefault(index, f"{event.position} {event.symbol} {event.side}")
                    result.outcomes.setdefault(index, {})[name] = Outcome(
                        event.position,
                        account.liquidation_price(event.position),
                        account.marks[event.symbol],
                        instruments[event.symbol].tick_size,
                    )
                elif isinstance(event, Rejected) and isinstance(command, Open) and command.position is None:
                    result.labels.setdefault(index, f"{command.symbol} {command.side} (t={t})")
                    result.outcomes.setdefault(index, {})[name] = Outcome(rejected=event.message)
                elif isinstance(event, Liquidated):
                    gone = set(event.gone)
                    for pid in event.positions:
                        out = result.outcomes[opened_by[pid]][name]
                        if pid in gone:
                            out.liquidated_at, out.liquidated_price = t, event.price
                        else:
                            out.partial_steps += 1
                elif isinstance(event, Closed) and event.remaining_qty == 0:
                    result.outcomes[opened_by[event.position]][name].closed_at = t
                elif isinstance(event, FundingSettled):
                    for pay in event.payments:
                        result.outcomes[opened_by[pay.position]][name].funding += pay.amount
        result.t = max(result.t, t if until is None else until)
        result.orders[name] = account.resting()
    result.labels = dict(sorted(result.labels.items()))
    return result


def _fate(out: Outcome) -> str:
    if out.rejected:
        return "open rejected"
    steps = f" after {out.partial_steps} step(s)" if out.partial_steps else ""
    if out.liquidated_at is not None:
        return f"liquidated t={out.liquidated_at}{steps}"
    if out.closed_at is not None:
        return f"closed t={out.closed_at}"
    return f"open at end{', ' + str(out.partial_steps) + ' step(s)' if out.partial_steps else ''}"


def _funding(out: Outcome | None) -> str:
    if out is None or out.rejected or not out.funding:
        return ""
    verb = "paid" if out.funding > 0 else "got"
    return f"funding {verb} {text.money(abs(out.funding))}"


def _shown(out: Outcome | None) -> str:
    """The liquidation price as every screen shows it (``engine.text.liquidation``)."""
    if out is None or out.rejected or out.mark is None:
        return ""
    return text.liquidation(out.liquidation_price, out.mark, out.tick)


def comparison_text(cmp: Comparison) -> str:
    width = max(20, *(len(p) + 2 for p in cmp.profiles))
    lines = [
        f"liquidation price right after opening, and what became of each position (replayed to t={cmp.t} ms)",
        "",
    ]
    lines.append(f"{'position':<24}" + "".join(f"{p:>{width}}" for p in cmp.profiles))
    for index, label in cmp.labels.items():
        by = cmp.outcomes[index]
        prices = [by.get(p) for p in cmp.profiles]
        lines.append(f"{label:<24}" + "".join(f"{_shown(o):>{width}}" for o in prices))
        lines.append(f"{'':<24}" + "".join(f"{'' if o is None else _fate(o):>{width}}" for o in prices))
        if any(_funding(o) for o in prices):
            lines.append(f"{'':<24}" + "".join(f"{_funding(o):>{width}}" for o in prices))
    resting = {name: cmp.orders.get(name, []) for name in cmp.profiles}
    if any(resting.values()):
        lines += ["", "resting orders at the end"]
        for name, orders in resting.items():
            shown = ", ".join(f"{o.id} {o.kind} {o.symbol} {o.side} at {o.price:f}" for o in orders) or "none"
            lines.append(f"  {name}: {shown}")
    return "\n".join(lines) + "\n"


def comparison_dict(cmp: Comparison) -> dict[str, Any]:
    """JSON for ``replay --compare --json``: positions in opening order, one entry per profile."""
    return {
        "t": cmp.t,
        "profiles": cmp.profiles,
        "positions": [
            {
                "position": label,
                "input": index,
                "profiles": {
                    name: {
                        "id": o.id,
                        "liquidation_price": o.liquidation_price,
                        "liquidated_at": o.liquidated_at,
                        "liquidated_price": o.liquidated_price,
                        "closed_at": o.closed_at,
                        "rejected": o.rejected,
                        "funding": o.funding,
                        "partial_steps": o.partial_steps,
                    }
                    for name, o in cmp.outcomes[index].items()
                },
            }
            for index, label in cmp.labels.items()
        ],
        "orders": {name: [o.to_dict() for o in cmp.orders.get(name, [])] for name in cmp.profiles},
    }
