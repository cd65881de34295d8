"""The prediction marker: a dashed line on the price chart the person drags to where they think a
position dies, and, once the lesson reveals it, a second line at the engine's answer.

The marker is a price on the chart's own axis (the plot's coordinates are prices); the guess is
written on the instrument's tick like every price on screen. Showing it stops the chart from
following (so the line stays where it is dragged) and opens the view to ±``SPAN`` around the
mark, so a guess far from the price can be reached without panning.
"""

from __future__ import annotations

from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor

from ...engine import text
from ..charts.price_chart import PriceChart
from ..theme import theme

SPAN = 0.20


class PredictionMarker(QObject):
    moved = Signal(float)

    def __init__(self, chart: PriceChart, parent: QObject | None = None):
        super().__init__(parent)
        self.chart = chart
        self.tick = Decimal("0.01")
        self.line = pg.InfiniteLine(angle=0, movable=True)
        self.line.setObjectName("predictionMarker")
        self.line.setZValue(120)
        self.label = pg.InfLineLabel(self.line, text="", position=0.12, anchors=[(0, 1), (0, 1)])
        self.answer = pg.InfiniteLine(angle=0, movable=False)
        self.answer.setZValue(121)
        self.answer_label = pg.InfLineLabel(self.answer, text="", position=0.40, anchors=[(0, 0), (0, 0)])
        item = chart.plot.getPlotItem()
        item.addItem(self.line, ignoreBounds=True)
        item.addItem(self.answer, ignoreBounds=True)
        self.line.sigPositionChanged.connect(self._moved)
        self._restyle()
        theme.changed.connect(self._restyle)
        self.hide()

    @property
    def value(self) -> float:
        return float(self.line.value())

    def guess(self) -> Decimal:
        """The dragged price, on the instrument's tick."""
        return (Decimal(repr(self.value)) / self.tick).to_integral_value() * self.tick

    def show_at(self, symbol: str, value: float, mark: float, tick: Decimal) -> None:
        """The marker on ``symbol``'s chart at ``value``, the view opened around the mark."""
        self.tick = tick
        self.chart.set_symbol(symbol)
        if self.chart.following:
            self.chart.follow_button.click()  # as a person would: the line stays where dragged
        view = self.chart.view_box
        view.setYRange(mark * (1 - SPAN), mark * (1 + SPAN), padding=0)
        self.answer.hide()
        self.line.setMovable(True)
        self.line.show()
        self.line.setValue(value)
        self._moved()

    def lock(self) -> None:
        """The guess is in: the marker stays, it no longer moves."""
        self.line.setMovable(False)
        self._moved()

    def show_answer(self, value: Decimal | None, shown: str) -> None:
        """The engine's answer beside the guess (no line for an answer with no price)."""
        if value is None:
            self.answer.hide()
            return
        self.answer.show()  # first: a hidden line's label does not follow its value
        self.answer_label.setFormat(f"engine: {shown}")
        self.answer.setValue(float(value))

    def hide(self) -> None:
        self.line.hide()
        self.answer.hide()

    def _moved(self, *_: object) -> None:
        hint = "  (drag me)" if self.line.movable else ""
        self.label.setFormat(f"your guess: {text.price(self.guess(), self.tick)}{hint}")
        self.moved.emit(self.value)

    def _restyle(self, *_: object) -> None:
        p = theme.palette
        self.line.setPen(pg.mkPen(p.warn, width=2, style=Qt.PenStyle.DashLine))
        self.line.setHoverPen(pg.mkPen(p.warn, width=4, style=Qt.PenStyle.DashLine))
        self.label.setColor(p.warn)
        self.label.fill = pg.mkBrush(_veil(p.bg))
        self.answer.setPen(pg.mkPen(p.up, width=2.5))
        self.answer_label.setColor(p.up)
        self.answer_label.fill = pg.mkBrush(_veil(p.bg))


def _veil(hex_: str) -> QColor:
    """The background, mostly opaque: a label stays readable over candles."""
    colour = QColor(hex_)
    colour.setAlpha(215)
    return colour
