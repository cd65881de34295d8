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

Rows arrive a chunk at a time (a file is never held whole); ``TickPath`` carries what one chunk
leaves to the next: the last price emitted.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from itertools import repeat

import numpy as np

from .ticks import PriceTick

_QUARTERS = np.arange(4)
_NEAR_TIE = 1e-14  # relative to the high: float differences closer than this do not decide
_OPEN, _HIGH, _LOW, _CLOSE = range(4)


class TickPath:
    """Ticks of one file's rows, chunk after chunk: ``origin_ms`` is session time 0 and
    ``interval_ms`` the candles' D."""

    def __init__(self, symbol: str, origin_ms: int, interval_ms: int):
        self.symbol = symbol
        self.origin_ms = origin_ms
        self.interval_ms = interval_ms
        self._value = math.nan  # the last price emitted; NaN equals nothing, so the first is kept
        self._text = ""

    def candles(
        self, times: np.ndarray, next_times: np.ndarray | None, texts: np.ndarray, values: np.ndarray
    ) -> Iterator[PriceTick]:
        """Ticks of candles ``(open, high, low, close)`` starting at ``times`` (epoch ms), each
        followed by the candle at ``next_times`` (None: the file's last candle)."""
        if not len(times):
            return iter(())
        d = self.interval_ms
        spans = np.full(len(times), d) if next_times is None else np.minimum(next_times - times, d)
        order = _path_order(texts, values)
        at = (times - self.origin_ms)[:, None] + spans[:, None] * _QUARTERS // 4
        return self._distinct(
            at.ravel(),
            np.take_along_axis(texts, order, 1).ravel(),
            np.take_along_axis(values, order, 1).ravel(),
        )

    def trades(
        self, times: np.ndarray, next_times: np.ndarray | None, texts: np.ndarray, values: np.ndarray
    ) -> Iterator[PriceTick]:
        """Ticks of trades ``(price,)`` at ``times`` (epoch ms): the last trade of each
        millisecond (the one before a trade at another time, or the file's last)."""
        if not len(times):
            return iter(())
        if next_times is not None:
            last = times != next_times
            times, texts, values = times[last], texts[last], values[last]
            if not len(times):
                return iter(())
        return self._distinct(times - self.origin_ms, texts[:, 0], values[:, 0])

    def _distinct(self, at: np.ndarray, texts: np.ndarray, values: np.ndarray) -> Iterator[PriceTick]:
        """The ticks whose price differs from the one before (lazily: a chunk's lists are small,
        the ticks of a whole file need not be)."""
        before = np.empty_like(values)
        before[0], before[1:] = self._value, values[:-1]
        keep = values != before
        tied = np.flatnonzero(~keep)  # equal floats; equal prices unless the texts differ
        if len(tied):
            before_text = np.empty_like(texts)
            before_text[0], before_text[1:] = self._text, texts[:-1]
            for i in tied[texts[tied] != before_text[tied]]:
                keep[i] = Decimal(texts[i]) != Decimal(before_text[i])
        self._value, self._text = values[-1], texts[-1]
        # tuple.__new__ builds the PriceTick its generated __new__ would, minus a Python call per tick
        fields = zip(at[keep].tolist(), repeat(self.symbol), map(Decimal, texts[keep]))
        return map(tuple.__new__, repeat(PriceTick), fields)


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
