"""One file's worth of market data, streamed: rows a chunk at a time, ticks on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .intrabar import TickPath
from .layouts import CANDLES
from .ticks import PriceTick


@dataclass(frozen=True, slots=True)
class Rows:
    """Checked rows of one chunk: a candle's open time or a trade's time (epoch ms, int64), the
    prices as the file's text (``(open, high, low, close)`` or ``(price,)``, at most 8 decimals)
    and the same prices as floats (for the path's decisions, never for output)."""

    times: np.ndarray
    texts: np.ndarray
    values: np.ndarray

    def cut(self, part: slice) -> Rows:
        return Rows(self.times[part], self.texts[part], self.values[part])


@dataclass(eq=False)
class MarketData:
    """A market-data file whose first chunk has been read and checked (so its layout, symbol,
    start and candle length are known). The rest is read when ticks are asked for, and every
    problem found there is a ``MarketDataError`` with the file's line, as in the first chunk.

    ``ticks()`` may be asked again: the file is read again from the start."""

    path: str
    symbol: str
    kind: str  # "candles" or "trades"
    format: str  # which layout the file had: "binance-klines", "lean-trade-bars", …
    origin_ms: int  # epoch ms of the first row: session time 0
    interval_ms: int  # candles: D, the most common gap between the first chunk's candles; trades: 0
    _reopen: Callable[[], Iterator[Rows]] = field(repr=False)
    _pending: Iterator[Rows] | None = field(default=None, repr=False)
    rows: int = 0  # data rows read by the last complete ``ticks()``

    def chunks(self) -> Iterator[Rows]:
        pending, self._pending = self._pending, None
        return pending if pending is not None else self._reopen()

    def ticks(self) -> Iterator[PriceTick]:
        """Ticks at session time (ms since the first row), candles along the intrabar path.

        Each chunk's last row waits for the next chunk: a candle's span and whether a trade is the
        last of its millisecond depend on the row after it."""
        path = TickPath(self.symbol, self.origin_ms, self.interval_ms)
        emit = path.candles if self.kind == CANDLES else path.trades
        held: Rows | None = None
        count = 0
        for rows in self.chunks():
            count += len(rows.times)
            if held is not None:
                yield from emit(*_with_next(held, rows.times[:1]))
            yield from emit(*_with_next(rows.cut(slice(-1)), rows.times[1:]))
            held = rows.cut(slice(-1, None))
        if held is not None:
            yield from emit(held.times, None, held.texts, held.values)
        self.rows = count


def _with_next(rows: Rows, next_times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return rows.times, next_times, rows.texts, rows.values
