"""The twins' equity on the account chart: all cross and all isolated as two lines beside the
account's own equity (which *is* the as-traded twin's), switchable.

The points are the timeline's (``twin_history``, sampled at the moments of the account chart's
own history), kept in a ``GrowBuffer`` that appends what each frame adds. The chart scales its
y axis to include them while they are shown (``AccountChart.extra_ranges``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt

from ..bridge import SessionBridge
from ..theme import theme
from .account_chart import AccountChart
from .buffers import GrowBuffer

LINES = ((2, "all_cross", "cross"), (3, "all_isolated", "isolated"))  # column, variant, palette role


class TwinLines(QObject):
    """A QObject owned by the chart, so its connections (the theme's, the bridge's) end with it."""

    def __init__(self, chart: AccountChart, bridge: SessionBridge):
        super().__init__(chart)
        self.chart = chart
        self.bridge = bridge
        self.buf = GrowBuffer(4)
        self.shown = True
        item = chart.plot.getPlotItem()
        self.curves: dict[str, pg.PlotDataItem] = {}
        for _col, variant, _role in LINES:
            curve = item.plot(skipFiniteCheck=True, name=variant)
            curve.setZValue(-5)  # under the account's own lines
            self.curves[variant] = curve
        self._restyle()
        theme.changed.connect(self._restyle)
        # Before the chart's own refresh fits its y axis, so the fit sees this frame's points.
        chart.extra_ranges.append(self.y_range)
        bridge.reset.connect(self.reload)
        bridge.ticked.connect(self.refresh)
        self.reload()

    def set_shown(self, on: bool) -> None:
        self.shown = on
        for curve in self.curves.values():
            curve.setVisible(on)
        if on:
            self.reload()
        self.chart.refresh_range()

    def reload(self) -> None:
        self.buf.clear()
        for curve in self.curves.values():
            curve.setData([], [])
        self.refresh()

    def sync(self) -> bool:
        """Take the points the timeline added; True when there are new ones to draw."""
        t, *equities = self.bridge.timeline.twin_history()
        return self.buf.sync(t, *equities) != "same"

    def refresh(self) -> None:
        if not self.shown:
            return
        if self.sync():
            x = self.buf.col(0)
            for col, variant, _role in LINES:
                self.curves[variant].setData(x, self.buf.col(col))

    def y_range(self, x0: float, x1: float) -> tuple[float, float] | None:
        """The lowest and highest twin equity between x0 and x1 (seconds), while shown."""
        if not self.shown:
            return None
        self.refresh()
        buf = self.buf
        if not buf.n:
            return None
        x = buf.col(0)
        i0 = max(int(np.searchsorted(x, x0)) - 1, 0)
        i1 = max(int(np.searchsorted(x, x1, side="right")), i0 + 1)
        if i0 >= buf.n:
            return None
        values = [buf.col(col)[i0:i1] for col, *_ in LINES]
        return min(float(v.min()) for v in values), max(float(v.max()) for v in values)

    def _restyle(self, *_: object) -> None:
        for _col, variant, role in LINES:
            self.curves[variant].setPen(
                pg.mkPen(getattr(theme.palette, role), width=1.2, style=Qt.PenStyle.DotLine)
            )
