"""Rows of a market-data file to price ticks, candles by way of an intrabar path.

**Intrabar path.** A candle becomes up to four ticks: the open at the candle's start, then the
extreme nearer to the open (the low when both are equally near), then the other extreme, then the
close, at 0, ¼, ½ and ¾ of the candle's interval D. A tick with the same price as the one before
it is dropped. So every wick is reached, inside the candle where it happened: a liquidation price
that a candle's low (or high) touches is hit in that candle and no earlier, and the order of the
two extremes is the likelier one, since a price that starts near one extreme tends to reach it
first. D is the most common gap between consecutive candles; a candle whose successor starts
sooner than D spreads its four ticks over that shorter gap, so time never goes back.

Trades give one tick each (the reader has already kept only the last trade of each millisecond),
again without repeating a price.

Tick times are milliseconds from the first row (session time starts at 0). Every price is a
``Decimal`` made from the file's text; the float copies only decide the order of the extremes and
which prices repeat, and ``Decimal`` settles any case a float cannot.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, repeat

import numpy as np

from .ticks import PriceTick

_CHUNK = 1 << 16  # rows turned into ticks at a time: memory stays flat for any file size
_QUARTERS = np.arange(4)
_NEAR_TIE = 1e-14  # relative to the high: float differences closer than this do not decide
_OPEN, _HIGH, _LOW, _CLOSE = range(4)


@dataclass(slots=True)
class _Last:
    """The last price emitted, carried from one chunk to the next."""

    value: float = math.nan  # NaN equals nothing: the first tick is always kept
    text: str = ""


def candle_ticks(
    symbol: str, times: np.ndarray, texts: np.ndarray, values: np.ndarray, interval_ms: int
) -> Iterator[PriceTick]:
    """Ticks of candles ``(open, high, low, close)`` starting at ``times`` (epoch ms)."""
    return chain.from_iterable(_candle_chunks(symbol, times, texts, values, interval_ms))


def trade_ticks(symbol: str, times: np.ndarray, texts: np.ndarray, values: np.ndarray) -> Iterator[PriceTick]:
    """Ticks of trades ``(price,)`` at ``times`` (epoch ms, one trade per millisecond)."""
    return chain.from_iterable(_trade_chunks(symbol, times, texts, values))


def _candle_chunks(symbol, times, texts, values, interval_ms):
    if not len(times):
        return
    origin = times[0]
    spans = np.minimum(np.diff(times, append=times[-1] + interval_ms), interval_ms)
    last = _Last()
    for start in range(0, len(times), _CHUNK):
        part = slice(start, start + _CHUNK)
        order = _path_order(texts[part], values[part])
        at = (times[part] - origin)[:, None] + spans[part, None] * _QUARTERS // 4
        yield _distinct(
            symbol,
            at.ravel(),
            np.take_along_axis(texts[part], order, 1).ravel(),
            np.take_along_axis(values[part], order, 1).ravel(),
            last,
        )


def _trade_chunks(symbol, times, texts, values):
    if not len(times):
        return
    origin = times[0]
    last = _Last()
    for start in range(0, len(times), _CHUNK):
        part = slice(start, start + _CHUNK)
        yield _distinct(symbol, times[part] - origin, texts[part, 0], values[part, 0], last)


def _path_order(texts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per candle, the columns to visit: open, nearer extreme, other extreme, close."""
    o, h, lo = values[:, _OPEN], values[:, _HIGH], values[:, _LOW]
    down, up = o - lo, h - o
    low_first = down <= up
    for i in np.flatnonzero(np.abs(down - up) <= _NEAR_TIE * h):  # a tie, or too close to call
        op, hp, lp = (Decimal(t) for t in texts[i, :3])
        low_first[i] = op - lp <= hp - op
    near = np.where(low_first, _LOW, _HIGH)
    n = len(near)
    return np.stack([np.full(n, _OPEN), near, _HIGH + _LOW - near, np.full(n, _CLOSE)], axis=1)


def _distinct(
    symbol: str, at: np.ndarray, texts: np.ndarray, values: np.ndarray, last: _Last
) -> Iterator[PriceTick]:
    """The ticks whose price differs from the one before (lazily: the chunk's lists are small,
    the ticks of a whole file need not be)."""
    before = np.empty_like(values)
    before[0], before[1:] = last.value, values[:-1]
    keep = values != before
    tied = np.flatnonzero(~keep)  # equal floats; equal prices unless the texts differ
    if len(tied):
        before_text = np.empty_like(texts)
        before_text[0], before_text[1:] = last.text, texts[:-1]
        for i in tied[texts[tied] != before_text[tied]]:
            keep[i] = Decimal(texts[i]) != Decimal(before_text[i])
    last.value, last.text = values[-1], texts[-1]
    # tuple.__new__ builds the PriceTick its generated __new__ would, minus a Python call per tick
    fields = zip(at[keep].tolist(), repeat(symbol), map(Decimal, texts[keep]))
    return map(tuple.__new__, repeat(PriceTick), fields)
