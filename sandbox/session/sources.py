"""Sessions made from price sources: an imported market-data file or a simulated market.

Both give a header plus price events only; the account starts with the default balance and the
user trades on top (in the window) or replays it as it is.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from ..engine import Price
from ..market import MarketData, Simulator
from ..profiles import DEFAULT_PROFILE
from .jsonlines import write_session
from .model import SessionHeader, event_dict
from .reader import Session

DEFAULT_BALANCE = Decimal("10000")
INTRABAR_PATH = "open, nearer extreme, other extreme, close at 0, 1/4, 1/2, 3/4 of each candle"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def market_header(data: MarketData, balance: Decimal = DEFAULT_BALANCE,
                  profile: str = DEFAULT_PROFILE) -> SessionHeader:
    meta = {"title": f"{data.symbol} from {Path(data.path).name}", "source": Path(data.path).name,
            "source_format": data.format, "origin": _iso(data.origin_ms), "origin_ms": data.origin_ms}
    if data.kind == "candles":
        meta["intrabar_path"] = INTRABAR_PATH
        meta["interval_ms"] = data.interval_ms
    return SessionHeader.new(balance, profile, meta=meta)


def market_session(data: MarketData, balance: Decimal = DEFAULT_BALANCE) -> Session:
    """The file's ticks as a session in memory (for replay and the window)."""
    session = Session(data.path, market_header(data, balance))
    for tick in data.ticks():
        session.times.append(tick.t)
        session.commands.append(Price(tick.symbol, tick.price))
    return session


def write_market_session(out: str | Path, data: MarketData) -> int:
    events = (event_dict(t.t, Price(t.symbol, t.price)) for t in data.ticks())
    return write_session(out, market_header(data).to_dict(), events)


def simulated_events(sim: Simulator, duration_ms: int) -> Iterator[dict]:
    for tick in sim.ticks(duration_ms):
        yield event_dict(tick.t, Price(tick.symbol, tick.price))


def write_simulated_session(out: str | Path, sim: Simulator, duration_ms: int, seed: int) -> int:
    meta = {"title": f"simulated {sim.scenario} market, seed {seed}", "simulator": {
        "seed": seed, "scenario": sim.scenario, "step_ms": sim.step_ms,
        "event_at_ms": sim.event_at_ms, "symbols": list(sim.symbols)}}
    header = SessionHeader.new(DEFAULT_BALANCE, DEFAULT_PROFILE, meta=meta)
    return write_session(out, header.to_dict(), simulated_events(sim, duration_ms))
