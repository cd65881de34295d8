"""Funding on the account chart: what the account has paid (or received) at each 8-hourly
settlement, as a cumulative line on its own axis (left) or as markers on the total wallet where
each settlement took it, switchable (or off).

The amounts are the engine's ``FundingSettled.payments`` (paid positive, received negative),
summed per settlement over every position; the layer keeps them as the events arrive and reads
them again from the timeline after a jump (a seek, a step back, another file).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from ...engine import Event, FundingSettled
from .. import format as fmt
from ..bridge import SessionBridge
from ..theme import theme

if TYPE_CHECKING:
    from .account_chart import AccountChart

MODES = ("line", "markers", "off")
MODE_NAMES = {"line": "Funding: line", "markers": "Funding: markers", "off": "Funding: off"}


class FundingLayer(QObject):
    """``switch`` chooses the look; ``total`` says what was paid so far."""

    def __init__(self, bridge: SessionBridge, chart: AccountChart, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.chart = chart
        self.mode = "line"
        self.times: list[float] = []  # settlement times, s
        self.amounts: list[Decimal] = []  # paid at each (all positions), USDT
        self.sentences: list[str] = []
        item = chart.plot.getPlotItem()
        self.item = item
        self.view = pg.ViewBox(enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        item.scene().addItem(self.view)
        axis = item.getAxis("left")
        axis.linkToView(self.view)
        axis.setWidth(62)
        axis.setLabel("funding paid")
        self.view.setXLink(item.getViewBox())
        item.getViewBox().sigResized.connect(self._place)
        self.curve = pg.PlotCurveItem()
        self.view.addItem(self.curve)
        self.markers = pg.ScatterPlotItem(size=11, hoverable=True, tip=lambda x, y, data: data or "funding")
        self.markers.setZValue(40)
        item.addItem(self.markers, ignoreBounds=True)
        self.switch = QComboBox(parent)
        self.switch.setObjectName("fundingMode")
        self.switch.addItems([MODE_NAMES[m] for m in MODES])
        self.switch.setToolTip(
            "funding paid at each 8-hourly settlement: a cumulative line on the left axis, or markers "
            "on the total wallet (hover one for its sentence)"
        )
        self.switch.currentIndexChanged.connect(lambda i: self.set_mode(MODES[i]))
        self.total = QLabel(parent)
        self.total.setObjectName("fundingTotal")
        self.total.setTextFormat(Qt.TextFormat.RichText)
        bridge.events.connect(self._on_events)
        bridge.reset.connect(self.reload)
        bridge.jumped.connect(self.reload)
        bridge.ticked.connect(self._extend)
        theme.changed.connect(self._restyle)
        self._restyle()
        self.reload()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        self.times, self.amounts, self.sentences = [], [], []
        self._add([e for _, e in self.bridge.timeline.events if isinstance(e, FundingSettled)])

    def _on_events(self, events: list[Event]) -> None:
        settled = [e for e in events if isinstance(e, FundingSettled)]
        if settled:
            self._add(settled)

    def _add(self, settled: list[FundingSettled]) -> None:
        for e in settled:
            if not e.payments:
                continue
            self.times.append(e.t / 1000.0)
            self.amounts.append(sum((pay.amount for pay in e.payments), Decimal(0)))
            self.sentences.append(self.bridge.describe(e))
        self._draw()

    def paid(self) -> Decimal:
        """Everything paid so far (negative: received), USDT."""
        return sum(self.amounts, Decimal(0))

    # ------------------------------------------------------------------ drawing
    def set_mode(self, mode: str) -> None:
        if mode in MODES and mode != self.mode:
            self.mode = mode
            if self.switch.currentIndex() != MODES.index(mode):
                self.switch.setCurrentIndex(MODES.index(mode))
            self._draw()

    def _draw(self) -> None:
        shown = bool(self.times) and self.mode == "line"
        if shown:
            self.item.showAxis("left")
        else:
            self.item.hideAxis("left")
        self.curve.setVisible(shown)
        self._extend()
        self._mark()
        paid = self.paid()
        colour = theme.palette.down if paid > 0 else theme.palette.up
        word = "paid" if paid >= 0 else "received"
        self.total.setText(
            f'<span style="color:{theme.palette.muted}">funding {word}</span> '
            f'<b style="color:{colour if paid else theme.palette.text}">{fmt.money(abs(paid))}</b>'
            if self.times
            else ""
        )

    def _extend(self) -> None:
        """The cumulative line as steps, drawn on to the time on screen."""
        if not self.times or self.mode != "line":
            return
        steps = np.cumsum([float(a) for a in self.amounts])
        now = max(self.bridge.now() / 1000.0, self.times[-1])
        x = np.repeat(np.array([*self.times, now]), 2)[1:-1]
        y = np.repeat(steps, 2)
        x = np.concatenate(([self.times[0]], x))
        y = np.concatenate(([0.0], y))
        self.curve.setData(x, y)
        lo, hi = float(min(0.0, y.min())), float(max(0.0, y.max()))
        pad = (hi - lo) * 0.1 or 1.0
        self.view.setYRange(lo - pad, hi + pad, padding=0)

    def _mark(self) -> None:
        """A marker per settlement on the total wallet at that moment (only in "markers")."""
        if self.mode != "markers" or not self.times:
            self.markers.setData([])
            return
        buf = self.chart.buf
        if not len(buf):
            self.markers.setData([])
            return
        x, wallet = buf.col(0), buf.col(1)
        spots = []
        for t, amount, sentence in zip(self.times, self.amounts, self.sentences):
            i = max(int(np.searchsorted(x, t, side="right")) - 1, 0)
            paid = amount > 0
            spots.append(
                {
                    "pos": (t, float(wallet[i])),
                    "data": sentence,
                    "symbol": "t" if paid else "t1",
                    "brush": pg.mkBrush(theme.palette.down if paid else theme.palette.up),
                }
            )
        self.markers.setData(spots)

    def _place(self) -> None:
        self.view.setGeometry(self.item.getViewBox().sceneBoundingRect())
        self.view.linkedViewChanged(self.item.getViewBox(), self.view.XAxis)

    def _restyle(self, *_: object) -> None:
        axis = self.item.getAxis("left")
        axis.setPen(pg.mkPen(theme.palette.grid))
        axis.setTextPen(pg.mkPen(theme.palette.muted))
        self.curve.setPen(pg.mkPen(theme.palette.warn, width=1.5))
        self.markers.setPen(pg.mkPen(theme.palette.bg, width=1))
        self._draw()
