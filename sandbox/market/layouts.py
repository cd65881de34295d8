"""Which kind of file this is, told from its first row (and, for LEAN, the date in its name).

A first row whose first cell is a number or a date is data; anything else is a header of names.

With a header:
- Binance aggTrades: ``agg_trade_id, price, quantity, first_trade_id, last_trade_id,
  transact_time, is_buyer_maker[, is_best_match]``.
- Candles: ``open, high, low, close`` and a time column, the first present of ``timestamp_ms,
  open_time, open time, timestamp, time, datetime, date, unix``. Binance klines with a header
  (``open_time … close_time …``), TradingView chart exports (``time, open, high, low, close,
  Volume, …``) and generic OHLCV files are all this.

Without a header:
- LEAN minute or second bars: the first cell counts ms from midnight (below 86,400,000) and the
  file name holds the date; 6 columns are trade bars ``time, open, high, low, close, volume``, 11
  are quote bars ``time, bid o/h/l/c, bid size, ask o/h/l/c, ask size``.
- Binance aggTrades: 7 or 8 columns, the seventh ``true`` or ``false``.
- Binance klines (12 columns) or any ``time, open, high, low, close[, …]`` row (5+ columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import MarketDataError, shown
from .timestamps import DAY_MS, is_time, lean_day_ms

_TIME_NAMES = ("timestamp_ms", "open_time", "open time", "timestamp", "time", "datetime", "date", "unix")
_OHLC = ("open", "high", "low", "close")
CANDLES, TRADES = "candles", "trades"


@dataclass(frozen=True, slots=True)
class Layout:
    format: str  # which kind of file: "binance-klines", "lean-trade-bars", …
    kind: str  # CANDLES or TRADES
    header: bool
    picks: tuple[int, ...]  # the time column, then the price columns
    what: str  # the row, for messages: "expected 5+ columns {what}, found 3"
    day_ms: int | None = None  # LEAN: times count ms from this midnight (epoch ms)


def detect(row: list[str], line: int, names: tuple[str, ...], path: Path) -> Layout:
    first = row[0].strip()
    if not is_time(first):
        return _with_header([c.strip().lower() for c in row], line, path)
    width = len(row)
    if first.isdigit() and int(first) < DAY_MS and width in (6, 11):
        day = lean_day_ms(*names)
        if day is None:
            raise MarketDataError(
                path,
                line,
                "the times count milliseconds from midnight, as in LEAN "
                "bars, but the file name has no date (…_YYYYMMDD_trade.csv)",
            )
        if width == 6:
            return Layout("lean-trade-bars", CANDLES, False, (0, 1, 2, 3, 4), "of a LEAN trade bar", day)
        return Layout(
            "lean-quote-bars", CANDLES, False, (0, 1, 2, 3, 4, 6, 7, 8, 9), "of a LEAN quote bar", day
        )
    if width in (7, 8) and row[6].strip().lower() in ("true", "false"):
        return Layout("binance-aggtrades", TRADES, False, (5, 1), "of a Binance aggTrades row")
    if width >= 5:
        kind = "binance-klines" if width == 12 else "ohlcv-csv"
        what = "of a Binance kline" if width == 12 else "(time, open, high, low, close)"
        return Layout(kind, CANDLES, False, (0, 1, 2, 3, 4), what)
    raise MarketDataError(
        path,
        line,
        f"unrecognised layout: {width} columns and no header (a Binance "
        f"kline has 12, aggTrades 7 or 8, a time-open-high-low-close row 5 or more)",
    )


def _with_header(names: list[str], line: int, path: Path) -> Layout:
    col: dict[str, int] = {}
    for i, name in enumerate(names):
        col.setdefault(name, i)
    if "price" in col and "transact_time" in col:
        return Layout(
            "binance-aggtrades", TRADES, True, (col["transact_time"], col["price"]), "as in the header"
        )
    time = next((col[name] for name in _TIME_NAMES if name in col), None)
    missing = [name for name in _OHLC if name not in col] + (["a time column"] if time is None else [])
    if missing or time is None:
        raise MarketDataError(
            path,
            line,
            f"not a candle file this app reads: the header lacks "
            f"{', '.join(missing)} (found {shown(', '.join(names), 80)})",
        )
    if "open_time" in col and "close_time" in col:
        kind = "binance-klines"
    elif names[0] == "time":
        kind = "tradingview"
    else:
        kind = "ohlcv-csv"
    return Layout(kind, CANDLES, True, (time, *(col[name] for name in _OHLC)), "as in the header")
