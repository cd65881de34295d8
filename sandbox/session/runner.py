"""Headless replay: feed a session's inputs to a fresh account and collect what the engine says.

The inputs come from any ``Source``: a file read as a stream (``reader.SessionFile``), a session
in memory (``reader.Session``) or market data (``sources.MarketSource``), so ``replay`` holds one
line at a time however long the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

import numpy as np

from ..engine import Account, Event, Price
from ..profiles import load_profile
from .inputs import Item
from .model import SessionHeader
from .reader import Session


class Source(Protocol):
    """Where a replay's inputs come from: a header, and the inputs as items (``inputs.Item``)
    up to a time, as often as asked."""

    path: str
    header: SessionHeader
    warnings: list[str]

    def items(self, until: int | None = None) -> Iterator[Item]: ...


class EventSink(Protocol):
    def extend(self, events: Iterable[Event], /) -> None: ...
    def __iter__(self) -> Iterator[Event]: ...
    def __len__(self) -> int: ...


def new_account(header: SessionHeader, profile: str | None = None) -> Account:
    """The account a session starts with; ``profile`` replaces the header's (``--profile``)."""
    prof = load_profile(profile or header.profile, header.instruments)
    return Account(prof, Decimal(header.balance), header.rules)


@dataclass(slots=True)
class RunResult:
    account: Account
    t: int
    events: EventSink = field(default_factory=list)  # type: ignore[assignment]


def run(
    source: Source, until: int | None = None, profile: str | None = None, events: EventSink | None = None
) -> RunResult:
    """Replay ``source`` up to and including time ``until`` (all of it when None); the engine's
    outputs go to ``events`` (a list by default; a ``spool.EventSpool`` keeps memory flat)."""
    account = new_account(source.header, profile)
    sink: EventSink = [] if events is None else events
    result = RunResult(account, 0, sink)
    feed(result, source.items(until))
    if until is not None and until > result.t:
        result.t = until
    return result


def feed(result: RunResult, items: Iterable[Item]) -> None:
    """Apply ``items`` to the result's account, in order.

    Prices for known symbols take the engine's tick path directly; everything else goes through
    ``apply``, which validates.
    """
    account = result.account
    extend = result.events.extend
    instruments = account.profile.instruments
    set_mark, apply = account.set_mark, account.apply
    t = result.t
    for t, symbol, x in items:
        if symbol is None:
            out = apply(x, t)
        elif symbol in instruments:
            out = set_mark(t, symbol, x)
        else:
            out = apply(Price(symbol, x), t)
        if out:
            extend(out)
    result.t = t


def advance(result: RunResult, session: Session, start: int, until: int | None) -> int:
    """Apply ``session``'s inputs from index ``start`` while their time is ≤ ``until``; returns
    the next index (a replay in steps, as the twins' oracle does)."""
    times = session.inputs.times
    stop = len(times) if until is None else start + int(np.searchsorted(times[start:], until, side="right"))
    feed(result, session.inputs.items(start, stop))
    if until is not None and until > result.t:
        result.t = until
    return stop
