"""The price chart: one tab per symbol, candles or a line, following the latest data, with every
position's entry and liquidation line and a marker where each liquidation happened.

Prices come from ``bridge.price_history`` and are redrawn on ``bridge.ticked`` (every frame with
new inputs). Only the visible symbol is drawn; the others keep their buffers up to date cheaply
(an append per frame) so switching tabs is instant. Position lines follow ``positions_added``,
``positions_removed`` and ``positions_changed`` for the shown symbol.

Pan or zoom with the mouse and following stops; ``follow()`` (the button, or the End key) brings it
back with the width you zoomed to. ``highlight(ids)`` draws those positions' lines bolder (and
shows their symbol).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QTabBar, QToolButton, QVBoxLayout, QWidget

from ...engine import Liquidated
from .. import format as fmt
from ..bridge import SessionBridge
from ..theme import theme
from .axes import PriceAxis, make_plot, paint_plot
from .buffers import GrowBuffer
from .candles import CandleCache, CandleItem, bucket_for
from .crosshair import Crosshair
from .levels import Level, LevelsItem, levels_of
from .markers import LiquidationMarkers
from .order_lines import OrderLines

STYLES = ("candles", "line")
DEFAULT_WINDOW_S = 600.0
MIN_WINDOW_S = 20.0
RIGHT_PAD = 0.06  # room to the right of the latest point while following, as a share of the width
# The PositionView fields the lines and their labels show.
LEVEL_FIELDS = frozenset({"entry_price", "liquidation_price", "mark_price", "side", "mode", "leverage"})


class _SymbolData:
    """One symbol's prices as the chart holds them (x in seconds) and how it was last viewed."""

    __slots__ = ("buf", "candles", "follow", "window", "xrange", "yrange")

    def __init__(self) -> None:
        self.buf = GrowBuffer(2)
        self.candles = CandleCache()
        self.window = DEFAULT_WINDOW_S
        self.follow = True
        self.xrange: tuple[float, float] | None = None
        self.yrange: tuple[float, float] | None = None


