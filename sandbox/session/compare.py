"""One session under several exchange profiles: where each position's liquidation price lies and
whether (and when) it was liquidated. The same inputs go to one account per profile.

Positions are matched across profiles by the input that opened them, not by id: a profile that
refuses an open (leverage above its maximum, say) gives later positions other ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..engine import Closed, Liquidated, Open, Opened, Rejected, text
from .reader import Session
from .runner import new_account


@dataclass(slots=True)
class Outcome:
    """A position's fate under one profile."""

    id: str | None = None
    liquidation_price: Decimal | None = None  # as shown right after it opened
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


def compare(session: Session, profiles: list[str], until: int | None = None) -> Comparison:
    result = Comparison(list(profiles))
    for name in profiles:
        account = new_account(session.header, name)
        opened_by: dict[str, int] = {}  # position id → input index of its open
        t = 0
        for index, (t_i, command) in enumerate(zip(session.times, session.commands)):
            if until is not None and t_i > until:
                break
            t = t_i
            for event in account.apply(command, t):
                if isinstance(event, Opened) and not event.increase:
                    opened_by[event.position] = index
                    result.labels.setdefault(index, f"{event.position} {event.symbol} {event.side}")
                    result.outcomes.setdefault(index, {})[name] = Outcome(
                        event.position, account.liquidation_price(event.position)
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
    if out is None or out.rejected:
        return ""
    return "—" if out.liquidation_price is None else text.money(out.liquidation_price)


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


def comparison_dict(cmp: Comparison) -> dict:
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
