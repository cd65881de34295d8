"""One session under several exchange profiles: where each position's liquidation price lies and
whether (and when) it was liquidated. The same inputs go to one account per profile, read again
from the source for each (a file is streamed once per profile, never held).

Positions are matched across profiles by the input that opened them, not by id: a profile that
refuses an open (leverage above its maximum, say) gives later positions other ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..engine import Closed, Command, Liquidated, Open, Opened, Price, Rejected, text
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


@dataclass(slots=True)
class Comparison:
    profiles: list[str]
    t: int = 0
    # input index of the open → description and profile → outcome
    labels: dict[int, str] = field(default_factory=dict)
    outcomes: dict[int, dict[str, Outcome]] = field(default_factory=dict)


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
                    for pid in event.positions:
                        out = result.outcomes[opened_by[pid]][name]
                        out.liquidated_at, out.liquidated_price = t, event.price
                elif isinstance(event, Closed) and event.remaining_qty == 0:
                    result.outcomes[opened_by[event.position]][name].closed_at = t
        result.t = max(result.t, t if until is None else until)
    result.labels = dict(sorted(result.labels.items()))
    return result


def _fate(out: Outcome) -> str:
    if out.rejected:
        return "open rejected"
    if out.liquidated_at is not None:
        return f"liquidated t={out.liquidated_at}"
    if out.closed_at is not None:
        return f"closed t={out.closed_at}"
    return "open at end"


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
                    }
                    for name, o in cmp.outcomes[index].items()
                },
            }
            for index, label in cmp.labels.items()
        ],
    }