class PriceChart(QWidget):
    symbol_changed = Signal(str)  # the user (or the window) showed another symbol
    style_changed = Signal(str)

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self._data: dict[str, _SymbolData] = {}
        self._symbol: str | None = None
        self._style = "candles"
        self._near: list[float] = []  # entry/liq prices near the mark (kept in view while following)
        self._drawn: frozenset[str] = frozenset()  # ids of the positions whose lines are drawn
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
        self.price_axis = cast(PriceAxis, item.getAxis("right"))
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        # A mark holds until the next one: drawn as steps, a price held by hand for a minute is a
        # flat line that then jumps, never a diagonal across the gap.
        self.curve = item.plot(skipFiniteCheck=True, stepMode="right")
        self.candles = CandleItem()
        item.addItem(self.candles)
        self.levels = LevelsItem()
        item.addItem(self.levels, ignoreBounds=True)
        self.order_lines = OrderLines(bridge, item, self)  # resting orders: lines to drag
        self.markers = LiquidationMarkers(item, self.levels)
        self.empty_text = pg.TextItem("waiting for prices…", anchor=(0.5, 0.5))
        self.empty_text.setParentItem(self.view_box)
        self.empty_text.hide()
        self.crosshair = Crosshair(item)
        self._mouse_proxy = pg.SignalProxy(
            self.plot.scene().sigMouseMoved, rateLimit=60, slot=self._mouse_moved
        )
        self.plot.viewport().installEventFilter(self)

        self.view_box.sigRangeChangedManually.connect(self._manual_range)
        # Panning or zooming by hand while no prices arrive still needs the line re-sliced.
        self.view_box.sigXRangeChanged.connect(self._x_range_changed)
        self._restyle()
        theme.changed.connect(self._restyle)
        bridge.ticked.connect(self.refresh)
        bridge.reset.connect(self.reload)
        bridge.events.connect(self._on_events)
        bridge.positions_added.connect(self._positions_came_or_went)
        bridge.positions_removed.connect(self._positions_came_or_went)
        bridge.positions_changed.connect(self._positions_changed)
        self.set_style(self._style)
        self.reload()

    # ------------------------------------------------------------------ public
    @property
    def symbol(self) -> str | None:
        return self._symbol

    @property
    def chart_style(self) -> str:
        return self._style

    @property
    def following(self) -> bool:
        d = self._current()
        return d.follow if d is not None else True

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
        self._draw()

    def highlight(self, ids: Iterable[str]) -> None:
        """Draw the lines of positions ``ids`` bolder, showing their symbol if none is on screen."""
        ids = tuple(ids)
        self.levels.set_highlighted(ids)
        shown = [p for p in (self.bridge.position(pid) for pid in ids) if p is not None]
        if shown and all(p.symbol != self._symbol for p in shown):
            self.set_symbol(shown[0].symbol)

    def avoid(self, rects: list[QRectF]) -> None:
        """Keep the labels out of ``rects`` (in the plot widget's coordinates: the notices)."""
        offset = QPointF(self.plot.viewport().mapFrom(self.plot, QPoint(0, 0)))
        self.levels.set_reserved([r.translated(offset) for r in rects])

    def levels_for(self, position_id: str) -> dict[str, Level]:
        """The lines drawn for a position on the shown symbol: {"entry": Level, "liq": Level}."""
        return {lv.kind: lv for lv in self.levels.levels if lv.position == position_id}

    # ------------------------------------------------------------------ syncing data
    def reload(self) -> None:
        """Another timeline: take every series afresh."""
        for d in self._data.values():
            d.buf.clear()
            d.candles.reset()
        self.markers.forget()
        self.refresh()
        self._refresh_levels()

    def refresh(self) -> None:
        self._sync()
        self._update_tabs()
        self._draw()

    def _sync(self) -> None:
        bridge = self.bridge
        for symbol in bridge.chart_symbols():
            t, p = bridge.price_history(symbol)
            d = self._data.get(symbol)
            if d is None:
                d = self._data[symbol] = _SymbolData()
            if d.buf.sync(t, p) == "reloaded":  # a rewind: the series no longer continues what is held
                d.candles.reset()

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
        self.markers.forget()
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
        symbol = self._symbol
        if d is None or symbol is None or not len(d.buf):
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
            text = fmt.price_or_dash(self.bridge.mark(symbol), self.bridge.instrument(symbol).tick_size)
            tag = (last, text, theme.palette.up if rising else theme.palette.down)
            self.levels.set_mark(tag)
            self.price_axis.set_tag(tag)
        self.markers.show(symbol, self.bridge.liquidations(), self.bridge.describe)

    def _x_range_changed(self, *_: object) -> None:
        if not self._setting_range:
            self._update_curve()

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
        for value in (*self._near, *self.order_lines.near):
            lo, hi = min(lo, value), max(hi, value)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return  # no range can show a price a float cannot hold
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

    def _manual_range(self, *_: object) -> None:
        if not self._setting_range:
            self._stop_following()

    def _stop_following(self) -> None:
        d = self._current()
        if d is None:
            return
        d.follow = False
        xr, yr = self.view_box.viewRange()
        d.xrange, d.yrange = (xr[0], xr[1]), (yr[0], yr[1])
        self.follow_button.setChecked(False)

    def _place_empty_text(self) -> None:
        self.empty_text.setPos(self.view_box.boundingRect().center())

    # ------------------------------------------------------------------ position lines
    def _positions_came_or_went(self, ids: Iterable[str]) -> None:
        self._refresh_levels()

    def _positions_changed(self, changes: Mapping[str, frozenset[str]]) -> None:
        for pid in self._drawn & changes.keys():
            if changes[pid] & LEVEL_FIELDS:
                self._refresh_levels()
                return

    def _refresh_levels(self) -> None:
        symbol = self._symbol
        self.order_lines.set_symbol(symbol)
        if symbol is None:
            self.levels.set_levels([])
            self._near, self._drawn = [], frozenset()
            return
        positions = self.bridge.positions(symbol)
        levels, self._near = levels_of(positions, self.bridge.instrument(symbol).tick_size)
        self._drawn = frozenset(p.id for p in positions)
        self.levels.set_levels(levels)

    # ------------------------------------------------------------------ liquidation markers
    def _on_events(self, events: list) -> None:
        if any(isinstance(e, Liquidated) for e in events):
            self.markers.forget()
            self.markers.show(self._symbol, self.bridge.liquidations(), self.bridge.describe)

    # ------------------------------------------------------------------ look and the mouse
    def _restyle(self, *_: object) -> None:
        paint_plot(self.plot)
        self.curve.setPen(pg.mkPen(theme.palette.line, width=1))
        self.empty_text.setColor(theme.palette.muted)
        self.markers.restyle()
        self.crosshair.restyle()
        self._last_price = None
        self._refresh_levels()
        self._draw()
        self.plot.update()

    def _mouse_moved(self, args: tuple) -> None:
        if self._symbol is None:
            self.crosshair.hide()
            return
        self.crosshair.show_at(args[0], self.bridge.instrument(self._symbol).tick_size)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.crosshair.hide()
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.empty_text.isVisible():
            self._place_empty_text()
