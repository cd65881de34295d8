"""Candles: OHLC kept up to date incrementally from a price buffer, and the item that draws the
ones in view."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QPainter, QPen

from ..theme import theme
from .buffers import GrowBuffer

# Candle widths in seconds; the chart picks the first that gives at most ~TARGET_CANDLES on screen.
BUCKETS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)
TARGET_CANDLES = 140


def bucket_for(span_s: float, spacing_s: float = 0.0) -> float:
    """The candle width for ``span_s`` seconds on screen whose prices come every ``spacing_s``
    seconds on average: ~TARGET_CANDLES candles, each made of at least four prices."""
    raw = max(span_s / TARGET_CANDLES, 4 * spacing_s)
    for b in BUCKETS_S:
        if b >= raw:
            return float(b)
    return float(BUCKETS_S[-1])


class CandleCache:
    """OHLC of a price buffer for one candle width, kept up to date incrementally.

    Completed candles are stored once; each update recomputes only the candle still forming plus
    whatever arrived since, so the cost per frame is the size of the last bucket.
    """

    def __init__(self) -> None:
        self.width = 0.0
        self.done = GrowBuffer(5, 1024)  # start, open, high, low, close
        self.current: tuple[float, float, float, float, float] | None = None
        self._start = 0  # index in the price buffer where the forming candle begins
        self._seen = 0

    def reset(self) -> None:
        self.done.clear()
        self.current = None
        self._start = 0
        self._seen = 0

    def update(self, x: np.ndarray, y: np.ndarray, width: float) -> None:
        n = len(x)
        if width != self.width or n < self._seen:
            self.width = width
            self.reset()
        if n == self._seen:
            return
        xs, ys = x[self._start :], y[self._start :]
        ids = np.floor(xs / width)
        cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        starts = np.concatenate(([0], cuts))
        ends = np.concatenate((cuts, [len(xs)]))
        highs = np.maximum.reduceat(ys, starts)
        lows = np.minimum.reduceat(ys, starts)
        opens = ys[starts]
        closes = ys[ends - 1]
        t0 = ids[starts] * width
        k = len(starts) - 1  # all but the last are complete
        if k:
            self.done.extend(t0[:k], opens[:k], highs[:k], lows[:k], closes[:k])
        self.current = (float(t0[k]), float(opens[k]), float(highs[k]), float(lows[k]), float(closes[k]))
        self._start += int(starts[k])
        self._seen = n


class CandleItem(pg.GraphicsObject):
    """Draws the candles that are in view (never all of them)."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: CandleCache | None = None
        self._bounds = QRectF()

    def set_cache(self, cache: CandleCache | None) -> None:
        self.cache = cache
        bounds = QRectF()
        if cache is not None and (cache.current is not None or len(cache.done)):
            done = cache.done
            cur = cache.current
            lows = [cur[3]] if cur else []
            highs = [cur[2]] if cur else []
            starts = [cur[0]] if cur else []
            if len(done):
                starts += [float(done.col(0)[0]), done.last(0)]
                highs.append(float(np.max(done.col(2))))
                lows.append(float(np.min(done.col(3))))
            x0, x1 = min(starts), max(starts) + cache.width
            bounds = QRectF(x0, min(lows), x1 - x0, max(highs) - min(lows))
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p: QPainter, *args) -> None:
        cache = self.cache
        view = self.getViewBox()
        if cache is None or view is None:
            return
        (xmin, xmax), _ = view.viewRange()
        w = cache.width
        done = cache.done
        rows = []
        if len(done):
            t = done.col(0)
            i0 = max(int(np.searchsorted(t, xmin - w)), 0)
            i1 = int(np.searchsorted(t, xmax, side="right"))
            if i1 > i0:
                rows = np.column_stack([done.col(c)[i0:i1] for c in range(5)]).tolist()
        if cache.current is not None and cache.current[0] <= xmax:
            rows.append(list(cache.current))
        if not rows:
            return
        body = w * 0.7
        off = (w - body) / 2
        groups: dict[bool, tuple[list, list]] = {True: ([], []), False: ([], [])}
        for t0, o, h, lo, c in rows:
            wicks, bodies = groups[c >= o]
            mid = t0 + w / 2
            wicks.append(QLineF(mid, lo, mid, h))
            bodies.append(QRectF(t0 + off, min(o, c), body, abs(c - o)))
        for up, (wicks, bodies) in groups.items():
            if wicks:
                colour = theme.colour("up" if up else "down")
                pen = QPen(colour)
                pen.setCosmetic(True)
                p.setPen(pen)
                p.drawLines(wicks)
                p.setBrush(colour)
                p.drawRects(bodies)
