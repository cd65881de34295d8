"""Times in market-data files to epoch milliseconds.

Numbers are epoch seconds, milliseconds, microseconds or nanoseconds, told apart by size: any
date after 1973 has 12+ digits in ms, 15+ in µs and 18+ in ns, so each unit owns a range (Binance
moved its public files from ms to µs in 2025; both read the same). Text is ISO 8601, with or
without ``T``, fraction or zone (no zone means UTC). LEAN bars count milliseconds from midnight,
and the date comes from the file name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

import numpy as np

from .errors import Problem, shown

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_MS_FROM, _US_FROM, _NS_FROM = 10**11, 10**14, 10**17  # where ms, µs and ns numbers begin
_TOO_BIG = 10**20  # past the year 5000 even in ns
DAY_MS = 86_400_000
_LEAN_DATE = re.compile(r"(?<!\d)(\d{8})_(?:[a-z0-9]+_(?:minute|second)_)?(?:trade|quote)", re.IGNORECASE)


def epoch_ms(column: np.ndarray) -> tuple[np.ndarray, Problem | None]:
    """A column of time texts as epoch ms, and the first text that is not a time."""
    try:
        raw = column.astype(np.int64)  # whole numbers, the common case: no Python loop
    except (ValueError, OverflowError):
        return _one_by_one(column)
    if len(raw) and raw.min() < 0:
        i = int(np.argmax(raw < 0))
        return raw, Problem(i, f"timestamp {shown(column[i])} is before 1970")
    ms = raw.copy()
    seconds = raw < _MS_FROM
    ms[seconds] = raw[seconds] * 1000
    micro = (raw >= _US_FROM) & (raw < _NS_FROM)
    ms[micro] = raw[micro] // 1000
    nano = raw >= _NS_FROM
    ms[nano] = raw[nano] // 1_000_000
    return ms, None


def _one_by_one(column: np.ndarray) -> tuple[np.ndarray, Problem | None]:
    out = np.zeros(len(column), dtype=np.int64)
    for i, text in enumerate(column):
        try:
            out[i] = _text_ms(text.strip())
        except ValueError as exc:
            return out, Problem(i, str(exc))
    return out, None


def _text_ms(text: str) -> int:
    try:
        number = Decimal(text)  # "1700000000.5" as well as "1700000000"
    except InvalidOperation:
        return _iso_ms(text)
    if not number.is_finite():
        raise ValueError(f"timestamp {shown(text)} is not a number")
    if number < 0:
        raise ValueError(f"timestamp {shown(text)} is before 1970")
    if number >= _TOO_BIG:
        raise ValueError(f"timestamp {shown(text)} is too large for a date")
    if number < _MS_FROM:
        return int(number * 1000)
    if number < _US_FROM:
        return int(number)
    return int(number // (1000 if number < _NS_FROM else 1_000_000))


def _iso_ms(text: str) -> int:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"timestamp {shown(text)} is neither a number nor a date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // _ONE_MS  # exact: no float seconds on the way


def is_time(text: str) -> bool:
    """Whether a cell reads as a time (so a first row holding one is data, not a header)."""
    try:
        _text_ms(text.strip())
        return True
    except ValueError:
        return False


def ms_of_day(column: np.ndarray) -> tuple[np.ndarray, Problem | None]:
    """LEAN's times: whole milliseconds since midnight."""
    try:
        ms = column.astype(np.int64)
        bad = (ms < 0) | (ms >= DAY_MS)
    except (ValueError, OverflowError):
        ms = np.zeros(len(column), dtype=np.int64)
        bad = np.array([not _within_day(text) for text in column], dtype=bool)
    if bad.any():
        i = int(np.argmax(bad))
        return ms, Problem(i, f"time {shown(column[i])} is not a whole number of milliseconds within a day")
    return ms, None


def _within_day(text: str) -> bool:
    try:
        return 0 <= int(text) < DAY_MS
    except ValueError:
        return False


def lean_day_ms(*names: str) -> int | None:
    """Midnight (UTC, epoch ms) of the date in a LEAN file name such as ``20221213_trade.zip``
    or its member ``20221213_btcusd_minute_trade.csv``."""
    for name in names:
        m = _LEAN_DATE.search(name)
        if m:
            try:
                day = datetime.strptime(m.group(1), "%Y%m%d").replace(tzinfo=UTC)
            except ValueError:
                continue
            return (day - _EPOCH) // _ONE_MS
    return None
