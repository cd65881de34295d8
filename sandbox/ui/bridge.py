"""The one place where Qt meets the session layer.

Widgets never hold the account: they read what the bridge publishes and send user commands
through ``submit``. The frame loop calls ``publish`` once per frame; however many ticks arrived,
the bridge then works out once what changed (``changes.diff``) and says it with typed signals, so
each widget updates only what it shows:

============================  ==========================================================
``reset()``                   another timeline (a file, a branch, a reset): read everything
``ticked()``                  inputs were applied this frame (prices moved): chart data, clock
``events(list[Event])``       what the engine said, in order
``jumped()``                  a seek or a step moved the timeline, perhaps back in time
``positions_removed(ids)``    positions that went (closed, liquidated, rewound away)
``positions_added(ids)``      positions that appeared, in the engine's order
``positions_changed(dict)``   position id → the ``PositionView`` fields that moved
``orders_removed(ids)``       resting orders that went (filled, cancelled, rewound away)
``orders_added(ids)``         orders that now rest, in the order they were placed
``orders_changed(ids)``       orders whose view changed (a closing order's quantity shrank)
``marks_changed(symbols)``    symbols whose mark moved (or got its first price)
``account_changed(fields)``   ``AccountView`` fields (wallets, available, ratios…) that moved
``held_changed(symbol, on)``  a symbol's live ticker was paused by hand (True) or resumed
``submitted()``               the user gave a command (after it was applied and published)
============================  ==========================================================

Signals come in that order within a frame (``reset`` at once, when the timeline is replaced). Read the numbers with ``view()``, ``position(id)``,
``mark(symbol)``, ``orders(symbol)``, ``order(id)``, ``exits(position)``; ask the engine with
``preview(command)`` (and ``Preview.then`` for what follows on the same copy) and ``max_removable(id)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..engine import (
    Account,
    AccountView,
    Command,
    Event,
    Instrument,
    Liquidated,
    MarginRules,
    OrderView,
    PositionView,
    Profile,
    Rejected,
)
from .changes import Differ, ViewChanges
from .orders.changes import OrderChanges, OrderTracker

if TYPE_CHECKING:
    from ..session.timeline import Timeline


class Preview:
    """What a command would do, worked out on a copy of the account; nothing is applied."""

    def __init__(self, account: Account, events: list[Event], t: int = 0):
        self._account = account
        self._t = t
        self.events = events
        self.rejected: Rejected | None = next((e for e in events if isinstance(e, Rejected)), None)
        self._view: AccountView | None = None

    def then(self, command: Command) -> list[Event]:
        """Apply one more command to the same copy (an order, then the price that fills it) and
        return what it said; ``events`` and ``rejected`` (the first rejection) include it."""
        events = list(self._account.apply(command, self._t))
        self.events.extend(events)
        if self.rejected is None:
            self.rejected = next((e for e in events if isinstance(e, Rejected)), None)
        self._view = None
        return events

    def view(self) -> AccountView:
        if self._view is None:
            self._view = self._account.view()
        return self._view

    def position(self, pid: str) -> PositionView | None:
        return next((p for p in self.view().positions if p.id == pid), None)

    def liquidation_price(self, pid: str) -> Decimal | None:
        """The engine's liquidation price of ``pid`` afterwards (cheaper than a whole view)."""
        return self._account.liquidation_price(pid)


