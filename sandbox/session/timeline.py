"""An account moving through a list of inputs: live (appending) or replayed (seek, step, branch).

The window and the command line share it, so there is one notion of "the state at input i":
``seek(t)`` gives exactly what ``runner.run(session, until=t)`` gives, and with twins on
(the default) ``twins`` is exactly what ``twins.replay`` of the same inputs gives: the timeline's
own account *is* the as-traded twin, and every checkpoint holds all three twins, so seeking,
stepping back and branching move them together and the recorded account is never run twice.

Seeking uses checkpoints: a copy of the state every ``checkpoint_every`` inputs, laid the first
time the timeline passes there. A seek restores the nearest copy at or before the target and
re-applies at most that many inputs, so it costs the same early or late, back or forward, in a
million-event session. What the engine said (events) and the chart histories are kept up to the
furthest point reached and shown up to the current one: re-applied inputs give the same events
(the engine is deterministic), so they are not stored twice.

Branches. A new input before the end makes a branch; the timeline it came from is kept whole as
``original`` (its position, play head, events, recording), and ``departure`` says in a few facts
what differs. A user command (open, close, mode, margin, leverage, deposit, withdraw) *keeps the
market*: the recorded prices after the point play on, the later recorded commands are left out
(or, asked to, re-applied as recorded), and the branch ends with the last recorded price. A
price the user sets replaces what followed, as trading live does. ``submit`` does this in place
(this object becomes the branch, so a window holding it carries on); ``what_if`` and ``branch``
return a new timeline and leave this one as it is.

The inputs live in ``inputs.Inputs`` (numpy arrays, about 21 bytes a price), not as a Python
object each: ``times`` and ``commands`` are read-only sequences built as they are read (of ints,
of commands), following the timeline as it grows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np

from ..engine import (
    Account,
    AdjustMargin,
    Cancel,
    Close,
    Command,
    Deposit,
    Event,
    Funding,
    Liquidated,
    Open,
    Opened,
    Order,
    Price,
    SetLeverage,
    SetMode,
    Withdraw,
    text,
)
from ..engine.instrument import ZERO
from ..engine.limits import MAX_TIME_MS
from .history import Series
from .inputs import Commands, Inputs, Item, Times
from .jsonlines import atomic_writer, dumps, item_line
from .model import SessionHeader, event_dict
from .reader import Session
from .recorder import Recorder
from .runner import new_account, run
from .twins import QUIET, VARIANTS, TwinSet, clock

CHECKPOINT_EVERY = 1000  # inputs; bench/bench_seek.py measures what this costs
SAMPLE_MS = 1000  # the account chart gets a point at most this often (and at every engine event)


@dataclass(slots=True)
class _Checkpoint:
    """The state after the first ``index`` inputs; never changed once laid (restoring copies)."""

    index: int
    t: int
    account: Account
    twins: TwinSet | None  # with twins on: the three, ``account`` being their as-traded one


@dataclass(frozen=True, slots=True)
class Departure:
    """How a branch departs from its original: what the window turns into a notice.

    ``parent`` is the original and the point, as in the header's ``meta.parent``; ``command``
    what the user did there (None for "trade from here" or for market ticks); ``market_kept``
    whether the recorded prices after the point play on in the branch; ``dropped`` and ``kept``
    how many later recorded user commands were left out or re-applied as recorded."""

    parent: dict[str, Any]
    t: int
    command: Command | None
    market_kept: bool
    dropped: int
    kept: int

    def sentence(self) -> str:
        """One sentence for a person: ``What if at 0:05 you had switched p1 to cross: the
        recorded prices play on; 2 later commands of yours were left out.``"""
        at = clock(self.t)
        if self.command is not None and self.market_kept:
            head = f"What if at {at} you had {command_text(self.command)}: the recorded prices play on"
        elif self.market_kept:
            head = f"Trading from {at} on the recorded prices"
        elif self.command is not None:
            head = f"Branched at {at}, where you {command_text(self.command)}: what followed stays in the original"
        else:
            head = f"Trading from {at}: what followed stays in the original"
        later = []
        if self.kept:
            later.append(f"{_count(self.kept)} of yours re-applied as recorded")
        if self.dropped and self.market_kept:
            later.append(f"{_count(self.dropped)} of yours left out")
        return head + ("; " + ", ".join(later) if later else "") + "."

    def to_dict(self) -> dict[str, Any]:
        """``meta.branch`` of the branch's header (JSON-ready), so its recording says it too."""
        out: dict[str, Any] = {"t": self.t, "market_kept": self.market_kept}
        if self.command is not None:
            out["command"] = {
                k: str(v) if isinstance(v, Decimal) else v
                for k, v in event_dict(self.t, self.command).items()
            }
        out["dropped"] = self.dropped
        out["kept"] = self.kept
        return out


