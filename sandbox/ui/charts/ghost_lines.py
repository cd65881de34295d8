"""Ghost lines: for each position on the price chart's symbol, a faint line where the same lot
would be liquidated in the other margin mode ("p1 if cross: 40,190.70"), switchable.

The price is the twin's (``twins.other_mode_liquidation_price``: the all-cross twin's for an
isolated lot, the all-isolated twin's for a cross one), placed and written by the one display
rule every screen uses (``text.liquidation_at_tick`` / ``text.liquidation``). A lot the other
twin no longer holds (liquidated there already) gets no line; one out of reach gets none either
(its label would say "none within reach" at no height).

It is worked out when the book changes (positions come, go or change; another symbol; a jump)
and, as other marks move a cross pool's price, at most ``EVERY_MS`` apart, never every frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from ...engine import text
from ...session.twins import other_mode_liquidation_price
from .. import format as fmt
from ..bridge import SessionBridge
from ..theme import theme
from .price_chart import PriceChart

EVERY_MS = 250
ALPHA = 150
LABEL_AT = 0.52  # where along the width the labels sit, under their line (between the position labels)
# Position fields whose change moves a twin's liquidation price: the lot itself, not its mark.
BOOK_FIELDS = frozenset({"qty", "mode", "leverage", "isolated_wallet", "entry_price", "liquidation_price"})


@dataclass(frozen=True, slots=True)
class Ghost:
    position: str
    mode: str  # the other mode: "cross" or "isolated"
    value: float  # where the line goes (the first tick at which it fires)
    text: str  # "p1 if cross: 40,190.70"


def ghosts_of(bridge: SessionBridge, symbol: str | None) -> list[Ghost]:
    """The ghost lines of ``symbol``'s open positions at the moment on screen."""
    twins = bridge.timeline.twins
    if symbol is None or twins is None:
        return []
    tick = bridge.instrument(symbol).tick_size
    out = []
    for p in bridge.positions(symbol):
        other = other_mode_liquidation_price(twins, p.id)
        if other is None:
            continue
        mode, value = other
        if not fmt.within_reach(value, p.mark_price, tick):
            continue
        at = text.liquidation_at_tick(value, p.mark_price, tick)
        assert at is not None  # within reach
        shown = text.liquidation(value, p.mark_price, tick)
        out.append(Ghost(p.id, mode, float(at), f"{p.id} if {mode}: {shown}"))
    return out


class GhostLinesItem(pg.GraphicsObject):
    """Every ghost line of the shown symbol in one item, painted once per frame."""

    def __init__(self) -> None:
        super().__init__()
        self.ghosts: list[Ghost] = []
        self.setZValue(40)  # under the position lines (50)
        self._font = QFont()
        self._font.setPointSizeF(8.0)

    def set_ghosts(self, ghosts: list[Ghost]) -> None:
        if ghosts != self.ghosts:
            self.ghosts = ghosts
            self.update()

    def boundingRect(self) -> QRectF:
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else QRectF()

    def viewRangeChanged(self) -> None:  # pyqtgraph calls it when the view moves
        self.prepareGeometryChange()

    def _colour(self, mode: str) -> QColor:
        c = QColor(theme.colour("cross" if mode == "cross" else "isolated"))
        c.setAlpha(ALPHA)
        return c

    def paint(self, p: QPainter, *args) -> None:
        vb = self.getViewBox()
        if vb is None or not self.ghosts:
            return
        rect = vb.viewRect()
        inside = [g for g in self.ghosts if rect.top() <= g.value <= rect.bottom()]
        for mode in ("cross", "isolated"):
            lines = [QLineF(rect.left(), g.value, rect.right(), g.value) for g in inside if g.mode == mode]
            if not lines:
                continue
            pen = QPen(self._colour(mode))
            pen.setCosmetic(True)
            pen.setWidthF(1.0)
            pen.setStyle(Qt.PenStyle.DotLine)
            p.setPen(pen)
            p.drawLines(lines)
        to_px = p.transform()
        px = vb.boundingRect()
        p.save()
        p.resetTransform()
        p.setFont(self._font)
        x = px.left() + LABEL_AT * px.width()
        for g in inside:
            y = to_px.map(QPointF(rect.left(), g.value)).y()
            p.setPen(self._colour(g.mode))
            p.drawText(QPointF(x, y + 12), g.text)
        # Out of view: a tag at the top or bottom edge, where the labels sit (the right edge holds
        # the tags of the positions' own liquidation prices).
        row = 14.0
        above = sorted((g for g in self.ghosts if g.value > rect.bottom()), key=lambda g: g.value)
        below = sorted((g for g in self.ghosts if g.value < rect.top()), key=lambda g: -g.value)
        for j, g in enumerate(above[:3]):
            p.setPen(self._colour(g.mode))
            p.drawText(QPointF(x, px.top() + 14 + j * row), f"▲ {g.text}")
        for j, g in enumerate(below[:3]):
            p.setPen(self._colour(g.mode))
            p.drawText(QPointF(x, px.bottom() - 6 - j * row), f"▼ {g.text}")
        p.restore()

    def edge_tags(self) -> list[str]:
        """The tags shown for ghost lines above or below the view."""
        vb = self.getViewBox()
        if vb is None:
            return []
        rect = vb.viewRect()
        return [f"▲ {g.text}" for g in self.ghosts if g.value > rect.bottom()] + [
            f"▼ {g.text}" for g in self.ghosts if g.value < rect.top()
        ]


class GhostLines(QObject):
    """Keeps the price chart's ghost lines up to date (see the module's docstring); owned by the
    chart, so its connections end with it."""

    def __init__(self, chart: PriceChart, bridge: SessionBridge):
        super().__init__(chart)
        self.chart = chart
        self.bridge = bridge
        self.shown = True
        self.item = GhostLinesItem()
        chart.plot.getPlotItem().addItem(self.item, ignoreBounds=True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(EVERY_MS)
        self._timer.timeout.connect(self.update_now)
        chart.symbol_changed.connect(self.update_now)
        bridge.reset.connect(self.update_now)
        bridge.jumped.connect(self.update_now)
        bridge.submitted.connect(self.update_now)
        bridge.positions_added.connect(self._came_or_went)
        bridge.positions_removed.connect(self._came_or_went)
        bridge.positions_changed.connect(self._changed)
        bridge.marks_changed.connect(self._marks_moved)
        self.update_now()

    def set_shown(self, on: bool) -> None:
        self.shown = on
        self.item.setVisible(on)
        self.update_now()

    def update_now(self, *_: object) -> None:
        self._timer.stop()
        self.item.set_ghosts(ghosts_of(self.bridge, self.chart.symbol) if self.shown else [])

    def _soon(self) -> None:
        if self.shown and not self._timer.isActive():
            self._timer.start()

    def _came_or_went(self, ids: Iterable[str]) -> None:
        self.update_now()

    def _changed(self, changes: Mapping[str, frozenset[str]]) -> None:
        if any(fields & BOOK_FIELDS for fields in changes.values()):
            self._soon()

    def _marks_moved(self, symbols: frozenset[str]) -> None:
        self._soon()
