"""What both charts share: the time and price axes, a cheap grid, and a themed plot."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter

from .. import format as fmt
from ..theme import theme


def _major(levels) -> list[float]:
    """The coarsest tick level that has at least two ticks in view (the grid's lines)."""
    for _, values in levels or ():
        if len(values) >= 2:
            return list(values)
    return list(levels[-1][1]) if levels else []


class TimeAxis(pg.DateAxisItem):
    """Dates for market data, ``h:mm:ss`` for session time that starts at zero."""

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation=orientation, utcOffset=0, **kwargs)
        self.major: list[float] = []

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        self.major = _major(levels)
        return levels

    def tickStrings(self, values, scale, spacing):
        if values and max(abs(v) for v in values) < fmt.EPOCH_THRESHOLD_S:
            if spacing >= 60:
                return [fmt.elapsed(v)[:-3] for v in values]
            if spacing >= 1:
                return [fmt.elapsed(v) for v in values]
            return [fmt.elapsed(v, with_ms=True) for v in values]
        return super().tickStrings(values, scale, spacing)


class PriceAxis(pg.AxisItem):
    """Prices with thousands separators and no SI prefix (64,000 not 64k), and an optional tag
    (the latest price, like an exchange's chart) drawn on the axis itself."""

    def __init__(self, orientation: str = "right", **kwargs):
        super().__init__(orientation=orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self.major: list[float] = []
        self.tag: tuple[float, str, str] | None = None  # value, text, background colour

    def set_tag(self, tag: tuple[float, str, str] | None) -> None:
        if tag != self.tag:
            self.tag = tag
            self.update()

    def paint(self, p: QPainter, opt, widget) -> None:
        super().paint(p, opt, widget)
        view = self.linkedView()
        if self.tag is None or view is None:
            return
        value, text, colour = self.tag
        (_, _), (y0, y1) = view.viewRange()
        if not y0 <= value <= y1:
            return
        y = self.mapFromScene(view.mapViewToScene(QPointF(0, value))).y()
        h = p.fontMetrics().height() + 4
        rect = QRectF(0, y - h / 2, self.width(), h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(pg.mkBrush(colour))
        p.drawRect(rect)
        p.setPen(pg.mkPen(theme.palette.bg))
        p.drawText(rect.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        self.major = _major(levels)
        return levels

    def tickStrings(self, values, scale, spacing):
        places = max(0, -math.floor(math.log10(spacing))) if spacing > 0 else 0
        return [f"{v * scale:,.{places}f}" for v in values]


class GridItem(pg.GraphicsObject):
    """Faint lines at the axes' major ticks. pyqtgraph's own grid (``showGrid``) costs 15–20 ms per
    repaint of a 1100×500 plot on the raster engine; this one draws ~20 solid lines."""

    def __init__(self, plot_item: pg.PlotItem):
        super().__init__()
        self.plot_item = plot_item
        self.setZValue(-100)

    def boundingRect(self) -> QRectF:
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else QRectF()

    def viewRangeChanged(self) -> None:  # pyqtgraph calls it when the view moves
        self.prepareGeometryChange()

    def paint(self, p: QPainter, *args) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        rect = vb.viewRect()
        pen = pg.mkPen(theme.palette.grid, width=1)
        pen.setCosmetic(True)
        p.setPen(pen)
        # The ticks each axis drew last (asking a DateAxisItem outside its own paint crashes:
        # it keeps the font metrics of a finished painter).
        lines = [
            QLineF(v, rect.top(), v, rect.bottom())
            for v in getattr(self.plot_item.getAxis("bottom"), "major", ())
        ]
        lines += [
            QLineF(rect.left(), v, rect.right(), v)
            for v in getattr(self.plot_item.getAxis("right"), "major", ())
        ]
        if lines:
            p.drawLines(lines)


def make_plot(parent=None) -> pg.PlotWidget:
    """A plot over time with prices (or money) on the right, themed, ranges set by its owner."""
    w = pg.PlotWidget(parent=parent, axisItems={"bottom": TimeAxis(), "right": PriceAxis()})
    # The plot paints every pixel of its viewport: tell Qt, so nothing beneath it is repainted.
    w.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    item = w.getPlotItem()
    item.hideButtons()
    item.setMenuEnabled(False)
    item.addItem(GridItem(item), ignoreBounds=True)
    item.showAxis("right")
    item.hideAxis("left")
    item.getAxis("right").setWidth(78)
    item.disableAutoRange()
    paint_plot(w)
    return w


def paint_plot(w: pg.PlotWidget) -> None:
    """Apply the current theme to a plot's background and axes."""
    w.setBackground(theme.palette.bg)
    item = w.getPlotItem()
    for name in ("bottom", "right"):
        ax = item.getAxis(name)
        ax.setPen(pg.mkPen(theme.palette.grid))
        ax.setTextPen(pg.mkPen(theme.palette.muted))