def _count(n: int) -> str:
    return f"{n} later command" + ("" if n == 1 else "s")


def command_text(command: Command) -> str:
    """A user command in a few words, past tense after "you had" / "you": ``switched p1 to cross``."""
    if isinstance(command, Open):
        named = f" as {command.position}" if command.position else ""
        return (
            f"opened {command.side} {text.qty(command.qty)} {command.symbol} at "
            f"{command.leverage}× {command.mode}{named}"
        )
    if isinstance(command, Close):
        return (
            f"closed {command.position}"
            if command.qty is None
            else f"closed {text.qty(command.qty)} of {command.position}"
        )
    if isinstance(command, SetMode):
        funded = f" with {text.money(command.margin)} USDT" if command.margin is not None else ""
        return f"switched {command.position} to {command.mode}{funded}"
    if isinstance(command, AdjustMargin):
        verb, where = ("added", "to") if command.amount > 0 else ("removed", "from")
        return f"{verb} {text.money(abs(command.amount))} USDT {where} {command.position}'s margin"
    if isinstance(command, SetLeverage):
        return f"set {command.position}'s leverage to {command.leverage}×"
    if isinstance(command, Deposit):
        return f"deposited {text.money(command.amount)} USDT"
    if isinstance(command, Withdraw):
        return f"withdrew {text.money(command.amount)} USDT"
    if isinstance(command, Order):
        kind = command.kind.replace("_", "-")
        if command.opens:
            target = f"to open {command.side} {text.qty(command.qty or ZERO)} {command.symbol}"
        else:
            part = "" if command.qty is None else f"{text.qty(command.qty)} of "
            target = f"to close {part}{command.position}"
        return f"placed a {kind} order {target} at {command.price:,f}"
    if isinstance(command, Cancel):
        return f"cancelled order {command.order}"
    if isinstance(command, Funding):
        return f"settled {command.symbol} funding at {command.rate * 100:.4f} %"
    return f"set {command.symbol} to {command.price:,f}"


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
        twins: bool = True,
    ):
        """``times`` and ``commands`` (copied), or ``inputs`` (taken over, not copied).
        ``twins=False``: no twin accounts (nothing to pay for them)."""
        account = new_account(header, profile)
        twin_set = TwinSet(account) if twins else None
        if twin_set is not None:
            account = twin_set.recorded
        self._setup(
            header,
            profile,
            path,
            inputs if inputs is not None else Inputs.of(times, commands),
            checkpoint_every,
            _Checkpoint(0, 0, account, twin_set),
        )

    def _setup(
        self,
        header: SessionHeader,
        profile: str | None,
        path: str | None,
        inputs: Inputs,
        checkpoint_every: int,
        start: _Checkpoint,
    ) -> None:
        """Every attribute, at the start of ``inputs`` (``__init__`` and branches share it)."""
        self.header = header
        self.profile = profile
        self.path = path
        self._inputs = inputs
        self.checkpoint_every = checkpoint_every
        parent = header.meta.get("parent") if isinstance(header.meta, dict) else None
        self.parent: dict[str, Any] | None = parent if isinstance(parent, dict) else None
        self.original: Timeline | None = None  # the timeline this branch departed from
        self.departure: Departure | None = None  # how (None: not a branch made here)
        self._held: set[str] = set()
        self._recorder: Recorder | None = None
        self._liquidation_times: list[int] | None = None
        self._checkpoints: list[_Checkpoint] = [start]
        self.account: Account = start.account
        self._twins: TwinSet | None = None
        self.index = 0  # inputs applied
        self.t = 0  # the clock (ms): at least the time of the last applied input
        self._restore(start)
        self._reached = 0  # inputs below this index have their events and history stored
        self._events: list[tuple[int, Event]] = []
        self._prices: dict[str, Series] = {}
        self._totals = Series(4)
        self._twin_totals = Series(3)  # each twin's equity, at the moments of ``_totals``

    @classmethod
    def from_session(cls, session: Session, profile: str | None = None, twins: bool = True) -> Timeline:
        """A timeline over ``session``'s inputs (which it takes over: use the session no more)."""
        return cls(session.header, profile=profile, path=session.path, inputs=session.inputs, twins=twins)

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

    @property
    def twins(self) -> TwinSet | None:
        """The three twins at the current point (as traded, all cross, all isolated), or None
        when the timeline was made without them. Read only; ``twins.twin("all_cross")`` gives
        one with its account and figures."""
        return self._twins

    # ------------------------------------------------------------------ applying inputs
    def _apply_to(self, stop: int) -> list[Event]:
        """Apply inputs [index, stop); the only place inputs reach the account (and the twins)."""
        out: list[Event] = []
        account = self.account
        instruments = account.profile.instruments
        set_mark, apply = account.set_mark, account.apply
        twins = self._twins
        if twins is not None:
            tick, command = twins.tick, twins.command
        totals, twin_totals = self._totals, self._twin_totals
        every, reached = self.checkpoint_every, self._reached
        last_sample = totals.last_t
        i = first = self.index
        t = self.t
        events: Sequence[Event]
        for t, symbol, x in self._inputs.items(i, stop):
            if twins is None:
                if symbol is None:
                    events = apply(x, t)
                elif symbol in instruments:
                    events = set_mark(t, symbol, x)
                else:
                    events = apply(Price(symbol, x), t)
                loud = bool(events)
            else:
                if symbol is None:
                    said = command(t, x)
                elif symbol in instruments:
                    said = tick(t, symbol, x)
                else:
                    said = command(t, Price(symbol, x))
                events = said[0]
                loud = said is not QUIET and bool(events or said[1] or said[2])
            if events:
                out.extend(events)
            if i >= reached:
                if events:
                    self._events.extend((i, e) for e in events)
                if loud or last_sample is None or t - last_sample >= SAMPLE_MS:
                    totals.append(i, t, *(float(v) for v in account.totals()))
                    if twins is not None:
                        twin_totals.append(i, t, *twins.equities())
                    last_sample = t
                if (i + 1) % every == 0:
                    if twins is None:
                        self._checkpoints.append(_Checkpoint(i + 1, t, account.copy(), None))
                    else:
                        saved = twins.copy()
                        self._checkpoints.append(_Checkpoint(i + 1, t, saved.recorded, saved))
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

    def _restore(self, cp: _Checkpoint) -> None:
        """Take a checkpoint's state (copied: a checkpoint never changes)."""
        if cp.twins is not None:
            self._twins = cp.twins.copy()
            self.account = self._twins.recorded
        else:
            self._twins = None
            self.account = cp.account.copy()
        self.index = cp.index
        self.t = cp.t

    def _jump_to(self, index: int) -> None:
        """The exact state after the first ``index`` inputs, via the nearest checkpoint."""
        k = bisect_right(self._checkpoints, index, key=lambda c: c.index) - 1
        cp = self._checkpoints[k]
        if not cp.index <= self.index <= index:  # else going on from here is shorter
            self._restore(cp)
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
    def submit(self, command: Command, t: int | None = None, *, keep_commands: bool = False) -> list[Event]:
        """A new input at the current time (or a later ``t``): applied, kept, recorded.

        At the end (live, or a replay played through) it is appended. Before the end this
        timeline becomes a branch in place and ``original`` keeps what it was: a user command
        keeps the recorded market after it (see ``what_if``; ``keep_commands`` re-applies the
        later recorded commands too); a price replaces what followed. A branch starts with no
        recording (the original's recording is never changed; record the branch anew)."""
        if self.index < len(self._inputs):
            if type(command) is Price:
                at = self.t if t is None else max(int(t), self.t)
                branch, events = self._fork([(at, None, command)], keep_market=False, keep_commands=False)
            else:
                branch, events = self._fork(
                    [(self._insert_time(t), None, command)], keep_market=True, keep_commands=keep_commands
                )
            self._become(branch)
            return events
        t = self.t if t is None else max(int(t), self.t)
        self._inputs.append(t, command)
        self._liquidation_times = None
        self._record(((t, None, command),))
        return self._apply_to(len(self._inputs))

    def feed(self, ticks: Iterable[tuple[int, str, Decimal]]) -> list[Event]:
        """Price ticks ``(t, symbol, price)`` from a market; those of held symbols are dropped.
        Before the end they replace what followed (a branch in place, like a price ``submit``)."""
        held = self._held
        last = self.t
        fresh: list[Item] = []
        for t, symbol, price in ticks:
            if symbol in held:
                continue
            last = max(last, int(t))  # times never go back, even if the market's clock does
            fresh.append((last, symbol, price))
        if not fresh:
            return []
        if self.index < len(self._inputs):
            branch, events = self._fork(fresh, keep_market=False, keep_commands=False)
            self._become(branch)
            return events
        self._inputs.extend(fresh)
        self._liquidation_times = None
        self._record(fresh)
        return self._apply_to(len(self._inputs))

    def _record(self, items: Iterable[Item]) -> None:
        recorder = self.recorder
        if recorder is not None:
            recorder.record_items(items)

    def hold(self, symbol: str) -> None:
        """The user holds this symbol's price (dragging its slider): market ticks for it stop."""
        self._held.add(symbol)

    def release(self, symbol: str) -> None:
        self._held.discard(symbol)

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self._held)

    # ------------------------------------------------------------------ branching
    def branch(self, *, keep_market: bool = False, keep_commands: bool = False) -> Timeline:
        """ "Trade from here": a new timeline holding the inputs up to now, its header naming
        this one and the point (``meta.parent``); this one is left as it is (``original``).

        ``keep_market``: the recorded prices after now stay in the branch, ready to play (the
        later recorded commands are left out, or kept with ``keep_commands``); else the branch
        ends here and continues with whatever comes next, like a live session."""
        child, _ = self._fork([], keep_market=keep_market, keep_commands=keep_commands)
        return child

    def what_if(self, command: Command, t: int | None = None, *, keep_commands: bool = False) -> Timeline:
        """A new timeline in which ``command`` was given now and the recorded market plays on.

        The branch holds the inputs up to now, then ``command`` (at the current time, or ``t``,
        never past the next recorded input), then every later recorded price; the later recorded
        user commands are left out, or with ``keep_commands`` re-applied as recorded (an ``open``
        that named no lot is pinned to the id it had here, so ``close p3`` still means that lot;
        a command that no longer makes sense is rejected by the engine, as in a replay). It ends
        with this one's last recorded price, so it keeps the timeline's length in time (unless
        left-out commands came after that price). This timeline is left as it is, and is the
        branch's ``original``."""
        child, _ = self._fork(
            [(self._insert_time(t), None, command)], keep_market=True, keep_commands=keep_commands
        )
        return child

    def _insert_time(self, t: int | None) -> int:
        """A new input's time: now (or a later ``t``), but not past the next input, which follows it."""
        at = self.t if t is None else max(int(t), self.t)
        if self.index < len(self._inputs):
            at = min(at, self._inputs.time(self.index))
        return at

    def _fork(
        self, items: list[Item], keep_market: bool, keep_commands: bool
    ) -> tuple[Timeline, list[Event]]:
        """A branch at the current point with ``items`` as its next inputs (applied), and what
        the engine said to them. This timeline is not changed."""
        i = self.index
        later = self._inputs.command_indices(i)
        replaced: dict[int, Command] = {}
        if keep_market and keep_commands and later:
            replaced = self._pinned_opens(later)
            items = [self._unclashing(item, later, replaced) for item in items]
        if keep_market:
            inputs = self._inputs.spliced(i, items, keep_commands, replaced)
        else:
            inputs = self._inputs.copy(i)
            inputs.extend(items)
        said = items[0][2] if len(items) == 1 and items[0][1] is None else None  # the user's command
        parent = {"file": self.path or self.header.meta.get("title"), "t": self.t, "index": i}
        kept = len(later) if keep_market and keep_commands else 0
        departure = Departure(parent, self.t, said, keep_market, len(later) - kept, kept)
        meta = dict(self.header.meta)
        meta["parent"] = parent
        meta["branch"] = departure.to_dict()
        child = Timeline.__new__(Timeline)
        child._setup(
            self.header.model_copy(update={"meta": meta}),
            self.profile,
            None,
            inputs,
            self.checkpoint_every,
            self._checkpoints[0],
        )
        child._inherit(self, i)
        child.original = self
        child.departure = departure
        events = child._apply_to(i + len(items))
        return child, events

    def _inherit(self, parent: Timeline, i: int) -> None:
        """Take ``parent``'s state at its current point ``i`` (copies; the checkpoints before it
        are shared, as nothing changes a checkpoint)."""
        self._checkpoints = [c for c in parent._checkpoints if c.index <= i]
        self._events = parent._events[: bisect_right(parent._events, i - 1, key=_input_index)]
        self._prices = {s: series.copy(i) for s, series in parent._prices.items()}
        self._totals = parent._totals.copy(i)
        self._twin_totals = parent._twin_totals.copy(i)
        self._reached = i
        if parent._twins is not None:
            self._twins = parent._twins.copy()
            self.account = self._twins.recorded
        else:
            self._twins = None
            self.account = parent.account.copy()
        self.index = i
        self.t = parent.t

    def _become(self, branch: Timeline) -> None:
        """This object turns into ``branch``, and what it was lives on untouched as
        ``self.original``: whoever holds this timeline (the window) carries on in the branch,
        and "back to the original" is that object, exactly as it was left."""
        original = Timeline.__new__(Timeline)
        original.__dict__ = self.__dict__
        held = set(self._held)
        self.__dict__ = branch.__dict__
        self._held = held
        self.original = original

    def _pinned_opens(self, later: list[int]) -> dict[int, Command]:
        """The later ``open``s that named no lot, each pinned to the id it got here (by input
        index), so that the recorded ``close p3`` still closes the lot the recording meant."""
        inputs = self._inputs
        unnamed = [i for i in later if isinstance(c := inputs.command(i), Open) and c.position is None]
        if not unnamed:
            return {}
        wanted = set(unnamed)
        ids: dict[int, str] = {}
        if self._reached > unnamed[-1]:  # the engine's answers are stored
            start = bisect_right(self._events, self.index - 1, key=_input_index)
            for i, e in self._events[start:]:
                if i in wanted and isinstance(e, Opened):
                    ids[i] = e.position
        else:  # replay this timeline's future on a copy of the account, up to the last of them
            account = self.account.copy()
            instruments = account.profile.instruments
            for i, (t, symbol, x) in enumerate(inputs.items(self.index, unnamed[-1] + 1), self.index):
                if symbol is None:
                    said = account.apply(x, t)
                elif symbol in instruments:
                    said = account.set_mark(t, symbol, x)
                else:
                    said = account.apply(Price(symbol, x), t)
                if i in wanted:
                    ids.update((i, e.position) for e in said if isinstance(e, Opened))
        out: dict[int, Command] = {}
        for i, pid in ids.items():
            opening = inputs.command(i)
            assert isinstance(opening, Open)
            out[i] = replace(opening, position=pid)
        return out

    def _unclashing(self, item: Item, later: list[int], pinned: dict[int, Command]) -> Item:
        """The user's new ``open`` (naming no lot) gets an id no kept command names."""
        t, symbol, command = item
        if symbol is not None or not isinstance(command, Open) or command.position is not None:
            return item
        named = {getattr(pinned.get(i) or self._inputs.command(i), "position", None) for i in later}
        opened = next((e for e in self.account.preview(command, t)[1] if isinstance(e, Opened)), None)
        if opened is None or opened.position not in named:
            return item
        n = int(opened.position[1:]) if opened.position[1:].isdigit() else 1
        while f"p{n}" in named or f"p{n}" in self.account.positions:
            n += 1
        return t, None, replace(command, position=f"p{n}")

    # ------------------------------------------------------------------ files
    def attach_recorder(self, recorder: Recorder | None, write_existing: bool = True) -> None:
        """Record every later input; ``write_existing`` first writes the inputs held so far
        (a branch's recording starts with its inheritance and, if it kept the market, every
        recorded price after the branch point: replaying the recording gives the branch)."""
        self._recorder = recorder
        if recorder is not None and write_existing:
            recorder.record_items(self._inputs.items())

    @property
    def recorder(self) -> Recorder | None:
        """The recording this timeline writes to; None when there is none or it was closed
        (the window closes it when it shows another timeline; coming back, it records anew)."""
        if self._recorder is not None and self._recorder.closed:
            self._recorder = None
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

    def twin_history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(t ms, equity as traded, all cross, all isolated) up to now: views, not copies, taken
        at the moments of ``account_history`` (empty without twins)."""
        s = self._twin_totals
        n = s.rows_before(self.index)
        return s.t()[:n], s.column(0)[:n], s.column(1)[:n], s.column(2)[:n]

    def twin_liquidation_times(self) -> dict[str, list[int]]:
        """Each twin's liquidation times (ms) up to now, by variant (empty lists without twins)."""
        if self._twins is None:
            return {v: [] for v in VARIANTS}
        return {v: [e.t for e in tw.liquidations] for v, tw in self._twins.twins.items()}

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
