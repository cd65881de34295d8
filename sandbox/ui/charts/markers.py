"""Where liquidations happened on the price chart: a ✕ at the price and time, its sentence as the
tooltip, and a label naming the positions for the latest few (drawn by the chart's ``LevelsItem``,
which keeps every label clear of the others, inside the plot and out from under the notices)."""

from __future__ import annotations

import pyqtgraph as pg

from ...engine import Liquidated
from ..theme import theme
from .levels import LevelsItem

MAX_LABELS = 12  # liquidation markers beyond this (on one symbol) keep only their ✕ and tooltip


class LiquidationMarkers:
    def __init__(self, plot_item: pg.PlotItem, levels: LevelsItem):
        self.plot_item = plot_item
        self.levels = levels
        self.scatter = pg.ScatterPlotItem(
            symbol="x", size=18, hoverable=True, tip=lambda x, y, data: data or "liquidation"
        )
        self.scatter.setZValue(60)
        plot_item.addItem(self.scatter)
        self._key: tuple | None = None
        self.restyle()

    @property
    def labels(self) -> list[tuple[float, float, str]]:
        """(time s, price, text) of the labelled markers."""
        return self.levels.marker_labels

    def restyle(self) -> None:
        palette = theme.palette
        self.scatter.setPen(pg.mkPen(palette.bg, width=1))
        self.scatter.setBrush(pg.mkBrush(palette.liq_mark))

    def forget(self) -> None:
        """Draw again at the next ``show`` even if the liquidations look the same."""
        self._key = None

    def show(self, symbol: str | None, liquidations: list[Liquidated], describe) -> None:
        """Mark ``symbol``'s liquidations (``describe(event)`` gives each one's sentence)."""
        key = (symbol, len(liquidations), liquidations[-1].t if liquidations else None)
        if key == self._key:
            return
        self._key = key
        mine = [e for e in liquidations if e.symbol == symbol]
        self.scatter.setData([{"pos": (e.t / 1000.0, float(e.price)), "data": describe(e)} for e in mine])
        labels = []
        for e in mine[-MAX_LABELS:]:
            what = ", ".join(e.positions) if len(e.positions) <= 2 else f"{len(e.positions)} positions"
            labels.append((e.t / 1000.0, float(e.price), f"liquidated {what} ({e.mode})"))
        self.levels.set_marker_labels(labels)
