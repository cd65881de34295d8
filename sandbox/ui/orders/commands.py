"""What a person's gestures on orders become: the commands of a moved line, a take-profit or a
stop-loss for a position, and the words and roles the screens use for an order.

Moving an order is cancelling it and placing it again with the same id at the new price
(session-format.md has no "modify"), checked first on a copy of the account: a move the engine
would refuse sends nothing and says why in its words, so the line snaps back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from ...engine import Cancel, Event, Order, OrderKind, OrderView, Rejected
from .. import format as fmt

if TYPE_CHECKING:
    from ..bridge import SessionBridge

KIND_NAMES: dict[str, str] = {"limit": "limit", "stop": "stop", "take_profit": "take-profit"}
ROLES = ("entry", "tp", "sl")  # an opening order, a take-profit (or closing limit), a stop-loss
ROLE_COLOURS = {"entry": "warn", "tp": "up", "sl": "down"}  # palette roles
ROLE_NAMES = {"entry": "entry", "tp": "take-profit", "sl": "stop-loss"}


def role(o: OrderView) -> str:
    """Which of the three lines an order is: an opening order is an entry; a closing stop is a
    stop-loss; a closing take-profit or limit takes profit."""
    if o.opens:
        return "entry"
    return "sl" if o.kind == "stop" else "tp"


def action(o: OrderView) -> str:
    """What it does in a few words: ``open long 0.100`` or ``close all of p1`` (``close 0.050 of p1``)."""
    if o.opens:
        return f"open {o.side} {fmt.decimal(o.qty)} as {o.position}"
    return f"close {'all' if o.close_all else fmt.decimal(o.qty)} of {o.position}"


def label(o: OrderView, tick: Decimal) -> str:
    """A chart line's label: id, kind, quantity and price (``o3 stop · close all of p1 (0.100) ·
    57,000.0``)."""
    qty = f" ({fmt.decimal(o.qty)})" if o.close_all else ""
    return f"{o.id} {KIND_NAMES[o.kind]} · {action(o)}{qty} · {fmt.price(o.price, tick)}"


def replacement(o: OrderView, price: Decimal) -> Order:
    """The order ``o`` placed again at ``price``: same id, kind, lot and quantity."""
    if o.opens:
        return Order(o.kind, price, o.symbol, o.side, o.qty, o.leverage, o.mode, o.position, o.id)
    return Order(o.kind, price, position=o.position, qty=None if o.close_all else o.qty, order=o.id)


def exit_order(kind: OrderKind, pid: str, price: Decimal) -> Order:
    """A take-profit or stop-loss closing all of position ``pid`` at ``price``."""
    return Order(kind, price, position=pid)


@dataclass(slots=True)
class Outcome:
    """What came of a gesture: ``events`` the engine said (empty when nothing was sent), and
    ``refused`` the engine's sentence when it would not take it."""

    events: list[Event] = field(default_factory=list)
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None


def move(bridge: SessionBridge, oid: str, price: Decimal) -> Outcome:
    """Move resting order ``oid`` to ``price``: previewed as cancel + place with the same id; sent
    only if the engine takes both. (A limit moved through the mark fills at once, as a taker, as
    it would on an exchange.)"""
    o = bridge.order(oid)
    if o is None:
        return Outcome(refused=f"{oid} is no longer resting")
    if price == o.price:
        return Outcome()
    new = replacement(o, price)
    preview = bridge.preview(Cancel(oid))
    preview.then(new)
    if preview.rejected is not None:
        return Outcome(refused=preview.rejected.message)
    events = bridge.submit(Cancel(oid))
    placed = bridge.submit(new)
    rejected = next((e for e in placed if isinstance(e, Rejected)), None)
    if rejected is not None:  # never expected after the preview: put the order back where it was
        events += placed + bridge.submit(replacement(o, o.price))
        return Outcome(events, rejected.message)
    return Outcome(events + placed)
