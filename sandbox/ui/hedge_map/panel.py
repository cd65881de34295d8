"""The hedge map panel: for two symbols that hold positions, a heatmap over a grid of their prices
(±30 % around the marks) saying which positions a joint move to each point liquidates, for as
traded, all cross or all isolated (switchable), with each variant's liquidation boundary drawn as
a line, the current marks as a dot and the session's price path as a trail.

The map is ``risk.hedge_map.hedge_map`` of the twins' books at the moment on screen: exact, from
the engine's thresholds. It is computed again when the book changes (positions, a jump, another
timeline), when the symbols or the variant are changed, and, at most ``EVERY_MS`` apart, when
prices move (other marks move a cross pool's boundary; these two carry the dot away from the
grid's centre). A hidden panel does nothing until it is shown. Hover a point to read which
positions die there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qthrottled

from ...engine import text
from ...risk.command import twin_books
from ...risk.hedge_map import HedgeMap, hedge_map, map_symbols
from ...risk.thresholds import Book
from ...session.twins import LABELS, VARIANTS
from ..bridge import SessionBridge
from ..charts.axes import PriceAxis
from ..follow import Follower
from ..on_screen import OnScreen
from ..theme import theme
from ..twins_panel import ROLES
from .picture import Legend, edges, picture, trail

EVERY_MS = 250
SHARE = 0.03
BOOK_FIELDS = frozenset({"qty", "mode", "leverage", "isolated_wallet", "entry_price"})


class HedgeMapPanel(OnScreen, QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("hedgeMapPanel")
        self.bridge = bridge
        self.map: HedgeMap | None = None
        self.rgba: np.ndarray | None = None  # the heatmap's pixels (rows along y), as drawn
        self.legend: Legend | None = None
        self.variant = "as_traded"
        self._choice: tuple[str, str] | None = None  # the symbols asked for (x, y)
        self._books: tuple[object, dict[str, Book]] | None = None  # (timeline, its books)
        self._stale = True
        # The map (the books and the grid: tens of milliseconds with a hundred positions) follows
        # changes at most every EVERY_MS and at most SHARE of the time; the dot and the trail
        # (cheap) at most every EVERY_MS.
        self._follow = Follower(self.refresh, EVERY_MS, SHARE, self)
        self._follow_path = qthrottled(self._draw_path, timeout=EVERY_MS, leading=True, parent=self)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(4)
        row = QHBoxLayout()
        self.x_symbol = QComboBox(self)
        self.x_symbol.setObjectName("mapX")
        self.x_symbol.setToolTip("the symbol along the bottom")
        self.y_symbol = QComboBox(self)
        self.y_symbol.setObjectName("mapY")
        self.y_symbol.setToolTip("the symbol up the side")
        for box in (self.x_symbol, self.y_symbol):
            box.activated.connect(self._symbols_chosen)
        row.addWidget(self.x_symbol)
        row.addWidget(QLabel("×", self))
        row.addWidget(self.y_symbol)
        row.addSpacing(8)
        row.addWidget(QLabel("colours:", self))
        self.variant_box = QComboBox(self)
        self.variant_box.setObjectName("mapVariant")
        self.variant_box.setToolTip("colour the map by what dies as traded, all cross or all isolated")
        for name in VARIANTS:
            self.variant_box.addItem(LABELS[name], name)
        self.variant_box.currentIndexChanged.connect(
            lambda i: self.set_variant(str(self.variant_box.itemData(i)))
        )
        row.addWidget(self.variant_box)
        row.addStretch(1)
        outer.addLayout(row)
        edges_row = QHBoxLayout()
        edges_row.addWidget(QLabel("edges:", self))
        self.contour_boxes: dict[str, QCheckBox] = {}
        for name in VARIANTS:
            check = QCheckBox(LABELS[name], self)
            check.setObjectName(f"mapContour_{name}")
            check.setToolTip(f"draw where a move starts to liquidate something {LABELS[name]}")
            check.setChecked(True)
            check.toggled.connect(self._draw_edges)
            check.toggled.connect(self._write_legend)
            self.contour_boxes[name] = check
            edges_row.addWidget(check)
        edges_row.addStretch(1)
        outer.addLayout(edges_row)

        # Prices with thousands separators on both axes, as on the price chart.
        self.plot = pg.PlotWidget(self, axisItems={"left": PriceAxis("left"), "bottom": PriceAxis("bottom")})
        self.plot.setObjectName("hedgeMapPlot")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        self.edge_curves: dict[str, pg.PlotCurveItem] = {}
        for name in VARIANTS:
            curve = pg.PlotCurveItem(connect="pairs")
            curve.setZValue(10)
            item.addItem(curve)
            self.edge_curves[name] = curve
        self.trail_curve = pg.PlotDataItem()
        self.trail_curve.setZValue(20)
        item.addItem(self.trail_curve)
        self.dot = pg.ScatterPlotItem(size=11)
        self.dot.setZValue(30)
        item.addItem(self.dot)
        outer.addWidget(self.plot, 1)
        self.hover = QLabel(self)
        self.hover.setObjectName("mapHover")
        self.hover.setWordWrap(True)
        outer.addWidget(self.hover)
        self.key = QLabel(self)
        self.key.setObjectName("mapLegend")
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        outer.addWidget(self.key)
        self._mouse = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)

        bridge.reset.connect(self._reset)
        bridge.jumped.connect(self._book_changed)
        bridge.submitted.connect(self._book_changed)
        bridge.positions_added.connect(self._book_changed)
        bridge.positions_removed.connect(self._book_changed)
        bridge.positions_changed.connect(self._positions_changed)
        bridge.events.connect(self._book_changed)  # a deposit, a liquidation: the wallets moved
        bridge.marks_changed.connect(self._marks_moved)
        self._restyle()
        theme.changed.connect(self._restyle)

    # ------------------------------------------------------------------ choosing
    def set_variant(self, name: str) -> None:
        if name in VARIANTS and name != self.variant:
            self.variant = name
            self.variant_box.setCurrentIndex(VARIANTS.index(name))
            self._draw_map()

    def set_symbols(self, x: str, y: str) -> None:
        """Map ``x`` along the bottom and ``y`` up the side (both must hold positions)."""
        self._choice = (x, y)
        self.refresh()

    def _symbols_chosen(self, *_: object) -> None:
        x, y = self.x_symbol.currentText(), self.y_symbol.currentText()
        if x == y:  # picking the other axis's symbol swaps the two
            previous = self._choice
            if previous is not None:
                x, y = (x, previous[0]) if self.sender() is self.x_symbol else (previous[1], y)
        self.set_symbols(x, y)

    # ------------------------------------------------------------------ updating
    def _reset(self) -> None:
        self._books = None
        self.refresh()

    def _book_changed(self, *_: object) -> None:
        self._books = None
        self._follow()

    def _positions_changed(self, changes: Mapping[str, frozenset[str]]) -> None:
        if any(fields & BOOK_FIELDS for fields in changes.values()):
            self._book_changed()

    def _marks_moved(self, symbols: frozenset[str]) -> None:
        if self.map is None or not self.on_screen():
            return
        self._follow_path()
        self._follow()  # other marks move a cross pool's boundary; these two move off the centre

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.came_on_screen()

    def came_on_screen(self) -> None:
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Compute the map of the moment on screen and draw it (if the panel is shown)."""
        if not self.on_screen():
            self._stale = True
            return
        self._stale = False
        twins = self.bridge.timeline.twins
        books = self.books()
        held = sorted({s for b in books.values() for s in b.symbols})
        pair = self._pair(books, held)
        self._fill_choices(held, pair)
        if pair is None:
            self.map = self.rgba = self.legend = None
            self.image.clear()
            for curve in self.edge_curves.values():
                curve.setData([], [])
            self.trail_curve.setData([], [])
            self.dot.setData([], [])
            self.key.setText("")
            self.hover.setText(
                "The hedge map needs positions on two symbols: open one on another symbol to see "
                "which joint moves liquidate what."
                if twins is not None
                else "This session was opened without twins."
            )
            return
        if self.map is None:
            self.hover.clear()  # it said why there was no map
        self.map = hedge_map(books, *pair)
        self._draw_map()
        self._draw_edges()
        self._draw_path()

    def books(self) -> dict[str, Book]:
        """The twins' books: made again when the book changed, else the last ones at the marks
        of now (a book's thresholds do not move with the marks; the other symbols' marks in
        the map do)."""
        twins = self.bridge.timeline.twins
        if twins is None:
            self._books = None
            return {}
        if self._books is None or self._books[0] is not self.bridge.timeline:
            self._books = (self.bridge.timeline, twin_books(twins))
            return dict(self._books[1])
        marks = dict(self.bridge.marks())
        moved: dict[int, Book] = {}  # twins that share an account share a book: keep it so
        return {name: moved.setdefault(id(b), replace(b, marks=marks)) for name, b in self._books[1].items()}

    def _pair(self, books, held: list[str]) -> tuple[str, str] | None:
        choice = self._choice
        if choice is not None and choice[0] in held and choice[1] in held and choice[0] != choice[1]:
            return choice
        pair = map_symbols(books) if books else None
        self._choice = pair
        return pair

    def _fill_choices(self, held: list[str], pair: tuple[str, str] | None) -> None:
        for box, pick in ((self.x_symbol, 0), (self.y_symbol, 1)):
            box.blockSignals(True)
            if [box.itemText(i) for i in range(box.count())] != held:
                box.clear()
                box.addItems(held)
            if pair is not None:
                box.setCurrentText(pair[pick])
            box.setEnabled(len(held) > 2)
            box.blockSignals(False)

    # ------------------------------------------------------------------ drawing
    def _draw_map(self) -> None:
        m = self.map
        if m is None:
            return
        vm = m.variants[self.variant]
        self.rgba, self.legend = picture(vm)
        self.image.setImage(self.rgba, autoLevels=False)
        dx = (m.xs[-1] - m.xs[0]) / (len(m.xs) - 1)
        dy = (m.ys[-1] - m.ys[0]) / (len(m.ys) - 1)
        self.image.setRect(QRectF(m.xs[0] - dx / 2, m.ys[0] - dy / 2, dx * len(m.xs), dy * len(m.ys)))
        item = self.plot.getPlotItem()
        item.setLabel("bottom", m.x_symbol)
        item.setLabel("left", m.y_symbol)
        item.setRange(
            xRange=(m.xs[0] - dx / 2, m.xs[-1] + dx / 2),
            yRange=(m.ys[0] - dy / 2, m.ys[-1] + dy / 2),
            padding=0,
        )
        self._write_legend()

    def _draw_edges(self, *_: object) -> None:
        m = self.map
        for name, curve in self.edge_curves.items():
            if m is None or not self.contour_boxes[name].isChecked():
                curve.setData([], [])
                continue
            x, y = edges(m.variants[name].any, m.xs, m.ys)
            curve.setData(x, y, connect="pairs")

    def _draw_path(self) -> None:
        m = self.map
        if m is None:
            return
        x, y = trail(self.bridge.price_history(m.x_symbol), self.bridge.price_history(m.y_symbol))
        self.trail_curve.setData(x, y)
        mx, my = self.bridge.mark(m.x_symbol), self.bridge.mark(m.y_symbol)
        if mx is not None and my is not None:
            self.dot.setData([float(mx)], [float(my)])

    def _write_legend(self, *_: object) -> None:
        legend = self.legend
        if legend is None:
            return
        parts = []
        for combo, (r, g, b, _a) in legend.colours.items():
            parts.append(f"<span style='color:rgb({r},{g},{b})'>■</span> {', '.join(sorted(combo))}")
        for n, (r, g, b, a) in legend.by_count.items():
            parts.append(f"<span style='color:rgba({r},{g},{b},{a})'>■</span> {n} liquidated")
        p = theme.palette
        where = (
            f"<span style='color:{p.text}'>●</span> the marks now, "
            f"<span style='color:{p.muted}'>—</span> the path so far; lines: "
            + ", ".join(
                f"<span style='color:{getattr(p, ROLES[v])}'>{LABELS[v]}</span>"
                for v in VARIANTS
                if self.contour_boxes[v].isChecked()
            )
        )
        dies = "&nbsp;&nbsp;".join(parts) if parts else "nothing dies anywhere on this grid"
        self.key.setText(f"<b>{LABELS[self.variant]}</b>: {dies}<br>{where}")

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The (row, column) of the grid cell under a point of the plot (None: off the grid)."""
        m = self.map
        if m is None:
            return None
        dx = (m.xs[-1] - m.xs[0]) / (len(m.xs) - 1)
        dy = (m.ys[-1] - m.ys[0]) / (len(m.ys) - 1)
        c = round((x - m.xs[0]) / dx)
        r = round((y - m.ys[0]) / dy)
        if 0 <= r < len(m.ys) and 0 <= c < len(m.xs):
            return r, c
        return None

    def describe(self, r: int, c: int) -> str:
        """What a person reads for a grid point: the two prices and what dies there."""
        m = self.map
        assert m is not None
        vm = m.variants[self.variant]
        dead = sorted(pid for pid, mask in vm.lots.items() if mask[r, c])
        tx = self.bridge.instrument(m.x_symbol).tick_size
        ty = self.bridge.instrument(m.y_symbol).tick_size
        xs = text.price(Decimal(repr(float(m.xs[c]))).quantize(tx), tx)
        ys = text.price(Decimal(repr(float(m.ys[r]))).quantize(ty), ty)
        what = f"{', '.join(dead)} liquidated" if dead else "nothing liquidated"
        return f"{m.x_symbol} {xs}, {m.y_symbol} {ys}: {what} ({LABELS[self.variant]})"

    def _mouse_moved(self, args: tuple) -> None:
        if self.map is None:
            return
        vb = self.plot.getPlotItem().getViewBox()
        point = vb.mapSceneToView(args[0])
        cell = self.cell_at(point.x(), point.y())
        self.hover.setText(self.describe(*cell) if cell is not None else "")

    def _restyle(self, *_: object) -> None:
        p = theme.palette
        self.plot.setBackground(p.bg)
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(p.grid))
            axis.setTextPen(pg.mkPen(p.muted))
        for name, curve in self.edge_curves.items():
            curve.setPen(pg.mkPen(getattr(p, ROLES[name]), width=2))
        self.trail_curve.setPen(pg.mkPen(p.muted, width=1))
        self.dot.setBrush(pg.mkBrush(p.text))
        self.dot.setPen(pg.mkPen(p.bg, width=1.5))
        self._write_legend()
