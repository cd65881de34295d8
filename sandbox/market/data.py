"""One file's worth of market data, ready to become ticks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .intrabar import candle_ticks, trade_ticks
from .layouts import CANDLES
from .ticks import PriceTick


@dataclass(eq=False, slots=True)
class MarketData:
    """The rows of one symbol: candles or trades, checked, in time order.

    Prices stay as the file's text until ticks are asked for (a ``Decimal`` then comes from that
    text); ``values`` holds float copies for the path's decisions, never for output."""

    path: str
    symbol: str
    kind: str  # "candles" or "trades"
    format: str  # which layout the file had: "binance-klines", "lean-trade-bars", …
    times: np.ndarray  # epoch ms of each row (int64): a candle's open time, a trade's time
    rows: np.ndarray  # the prices as text, one row each: (open, high, low, close) or (price,)
    values: np.ndarray  # the same prices as floats
    interval_ms: int  # candles: the most common gap between them; trades: 0

    @property
    def origin_ms(self) -> int:
        """Epoch ms of the first row: session time 0."""
        return int(self.times[0])

    def __len__(self) -> int:
        return len(self.times)

    def ticks(self) -> Iterator[PriceTick]:
        """Ticks at session time (ms since the first row), candles along the intrabar path."""
        if self.kind == CANDLES:
            return candle_ticks(self.symbol, self.times, self.rows, self.values, self.interval_ms)
        return trade_ticks(self.symbol, self.times, self.rows, self.values)
