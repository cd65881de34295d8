"""The crosshair: dashed lines under the mouse with the price and time they point at."""

from __future__ import annotations

from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from .. import format as fmt
from ..theme import theme


class Crosshair:
    """Three items in ``plot_item``: a vertical and a horizontal line and their label."""

    def __init__(self, plot_item: pg.PlotItem):
        self.view_box = plot_item.getViewBox()
        self.v = pg.InfiniteLine(angle=90, movable=False)
        self.h = pg.InfiniteLine(angle=0, movable=False)
        self.label = pg.TextItem("", anchor=(0, 1))
        for item in self.items:
            plot_item.addItem(item, ignoreBounds=True)
            item.hide()
        self.restyle()

    @property
    def items(self) -> tuple:
        return (self.v, self.h, self.label)

    def restyle(self) -> None:
        palette = theme.palette
        pen = pg.mkPen(palette.muted, width=1, style=Qt.PenStyle.DashLine)
        self.v.setPen(pen)
        self.h.setPen(pen)
        panel = QColor(palette.panel)
        panel.setAlpha(235)
        self.label.fill = pg.mkBrush(panel)
        self.label.border = pg.mkPen(palette.muted)
        self.label.setColor(palette.text)

    def show_at(self, scene_pos: QPointF, tick: Decimal) -> None:
        """Point at the chart's price and time under ``scene_pos`` (hidden outside the plot)."""
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            self.hide()
            return
        pt = self.view_box.mapSceneToView(scene_pos)
        self.v.setPos(pt.x())
        self.h.setPos(pt.y())
        self.label.setText(f"{fmt.price_or_dash(pt.y(), tick)}\n{fmt.clock(pt.x(), with_ms=True)}")
        self.label.setPos(pt)
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        self.label.setAnchor((1 if pt.x() > (x0 + x1) / 2 else 0, 0 if pt.y() > (y0 + y1) / 2 else 1))
        for item in self.items:
            item.show()

    def hide(self) -> None:
        for item in self.items:
            item.hide()

    @property
    def visible(self) -> bool:
        return self.label.isVisible()
