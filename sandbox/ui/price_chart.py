"""The price chart: one tab per symbol, candles or a line, following the latest data.

Every number on it comes from the session: prices from ``bridge.price_history`` and each
position's entry and liquidation price from ``bridge.view()``. Only the visible symbol is drawn;
the others keep their buffers up to date cheaply (an append per frame) so switching tabs is instant.

Prices are redrawn on ``bridge.ticked`` (every frame with new inputs); the position levels on
``bridge.changed`` (which the bridge slows down when view() is expensive).

Pan or zoom with the mouse and following stops; ``follow()`` (the button, or the End key) brings it
back with the width you zoomed to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QStaticText, QTransform
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QTabBar, QToolButton, QVBoxLayout, QWidget

from ..engine import Liquidated
from . import chart_common as cc
from .bridge import SessionBridge
from .chart_common import GrowBuffer, fmt_time, make_plot, paint_plot, pct_text, price_text

STYLES = ("candles", "line")
# Candle widths in seconds; the chart picks the first that gives at most ~TARGET_CANDLES on screen.
BUCKETS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)
TARGET_CANDLES = 140
DEFAULT_WINDOW_S = 600.0
MIN_WINDOW_S = 20.0
RIGHT_PAD = 0.06  # room to the right of the latest point while following, as a share of the width
NEAR = Decimal("0.05")  # entry and liquidation lines within 5 % of the mark are pulled into view
LABEL_SLOTS = (0.01, 0.34, 0.67)  # where along the width position labels sit (staggered)
MAX_MARKER_LABELS = 12  # liquidation markers beyond this (on one symbol) keep only their ✕ and tooltip


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
                colour = QColor(cc.UP if up else cc.DOWN)
                pen = QPen(colour)
                pen.setCosmetic(True)
                p.setPen(pen)
                p.drawLines(wicks)
                p.setBrush(colour)
                p.drawRects(bodies)


@dataclass(slots=True)
class Level:
    """One horizontal line with its label: a position's entry or liquidation price."""

    position: str
    kind: str  # "entry" or "liq"
    value: float
    text: str
    colour: str
    slot: float  # where along the width the label sits (0…1)


