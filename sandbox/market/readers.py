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

A file is checked whole before anything is returned: every time a time, in order, every candle
``0 < low ≤ open, close ≤ high``, every price a number. The first problem in the file is raised as
``MarketDataError(path, line, message)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import MarketData
from .errors import MarketDataError, Problem
from .files import read_csv_bytes
from .layouts import CANDLES, detect
from .prices import check_candles, check_trades, floats, mid_prices
from .symbols import symbol_from_names
from .table import Table
from .timestamps import epoch_ms, ms_of_day

_DEFAULT_INTERVAL_MS = 60_000  # a single candle says nothing about its length


def load_market_file(path: str | Path, symbol: str | None = None) -> MarketData:
    """Read ``path``; ``symbol`` names its prices (default: from the file name)."""
    path = Path(path)
    raw, name = read_csv_bytes(path)
    names = (name, path.name)
    if any("funding" in n.lower() for n in names):
        raise MarketDataError(
            path,
            None,
            "this is a funding-rate file, not prices; import the price or mark-price candles instead",
        )
    table = Table(raw, path)
    first = table.first_row()
    if first is None:
        raise MarketDataError(path, None, "the file is empty")
    line, row = first
    layout = detect(row, line, names, path)
    symbol = (symbol or "").strip().upper() or symbol_from_names(*names)
    if not symbol:
        raise MarketDataError(path, None, "cannot tell the symbol from the file name; pass --symbol")

    table.header = layout.header
    cells, problem = table.columns(layout.picks, layout.what)
    if not len(cells) and problem is None:
        raise MarketDataError(path, line, "the file has a header but no data rows")
    # Each check looks only above the problem found so far, so the last one found is the first
    # in the file.
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
    found = _out_of_order(times, cells[:, 0], strict=layout.kind == CANDLES)
    times, prices, values, problem = _above(found, problem, times, prices, values)
    found = (check_candles if layout.kind == CANDLES else check_trades)(prices, values)
    times, prices, values, problem = _above(found, problem, times, prices, values)
    if problem is not None:
        raise MarketDataError(path, table.line_of(problem.index), problem.message)

    if layout.kind == CANDLES:
        interval = _interval(times)
    else:
        last_of_ms = np.append(times[1:] != times[:-1], True)
        times, prices, values, interval = times[last_of_ms], prices[last_of_ms], values[last_of_ms], 0
    return MarketData(str(path), symbol, layout.kind, layout.format, times, prices, values, interval)


def _above(found: Problem | None, problem: Problem | None, *columns: np.ndarray):
    """The columns cut short of a newly found problem, which becomes the one to report."""
    if found is None:
        return (*columns, problem)
    return (*(c[: found.index] for c in columns), found)


def _out_of_order(times: np.ndarray, texts: np.ndarray, strict: bool) -> Problem | None:
    """Candles must follow one another; trades may share a millisecond but not go back."""
    steps = np.diff(times)
    bad = steps <= 0 if strict else steps < 0
    if not bad.any():
        return None
    i = int(np.argmax(bad)) + 1
    after = "does not come after the row before" if strict else "is before the trade above it"
    return Problem(i, f"time {texts[i].strip()} {after}")


def _interval(times: np.ndarray) -> int:
    """The candle length: the most common gap between candles (gaps where data is missing are
    rarer than the rest)."""
    if len(times) < 2:
        return _DEFAULT_INTERVAL_MS
    gaps, counts = np.unique(np.diff(times), return_counts=True)
    return int(gaps[np.argmax(counts)])
