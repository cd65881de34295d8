"""The account over time: total wallet, cross margin balance, its maintenance margin, equity.

Shapes to look for: a cross wipe-out is the cross margin balance falling onto the maintenance line
and the wallet dropping with it; an isolated liquidation is a capped step down of the total wallet
(exactly that position's margin) while the cross balance carries on.

The x axis is linked to the price chart, so both show the same moment.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import format as fmt
from ..bridge import SessionBridge
from ..theme import theme
from .axes import make_plot, paint_plot
from .buffers import GrowBuffer
from .funding import FundingLayer

SERIES = (  # column in account_history, label, palette role, the AccountView field it plots
    (1, "Total wallet", "wallet", "total_wallet"),
    (2, "Cross margin balance", "cross", "cross_margin_balance"),
    (3, "Cross maintenance margin", "maint", "cross_maintenance_margin"),
    (4, "Equity", "equity", "equity"),
)
LEGEND_FIELDS = frozenset(field for *_, field in SERIES)


class AccountChart(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.buf = GrowBuffer(5)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.legend = QLabel(self)
        self.legend.setObjectName("accountLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.plot = make_plot(self)
        self.plot.setObjectName("accountChart")
        layout.addWidget(self.plot, 1)
        item = self.plot.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.view_box = item.getViewBox()
        self.curves = {}
        for col, name, *_ in SERIES:
            curve = item.plot(skipFiniteCheck=True, name=name)
            if col == 3:
                curve.setFillLevel(0)
            self.curves[col] = curve
        self.funding = FundingLayer(bridge, self, self)  # funding paid: a line or markers
        top = QHBoxLayout()
        top.addWidget(self.legend, 1)
        top.addWidget(self.funding.total)
        top.addWidget(self.funding.switch)
        layout.insertLayout(0, top)
        self._restyle()
        theme.changed.connect(self._restyle)
        self.view_box.sigXRangeChanged.connect(self._fit_y)
        bridge.ticked.connect(self.refresh)
        bridge.account_changed.connect(self._account_changed)
        bridge.reset.connect(self.reload)
        self.reload()

    def _restyle(self, *_: object) -> None:
        paint_plot(self.plot)
        for col, _name, role, _field in SERIES:
            style = Qt.PenStyle.DashLine if col == 4 else Qt.PenStyle.SolidLine
            self.curves[col].setPen(
                pg.mkPen(getattr(theme.palette, role), width=1.5 if col in (1, 2) else 1, style=style)
            )
            if col == 3:
                fill = pg.mkColor(theme.palette.maint)
                fill.setAlpha(40)
                self.curves[col].setBrush(pg.mkBrush(fill))
        self._update_legend()

    def link_x(self, other: pg.PlotWidget) -> None:
        self.plot.getPlotItem().setXLink(other.getPlotItem())

    def reload(self) -> None:
        """Another timeline: take the history afresh."""
        self.buf.clear()
        self.refresh()
        self._update_legend()

    def refresh(self) -> None:
        if self.buf.sync(*self.bridge.account_history()) != "same":
            x = self.buf.col(0)
            for col, curve in self.curves.items():
                curve.setData(x, self.buf.col(col))
            self._fit_y()

    def _fit_y(self, *_: object) -> None:
        """Scale to the money in view (wallet, balance, equity), so a capped isolated loss is a
        clear step; the maintenance margin joins the scale once the balance comes near it (a
        cross wipe-out is the balance meeting that line)."""
        buf = self.buf
        if not len(buf):
            return
        (x0, x1), _ = self.view_box.viewRange()
        x = buf.col(0)
        i0 = max(int(np.searchsorted(x, x0)) - 1, 0)
        i1 = max(int(np.searchsorted(x, x1, side="right")), i0 + 1)
        if i0 >= len(buf):
            return
        money = [buf.col(col)[i0:i1] for col in (1, 2, 4)]
        lo = min(float(seg.min()) for seg in money)
        hi = max(float(seg.max()) for seg in money)
        maint = buf.col(3)[i0:i1]
        mm_lo, mm_hi = float(maint.min()), float(maint.max())
        if mm_hi >= lo - max(hi - lo, abs(hi) * 0.05):
            lo, hi = min(lo, mm_lo), max(hi, mm_hi)
        span = hi - lo
        pad = span * 0.08 if span > 0 else max(abs(hi) * 0.02, 1.0)
        self.view_box.setYRange(lo - pad, hi + pad, padding=0, update=True)
        self.view_box.updateMatrix()  # now rather than inside paintEvent (see PriceChart._set_range)

    def _account_changed(self, fields: frozenset[str]) -> None:
        if fields & LEGEND_FIELDS:
            self._update_legend()

    def _update_legend(self) -> None:
        v = self.bridge.view()
        palette = theme.palette
        parts = [
            f'<span style="color:{getattr(palette, role)}">■</span> {name} <b>{fmt.money(getattr(v, field))}</b>'
            for _, name, role, field in SERIES
        ]
        self.legend.setText(
            f'<span style="color:{palette.muted}">USDT</span>&nbsp;&nbsp;' + "&nbsp;&nbsp;&nbsp;".join(parts)
        )