class LevelsItem(pg.GraphicsObject):
    """Every position's entry (solid) and liquidation (dashed) line with their labels, the mark
    price line, and ▲/▼ tags for liquidation prices outside the view — all in one item painted
    once per frame (one pyqtgraph item per line costs milliseconds per frame). The mark's price
    tag is drawn on the price axis (``PriceAxis.set_tag``)."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[Level] = []
        self.mark: tuple[float, str, str] | None = None  # value, text, colour
        self.setZValue(50)
        self._font = pg.QtGui.QFont()
        self._font.setPointSizeF(8.5)
        self._fm = QFontMetricsF(self._font)
        self._texts: dict[str, QStaticText] = {}  # laid-out labels, reused while their text stays

    def set_levels(self, levels: list[Level]) -> None:
        self.levels = levels
        if len(self._texts) > 4 * len(levels) + 16:
            self._texts.clear()
        self.update()

    def set_mark(self, mark: tuple[float, str, str] | None) -> None:
        if mark != self.mark:
            self.mark = mark
            self.update()

    def boundingRect(self) -> QRectF:
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else QRectF()

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()

    def edge_tags(self) -> list[str]:
        """The ▲/▼ tags shown for liquidation prices above or below the view."""
        vb = self.getViewBox()
        if vb is None:
            return []
        _, (y0, y1) = vb.viewRange()
        above = sorted(
            (lv for lv in self.levels if lv.kind == "liq" and lv.value > y1), key=lambda lv: lv.value
        )
        below = sorted(
            (lv for lv in self.levels if lv.kind == "liq" and lv.value < y0), key=lambda lv: -lv.value
        )
        return [f"▲ {lv.text}" for lv in above] + [f"▼ {lv.text}" for lv in below]

    def _box(
        self, p: QPainter, x: float, y: float, text: str, colour: str, anchor_x: float, anchor_y: float
    ) -> None:
        st = self._texts.get(text)
        if st is None:
            st = self._texts[text] = QStaticText(text)
            st.prepare(QTransform(), self._font)
        size = st.size()
        w, h = size.width() + 10, size.height() + 4
        left, top = x - anchor_x * w, y - anchor_y * h
        p.fillRect(QRectF(left, top, w, h), QColor(colour))
        p.drawStaticText(QPointF(left + 5, top + 2), st)

    def paint(self, p: QPainter, *args) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        rect = vb.viewRect()
        y_lo, y_hi = rect.top(), rect.bottom()
        inside = [lv for lv in self.levels if y_lo <= lv.value <= y_hi]
        for lv in inside:
            pen = QPen(QColor(lv.colour if lv.kind == "entry" else cc.LIQ))
            pen.setCosmetic(True)
            pen.setWidthF(1.0 if lv.kind == "entry" else 1.5)
            if lv.kind == "liq":
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QLineF(rect.left(), lv.value, rect.right(), lv.value))
        if self.mark is not None and y_lo <= self.mark[0] <= y_hi:
            pen = QPen(QColor(cc.MUTED))
            pen.setCosmetic(True)
            pen.setStyle(Qt.PenStyle.DotLine)
            p.setPen(pen)
            p.drawLine(QLineF(rect.left(), self.mark[0], rect.right(), self.mark[0]))
        # Labels in pixels.
        to_px = p.transform()
        px = vb.boundingRect()
        p.save()
        p.resetTransform()
        p.setFont(self._font)
        p.setPen(QColor(cc.BG))
        left, right = px.left(), px.right()
        for lv in inside:
            y = to_px.map(QPointF(rect.left(), lv.value)).y()
            x = left + 4 + lv.slot * (px.width() - 8)
            self._box(
                p,
                x,
                y,
                lv.text,
                lv.colour if lv.kind == "entry" else cc.LIQ,
                0,
                1.0 if lv.kind == "entry" else 0,
            )
        row_h = self._fm.height() + 8
        tags = self.edge_tags()
        up = [t for t in tags if t.startswith("▲")]
        down = [t for t in tags if t.startswith("▼")]
        for j, text in enumerate(up):
            self._box(p, right - 6, px.top() + 4 + j * row_h, text, cc.LIQ, 1, 0)
        for j, text in enumerate(down):
            self._box(p, right - 6, px.bottom() - 4 - j * row_h, text, cc.LIQ, 1, 1)
        p.restore()


class _SymbolData:
    """One symbol's prices as the chart holds them (x in seconds)."""

    __slots__ = ("buf", "candles", "follow", "window", "xrange", "yrange")

    def __init__(self) -> None:
        self.buf = GrowBuffer(2)
        self.candles = CandleCache()
        self.window = DEFAULT_WINDOW_S
        self.follow = True
        self.xrange: tuple[float, float] | None = None
        self.yrange: tuple[float, float] | None = None


