"""Plays the session on to a moment in a few seconds, whatever the stretch of session time: a
lesson's evening of minute candles (hours of session time) rolls by in ``seconds`` so the person
sees the fall that answers their prediction, liquidations and all.

It moves time the way the frame loop does when playing (``timeline.play_until`` in steps, what the
engine said announced through the bridge each frame), so every panel, notice and marker follows;
the frame loop itself is paused meanwhile. Going back in time is a seek, at once.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from ..bridge import SessionBridge
from ..frame_loop import FrameLoop

SECONDS = 3.0
FRAME_MS = 16


class LessonPlayer(QObject):
    arrived = Signal()  # the moment asked for is on screen

    def __init__(self, bridge: SessionBridge, loop: FrameLoop, parent: QObject | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.loop = loop
        self.seconds = SECONDS
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._frame)
        self._from = 0
        self._to = 0
        self._started = 0.0

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play_to(self, t_ms: int) -> None:
        """Roll the session on to ``t_ms`` in about ``seconds`` (back to it at once)."""
        self._timer.stop()
        self.loop.set_playing(False)
        now = self.bridge.timeline.t
        if t_ms <= now or self.seconds <= 0:
            self.jump_to(t_ms)
            return
        self._from, self._to = now, int(t_ms)
        self._started = time.perf_counter()
        self._timer.start()

    def jump_to(self, t_ms: int) -> None:
        """Go to ``t_ms`` at once (a seek, forward or back)."""
        self._timer.stop()
        self.loop.set_playing(False)
        self.loop.seek(int(t_ms), now=True)
        self.arrived.emit()

    def finish(self) -> None:
        """Skip to the moment asked for now."""
        if self._timer.isActive():
            self._advance(self._to)
            self._timer.stop()
            self.arrived.emit()

    def stop(self) -> None:
        self._timer.stop()

    def _frame(self) -> None:
        share = min((time.perf_counter() - self._started) / self.seconds, 1.0)
        self._advance(round(self._from + (self._to - self._from) * share))
        if share >= 1.0:
            self._timer.stop()
            self.arrived.emit()

    def _advance(self, t_ms: int) -> None:
        tl = self.bridge.timeline
        events = tl.play_until(t_ms)
        self.bridge.note_inputs(list(events))
        self.bridge.publish()
