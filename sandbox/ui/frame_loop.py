"""The frame timer: the one place where time moves.

About 60 times a second it advances the session by the wall time that passed × the speed: through
recorded inputs while the play head is behind the end, then (if the ticker is on) by feeding the
live market's ticks. Whatever arrived is announced once (``bridge.note_inputs`` + ``publish``), so
the window redraws at most once per frame however fast the market ticks — the render rate is
decoupled from the data rate.

Nothing is dropped: a slow frame makes the next one take more ticks (``backlog`` tells how many
inputs the last frame applied; ``behind_ms`` how far the market clock is ahead of what was fed).

A frame that raises (an input the engine cannot take: a bug, never a user's mistake) does not take
the window down: time stops and ``failed`` says so in one sentence; the session controller puts
the session back at its last whole moment.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from . import format as fmt
from .bridge import SessionBridge

SPEEDS: tuple[float | None, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, None)  # None = max
MAX_DT = 0.25  # a stalled frame (a dialog, a breakpoint) does not fast-forward more than this
MAX_BUDGET_S = 0.010  # "max" speed replays for at most this long per frame
LIVE_MAX_SPEED = 64.0  # the live market cannot run "as fast as possible": max means 64×
FREEZE_EVERY_S = 10.0  # see freeze_history


def freeze_history() -> None:
    """Move everything alive now out of the garbage collector's sight.

    A recording is millions of small objects (inputs, decimals) that live as long as the
    session; left in the collected generations, every full collection walks them all (60–175 ms
    each while bench_gui loads its two hours of history), and a live session keeps adding to
    them. Frozen, collections only look at what is new. (Cyclic garbage frozen this way is kept;
    the timeline makes almost none.)"""
    gc.freeze()


def speed_text(speed: float | None) -> str:
    if speed is None:
        return "max"
    return f"{speed:g}×"


class Market(Protocol):
    def advance(self, until_ms: int) -> list: ...


MarketFactory = Callable[[dict[str, Decimal], int], Market]


class FrameLoop(QObject):
    state_changed = Signal()  # playing, ticker or speed changed
    frame_done = Signal(float)  # seconds the frame's work took (benchmarks listen)
    failed = Signal(str, str)  # a frame could not be applied (a sentence, what failed); time stopped

    def __init__(
        self,
        bridge: SessionBridge,
        hz: int = 60,
        clock: Callable[[], float] = time.perf_counter,
        parent: QObject | None = None,
    ):
        super().__init__(parent or bridge)
        self.bridge = bridge
        self.clock = clock
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(max(1, round(1000 / hz)))
        self.timer.timeout.connect(self._on_timer)
        self._last: float | None = None
        self._playing = False
        self._ticker = False
        self._speed: float | None = 1.0
        self._market: Market | None = None
        self._market_factory: MarketFactory | None = None
        self._market_timeline: object | None = None
        self._market_clock = 0.0  # session ms the market has been advanced to
        self._fed_end = 0  # the timeline's end after the last feed
        self._seek: int | None = None
        self._head = 0.0  # the play head (session ms, fractional: slow speeds move it < 1 ms a frame)
        self._head_at: tuple[object, int] | None = None  # (timeline, index) the head was last left at
        self.backlog = 0  # inputs applied by the last frame
        self.behind_ms = 0.0
        self._frozen_at = 0.0

    # ------------------------------------------------------------------ state
    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def ticker_on(self) -> bool:
        return self._ticker

    @property
    def speed(self) -> float | None:
        return self._speed

    @property
    def has_market(self) -> bool:
        return self._market_factory is not None

    def start(self) -> None:
        self._last = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def set_playing(self, playing: bool) -> None:
        if playing and self.at_end() and not (self._ticker and self.has_market):
            if len(self.bridge.timeline) == 0:
                playing = False
            else:  # play again from the start, like a media player at its end
                self.bridge.timeline.seek_index(0)
                self.bridge.note_inputs([], urgent=True)
                self.bridge.publish()
        if playing != self._playing:
            self._playing = playing
            self._last = None
            self.state_changed.emit()

    def toggle_play(self) -> None:
        self.set_playing(not self._playing)

    def set_ticker(self, on: bool) -> None:
        on = on and self.has_market
        if on != self._ticker:
            self._ticker = on
            if on and not self._playing and self.at_end():
                self._playing = True
                self._last = None
            self.state_changed.emit()

    def toggle_ticker(self) -> None:
        self.set_ticker(not self._ticker)

    def set_speed(self, speed: float | None) -> None:
        if speed not in SPEEDS:
            raise ValueError(f"speed must be one of {SPEEDS}")
        if speed != self._speed:
            self._speed = speed
            self.state_changed.emit()

    def faster(self) -> None:
        i = SPEEDS.index(self._speed)
        self.set_speed(SPEEDS[min(i + 1, len(SPEEDS) - 1)])

    def slower(self) -> None:
        i = SPEEDS.index(self._speed)
        self.set_speed(SPEEDS[max(i - 1, 0)])

    def set_market(self, factory: MarketFactory | None) -> None:
        """``factory(marks, t0_ms)`` makes a market that continues from ``marks`` at session time
        ``t0_ms``; it is called again whenever the timeline changes under the market (a branch,
        another file, a reset), so the market always continues from what is on screen."""
        self._market_factory = factory
        self._market = None
        if factory is None and self._ticker:
            self._ticker = False
            self.state_changed.emit()

    def at_end(self) -> bool:
        tl = self.bridge.timeline
        return tl.index >= len(tl)

    # ------------------------------------------------------------------ moving by hand
    def step_forward(self) -> None:
        self.set_playing(False)
        events = self.bridge.timeline.step_forward()
        self.bridge.note_inputs(list(events or ()), urgent=True)
        self.bridge.publish()

    def step_back(self) -> None:
        self.set_playing(False)
        self.bridge.timeline.step_back()
        self.bridge.note_inputs([], urgent=True)
        self.bridge.publish()

    def go_to_start(self) -> None:
        """The first moment of the recording (its first inputs applied)."""
        tl = self.bridge.timeline
        if len(tl):
            self.set_playing(False)
            self.seek(int(tl.times[0]), now=True)

    def seek(self, t_ms: int, now: bool = False) -> None:
        """Jump the play head (scrubbing asks for this many times a second: one seek per frame)."""
        self._seek = int(t_ms)
        if now or not self.timer.isActive():
            self._apply_seek()
            self.bridge.publish()

    def _apply_seek(self) -> None:
        if self._seek is None:
            return
        t, self._seek = self._seek, None
        self.bridge.timeline.seek(t)
        self.bridge.note_inputs([], urgent=True)

    # ------------------------------------------------------------------ one frame
    def _on_timer(self) -> None:
        now = self.clock()
        dt = 0.0 if self._last is None else min(now - self._last, MAX_DT)
        self._last = now
        self.advance(dt)
        if now - self._frozen_at > FREEZE_EVERY_S:
            self._frozen_at = now
            freeze_history()

    def advance(self, dt: float) -> None:
        """Move the session by ``dt`` wall seconds and announce what happened (one frame)."""
        started = self.clock()
        try:
            self._advance(dt, started)
        except Exception as exc:  # the window outlives any input (see the module's docstring)
            self._stop_after(exc)
            return
        self.frame_done.emit(self.clock() - started)

    def _advance(self, dt: float, started: float) -> None:
        bridge = self.bridge
        self._apply_seek()
        applied = 0
        events: list = []
        if self._playing:
            tl = bridge.timeline
            if not self.at_end():
                before = tl.index
                if self._speed is None:
                    deadline = started + MAX_BUDGET_S
                    chunk = 1000.0
                    while not self.at_end() and self.clock() < deadline:
                        events += tl.play_until(int(tl.t + chunk))
                        chunk *= 2
                else:
                    if self._head_at != (tl, tl.index):  # moved by other means: start from there
                        self._head = float(tl.t)
                    self._head += dt * 1000 * self._speed
                    events += tl.play_until(int(self._head))
                    self._head_at = (tl, tl.index)
                applied += tl.index - before
                if self.at_end() and not self._ticker:
                    self._playing = False
                    self.state_changed.emit()
            elif self._ticker and self._market_factory is not None:
                applied += self._feed(dt, events)
            else:
                self._playing = False
                self.state_changed.emit()
        self.backlog = applied
        if applied or events:
            bridge.note_inputs(events)
        bridge.publish()

    def _stop_after(self, exc: Exception) -> None:
        self._seek = None
        if self._playing or self._ticker:
            self._playing = self._ticker = False
            self.state_changed.emit()
        what = f"{type(exc).__name__}: {exc}"
        self.failed.emit(
            f"Time stopped at {fmt.clock(self.bridge.timeline.t / 1000)}: an input after this moment "
            f"could not be applied ({what}); the session stays here.",
            what,
        )

    def _feed(self, dt: float, events: list) -> int:
        tl = self.bridge.timeline
        factory = self._market_factory
        if factory is None:
            return 0
        speed = LIVE_MAX_SPEED if self._speed is None else self._speed
        # The market continues from the screen: again after a branch, a reset or another file.
        market = self._market
        if market is None or self._market_timeline is not tl or tl.end_t < self._fed_end:
            market = self._market = factory(dict(self.bridge.marks()), int(tl.t))
            self._market_timeline = tl
            self._market_clock = float(tl.t)
        self._market_clock += dt * 1000 * speed
        ticks = market.advance(int(self._market_clock))
        if ticks:
            events += tl.feed(ticks)
            self.behind_ms = self._market_clock - ticks[-1][0]  # (a funding settlement is a plain tuple)
        self._fed_end = tl.end_t
        return len(ticks)
