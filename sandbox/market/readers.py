"""Real market-data files to price ticks.

Formats, told apart by their content (the extension only says whether to unzip):
- Binance public-data klines (data.binance.vision; also mark-price klines): 12 columns, with or
  without a header, open time in ms or µs.
- Binance aggTrades: ``agg_trade_id, price, quantity, first_trade_id, last_trade_id,
  transact_time, is_buyer_maker[, is_best_match]``, with or without a header: one tick per trade
  (trades in the same millisecond collapse to the last price).
- TradingView chart exports and generic OHLCV CSV: a header naming a time column (``time``,
  ``timestamp``, ``timestamp_ms``, ``date``, ``datetime``, ``open_time``) and open/high/low/close;
  times as epoch s/ms/µs numbers or ISO 8601 (with or without ``T``, fraction, ``Z``).
- LEAN minute bars (QuantConnect): no header, ``ms since midnight, o, h, l, c, volume`` (trade bars)
  or 11 columns of bid and ask bars (quote bars: the mid of bid and ask is used); the date comes
  from the file name (``…_YYYYMMDD_trade.csv`` / ``.zip``).

**Intrabar path.** A candle becomes four ticks: the open at the candle's start, then the extreme
nearer to the open (the low on a tie), then the other extreme, then the close, at 0, ¼, ½ and ¾ of
the candle's interval. So a wick that touches a liquidation price reaches it, inside the candle
where it happened, and the order of the two extremes is the likelier one. Repeated prices are
dropped.

Every price is a ``Decimal`` made from the file's own text. Anything wrong raises
``MarketDataError`` naming the file, the line and what is wrong.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator

from ..errors import FileProblem
from .ticks import PriceTick

_TIME_COLUMNS = ("timestamp_ms", "open_time", "timestamp", "time", "date", "datetime", "open time")
_DAY_MS = 86_400_000


class MarketDataError(FileProblem):
    """Something wrong in a market-data file."""


@dataclass(slots=True)
class MarketData:
    """Rows of one symbol: candles ``(t_ms, open, high, low, close)`` or trades ``(t_ms, price)``,
    prices kept as the file's text until ticks are asked for."""

    path: str
    symbol: str
    kind: str  # "candles" or "trades"
    format: str  # which reader understood the file
    times: list[int] = field(default_factory=list)  # epoch ms
    rows: list[tuple[str, ...]] = field(default_factory=list)
    interval_ms: int = 0

    @property
    def origin_ms(self) -> int:
        return self.times[0] if self.times else 0

    def __len__(self) -> int:
        return len(self.times)

    def ticks(self) -> Iterator[PriceTick]:
        """Session-time ticks (ms since the first row), following the intrabar path."""
        origin, symbol = self.origin_ms, self.symbol
        last = None
        if self.kind == "trades":
            for t, (price,) in zip(self.times, self.rows):
                if price != last:
                    last = price
                    yield PriceTick(t - origin, symbol, Decimal(price))
            return
        q1, q2, q3 = self.interval_ms // 4, self.interval_ms // 2, 3 * self.interval_ms // 4
        last_value = None
        for t, (o, h, l, c) in zip(self.times, self.rows):
            t -= origin
            op = float(o)
            first, second = (l, h) if op - float(l) <= float(h) - op else (h, l)
            for dt, price in ((0, o), (q1, first), (q2, second), (q3, c)):
                if price == last:  # same text, same price: the cheap test first
                    continue
                last = price
                value = Decimal(price)
                if value != last_value:  # "61000" and "61000.0" are one price
                    last_value = value
                    yield PriceTick(t + dt, symbol, value)