class PriceChart(QWidget):
    follow_changed = Signal(bool)
    symbol_changed = Signal(str)
    style_changed = Signal(str)

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self._data: dict[str, _SymbolData] = {}
        self._synced_timeline = None
        self._synced_t: int | None = None
        self._symbol: str | None = None
        self._style = "candles"
        self._levels_key: tuple | None = None
        self._near: list[float] = []  # entry/liq prices near the mark (kept in view while following)
        self._marker_key: tuple | None = None
        self._setting_range = False
        self._last_price: float | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 2)
        self.tabs = QTabBar(self)
        self.tabs.setObjectName("symbolTabs")
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.currentChanged.connect(self._tab_changed)
        top.addWidget(self.tabs, 1)
        self.style_buttons = QButtonGroup(self)
        for name in STYLES:
            b = QToolButton(self)
            b.setText(name.capitalize())
            b.setCheckable(True)
            b.setObjectName(f"style_{name}")
            b.setToolTip(f"draw prices as {name} (C toggles)")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.style_buttons.addButton(b)
            top.addWidget(b)
            b.clicked.connect(lambda _=False, n=name: self.set_style(n))
        self.follow_button = QToolButton(self)
        self.follow_button.setObjectName("followButton")
        self.follow_button.setText("Follow latest")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.follow_button.setToolTip("keep the newest price in view (End)")
        self.follow_button.clicked.connect(
            lambda checked: self.follow() if checked else self._stop_following()
        )
        top.addWidget(self.follow_button)
        layout.addLayout(top)

        self.plot = make_plot(self)
        self.plot.setObjectName("priceChart")
        layout.addWidget(self.plot, 1)
        item = self.plot.getPlotItem()
        self.view_box = item.getViewBox()
        self.price_axis = item.getAxis("right")
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)

        self.curve = item.plot(pen=pg.mkPen(cc.LINE, width=1), skipFiniteCheck=True)
        self.candles = CandleItem()
        item.addItem(self.candles)
        self.levels = LevelsItem()
        item.addItem(self.levels, ignoreBounds=True)
        self.liq_markers = pg.ScatterPlotItem(
            symbol="x",
            size=18,
            pen=pg.mkPen(cc.BG, width=1),
            brush=pg.mkBrush(cc.LIQ_MARK),
            hoverable=True,
            tip=lambda x, y, data: data or "liquidation",
        )
        self.liq_markers.setZValue(60)
        item.addItem(self.liq_markers)
        self._marker_labels: list[pg.TextItem] = []
        self.empty_text = pg.TextItem("waiting for prices…", color=cc.MUTED, anchor=(0.5, 0.5))
        self.empty_text.setParentItem(self.view_box)
        self.empty_text.hide()

        # Crosshair with price and time.
        pen = pg.mkPen(cc.MUTED, width=1, style=Qt.PenStyle.DashLine)
        self.cross_v = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self.cross_h = pg.InfiniteLine(angle=0, movable=False, pen=pen)
        self.cross_label = pg.TextItem("", anchor=(0, 1))
        for it in (self.cross_v, self.cross_h, self.cross_label):
            item.addItem(it, ignoreBounds=True)
            it.hide()
        self._mouse_proxy = pg.SignalProxy(
            self.plot.scene().sigMouseMoved, rateLimit=60, slot=self._mouse_moved
        )
        self.plot.viewport().installEventFilter(self)

        self.view_box.sigRangeChangedManually.connect(self._manual_range)
        # Panning or zooming by hand while no prices arrive still needs the line re-sliced.
        self.view_box.sigXRangeChanged.connect(
            lambda *_: None if self._setting_range else self._update_curve()
        )
        self.apply_theme()
        bridge.ticked.connect(self.refresh)
        bridge.changed.connect(self._refresh_levels)
        bridge.reset.connect(self.reload)
        bridge.events.connect(self._on_events)
        self.set_style(self._style)
        self.reload()

    # ------------------------------------------------------------------ public
    @property
    def symbol(self) -> str | None:
        return self._symbol

    @property
    def style(self) -> str:
        return self._style

    @property
    def following(self) -> bool:
        d = self._current()
        return d.follow if d is not None else True

    def apply_theme(self) -> None:
        """Re-colour everything after ``chart_common.set_theme``."""
        paint_plot(self.plot)
        self.curve.setPen(pg.mkPen(cc.LINE, width=1))
        self.liq_markers.setPen(pg.mkPen(cc.BG, width=1))
        self.liq_markers.setBrush(pg.mkBrush(cc.LIQ_MARK))
        self.empty_text.setColor(cc.MUTED)
        pen = pg.mkPen(cc.MUTED, width=1, style=Qt.PenStyle.DashLine)
        self.cross_v.setPen(pen)
        self.cross_h.setPen(pen)
        panel = QColor(cc.PANEL)
        panel.setAlpha(235)
        self.cross_label.fill = pg.mkBrush(panel)
        self.cross_label.border = pg.mkPen(cc.MUTED)
        self.cross_label.setColor(cc.TEXT)
        for label in self._marker_labels:
            label.setColor(cc.BG)
            label.fill = pg.mkBrush(cc.LIQ_MARK)
        self._levels_key = None
        self._last_price = None
        self._refresh_levels()
        self._draw()
        self.plot.update()

    def set_style(self, style: str) -> None:
        if style not in STYLES:
            return
        self._style = style
        for b in self.style_buttons.buttons():
            b.setChecked(b.objectName() == f"style_{style}")
        self.curve.setVisible(style == "line")
        self.candles.setVisible(style == "candles")
        if style != "line":
            self.curve.setData([], [])
        self._draw()
        self.style_changed.emit(style)

    def toggle_style(self) -> None:
        self.set_style("line" if self._style == "candles" else "candles")

    def set_symbol(self, symbol: str) -> None:
        self._update_tabs()
        for i in range(self.tabs.count()):
            if self.tabs.tabData(i) == symbol:
                self.tabs.setCurrentIndex(i)
                return

    def follow(self) -> None:
        d = self._current()
        if d is None:
            return
        if not d.follow:
            (x0, x1), _ = self.view_box.viewRange()
            if x1 > x0:
                d.window = (x1 - x0) / (1 + RIGHT_PAD)
        d.follow = True
        self.follow_button.setChecked(True)
        self.follow_changed.emit(True)
        self._draw()

    def levels_for(self, position_id: str) -> dict[str, Level]:
        """The lines drawn for a position on the shown symbol: {"entry": Level, "liq": Level}."""
        return {lv.kind: lv for lv in self.levels.levels if lv.position == position_id}

    # ------------------------------------------------------------------ syncing data
    def reload(self) -> None:
        """Another timeline (or a jump back in time): take every series afresh."""
        for d in self._data.values():
            d.buf.clear()
            d.candles.reset()
        self._synced_timeline = None
        self._levels_key = None
        self._marker_key = None
        self.refresh()
        self._refresh_levels()

    def refresh(self) -> None:
        self._sync()
        self._update_tabs()
        self._draw()

    def _sync(self) -> None:
        bridge = self.bridge
        timeline = bridge.timeline
        t_now = bridge.now()
        fresh = timeline is not self._synced_timeline or (
            self._synced_t is not None and t_now < self._synced_t
        )
        for symbol in bridge.chart_symbols():
            t, p = bridge.price_history(symbol)
            d = self._data.get(symbol)
            if d is None:
                d = self._data[symbol] = _SymbolData()
            if d.buf.sync(t, p, fresh=fresh) == "reloaded":
                d.candles.reset()
        if fresh:
            self._marker_key = None
        self._synced_timeline = timeline
        self._synced_t = t_now

    def _update_tabs(self) -> None:
        symbols = [s for s in self.bridge.chart_symbols() if s in self._data and len(self._data[s].buf)]
        shown = [self.tabs.tabData(i) for i in range(self.tabs.count())]
        if symbols == shown:
            return
        current = self._symbol
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        for s in symbols:
            self.tabs.setTabData(self.tabs.addTab(s), s)
        self.tabs.blockSignals(False)
        if current in symbols:
            self.tabs.setCurrentIndex(symbols.index(current))
        elif symbols:
            self.tabs.setCurrentIndex(0)
            self._tab_changed(0)
        else:
            self._symbol = None

    def _tab_changed(self, index: int) -> None:
        symbol = self.tabs.tabData(index) if index >= 0 else None
        if symbol == self._symbol:
            return
        self._symbol = symbol
        self._levels_key = None
        self._marker_key = None
        self._last_price = None
        d = self._current()
        if d is not None:
            self.follow_button.setChecked(d.follow)
            if not d.follow and d.xrange and d.yrange:
                self._set_range(d.xrange, d.yrange)
        self._refresh_levels()
        self._draw()
        if symbol:
            self.symbol_changed.emit(symbol)

    def _current(self) -> _SymbolData | None:
        return self._data.get(self._symbol) if self._symbol else None

    # ------------------------------------------------------------------ drawing prices
    def _draw(self) -> None:
        d = self._current()
        if d is None or not len(d.buf):
            self.curve.setData([], [])
            self.candles.set_cache(None)
            self.levels.set_mark(None)
            self.price_axis.set_tag(None)
            self.empty_text.show()
            self._place_empty_text()
            return
        self.empty_text.hide()
        x, y = d.buf.col(0), d.buf.col(1)
        if d.follow:
            self._follow_range(d, x, y)
        (xmin, xmax), _ = self.view_box.viewRange()
        if self._style == "candles":
            i0 = int(np.searchsorted(x, xmin))
            i1 = int(np.searchsorted(x, xmax))
            spacing = (x[i1 - 1] - x[i0]) / (i1 - i0 - 1) if i1 - i0 > 1 else 0.0
            d.candles.update(x, y, bucket_for(max(xmax - xmin, 1e-3), spacing))
            self.candles.set_cache(d.candles)
        else:
            self._update_curve()
        last = float(y[-1])
        if last != self._last_price or self.levels.mark is None:
            rising = self._last_price is None or last >= self._last_price
            self._last_price = last
            mark = self.bridge.account.marks.get(self._symbol)
            text = (
                price_text(mark, self.bridge.instrument(self._symbol).tick_size) if mark is not None else ""
            )
            self.levels.set_mark((last, text, cc.UP if rising else cc.DOWN))
            self.price_axis.set_tag((last, text, cc.UP if rising else cc.DOWN))
        self._update_markers()

    def _update_curve(self) -> None:
        """The line gets the prices from a screen's width left of the view onwards: pyqtgraph
        then clips and downsamples a few thousand points, not two hours of them."""
        d = self._current()
        if d is None or self._style != "line" or not len(d.buf):
            return
        x, y = d.buf.col(0), d.buf.col(1)
        (xmin, xmax), _ = self.view_box.viewRange()
        i0 = max(int(np.searchsorted(x, xmin - (xmax - xmin))) - 1, 0)
        i1 = min(int(np.searchsorted(x, xmax + (xmax - xmin))) + 1, len(x))
        self.curve.setData(x[i0:i1], y[i0:i1])

    def _follow_range(self, d: _SymbolData, x: np.ndarray, y: np.ndarray) -> None:
        last = float(x[-1])
        first = float(x[0])
        # Until there is a window's worth of data, the data fills the chart.
        width = min(d.window, max(last - first, MIN_WINDOW_S))
        x1 = last + width * RIGHT_PAD
        x0 = x1 - width * (1 + RIGHT_PAD)
        if x0 < first:  # no empty stretch before the first price
            x0 = first - width * 0.01
            x1 = x0 + width * (1 + RIGHT_PAD)
        i0 = int(np.searchsorted(x, x0))
        seg = y[i0:] if i0 < len(y) else y[-1:]
        lo, hi = float(seg.min()), float(seg.max())
        for value in self._near:
            lo, hi = min(lo, value), max(hi, value)
        span = hi - lo
        pad = span * 0.08 if span > 0 else max(abs(hi) * 0.001, 1e-6)
        xr, yr = (x0, x1), (lo - pad, hi + pad)
        if not self._moves_a_pixel(xr, yr):
            return  # following scrolls ~2 px a second: redraw the axes when it shows
        self._set_range(xr, yr)

    def _moves_a_pixel(self, xr: tuple[float, float], yr: tuple[float, float]) -> bool:
        (ox0, ox1), (oy0, oy1) = self.view_box.viewRange()
        size = self.view_box.size()
        if ox1 <= ox0 or oy1 <= oy0 or size.width() <= 0 or size.height() <= 0:
            return True
        px, py = size.width() / (ox1 - ox0), size.height() / (oy1 - oy0)
        return (
            max(abs(xr[0] - ox0), abs(xr[1] - ox1)) * px >= 1
            or max(abs(yr[0] - oy0), abs(yr[1] - oy1)) * py >= 1
        )

    def _set_range(self, xr: tuple[float, float], yr: tuple[float, float]) -> None:
        self._setting_range = True
        try:
            self.view_box.setRange(xRange=xr, yRange=yr, padding=0, update=True)
            # Apply the new transform now, not at paint time: pyqtgraph applies it lazily inside
            # paintEvent, which invalidates items again and costs a second repaint every frame.
            self.view_box.updateMatrix()
        finally:
            self._setting_range = False

    def _manual_range(self, *args) -> None:
        if not self._setting_range:
            self._stop_following()

    def _stop_following(self) -> None:
        d = self._current()
        if d is None:
            return
        d.follow = False
        xr, yr = self.view_box.viewRange()
        d.xrange, d.yrange = tuple(xr), tuple(yr)
        self.follow_button.setChecked(False)
        self.follow_changed.emit(False)

    def _place_empty_text(self) -> None:
        self.empty_text.setPos(self.view_box.boundingRect().center())

    # ------------------------------------------------------------------ position levels
    def _refresh_levels(self) -> None:
        symbol = self._symbol
        if symbol is None:
            self.levels.set_levels([])
            self._near = []
            return
        positions = [p for p in self.bridge.view().positions if p.symbol == symbol]
        key = (
            symbol,
            tuple(
                (p.id, p.side, p.mode, p.leverage, p.entry_price, p.liquidation_price, p.mark_price)
                for p in positions
            ),
        )
        if key == self._levels_key:
            return
        self._levels_key = key
        tick = self.bridge.instrument(symbol).tick_size
        levels: list[Level] = []
        near: list[float] = []
        for i, p in enumerate(positions):
            colour = cc.CROSS if p.mode == "cross" else cc.ISOLATED
            slot = LABEL_SLOTS[i % len(LABEL_SLOTS)]
            levels.append(
                Level(
                    p.id,
                    "entry",
                    float(p.entry_price),
                    f"{p.id} {p.side} {p.leverage}× {p.mode} · entry {price_text(p.entry_price, tick)}",
                    colour,
                    slot,
                )
            )
            if abs(p.entry_price - p.mark_price) <= p.mark_price * NEAR:
                near.append(float(p.entry_price))
            if p.liquidation_price is not None:
                dist = (p.liquidation_price - p.mark_price) / p.mark_price * 100
                levels.append(
                    Level(
                        p.id,
                        "liq",
                        float(p.liquidation_price),
                        f"{p.id} liq. {price_text(p.liquidation_price, tick)} ({pct_text(dist)})",
                        colour,
                        slot,
                    )
                )
                if abs(p.liquidation_price - p.mark_price) <= p.mark_price * NEAR:
                    near.append(float(p.liquidation_price))
        self._near = near
        self.levels.set_levels(levels)

    # ------------------------------------------------------------------ liquidation markers
    def _on_events(self, events: list) -> None:
        if any(isinstance(e, Liquidated) for e in events):
            self._marker_key = None
            self._update_markers()

    def _update_markers(self) -> None:
        symbol = self._symbol
        liqs = self.bridge.liquidations()
        key = (symbol, len(liqs), liqs[-1].t if liqs else None)
        if key == self._marker_key:
            return
        self._marker_key = key
        mine = [e for e in liqs if e.symbol == symbol]
        spots = [{"pos": (e.t / 1000.0, float(e.price)), "data": self.bridge.describe(e)} for e in mine]
        self.liq_markers.setData(spots)
        shown = mine[-MAX_MARKER_LABELS:]
        item = self.plot.getPlotItem()
        while len(self._marker_labels) < len(shown):
            label = pg.TextItem("", color=cc.BG, fill=pg.mkBrush(cc.LIQ_MARK), anchor=(1.08, 0.5))
            label.setZValue(61)
            item.addItem(label, ignoreBounds=True)
            self._marker_labels.append(label)
        for label, e in zip(self._marker_labels, shown):
            what = ", ".join(e.positions) if len(e.positions) <= 2 else f"{len(e.positions)} positions"
            label.setText(f"liquidated {what} ({e.mode})")
            label.setPos(e.t / 1000.0, float(e.price))
            label.show()
        for label in self._marker_labels[len(shown) :]:
            label.hide()

    # ------------------------------------------------------------------ crosshair
    def _mouse_moved(self, args) -> None:
        pos = args[0]
        if self._symbol is None or not self.view_box.sceneBoundingRect().contains(pos):
            self._hide_crosshair()
            return
        pt = self.view_box.mapSceneToView(pos)
        self.cross_v.setPos(pt.x())
        self.cross_h.setPos(pt.y())
        tick = self.bridge.instrument(self._symbol).tick_size
        self.cross_label.setText(f"{price_text(pt.y(), tick)}\n{fmt_time(pt.x(), with_ms=True)}")
        self.cross_label.setPos(pt)
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        self.cross_label.setAnchor((1 if pt.x() > (x0 + x1) / 2 else 0, 0 if pt.y() > (y0 + y1) / 2 else 1))
        for it in (self.cross_v, self.cross_h, self.cross_label):
            it.show()

    def _hide_crosshair(self) -> None:
        for it in (self.cross_v, self.cross_h, self.cross_label):
            it.hide()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._hide_crosshair()
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.empty_text.isVisible():
            self._place_empty_text()
