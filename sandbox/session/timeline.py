"""An account moving through a list of inputs: live (appending) or replayed (seek, step, branch).

The window and the command line share it, so there is one notion of "the state at time t":
``seek(t)`` gives exactly what ``runner.run(session, until=t)`` gives.

Seeking uses checkpoints: a copy of the account every ``checkpoint_every`` inputs, laid the first
time the timeline passes there. A seek restores the nearest copy at or before the target and
re-applies at most that many inputs, so it costs the same early or late, back or forward, in a
million-event session. What the engine said (events) and the chart histories are kept up to the
furthest point reached and shown up to the current one: re-applied inputs give the same events
(the engine is deterministic), so they are not stored twice.

The inputs live in ``inputs.Inputs`` (numpy arrays, about 21 bytes a price), not as a Python
object each: ``times`` and ``commands`` are read-only sequences built as they are read (of ints,
of commands), following the timeline as it grows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from ..engine import Account, Command, Event, Liquidated, Price
from ..engine.limits import MAX_TIME_MS
from .history import Series
from .inputs import Commands, Inputs, Times
from .jsonlines import atomic_writer, dumps, item_line
from .model import SessionHeader
from .reader import Session
from .recorder import Recorder
from .runner import new_account, run

CHECKPOINT_EVERY = 1000  # inputs; bench/bench_seek.py measures what this costs
SAMPLE_MS = 1000  # the account chart gets a point at most this often (and at every engine event)


@dataclass(slots=True)
class _Checkpoint:
    index: int
    t: int
    account: Account


def _input_index(entry: tuple[int, Event]) -> int:
    return entry[0]


def _clamp_time(t_ms: int) -> int:
    return max(0, min(int(t_ms), MAX_TIME_MS))


class Timeline:
    def __init__(
        self,
        header: SessionHeader,
        times: Sequence[int] = (),
        commands: Sequence[Command] = (),
        profile: str | None = None,
        checkpoint_every: int = CHECKPOINT_EVERY,
        path: str | None = None,
        *,
        inputs: Inputs | None = None,
    ):
        """``times`` and ``commands`` (copied), or ``inputs`` (taken over, not copied)."""
        self.header = header
        self.profile = profile
        self.path = path
        self._inputs = inputs if inputs is not None else Inputs.of(times, commands)
        self.checkpoint_every = checkpoint_every
        parent = header.meta.get("parent") if isinstance(header.meta, dict) else None
        self.parent: dict[str, Any] | None = parent if isinstance(parent, dict) else None
        self._held: set[str] = set()
        self._recorder: Recorder | None = None
        self._liquidation_times: list[int] | None = None
        start = new_account(header, profile)
        self.account = start.copy()
        self.index = 0  # inputs applied
        self.t = 0  # the clock (ms): at least the time of the last applied input
        self._reached = 0  # inputs below this index have their events and history stored
        self._events: list[tuple[int, Event]] = []
        self._checkpoints: list[_Checkpoint] = [_Checkpoint(0, 0, start)]
        self._prices: dict[str, Series] = {}
        self._totals = Series(4)

    @classmethod
    def from_session(cls, session: Session, profile: str | None = None) -> Timeline:
        """A timeline over ``session``'s inputs (which it takes over: use the session no more)."""
        return cls(session.header, profile=profile, path=session.path, inputs=session.inputs)

    # ------------------------------------------------------------------ size and time
    def __len__(self) -> int:
        return len(self._inputs)

    @property
    def times(self) -> Times:
        """The time (ms) of every input (``times.array``: as an int64 numpy array)."""
        return Times(self._inputs)

    @property
    def commands(self) -> Commands:
        """Every input as a command, built when asked for (``Price`` objects included)."""
        return self._inputs.commands()

    @property
    def end_t(self) -> int:
        n = len(self._inputs)
        return self._inputs.time(n - 1) if n else 0

    @property
    def at_end(self) -> bool:
        return self.index == len(self._inputs)

    @property
    def events(self) -> list[tuple[int, Event]]:
        """(input index, event) for everything the engine said up to the current point."""
        if self.index >= self._reached:
            return list(self._events)
        return self._events[: bisect_right(self._events, self.index - 1, key=_input_index)]

    @property
    def event_count(self) -> int:
        """``len(self.events)`` without copying them."""
        if self.index >= self._reached:
            return len(self._events)
        return bisect_right(self._events, self.index - 1, key=_input_index)

    # ------------------------------------------------------------------ applying inputs
    def _apply_to(self, stop: int) -> list[Event]:
        """Apply inputs [index, stop); the only place inputs reach the account."""
        out: list[Event] = []
        account = self.account
        instruments = account.profile.instruments
        set_mark, apply = account.set_mark, account.apply
        totals, every, reached = self._totals, self.checkpoint_every, self._reached
        last_sample = totals.last_t
        i = first = self.index
        t = self.t
        for t, symbol, x in self._inputs.items(i, stop):
            if symbol is None:
                events = apply(x, t)
            elif symbol in instruments:
                events = set_mark(t, symbol, x)
            else:
                events = apply(Price(symbol, x), t)
            if events:
                out.extend(events)
            if i >= reached:
                if events:
                    self._events.extend((i, e) for e in events)
                if events or last_sample is None or t - last_sample >= SAMPLE_MS:
                    totals.append(i, t, *(float(v) for v in account.totals()))
                    last_sample = t
                if (i + 1) % every == 0:
                    self._checkpoints.append(_Checkpoint(i + 1, t, account.copy()))
            i += 1
        if i > reached:
            self._chart_prices(max(first, reached), i)
            self._reached = i
        self.index = i
        self.t = max(self.t, t)
        return out

    def _chart_prices(self, start: int, stop: int) -> None:
        """The price series of inputs [start, stop) (all newly reached), a symbol at a time."""
        inputs = self._inputs
        codes = inputs.symbol_codes(start, stop)
        instruments = self.account.profile.instruments
        present = np.unique(codes[codes >= 0])
        if not len(present):
            return
        times = inputs.times[start:stop]
        values = inputs.price_floats(start, stop)
        index = np.arange(start, stop, dtype=np.int64)
        for code in present.tolist():
            symbol = inputs.symbols[code]
            if symbol not in instruments:
                continue
            mine = codes == code
            series = self._prices.get(symbol)
            if series is None:
                series = self._prices[symbol] = Series(1)
            series.extend(index[mine], times[mine], values[mine])

    def _jump_to(self, index: int) -> None:
        """The exact state after the first ``index`` inputs, via the nearest checkpoint."""
        k = bisect_right(self._checkpoints, index, key=lambda c: c.index) - 1
        cp = self._checkpoints[k]
        if not cp.index <= self.index <= index:  # else going on from here is shorter
            self.account = cp.account.copy()
            self.index = cp.index
            self.t = cp.t
        self._apply_to(index)

    # ------------------------------------------------------------------ navigation
    def step_forward(self) -> list[Event]:
        return self._apply_to(self.index + 1) if self.index < len(self._inputs) else []

    def step_back(self) -> None:
        if self.index > 0:
            self.seek_index(self.index - 1)

    def seek_index(self, index: int) -> None:
        index = max(0, min(int(index), len(self._inputs)))
        self._jump_to(index)
        self.t = self._inputs.time(index - 1) if index else 0

    def seek(self, t_ms: int) -> None:
        """The state after every input with time ≤ ``t_ms``; the clock shows ``t_ms``."""
        t_ms = _clamp_time(t_ms)
        self.seek_index(int(np.searchsorted(self._inputs.times, t_ms, side="right")))
        self.t = t_ms

    def play_until(self, t_ms: int) -> list[Event]:
        """Advance the clock to ``t_ms`` (never past the last input) applying what falls due."""
        t_ms = _clamp_time(t_ms)
        stop = self.index + int(np.searchsorted(self._inputs.times[self.index :], t_ms, side="right"))
        events = self._apply_to(stop)
        self.t = max(self.t, min(t_ms, self.end_t))
        return events

    # ------------------------------------------------------------------ new inputs
    def _cut_future(self) -> None:
        """Inputs after the current point are dropped: the timeline branches here."""
        if self.index == len(self._inputs):
            return
        i = self.index
        self.parent = {"file": self.path or self.header.meta.get("title"), "t": self.t, "index": i}
        self._inputs.truncate(i)
        self._checkpoints = [c for c in self._checkpoints if c.index <= i]
        del self._events[bisect_right(self._events, i - 1, key=_input_index) :]
        for series in self._prices.values():
            series.truncate(i)
        self._totals.truncate(i)
        self._reached = i
        self._liquidation_times = None

    def submit(self, command: Command, t: int | None = None) -> list[Event]:
        """A new input at the current time (or a later ``t``): applied, kept, recorded."""
        self._cut_future()
        t = self.t if t is None else max(int(t), self.t)
        self._inputs.append(t, command)
        self._liquidation_times = None
        if self._recorder is not None:
            self._recorder.record(t, command)
        return self._apply_to(len(self._inputs))

    def feed(self, ticks: Iterable[tuple[int, str, Decimal]]) -> list[Event]:
        """Price ticks ``(t, symbol, price)`` from a market; those of held symbols are dropped."""
        self._cut_future()
        held = self._held
        last = self.t
        fresh = []
        for t, symbol, price in ticks:
            if symbol in held:
                continue
            last = max(last, int(t))  # times never go back, even if the market's clock does
            fresh.append((last, symbol, price))
        if not fresh:
            return []
        self._inputs.extend(fresh)
        self._liquidation_times = None
        if self._recorder is not None:
            self._recorder.record_items(fresh)
        return self._apply_to(len(self._inputs))

    def hold(self, symbol: str) -> None:
        """The user holds this symbol's price (dragging its slider): market ticks for it stop."""
        self._held.add(symbol)

    def release(self, symbol: str) -> None:
        self._held.discard(symbol)

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self._held)

    # ------------------------------------------------------------------ branching and files
    def branch(self) -> Timeline:
        """A new timeline holding the inputs up to now; its header names this one and the point."""
        parent = {"file": self.path or self.header.meta.get("title"), "t": self.t, "index": self.index}
        meta = dict(self.header.meta)
        meta["parent"] = parent
        header = self.header.model_copy(update={"meta": meta})
        child = Timeline(
            header,
            profile=self.profile,
            checkpoint_every=self.checkpoint_every,
            inputs=self._inputs.copy(self.index),
        )
        child.seek_index(len(child))
        child.t = self.t
        return child

    def attach_recorder(self, recorder: Recorder | None, write_existing: bool = True) -> None:
        """Record every later input; ``write_existing`` first writes the inputs held so far
        (a branch's recording starts with its inheritance)."""
        self._recorder = recorder
        if recorder is not None and write_existing:
            recorder.record_items(self._inputs.items())

    @property
    def recorder(self) -> Recorder | None:
        return self._recorder

    def save(self, path: str) -> int:
        """Write header and every input atomically (``.gz`` compresses)."""
        count = 0
        with atomic_writer(path) as out:
            out.write(dumps(self.header.to_dict()) + "\n")
            write = out.write
            for item in self._inputs.items():
                write(item_line(*item) + "\n")
                count += 1
        return count

    # ------------------------------------------------------------------ for the charts
    def price_history(self, symbol: str) -> tuple[np.ndarray, np.ndarray]:
        """(t in ms, price) of every price input of ``symbol`` up to now: views, not copies."""
        series = self._prices.get(symbol)
        if series is None:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        n = series.rows_before(self.index)
        return series.t()[:n], series.column(0)[:n]

    def account_history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(t ms, total wallet, cross margin balance, cross maintenance margin, equity) up to now."""
        s = self._totals
        n = s.rows_before(self.index)
        return s.t()[:n], s.column(0)[:n], s.column(1)[:n], s.column(2)[:n], s.column(3)[:n]

    def liquidation_times(self) -> list[int]:
        """Times of every liquidation in the whole timeline, ahead of the current point too."""
        if self._liquidation_times is None:
            if self._reached < len(self._inputs):  # a replay ahead, keeping only liquidations
                whole = Session(self.path or "", self.header, inputs=self._inputs)
                said: Iterable[Event] = run(whole, profile=self.profile, events=_Liquidations()).events
            else:
                said = (e for _, e in self._events)
            self._liquidation_times = [e.t for e in said if isinstance(e, Liquidated)]
        return self._liquidation_times


class _Liquidations(list[Event]):
    """An event sink that keeps only liquidations (a long file may say much else)."""

    def extend(self, events: Iterable[Event], /) -> None:
        super().extend(e for e in events if isinstance(e, Liquidated))
