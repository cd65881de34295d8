"""Sessions made from price sources: an imported market-data file or a simulated market.

Both give a header plus price events only; the account starts with the default balance and the
user trades on top (in the window) or replays it as it is. Ticks stream from the file to where
they go (a session file, a replay, the window's compact arrays): nothing holds them all as objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..engine import Funding
from ..market import MarketData, PriceTick, Simulator
from ..market.funding import FundingRates
from ..profiles import DEFAULT_PROFILE
from .inputs import Inputs, Item
from .jsonlines import atomic_writer, dumps, item_line
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


def _write_ticks(out: str | Path, header: SessionHeader, items: Iterable[Item]) -> int:
    """Header and input lines (prices, and funding settlements), a few thousand lines at a time;
    returns the number of price lines."""
    count = 0
    with atomic_writer(out) as stream:
        stream.write(dumps(header.to_dict()) + "\n")
        batch: list[str] = []
        for t, symbol, x in items:
            batch.append(item_line(t, symbol, x))
            count += symbol is not None
            if len(batch) == 4096:
                batch.append("")
                stream.write("\n".join(batch))
                batch.clear()
        if batch:
            batch.append("")
            stream.write("\n".join(batch))
    return count


def write_market_session(out: str | Path, data: MarketData) -> int:
    return _write_ticks(out, market_header(data), data.ticks())


@dataclass(slots=True)
class FundingMerge:
    """How the settlements of a funding file fit the prices: merged, or dropped for lying before
    the first price or after the last (no mark to settle at)."""

    merged: int = 0
    before: int = 0
    after: int = 0


def with_funding(
    ticks: Iterable[PriceTick], funding: FundingRates, origin_ms: int, symbol: str, merge: FundingMerge
) -> Iterator[Item]:
    """The ticks with each settlement at its session time (epoch ms − ``origin_ms``), after the
    prices of the same time (a settlement at a candle's start sees that candle's open as the
    mark). Settlements outside [first price, last price] are counted in ``merge`` and dropped."""
    times = [ms - origin_ms for ms in funding.times]
    rates = funding.rates
    i, n = 0, len(times)
    first = True
    last_t: int | None = None
    for tick in ticks:
        if first:
            first = False
            while i < n and times[i] < tick.t:
                merge.before += 1
                i += 1
        while i < n and times[i] < tick.t:
            yield times[i], None, Funding(symbol, rates[i])
            merge.merged += 1
            i += 1
        last_t = tick.t
        yield tick
    while i < n and last_t is not None and times[i] <= last_t:
        yield times[i], None, Funding(symbol, rates[i])
        merge.merged += 1
        i += 1
    if last_t is None:
        merge.before += n - i
    else:
        merge.after += n - i


def write_funded_session(
    out: str | Path, data: MarketData, funding: FundingRates
) -> tuple[int, FundingMerge]:
    """A market-data file's prices with a funding file's settlements merged in at their times."""
    header = market_header(data)
    merge = FundingMerge()
    header.meta["funding"] = {
        "source": Path(funding.path).name,
        "source_format": funding.format,
        "rows": len(funding),
    }
    if funding.format == "lean-margin-interest":
        header.meta["funding"]["note"] = (
            "LEAN's rates are for an inverse (coin-margined) contract; applied here as rate × qty × "
            "mark to a linear USDT position, an approximation"
        )
    count = _write_ticks(out, header, with_funding(data.ticks(), funding, data.origin_ms, data.symbol, merge))
    return count, merge


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
    return _write_ticks(out, header, sim.events(duration_ms))
