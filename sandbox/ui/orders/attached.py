"""Take-profit and stop-loss for a position that does not exist yet.

A limit or stop order from the ticket opens its lot only when it fills, and an order can close only
a position that is open, so the ticket's TP and SL wait here, keyed by the order that will open
the lot (its id is named when it is placed: ``OrderPlaced.position``). When that order fills, the
two closing orders are placed on the new lot as ordinary user commands (recorded like any other),
right after the frame that filled it (never inside a frame's announcements, so the event log
reads fill, then TP and SL). If the order is cancelled or rewound away, or time jumps past its
fill, nothing is placed and ``said`` tells why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QObject, QTimer, Signal

from ...engine import Event, Order, OrderCancelled, OrderFilled
from ..bridge import SessionBridge
from .commands import exit_order


@dataclass(frozen=True, slots=True)
class Exits:
    """The TP and SL waiting for order ``order`` to open lot ``lot`` (either may be None)."""

    order: str
    lot: str
    tp: Decimal | None
    sl: Decimal | None

    def orders(self) -> list[Order]:
        out = []
        if self.tp is not None:
            out.append(exit_order("take_profit", self.lot, self.tp))
        if self.sl is not None:
            out.append(exit_order("stop", self.lot, self.sl))
        return out


class AttachedExits(QObject):
    """``said(sentence)``: they will not be placed (the opening order went without filling). Once
    placed they are ordinary orders: the event log shows them, and a refusal is a rejection."""

    said = Signal(str)

    def __init__(self, bridge: SessionBridge, parent: QObject | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self._waiting: dict[str, Exits] = {}  # by the id of the order that opens the lot
        self._due: list[Exits] = []
        bridge.events.connect(self._on_events)
        bridge.orders_removed.connect(self._orders_removed)
        bridge.reset.connect(self._on_reset)

    def attach(self, exits: Exits) -> None:
        if exits.tp is not None or exits.sl is not None:
            self._waiting[exits.order] = exits

    def waiting(self, oid: str) -> Exits | None:
        """The TP and SL that order ``oid`` will get when it fills (the orders tab shows them)."""
        return self._waiting.get(oid)

    def _on_events(self, events: list[Event]) -> None:
        for e in events:
            if isinstance(e, OrderFilled) and e.opens and e.order in self._waiting:
                self._due.append(self._waiting.pop(e.order))
            elif isinstance(e, OrderCancelled) and e.order in self._waiting:
                gone = self._waiting.pop(e.order)
                self.said.emit(
                    f"{gone.order} was cancelled, so its take-profit and stop-loss were not placed"
                )
        if self._due:
            QTimer.singleShot(0, self._place_due)

    def _orders_removed(self, ids: tuple[str, ...]) -> None:
        """An order that left without a fill or a cancel this frame was rewound away (a seek)."""
        for oid in ids:
            gone = self._waiting.pop(oid, None)
            if gone is not None:
                self.said.emit(
                    f"time moved past {gone.order} without watching it fill: its take-profit and "
                    f"stop-loss were not placed"
                )

    def _on_reset(self) -> None:
        """Another timeline (a branch, other rules): keep what still waits on an order that rests."""
        self._waiting = {oid: x for oid, x in self._waiting.items() if self.bridge.order(oid) is not None}

    def _place_due(self) -> None:
        due, self._due = self._due, []
        for exits in due:
            if self.bridge.position(exits.lot) is None:
                self.said.emit(f"{exits.lot} closed before its take-profit and stop-loss could be placed")
                continue
            for order in exits.orders():
                self.bridge.submit(order)
