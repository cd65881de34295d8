"""``load_market_file``: a market-data file to ``MarketData``, or one sentence on what is wrong.

Read, and told apart by their content (``layouts`` has the rules):
- Binance public-data klines (data.binance.vision), mark-price klines included: 12 columns, with
  or without a header, open time in ms or µs.
- Binance aggTrades, with or without a header: one tick per millisecond that traded (its last
  price).
- TradingView chart exports and generic OHLCV CSV with a header naming a time column; times as
  epoch s/ms/µs or ISO 8601.
- LEAN minute bars: trade bars as they are, quote bars as the mid of bid and ask (see
  ``prices.mid_prices``); the date comes from the file name.
Any of them as the only CSV in a zip, or gzipped. Feather, Arrow and Parquet files and funding-rate
files are refused with a sentence saying so.

Files are read as a stream, ``table.CHUNK_ROWS`` rows at a time, so memory does not grow with the
file. Every chunk is checked before its rows go on: every time a time, in order (across chunks
too), every candle ``0 < low ≤ open, close ≤ high``, every price a number the engine can hold
(``prices``). The first problem in the file is raised as ``MarketDataError(path, line,
message)``: ``load_market_file`` raises those of the first chunk, ``MarketData.ticks()`` those
further on (an import writes nothing then, a replay stops, the window shows the sentence).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from .data import MarketData, Rows
from .errors import MarketDataError, Problem
from .layouts import CANDLES, Layout, detect
from .prices import check_candles, check_trades, floats, mid_prices, round_places
from .symbols import symbol_from_names
from .table import Table
from .timestamps import epoch_ms, ms_of_day

_DEFAULT_INTERVAL_MS = 60_000  # a single candle says nothing about its length


def load_market_file(path: str | Path, symbol: str | None = None) -> MarketData:
    """Open ``path`` and check its first chunk; ``symbol`` names its prices (default: from the
    file name)."""
    path = Path(path)
    table, layout, symbol = _open(path, symbol)
    chunks = _checked(table, layout)
    first = next(chunks)
    interval = _interval(first.times) if layout.kind == CANDLES else 0
    return MarketData(
        str(path),
        symbol,
        layout.kind,
        layout.format,
        int(first.times[0]),
        interval,
        partial(_reopen, path, symbol),
        chain((first,), chunks),
    )


def _reopen(path: Path, symbol: str) -> Iterator[Rows]:
    table, layout, _ = _open(path, symbol)
    return _checked(table, layout)


def _open(path: Path, symbol: str | None) -> tuple[Table, Layout, str]:
    table = Table(path)
    try:
        names = (table.name, path.name)
        if any("funding" in n.lower() for n in names):
            raise MarketDataError(
                path,
                None,
                "this is a funding-rate file, not prices; import the price or mark-price candles instead",
            )
        first = table.first_row()
        if first is None:
            raise MarketDataError(path, None, "the file is empty")
        line, row = first
        layout = detect(row, line, names, path)
        symbol = (symbol or "").strip().upper() or symbol_from_names(*names)
        if not symbol:
            raise MarketDataError(path, None, "cannot tell the symbol from the file name; pass --symbol")
        table.header = layout.header
    except BaseException:
        table.close()
        raise
    return table, layout, symbol


def _checked(table: Table, layout: Layout) -> Iterator[Rows]:
    """Every chunk of data rows, checked; the first problem in the file raised with its line."""
    with table:
        start = 0  # data rows before this chunk
        last: int | None = None  # the time of the row before this chunk
        for cells, problem in table.chunks(layout.picks, layout.what):
            rows, problem = _check_chunk(cells, problem, layout, last)
            if problem is not None:
                raise MarketDataError(table.path, table.line_of(start + problem.index), problem.message)
            yield rows
            start += len(rows.times)
            last = int(rows.times[-1])
        if start == 0:
            raise MarketDataError(table.path, table.first_line, "the file has a header but no data rows")


def _check_chunk(
    cells: np.ndarray, problem: Problem | None, layout: Layout, last: int | None
) -> tuple[Rows, Problem | None]:
    """The chunk's rows above its first problem, and that problem. Each check looks only above
    the problem found so far, so the last one found is the first in the chunk."""
    if layout.day_ms is None:
        times, found = epoch_ms(cells[:, 0])
    else:
        times, found = ms_of_day(cells[:, 0])
        times += layout.day_ms
    cells, times, problem = _above(found, problem, cells, times)
    prices = np.ascontiguousarray(cells[:, 1:])  # not a view: the time texts can go once checked
    if layout.format == "lean-quote-bars":
        prices, found = mid_prices(prices)
        times, prices, problem = _above(found, problem, times, prices)
    values = floats(prices)
    found = _out_of_order(times, cells[:, 0], layout.kind == CANDLES, last)
    times, prices, values, problem = _above(found, problem, times, prices, values)
    found = (check_candles if layout.kind == CANDLES else check_trades)(prices, values)
    times, prices, values, problem = _above(found, problem, times, prices, values)
    prices, values = round_places(prices, values)
    return Rows(times, prices, values), problem


def _above(found: Problem | None, problem: Problem | None, *columns: np.ndarray) -> tuple[Any, ...]:
    """The columns cut short of a newly found problem, which becomes the one to report."""
    if found is None:
        return (*columns, problem)
    return (*(c[: found.index] for c in columns), found)


def _out_of_order(times: np.ndarray, texts: np.ndarray, strict: bool, last: int | None) -> Problem | None:
    """Candles must follow one another; trades may share a millisecond but not go back (``last``:
    the time of the row before these, in the chunk before)."""
    if last is None:
        steps, shift = np.diff(times), 1
    else:
        steps, shift = np.diff(times, prepend=np.int64(last)), 0
    bad = steps <= 0 if strict else steps < 0
    if not bad.any():
        return None
    i = int(np.argmax(bad)) + shift
    after = "does not come after the row before" if strict else "is before the trade above it"
    return Problem(i, f"time {texts[i].strip()} {after}")


def _interval(times: np.ndarray) -> int:
    """The candle length: the most common gap between candles (gaps where data is missing are
    rarer than the rest)."""
    if len(times) < 2:
        return _DEFAULT_INTERVAL_MS
    gaps, counts = np.unique(np.diff(times), return_counts=True)
    return int(gaps[np.argmax(counts)])
