"""The same open positions under every exchange profile: where each would be liquidated on Binance,
Bybit, OKX and Hyperliquid right now. The engine recomputes the account under each profile
(``Account.under``); the panel only lays the numbers side by side."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ..profiles import available_profiles, load_profile, profile_info
from . import chart_common as cc
from .bridge import SessionBridge
from .positions_model import shown_liquidation_price

REFRESH_EVERY_S = 0.5  # four accounts rebuilt per refresh: twice a second is plenty


class ComparePanel(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("comparePanel")
        self.bridge = bridge
        self.profiles = available_profiles()
        self.table = QTableWidget(0, len(self.profiles), self)
        self.table.setHorizontalHeaderLabels(self.profiles)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        for col, name in enumerate(self.profiles):
            info = profile_info(name)
            self.table.horizontalHeaderItem(col).setToolTip(f"{info.title}\n{info.notes}")
        note = QLabel(
            "Liquidation price of each open position under each exchange's rules, same wallets and marks",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {cc.MUTED}; font-size: 8pt;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(note)
        layout.addWidget(self.table)
        self._last = float("-inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(REFRESH_EVERY_S * 1000))
        self._timer.timeout.connect(self.refresh)
        bridge.changed.connect(self._on_changed)
        self.refresh()

    def _on_changed(self) -> None:
        if not self.isVisible():
            return
        if time.monotonic() - self._last >= REFRESH_EVERY_S:
            self.refresh()
        elif not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        self._last = time.monotonic()
        account = self.bridge.account
        views = {
            name: {p.id: p for p in account.under(load_profile(name)).view().positions}
            for name in self.profiles
        }
        rows = account.view().positions if account is not None else ()
        self.table.setRowCount(len(rows))
        current = account.profile.name
        for r, p in enumerate(rows):
            self.table.setVerticalHeaderItem(r, QTableWidgetItem(f"{p.id} {p.symbol} {p.side} {p.mode}"))
            for c, name in enumerate(self.profiles):
                other = views[name].get(p.id)
                if other is None:
                    item = QTableWidgetItem("not listed")
                else:
                    tick = self.bridge.instrument(p.symbol).tick_size
                    item = QTableWidgetItem(shown_liquidation_price(other, tick))
                    item.setToolTip(
                        f"{name}: maintenance {other.maintenance_margin:.2f} USDT at "
                        f"{other.maintenance_rate * 100:.3f} %, margin ratio "
                        f"{'—' if other.margin_ratio is None else f'{other.margin_ratio * 100:.2f} %'}"
                    )
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if name == current:
                    item.setForeground(QBrush(QColor(cc.LIQ)))
                self.table.setItem(r, c, item)
