"""An account moving through a list of inputs: live (appending) or replayed (seek, step, branch).

The window and the command line share it, so there is one notion of "the state at time t":
``seek(t)`` gives exactly what ``runner.run(session, until=t)`` gives.

Rewinding uses checkpoints: a copy of the account every ``checkpoint_every`` inputs. Seeking back
restores the nearest earlier copy and re-applies at most that many inputs, so it costs the same
early or late in a million-event session. Re-applying reproduces the same events, because the
engine is deterministic.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..engine import Account, Command, Event, Liquidated, Price
from .history import Series
from .jsonlines import write_session
from .model import SessionHeader, event_dict
from .reader import Session
from .recorder import Recorder
from .runner import new_account

CHECKPOINT_EVERY = 2000  # inputs; bench/bench_seek.py measures what this costs
SAMPLE_MS = 1000  # the account chart gets a point at most this often (and at every engine event)


@dataclass(slots=True)
class _Checkpoint:
    index: int
    t: int
    account: Account


class Timeline:
    def __init__(self, header: SessionHeader, times: Sequence[int] = (), commands: Sequence[Command] = (),
                 profile: str | None = None, checkpoint_every: int = CHECKPOINT_EVERY,
                 path: str | None = None):
        if len(times) != len(commands):
            raise ValueError("times and commands must have the same length")
        self.header = header
        self.profile = profile
        self.path = path
        self.times: list[int] = list(times)
        self.commands: list[Command] = list(commands)
        self.checkpoint_every = checkpoint_every
        self.parent: dict | None = header.meta.get("parent") if isinstance(header.meta, dict) else None
        self.events: list[tuple[int, Event]] = []
        self._held: set[str] = set()
        self._recorder: Recorder | None = None
        self._liquidation_times: list[int] | None = None
        self._start = new_account(header, profile)
        self._reset_state()

    @classmethod
    def from_session(cls, session: Session, profile: str | None = None) -> "Timeline":
        return cls(session.header, session.times, session.commands, profile, path=session.path)

    def _reset_state(self) -> None:
        self.account = self._start.copy()
        self.index = 0
        self.t = 0
        self.events.clear()
        self._checkpoints: list[_Checkpoint] = [_Checkpoint(0, 0, self._start)]
        self._prices: dict[str, Series] = {}
        self._totals = Series(4)

    # ------------------------------------------------------------------ size and time
    def __len__(self) -> int:
        return len(self.commands)

    @property
    def end_t(self) -> int:
        return self.times[-1] if self.times else 0

    @property
    def at_end(self) -> bool:
        return self.index == len(self.commands)

    # ------------------------------------------------------------------ applying inputs
    def _apply_to(self, stop: int) -> list[Event]:
        """Apply inputs [index, stop); the only place inputs reach the account."""
        out: list[Event] = []
        account = self.account
        instruments = account.profile.instruments
        set_mark, apply = account.set_mark, account.apply
        times, commands = self.times, self.commands
        prices, totals, every = self._prices, self._totals, self.checkpoint_every
        i = self.index
        t = self.t
        while i < stop:
            t = times[i]
            cmd = commands[i]
            if type(cmd) is Price and cmd.symbol in instruments:
                events = set_mark(t, cmd.symbol, cmd.price)
                series = prices.get(cmd.symbol)
                if series is None:
                    series = prices[cmd.symbol] = Series(1)
                series.append(i, t, float(cmd.price))
            else:
                events = apply(cmd, t)
            if events:
                self.events.extend((i, e) for e in events)
                out.extend(events)
            last = totals.last_t
            if events or last is None or t - last >= SAMPLE_MS:
                totals.append(i, t, *(float(x) for x in account.totals()))
            i += 1
            if i % every == 0 and self._checkpoints[-1].index < i:
                self._checkpoints.append(_Checkpoint(i, t, account.copy()))
        self.index = i
        self.t = max(self.t, t)
        return out

    def _rewind_to(self, index: int) -> None:
        """The exact state after the first ``index`` inputs, from the nearest checkpoint."""
        k = bisect_right([c.index for c in self._checkpoints], index) - 1
        cp = self._checkpoints[k]
        self.account = cp.account.copy()
        self.index = cp.index
        self.t = cp.t
        cut = bisect_right([e[0] for e in self.events], cp.index - 1)
        del self.events[cut:]
        for series in self._prices.values():
            series.truncate(cp.index)
        self._totals.truncate(cp.index)
        self._apply_to(index)

    # ------------------------------------------------------------------ navigation
    def step_forward(self) -> list[Event]:
        return self._apply_to(self.index + 1) if self.index < len(self.commands) else []

    def step_back(self) -> None:
        if self.index > 0:
            self._rewind_to(self.index - 1)
            self.t = self.times[self.index - 1] if self.index else 0

    def seek_index(self, index: int) -> None:
        index = max(0, min(index, len(self.commands)))
        if index < self.index:
            self._rewind_to(index)
            self.t = self.times[index - 1] if index else 0
        else:
            self._apply_to(index)

    def seek(self, t_ms: int) -> None:
        """The state after every input with time ≤ ``t_ms``; the clock shows ``t_ms``."""
        self.seek_index(bisect_right(self.times, t_ms))
        self.t = max(t_ms, 0)

    def play_until(self, t_ms: int) -> list[Event]:
        """Advance the clock to ``t_ms`` (never past the last input) applying what falls due."""
        stop = bisect_right(self.times, t_ms, lo=self.index)
        events = self._apply_to(stop)
        self.t = max(self.t, min(t_ms, self.end_t))
        return events

    # ------------------------------------------------------------------ new inputs
    def _cut_future(self) -> None:
        """Inputs after the current point are dropped: the timeline branches here."""
        if self.index == len(self.commands):
            return
        self.parent = {"file": self.path or self.header.meta.get("title"), "t": self.t, "index": self.index}
        del self.times[self.index:]
        del self.commands[self.index:]
        self._checkpoints = [c for c in self._checkpoints if c.index <= self.index]
        self._liquidation_times = None

    def submit(self, command: Command, t: int | None = None) -> list[Event]:
        """A new input at the current time (or a later ``t``): applied, kept, recorded."""
        self._cut_future()
        t = self.t if t is None else max(int(t), self.t)
        self.times.append(t)
        self.commands.append(command)
        self._liquidation_times = None
        if self._recorder is not None:
            self._recorder.record(t, command)
        return self._apply_to(len(self.commands))

    def feed(self, ticks: Iterable) -> list[Event]:
        """Price ticks ``(t, symbol, price)`` from a market; those of held symbols are dropped."""
        self._cut_future()
        held = self._held
        fresh = [(max(int(k[0]), self.t), Price(k[1], k[2])) for k in ticks if k[1] not in held]
        if not fresh:
            return []
        last = self.t
        for t, cmd in fresh:  # times never go back, even if the market's clock does
            last = max(last, t)
            self.times.append(last)
            self.commands.append(cmd)
        self._liquidation_times = None
        if self._recorder is not None:
            self._recorder.record_many(list(zip(self.times[-len(fresh):], self.commands[-len(fresh):])))
        return self._apply_to(len(self.commands))

    def hold(self, symbol: str) -> None:
        """The user holds this symbol's price (dragging its slider): market ticks for it stop."""
        self._held.add(symbol)

    def release(self, symbol: str) -> None:
        self._held.discard(symbol)

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self._held)

    # ------------------------------------------------------------------ branching and files
    def branch(self) -> "Timeline":
        """A new timeline holding the inputs up to now; its header names this one and the point."""
        parent = {"file": self.path or self.header.meta.get("title"), "t": self.t, "index": self.index}
        meta = dict(self.header.meta)
        meta["parent"] = parent
        header = self.header.model_copy(update={"meta": meta})
        child = Timeline(header, self.times[: self.index], self.commands[: self.index], self.profile,
                         self.checkpoint_every)
        child.seek_index(len(child))
        child.t = self.t
        return child

    def attach_recorder(self, recorder: Recorder | None, write_existing: bool = True) -> None:
        """Record every later input; ``write_existing`` first writes the inputs held so far
        (a branch's recording starts with its inheritance)."""
        self._recorder = recorder
        if recorder is not None and write_existing:
            recorder.record_many(list(zip(self.times, self.commands)))

    @property
    def recorder(self) -> Recorder | None:
        return self._recorder

    def save(self, path: str) -> int:
        """Write header and every input atomically (``.gz`` compresses)."""
        return write_session(path, self.header.to_dict(),
                             (event_dict(t, c) for t, c in zip(self.times, self.commands)))

    def with_profile(self, profile: str) -> "Timeline":
        """The same inputs under another exchange profile, at the same point."""
        other = Timeline(self.header, self.times, self.commands, profile, self.checkpoint_every, self.path)
        other.parent = self.parent
        other.seek_index(self.index)
        other.t = self.t
        return other

    # ------------------------------------------------------------------ for the charts
    def price_history(self, symbol: str) -> tuple[np.ndarray, np.ndarray]:
        """(t in ms, price) of every applied price input of ``symbol``: views, not copies."""
        series = self._prices.get(symbol)
        if series is None:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        return series.t(), series.column(0)

    def account_history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(t ms, total wallet, cross margin balance, cross maintenance margin, equity)."""
        s = self._totals
        return s.t(), s.column(0), s.column(1), s.column(2), s.column(3)

    def liquidation_times(self) -> list[int]:
        """Times of every liquidation in the whole timeline, ahead of the current point too."""
        if self._liquidation_times is None:
            if self.at_end:
                found = [e.t for _, e in self.events if isinstance(e, Liquidated)]
            else:
                probe = Timeline(self.header, self.times, self.commands, self.profile, 10 ** 12)
                probe._apply_to(len(probe.commands))
                found = [e.t for _, e in probe.events if isinstance(e, Liquidated)]
            self._liquidation_times = found
        return self._liquidation_times
