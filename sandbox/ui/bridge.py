"""The one place where Qt meets the session layer.

Widgets never hold an account: they read ``bridge.view()`` when ``changed`` fires and send user
commands through ``bridge.submit``. The window's frame timer calls ``publish`` once per frame, so
however many ticks arrived, each widget redraws at most once per frame.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..engine import Account, AccountView, Command, Event, Instrument, Liquidated

if TYPE_CHECKING:
    from ..session.timeline import Timeline


class SessionBridge(QObject):
    changed = Signal()  # the account may have changed: read view() again
    events = Signal(list)  # engine events (list[Event]) in the order they happened
    reset = Signal()  # another timeline: a file was opened, a branch started, the account reset
    notice = Signal(str)  # one sentence for the status bar (bad file, rejected command, …)
    held_changed = Signal(str, bool)  # a symbol's live ticker was paused (True) or resumed (False)
    # Inputs were applied since the last frame (prices moved). Emitted every frame that had any,
    # before ``changed``; for cheap listeners that do not need view() (chart data, sliders, clock).
    ticked = Signal()
    submitted = Signal()  # the user gave a command (after it was applied and published)

    MAX_REFRESH_INTERVAL = 0.5  # s: under any load, view-driven widgets refresh at least 2× a second
    REFRESH_SHARE = 0.03  # under load, view-driven refreshes take at most this share of the time

    def __init__(self, timeline: Timeline, parent: QObject | None = None):
        super().__init__(parent)
        self._timeline = timeline
        self._view: AccountView | None = None
        self._pending: list[Event] = []
        self._dirty = True
        self._liqs: tuple[object, list[Liquidated]] | None = None  # (timeline, its liquidations so far)
        self._held: set[str] = set()
        self._ticked = False
        self._urgent = False
        self._last_changed = float("-inf")
        self._changed_cost = 0.0
        self.clock = time.perf_counter

    # -- the timeline
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
        self.reset.emit()
        self.changed.emit()

    @property
    def account(self) -> Account:
        """Read-only use only (views, instruments); change it through ``submit``."""
        return self._timeline.account

    # -- reading
    def view(self) -> AccountView:
        if self._view is None:
            self._view = self._timeline.account.view()
        return self._view

    def symbols(self) -> list[str]:
        return list(self._timeline.account.profile.instruments)

    def instrument(self, symbol: str) -> Instrument:
        return self._timeline.account.profile.instruments[symbol]

    def preview(self, command: Command) -> tuple[Account, list[Event]]:
        return self._timeline.account.preview(command, self._timeline.t)

    # -- changing
    def submit(self, command: Command) -> list[Event]:
        """A user command at the current time: applied, recorded, shown at once."""
        events = list(self._timeline.submit(command))
        self._pending.extend(events)
        self._note_liquidations(events, jumped=False)
        self._ticked = True
        self._urgent = True
        self._invalidate()
        self.publish()
        self.submitted.emit()
        return events

    def note_inputs(self, events: list[Event], urgent: bool = False) -> None:
        """The frame loop fed ticks (or replayed inputs) into the timeline: show them next frame.
        ``urgent``: a person did this (a step, a seek), so ``changed`` must not wait."""
        if events:
            self._pending.extend(events)
        self._note_liquidations(events, jumped=urgent)
        self._ticked = True
        self._urgent = self._urgent or urgent
        self._invalidate()

    def publish(self) -> None:
        """Emit what accumulated since the last frame (called by the frame timer).

        ``changed`` makes every widget read ``view()``, which costs O(positions) and more for
        cross positions. While that is cheap it fires every frame; under load it fires at most so
        often that it takes 3 % of the time (see ``refresh_interval``), so prices keep moving
        at the frame rate. Engine events and user commands always refresh at once.
        """
        if self._ticked:
            self._ticked = False
            self.ticked.emit()
        urgent = self._urgent
        if self._pending:
            pending, self._pending = self._pending, []
            self.events.emit(pending)
            urgent = True
        if self._dirty:
            start = self.clock()
            if urgent or start - self._last_changed >= self.refresh_interval():
                self._dirty = False
                self._urgent = False
                self.changed.emit()
                cost = self.clock() - start
                self._changed_cost = (
                    cost if self._last_changed == float("-inf") else (0.7 * self._changed_cost + 0.3 * cost)
                )
                self._last_changed = start

    def refresh_interval(self) -> float:
        """Seconds between view-driven refreshes: about a frame while a refresh is cheap (≤ 0.5 ms),
        else long enough that refreshing takes ``REFRESH_SHARE`` of the time, never above 0.5 s.
        Measured: a few positions, ~1.5 ms a refresh → 20 a second; 100 positions, half of them
        cross, ~15 ms → twice a second. Prices move every frame regardless."""
        return min(self._changed_cost / self.REFRESH_SHARE, self.MAX_REFRESH_INTERVAL)

    def _note_liquidations(self, events: list[Event], jumped: bool) -> None:
        if jumped:  # a seek or a step may have gone back: read them again when asked
            self._liqs = None
        elif self._liqs is not None and self._liqs[0] is self._timeline:
            self._liqs[1].extend(e for e in events if isinstance(e, Liquidated))

    def _invalidate(self) -> None:
        self._view = None
        self._dirty = True

    # -- added for the window (charts, sliders, frame loop); read-only views of the timeline
    def now(self) -> int:
        """Session time (ms) of the state on screen."""
        return int(self._timeline.t)

    def chart_symbols(self) -> list[str]:
        """Symbols that have a price so far, in the profile's order."""
        marks = self._timeline.account.marks
        return [s for s in self._timeline.account.profile.instruments if s in marks]

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

    def describe(self, event: Event) -> str:
        """The sentence a person reads for ``event`` (the event log and the notices say the same)."""
        from ..session.report import describe

        return describe(event, self._timeline.account)

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