class SessionBridge(QObject):
    reset = Signal()
    ticked = Signal()
    events = Signal(list)
    jumped = Signal()
    positions_removed = Signal(tuple)
    positions_added = Signal(tuple)
    positions_changed = Signal(object)  # dict[str, frozenset[str]]
    marks_changed = Signal(frozenset)
    orders_removed = Signal(tuple)
    orders_added = Signal(tuple)
    orders_changed = Signal(tuple)
    account_changed = Signal(frozenset)
    held_changed = Signal(str, bool)
    submitted = Signal()

    def __init__(self, timeline: Timeline, parent: QObject | None = None):
        super().__init__(parent)
        self._timeline = timeline
        self._view: AccountView | None = None  # the current moment's view, made when asked
        self._differ = Differ()  # what the last publish announced, to say what changed since
        self._orders = OrderTracker()  # likewise for the resting orders
        self._shown_marks: dict[str, Decimal] = {}
        self._by_id: dict[str, PositionView] = {}
        self._pending: list[Event] = []
        self._dirty = True
        self._ticked = False
        self._jumped = False
        self._liqs: tuple[object, list[Liquidated]] | None = None  # (timeline, its liquidations so far)
        self._held: set[str] = set()

    # ------------------------------------------------------------------ the timeline
    @property
    def timeline(self) -> Timeline:
        return self._timeline

    def set_timeline(self, timeline: Timeline) -> None:
        self._timeline = timeline
        self._pending.clear()
        self._liqs = None
        for symbol in list(self._held):  # a new timeline holds nothing
            self._held.discard(symbol)
            self.held_changed.emit(symbol, False)
        self._invalidate()
        self._orders.reset(timeline.account)  # before ``reset``: its slots read the orders
        self.reset.emit()
        self._differ.reset(self.view())
        self._mark_shown()

    # ------------------------------------------------------------------ reading
    def view(self) -> AccountView:
        """The numbers of the moment on screen (the engine's view of the account)."""
        if self._view is None:
            self._view = self._timeline.account.view()
            self._by_id = {p.id: p for p in self._view.positions}
        return self._view

    def position(self, pid: str) -> PositionView | None:
        self.view()
        return self._by_id.get(pid)

    def position_map(self) -> Mapping[str, PositionView]:
        """Every open position by id (read-only): for reading many at once."""
        self.view()
        return MappingProxyType(self._by_id)

    def positions(self, symbol: str | None = None) -> tuple[PositionView, ...]:
        """Open positions in the engine's order (of one symbol, if given)."""
        positions = self.view().positions
        return positions if symbol is None else tuple(p for p in positions if p.symbol == symbol)

    def orders(self, symbol: str | None = None) -> tuple[OrderView, ...]:
        """The resting orders as last announced (of one symbol, if given), in placement order."""
        views = self._orders.views.values()
        return tuple(views if symbol is None else (o for o in views if o.symbol == symbol))

    def order(self, oid: str) -> OrderView | None:
        return self._orders.views.get(oid)

    def exits(self, pid: str) -> tuple[OrderView, ...]:
        """The resting orders that would close position ``pid`` (its take-profit and stop-loss)."""
        return self._orders.exits(pid)

    def mark(self, symbol: str) -> Decimal | None:
        return self._timeline.account.marks.get(symbol)

    def marks(self) -> Mapping[str, Decimal]:
        """Every mark so far (read-only)."""
        return MappingProxyType(self._timeline.account.marks)

    def symbols(self) -> list[str]:
        """The profile's instruments, in its order."""
        return list(self._timeline.account.profile.instruments)

    def chart_symbols(self) -> list[str]:
        """Symbols that have a price so far, in the profile's order."""
        marks = self._timeline.account.marks
        return [s for s in self._timeline.account.profile.instruments if s in marks]

    def instrument(self, symbol: str) -> Instrument:
        return self._timeline.account.profile.instruments[symbol]

    @property
    def profile(self) -> Profile:
        return self._timeline.account.profile

    @property
    def margin_rules(self) -> MarginRules:
        return self._timeline.account.profile.margin

    def now(self) -> int:
        """Session time (ms) of the state on screen."""
        return int(self._timeline.t)

    # ------------------------------------------------------------------ asking the engine
    def preview(self, command: Command) -> Preview:
        trial, events = self._timeline.account.preview(command, self._timeline.t)
        return Preview(trial, events, int(self._timeline.t))

    def max_removable(self, pid: str) -> Decimal:
        """The most margin the engine lets the user take out of isolated position ``pid`` now, to
        the cent below (zero for a cross or unknown position)."""
        return self._timeline.account.max_removable(pid).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)

    def under(self, profile: Profile) -> AccountView:
        """The same wallets, positions and marks under another exchange's rules."""
        return self._timeline.account.under(profile).view()

    def describe(self, event: Event) -> str:
        """The sentence a person reads for ``event`` (the event log, the notices and the command
        line's summary say the same; a rejection names what was tried in words)."""
        from ..session.report import describe

        return describe(event, self._timeline.account)

    # ------------------------------------------------------------------ changing
    def submit(self, command: Command) -> list[Event]:
        """A user command at the current time: applied, recorded, shown at once."""
        events = list(self._timeline.submit(command))
        self._pending.extend(events)
        self._note_liquidations(events, jumped=False)
        self._ticked = True
        self._invalidate()
        self.publish()
        self.submitted.emit()
        return events

    def note_inputs(self, events: list[Event], urgent: bool = False) -> None:
        """The frame loop fed ticks (or replayed inputs) into the timeline: announce them at the
        next ``publish``. ``urgent``: a seek or a step moved the timeline, perhaps back."""
        if events:
            self._pending.extend(events)
        self._note_liquidations(events, jumped=urgent)
        self._ticked = True
        self._jumped = self._jumped or urgent
        self._invalidate()

    def publish(self) -> None:
        """Announce what happened since the last frame (the frame loop calls this once a frame)."""
        if self._ticked:
            self._ticked = False
            self.ticked.emit()
        if self._pending:
            pending, self._pending = self._pending, []
            self.events.emit(pending)
        if self._jumped:
            self._jumped = False
            self.jumped.emit()
        if self._dirty:
            self._dirty = False
            changes = self._differ.diff(self.view())
            resized = [pid for pid, names in changes.changed.items() if "qty" in names]
            orders = self._orders.diff(self._timeline.account, resized)
            self._announce(changes, self._mark_shown(), orders)

    def _announce(self, changes: ViewChanges, marks: frozenset[str], orders: OrderChanges) -> None:
        if changes.removed:
            self.positions_removed.emit(changes.removed)
        if changes.added:
            self.positions_added.emit(changes.added)
        if changes.changed:
            self.positions_changed.emit(changes.changed)
        if orders.removed:
            self.orders_removed.emit(orders.removed)
        if orders.added:
            self.orders_added.emit(orders.added)
        if orders.changed:
            self.orders_changed.emit(orders.changed)
        if marks:
            self.marks_changed.emit(marks)
        if changes.account:
            self.account_changed.emit(changes.account)

    def _mark_shown(self) -> frozenset[str]:
        """Remember the marks as announced; returns the symbols whose mark moved."""
        marks = self._timeline.account.marks
        shown = self._shown_marks
        moved = frozenset(s for s in marks.keys() | shown.keys() if marks.get(s) != shown.get(s))
        if moved:
            self._shown_marks = dict(marks)
        return moved

    def _note_liquidations(self, events: list[Event], jumped: bool) -> None:
        if jumped:  # a seek or a step may have gone back: read them again when asked
            self._liqs = None
        elif self._liqs is not None and self._liqs[0] is self._timeline:
            self._liqs[1].extend(e for e in events if isinstance(e, Liquidated))

    def _invalidate(self) -> None:
        self._view = None
        self._dirty = True

    # ------------------------------------------------------------------ history (charts, replay)
    def price_history(self, symbol: str) -> tuple[np.ndarray, np.ndarray]:
        """(t ms, price) of every price input of ``symbol`` applied so far."""
        return self._timeline.price_history(symbol)

    def account_history(self) -> tuple[np.ndarray, ...]:
        """(t ms, total wallet, cross margin balance, cross maintenance margin, equity) so far."""
        return self._timeline.account_history()

    def liquidations(self) -> list[Liquidated]:
        """Liquidations that happened up to the time on screen, oldest first.

        Kept up to date from the events each frame brings (``timeline.events`` copies a list, so
        it is read again only after a jump: a seek, a step, another timeline)."""
        timeline = self._timeline
        if self._liqs is None or self._liqs[0] is not timeline:
            found = [e for _, e in timeline.events if isinstance(e, Liquidated)]
            self._liqs = (timeline, found)
        return self._liqs[1]

    # ------------------------------------------------------------------ prices set by hand
    def hold(self, symbol: str) -> None:
        """Stop the live ticker moving ``symbol`` (the user is setting its price by hand)."""
        if not self.is_held(symbol):
            self._timeline.hold(symbol)
            self._held.add(symbol)
            self.held_changed.emit(symbol, True)

    def release(self, symbol: str) -> None:
        if self.is_held(symbol):
            self._timeline.release(symbol)
            self._held.discard(symbol)
            self.held_changed.emit(symbol, False)

    def is_held(self, symbol: str) -> bool:
        return symbol in self._held

    def held(self) -> set[str]:
        return set(self._held)
