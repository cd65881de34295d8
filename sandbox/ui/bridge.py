"""The one place where Qt meets the session layer.

Widgets never hold an account: they read ``bridge.view()`` when ``changed`` fires and send user
commands through ``bridge.submit``. The window's frame timer calls ``publish`` once per frame, so
however many ticks arrived, each widget redraws at most once per frame.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ..engine import Account, AccountView, Command, Event, Instrument

if TYPE_CHECKING:
    from ..session.timeline import Timeline


class SessionBridge(QObject):
    changed = Signal()  # the account may have changed: read view() again
    events = Signal(list)  # engine events (list[Event]) in the order they happened
    reset = Signal()  # another timeline: a file was opened, a branch started, the account reset
    notice = Signal(str)  # one sentence for the status bar (bad file, rejected command, …)

    def __init__(self, timeline: "Timeline", parent: QObject | None = None):
        super().__init__(parent)
        self._timeline = timeline
        self._view: AccountView | None = None
        self._pending: list[Event] = []
        self._dirty = True

    # -- the timeline
    @property
    def timeline(self) -> "Timeline":
        return self._timeline

    def set_timeline(self, timeline: "Timeline") -> None:
        self._timeline = timeline
        self._pending.clear()
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
        self._invalidate()
        self.publish()
        return events

    def note_inputs(self, events: list[Event]) -> None:
        """The frame loop fed ticks (or replayed inputs) into the timeline: show them next frame."""
        if events:
            self._pending.extend(events)
        self._invalidate()

    def publish(self) -> None:
        """Emit what accumulated since the last frame (called by the frame timer)."""
        if self._pending:
            pending, self._pending = self._pending, []
            self.events.emit(pending)
        if self._dirty:
            self._dirty = False
            self.changed.emit()

    def _invalidate(self) -> None:
        self._view = None
        self._dirty = True
