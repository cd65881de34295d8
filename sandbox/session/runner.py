"""Headless replay: feed a session's inputs to a fresh account and collect what the engine says."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..engine import Account, Event, Price
from ..profiles import load_profile
from .model import SessionHeader
from .reader import Session


def new_account(header: SessionHeader, profile: str | None = None) -> Account:
    """The account a session starts with; ``profile`` replaces the header's (``--profile``)."""
    prof = load_profile(profile or header.profile, header.instruments)
    return Account(prof, Decimal(header.balance), header.rules)


@dataclass(slots=True)
class RunResult:
    account: Account
    t: int
    events: list[Event] = field(default_factory=list)
    applied: int = 0  # how many inputs were fed


def run(session: Session, until: int | None = None, profile: str | None = None) -> RunResult:
    """Replay ``session`` up to and including time ``until`` (all of it when None)."""
    account = new_account(session.header, profile)
    result = RunResult(account, 0)
    advance(result, session, 0, until)
    return result


def advance(result: RunResult, session: Session, start: int, until: int | None) -> int:
    """Apply inputs from index ``start`` while their time is ≤ ``until``; returns the next index.

    Prices for known symbols take the engine's tick path directly; everything else goes through
    ``apply``, which validates.
    """
    account = result.account
    events = result.events
    times, commands = session.times, session.commands
    instruments = account.profile.instruments
    set_mark, apply = account.set_mark, account.apply
    i, n = start, len(commands)
    t = result.t
    while i < n:
        t_i = times[i]
        if until is not None and t_i > until:
            break
        cmd = commands[i]
        t = t_i
        if type(cmd) is Price and cmd.symbol in instruments:
            out = set_mark(t, cmd.symbol, cmd.price)
        else:
            out = apply(cmd, t)
        if out:
            events.extend(out)
        i += 1
    result.t = until if until is not None and until > t else t
    result.applied += i - start
    return i