def _open_text(path: Path) -> tuple[str, str]:
    """The CSV text and the name to read symbols and dates from (a zip's member name)."""
    if path.suffix.lower() == ".feather":
        raise MarketDataError(path, None, "Apache Arrow (.feather) files are not read; use a CSV "
                              "export of the same data")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MarketDataError(path, None, f"cannot open the file ({exc.strerror or exc})") from None
    name = path.name
    if raw[:4] == b"PK\x03\x04" or path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [m for m in zf.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise MarketDataError(path, None, f"the zip holds {len(members)} files; "
                                          f"expected one CSV")
                raw = zf.read(members[0])
                name = members[0]
        except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
            raise MarketDataError(path, None, f"the zip is damaged or cut short ({exc})") from None
    try:
        return raw.decode("utf-8-sig"), name
    except UnicodeDecodeError:
        raise MarketDataError(path, None, "the file is not text (UTF-8 CSV expected)") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _epoch_ms(value: str, path: Path, line: int) -> int:
    """Epoch seconds, ms, µs or ns (told apart by size), or an ISO 8601 date, to epoch ms."""
    try:
        number = int(value)  # the common case, and the fast one
    except ValueError:
        text = value.strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            return _iso_ms(text, path, line)
        if not number.is_finite():
            raise MarketDataError(path, line, f"timestamp {text!r} is not a number") from None
    if number < 100_000_000_000:  # before 1973 in ms: must be seconds
        return int(number * 1000)
    if number < 100_000_000_000_000:
        return int(number)
    if number < 100_000_000_000_000_000:
        return int(number // 1000)
    return int(number // 1_000_000)


def _iso_ms(text: str, path: Path, line: int) -> int:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise MarketDataError(path, line, f"timestamp {text!r} is neither a number nor a date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1000)


def _lean_ms(value: str, path: Path, line: int) -> int:
    """LEAN bars count milliseconds since midnight of the file's date."""
    try:
        return int(value.strip())
    except ValueError:
        raise MarketDataError(path, line, f"time {value.strip()!r} is not a whole number of ms") from None


def _symbol_from_name(name: str) -> str | None:
    stem = Path(name).name
    m = re.search(r"([A-Z0-9]{2,})_([A-Z0-9]{2,})(?:_[A-Z0-9]+)?-\d+[smhdwM]", stem)  # freqtrade
    if m:
        return m.group(1) + m.group(2)
    m = re.search(r"(?:^|_)([A-Z0-9]{5,})-(?:\d+[smhdwM]|aggTrades|trades)", stem)  # data.binance.vision
    if m:
        return m.group(1)
    low = stem.lower()
    # USD-quoted BTC perpetuals (FTX BTC-PERP, LEAN's Binance btcusd) become BTCUSDT: the sandbox
    # trades linear USDT contracts and what matters from these files is the price path.
    if "btc-perp" in low or re.search(r"(^|_)btcusd(_|\.|$)", low):
        return "BTCUSDT"
    return None


def _lean_date_ms(name: str) -> int | None:
    m = re.search(r"(\d{8})_(trade|quote)", Path(name).name)
    if not m:
        return None
    day = datetime.strptime(m.group(1), "%Y%m%d").replace(tzinfo=timezone.utc)
    return int(day.timestamp() * 1000)


def _interval(times: list[int]) -> int:
    """The candle interval: the most common gap between the first rows."""
    gaps = [b - a for a, b in zip(times[:200], times[1:201]) if b > a]
    if not gaps:
        return 60_000
    return max(set(gaps), key=gaps.count)


def _check_candle(path: Path, line: int, o: str, h: str, l: str, c: str) -> None:
    try:
        op, hi, lo, cl = float(o), float(h), float(l), float(c)
    except ValueError:
        bad = next(x for x in (o, h, l, c) if not _is_number(x))
        raise MarketDataError(path, line, f"price {bad!r} is not a number") from None
    if not lo <= hi:
        raise MarketDataError(path, line, f"high {h} is below low {l}")
    if lo <= 0:
        raise MarketDataError(path, line, f"prices must be above zero (low is {l})")
    if not (lo <= op <= hi and lo <= cl <= hi):
        raise MarketDataError(path, line, f"open {o} or close {c} lies outside low {l} … high {h}")


def _valid_decimal(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except InvalidOperation:
        return False


def load_market_file(path: str | Path, symbol: str | None = None) -> MarketData:
    path = Path(path)
    text, name = _open_text(path)
    # Rows stream from the text: a million-row file is never held twice.
    numbered = ((n, r) for n, r in enumerate(csv.reader(io.StringIO(text)), start=1) if r)
    first_row = next(numbered, None)
    if first_row is None:
        raise MarketDataError(path, None, "the file is empty")
    if "funding" in name.lower():
        raise MarketDataError(path, None, "this is a funding-rate file, not prices; import the "
                              "price or mark-price candles instead")
    first_line, first = first_row
    header = [c.strip().lower() for c in first] if not _is_number(first[0]) else None
    symbol = symbol or _symbol_from_name(name) or _symbol_from_name(path.name)
    if symbol is None:
        raise MarketDataError(path, None, "cannot tell the symbol from the file name; pass --symbol")
    data = MarketData(str(path), symbol, "candles", "")
    if header is not None:
        _read_with_header(path, header, numbered, data)
    else:
        _read_without_header(path, name, first_row, itertools.chain([first_row], numbered), data)
    if not data.times:
        raise MarketDataError(path, first_line, "the file has a header but no data rows")
    if data.kind == "candles":
        data.interval_ms = _interval(data.times)
    return data


def _read_with_header(path: Path, header: list[str], body, data: MarketData) -> None:
    if "price" in header and "transact_time" in header:
        data.kind, data.format = "trades", "binance-aggtrades"
        _read_trades(path, body, data, header.index("price"), header.index("transact_time"))
        return
    col = {name: i for i, name in enumerate(header)}
    missing = [c for c in ("open", "high", "low", "close") if c not in col]
    time_col = next((col[c] for c in _TIME_COLUMNS if c in col), None)
    if missing or time_col is None:
        need = ", ".join(missing + ([] if time_col is not None else ["a time column"]))
        raise MarketDataError(path, 1, f"not a candle file this app reads: the header lacks {need} "
                              f"(found {', '.join(header)})")
    data.format = "binance-klines" if "open_time" in col and "close_time" in col else "ohlcv-csv"
    _read_candles(path, body, data, time_col, col["open"], col["high"], col["low"], col["close"])


def _read_without_header(path: Path, name: str, first, body, data: MarketData) -> None:
    line, row = first
    width = len(row)
    first = float(row[0]) if _is_number(row[0]) else -1
    lean_day = _lean_date_ms(name) or _lean_date_ms(str(path))
    if 0 <= first < _DAY_MS and width in (6, 11) and lean_day is not None:
        if width == 6:
            data.format = "lean-trade-bars"
            _read_candles(path, body, data, 0, 1, 2, 3, 4, offset=lean_day, raw_ms=True)
        else:
            data.format = "lean-quote-bars"
            _read_lean_quotes(path, body, data, lean_day)
        return
    if width >= 12:
        data.format = "binance-klines"
        _read_candles(path, body, data, 0, 1, 2, 3, 4)
    elif width in (7, 8) and row[6].strip().lower() in ("true", "false"):
        data.kind, data.format = "trades", "binance-aggtrades"
        _read_trades(path, body, data, 1, 5)
    elif width in (5, 6, 7) and first >= 0:
        data.format = "ohlcv-csv"
        _read_candles(path, body, data, 0, 1, 2, 3, 4)
    else:
        raise MarketDataError(path, line, f"unrecognised layout: {width} columns without a header "
                              f"(a Binance kline has 12, aggTrades 7 or 8, OHLCV 5 or 6)")


def _read_candles(path: Path, body, data: MarketData, ti: int, oi: int, hi: int, li: int, ci: int,
                  offset: int = 0, raw_ms: bool = False) -> None:
    times, rows = data.times, data.rows
    need = max(ti, oi, hi, li, ci) + 1
    to_ms = _lean_ms if raw_ms else _epoch_ms
    last = None
    for line, row in body:
        if len(row) < need:
            raise MarketDataError(path, line, f"expected at least {need} columns, found {len(row)}")
        t = to_ms(row[ti], path, line) + offset
        if last is not None and t <= last:
            raise MarketDataError(path, line, f"time {row[ti].strip()} does not come after the row before")
        last = t
        o, h, l, c = row[oi], row[hi], row[li], row[ci]
        try:  # the checks in floats (fast); the prices stay text until ticks are made
            op, hp, lp, cp = float(o), float(h), float(l), float(c)
            good = 0 < lp <= op <= hp and lp <= cp <= hp
        except ValueError:
            good = False
        if not good:
            o, h, l, c = o.strip(), h.strip(), l.strip(), c.strip()
            _check_candle(path, line, o, h, l, c)
        times.append(t)
        rows.append((o, h, l, c))


def _read_lean_quotes(path: Path, body, data: MarketData, day_ms: int) -> None:
    """Bid and ask bars become mid-price bars (the mark sits between them)."""
    times, rows = data.times, data.rows
    last = None
    for line, row in body:
        if len(row) != 11:
            raise MarketDataError(path, line, f"a LEAN quote bar has 11 columns, found {len(row)}")
        t = _lean_ms(row[0], path, line) + day_ms
        if last is not None and t <= last:
            raise MarketDataError(path, line, "time does not come after the row before")
        last = t
        try:
            bid = [Decimal(x) for x in row[1:5]]
            ask = [Decimal(x) for x in row[6:10]]
        except InvalidOperation:
            raise MarketDataError(path, line, "a bid or ask price is not a number") from None
        mid = [str((b + a) / 2) for b, a in zip(bid, ask)]
        _check_candle(path, line, *mid)
        times.append(t)
        rows.append(tuple(mid))


def _read_trades(path: Path, body, data: MarketData, pi: int, ti: int) -> None:
    times, rows = data.times, data.rows
    for line, row in body:
        if len(row) <= max(pi, ti):
            raise MarketDataError(path, line, f"expected at least {max(pi, ti) + 1} columns, found {len(row)}")
        t = _epoch_ms(row[ti], path, line)
        price = row[pi].strip()
        if not _is_number(price) or not _valid_decimal(price) or float(price) <= 0:
            raise MarketDataError(path, line, f"price {price!r} is not a number above zero")
        if times and t < times[-1]:
            raise MarketDataError(path, line, "trade time goes back")
        if times and t == times[-1]:
            rows[-1] = (price,)  # same millisecond: the last trade's price stands
            continue
        times.append(t)
        rows.append((price,))
