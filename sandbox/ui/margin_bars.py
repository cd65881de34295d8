"""Margin bars: the cross pool and every isolated position as a bar that fills as its margin ratio
rises to 100 %, with bands at 50 % and 80 %. When a liquidation takes a bar's position(s) the bar
flashes, then leaves: the moment a learner should not miss."""
from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..engine import Liquidated
from ..engine import text
from . import chart_common as cc
from .bridge import SessionBridge
from .positions_table import ratio_colour

FLASHES = 6  # half-periods of the flash
FLASH_MS = 140


class MarginBar(QWidget):
    """One bar: a title, the ratio filling toward 100 %, balance and maintenance underneath."""

    def __init__(self, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.title = ""
        self.detail = ""
        self.ratio = 0.0
        self.flash_phase = 0  # >0 while flashing
        self.setMinimumHeight(46)
        self.setMinimumWidth(220)

    def set_values(self, title: str, ratio: float | None, balance, maintenance) -> None:
        self.title = title
        self.ratio = 1.0 if ratio is None else min(max(ratio, 0.0), 1.0)
        self.detail = (f"{'—' if ratio is None else f'{ratio * 100:.2f} %'} · balance {text.money(balance)}"
                       f" · maintenance {text.money(maintenance)} USDT")
        self.setToolTip(f"{title}\nmargin ratio = maintenance ÷ margin balance; liquidation at 100 %\n{self.detail}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = self.width()
        if self.flash_phase % 2 == 1:
            painter.fillRect(self.rect(), QColor(cc.LIQ_MARK))
        painter.setPen(QColor(cc.TEXT))
        painter.drawText(QRect(4, 0, w - 8, 16), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self.title)
        bar = QRect(4, 18, w - 8, 12)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(cc.GRID))
        painter.drawRoundedRect(bar, 3, 3)
        painter.setBrush(QColor(ratio_colour(self.ratio)))
        painter.drawRoundedRect(QRect(bar.left(), bar.top(), max(int(bar.width() * self.ratio), 2), bar.height()), 3, 3)
        painter.setPen(QColor(cc.MUTED))
        for band in (0.5, 0.8):
            x = bar.left() + int(bar.width() * band)
            painter.drawLine(x, bar.top() - 2, x, bar.bottom() + 2)
        painter.drawText(QRect(4, 31, w - 8, 15), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self.detail)


class MarginBars(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("marginBars")
        self.bridge = bridge
        self.bars: dict[str, MarginBar] = {}
        self.leaving: dict[str, MarginBar] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(4)
        self.hint = QLabel("Bars fill as the margin ratio rises; 100 % liquidates.", self)
        self.hint.setStyleSheet(f"color: {cc.MUTED};")
        self.hint.setWordWrap(True)
        self._layout.addWidget(self.hint)
        self._layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setInterval(FLASH_MS)
        self._timer.timeout.connect(self._flash_step)
        bridge.changed.connect(self.refresh)
        bridge.events.connect(self._on_events)
        bridge.reset.connect(self._drop_all)
        self.refresh()

    def _bar(self, key: str) -> MarginBar:
        bar = self.bars.get(key)
        if bar is None:
            bar = self.bars[key] = MarginBar(key, self)
            self._layout.insertWidget(self._layout.count() - 1, bar)
        return bar

    def refresh(self) -> None:
        v = self.bridge.view()
        wanted = set()
        cross = [p for p in v.positions if p.mode == "cross"]
        if cross:
            wanted.add("cross")
            self._bar("cross").set_values(f"Cross pool · {len(cross)} position(s) · wallet "
                                          f"{text.money(v.cross_wallet)} USDT",
                                          None if v.cross_margin_ratio is None else float(v.cross_margin_ratio),
                                          v.cross_margin_balance, v.cross_maintenance_margin)
        for p in v.positions:
            if p.mode == "isolated":
                wanted.add(p.id)
                self._bar(p.id).set_values(f"{p.id} {p.symbol} {p.side} · isolated {p.leverage}× · wallet "
                                           f"{text.money(p.isolated_wallet)} USDT",
                                           None if p.margin_ratio is None else float(p.margin_ratio),
                                           p.margin_balance, p.maintenance_margin)
        for key in [k for k in self.bars if k not in wanted]:  # closed (liquidated ones left already)
            self._drop(self.bars.pop(key))

    def _on_events(self, events: list) -> None:
        for e in events:
            if isinstance(e, Liquidated):
                key = "cross" if e.mode == "cross" else e.positions[0]
                bar = self.bars.get(key)
                if bar is not None:
                    self.bars.pop(key)
                    bar.flash_phase = FLASHES
                    bar.set_values(f"LIQUIDATED: {bar.title}", 1.0, e.wallet_after, e.wallet_after)
                    self.leaving[f"{key}@{e.t}"] = bar
        if self.leaving and not self._timer.isActive():
            self._timer.start()

    def _flash_step(self) -> None:
        for key, bar in list(self.leaving.items()):
            bar.flash_phase -= 1
            bar.update()
            if bar.flash_phase <= 0:
                del self.leaving[key]
                self._drop(bar)
        if not self.leaving:
            self._timer.stop()

    @staticmethod
    def _drop(bar: MarginBar) -> None:
        bar.hide()  # gone from the screen now, not when the event loop gets round to it
        bar.deleteLater()

    def _drop_all(self) -> None:
        for bar in [*self.bars.values(), *self.leaving.values()]:
            self._drop(bar)
        self.bars.clear()
        self.leaving.clear()
        self.refresh()
