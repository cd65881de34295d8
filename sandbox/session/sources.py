"""Sessions made from price sources: an imported market-data file or a simulated market.

Both give a header plus price events only; the account starts with the default balance and the
user trades on top (in the window) or replays it as it is. Ticks stream from the file to where
they go (a session file, a replay, the window's compact arrays): nothing holds them all as objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..market import MarketData, PriceTick, Simulator
from ..profiles import DEFAULT_PROFILE
from .inputs import Inputs, Item
from .jsonlines import atomic_writer, dumps, price_line
from .model import SessionHeader
from .reader import Session

DEFAULT_BALANCE = Decimal(10000)
INTRABAR_PATH = "open, nearer extreme, other extreme, close at 0, 1/4, 1/2, 3/4 of each candle"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def market_header(
    data: MarketData, balance: Decimal = DEFAULT_BALANCE, profile: str = DEFAULT_PROFILE
) -> SessionHeader:
    meta: dict[str, Any] = {
        "title": f"{data.symbol} from {Path(data.path).name}",
        "source": Path(data.path).name,
        "source_format": data.format,
        "origin": _iso(data.origin_ms),
        "origin_ms": data.origin_ms,
    }
    if data.kind == "candles":
        meta["intrabar_path"] = INTRABAR_PATH
        meta["interval_ms"] = data.interval_ms
    return SessionHeader.new(balance, profile, meta=meta)


def market_session(data: MarketData, balance: Decimal = DEFAULT_BALANCE) -> Session:
    """The file's ticks as a session in memory (for the window), in compact arrays."""
    inputs = Inputs()
    inputs.extend(data.ticks())  # a PriceTick is an item: (t, symbol, price)
    return Session(data.path, market_header(data, balance), inputs=inputs)


class MarketSource:
    """A market-data file as a replay source (``runner.Source``): its ticks, streamed from the
    file on every pass."""

    def __init__(self, data: MarketData, balance: Decimal = DEFAULT_BALANCE):
        self.data = data
        self.path = data.path
        self.header = market_header(data, balance)
        self.warnings: list[str] = []

    def items(self, until: int | None = None) -> Iterator[Item]:
        for tick in self.data.ticks():
            if until is not None and tick.t > until:
                return
            yield tick


def _write_ticks(out: str | Path, header: SessionHeader, ticks: Iterable[PriceTick]) -> int:
    """Header and price lines, written a few thousand lines at a time."""
    count = 0
    with atomic_writer(out) as stream:
        stream.write(dumps(header.to_dict()) + "\n")
        batch: list[str] = []
        for t, symbol, price in ticks:
            batch.append(price_line(t, symbol, price))
            if len(batch) == 4096:
                batch.append("")
                stream.write("\n".join(batch))
                count += 4096
                batch.clear()
        if batch:
            batch.append("")
            stream.write("\n".join(batch))
            count += len(batch) - 1
    return count


def write_market_session(out: str | Path, data: MarketData) -> int:
    return _write_ticks(out, market_header(data), data.ticks())


def write_simulated_session(out: str | Path, sim: Simulator, duration_ms: int, seed: int) -> int:
    meta = {
        "title": f"simulated {sim.scenario} market, seed {seed}",
        "simulator": {
            "seed": seed,
            "scenario": sim.scenario,
            "step_ms": sim.step_ms,
            "event_at_ms": sim.event_at_ms,
            "symbols": list(sim.symbols),
        },
    }
    header = SessionHeader.new(DEFAULT_BALANCE, DEFAULT_PROFILE, meta=meta)
    return _write_ticks(out, header, sim.ticks(duration_ms))
