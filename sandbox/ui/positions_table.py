"""The positions panel: the table, a margin-ratio bar per row, a cross/isolated toggle per row,
close buttons, and small editors for isolated margin and leverage that preview the engine's new
liquidation price before anything is sent."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QMenu, QPushButton, QSpinBox,
                               QStyledItemDelegate, QStyleOptionViewItem, QTableView, QVBoxLayout, QWidget)

from ..engine import AdjustMargin, Close, Command, Rejected, SetLeverage, SetMode
from ..engine import text
from . import chart_common as cc
from .bridge import SessionBridge
from .positions_model import (CLOSE, COLUMNS, LEVERAGE, MARGIN, MODE, RATIO, RAW_ROLE, PositionsModel,
                              pct, shown_liquidation_price)


def ratio_colour(ratio: float) -> str:
    """Green below 50 %, amber to 80 %, red beyond: the bands of the margin bars."""
    return cc.UP if ratio < 0.5 else ("#e3b341" if ratio < 0.8 else cc.DOWN)


class RatioBarDelegate(QStyledItemDelegate):
    """The margin ratio as a small bar that fills toward 100 %, with the number on it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        p = index.data(RAW_ROLE)
        if p is None or p.margin_ratio is None:
            return super().paint(painter, option, index)
        ratio = min(float(p.margin_ratio), 1.0)
        r = option.rect.adjusted(4, 5, -4, -5)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(cc.GRID))
        painter.drawRoundedRect(r, 3, 3)
        painter.setBrush(QColor(ratio_colour(ratio)))
        painter.drawRoundedRect(QRect(r.left(), r.top(), max(int(r.width() * ratio), 2), r.height()), 3, 3)
        painter.setPen(QColor(cc.TEXT))
        painter.drawText(r, int(Qt.AlignmentFlag.AlignCenter), pct(p.margin_ratio))
        painter.restore()


class _PreviewDialog(QDialog):
    """A number, the engine's preview of what it would do, and OK to send it."""

    def __init__(self, bridge: SessionBridge, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.form = QFormLayout()
        self.preview = QLabel(self)
        self.preview.setWordWrap(True)
        self.preview.setObjectName("preview")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.send)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.preview)
        layout.addWidget(buttons)
        self.result_events: list = []

    def command(self) -> Command:
        raise NotImplementedError

    def update_preview(self) -> None:
        pid = self.pid
        trial, events = self.bridge.preview(self.command())
        if events and isinstance(events[0], Rejected):
            self.preview.setText(events[0].message)
            self.ok.setEnabled(False)
            return
        after = next((p for p in trial.view().positions if p.id == pid), None)
        self.ok.setEnabled(True)
        if after is None:
            self.preview.setText("the position would be gone")
            return
        tick = self.bridge.instrument(after.symbol).tick_size
        self.preview.setText(f"after: liquidation price {shown_liquidation_price(after, tick)}, "
                             f"margin ratio {pct(after.margin_ratio)}" + (
                                 f", isolated wallet {text.money(after.isolated_wallet)} USDT"
                                 if after.isolated_wallet is not None else ""))

    def send(self) -> None:
        self.result_events = self.bridge.submit(self.command())
        if self.result_events and isinstance(self.result_events[0], Rejected):
            self.preview.setText(self.result_events[0].message)
            return
        self.accept()


class MarginDialog(_PreviewDialog):
    """Add (positive) or remove (negative) isolated margin."""

    def __init__(self, bridge: SessionBridge, pid: str, parent: QWidget | None = None):
        super().__init__(bridge, f"Adjust margin of {pid}", parent)
        self.pid = pid
        view = next(p for p in bridge.view().positions if p.id == pid)
        self.amount = QDoubleSpinBox(self)
        self.amount.setDecimals(2)
        self.amount.setRange(-float(view.isolated_wallet), float(bridge.view().available))
        self.amount.setSingleStep(10)
        self.amount.setSuffix(" USDT")
        self.amount.valueChanged.connect(self.update_preview)
        self.form.addRow(f"now {text.money(view.isolated_wallet)} USDT; add (+) or remove (−)", self.amount)
        self.update_preview()

    def command(self) -> Command:
        return AdjustMargin(self.pid, Decimal(f"{self.amount.value():.2f}"))

    def update_preview(self) -> None:
        if self.amount.value() == 0:
            self.preview.setText("type an amount: positive adds from the available balance, negative removes")
            self.ok.setEnabled(False)
            return
        super().update_preview()


class LeverageDialog(_PreviewDialog):
    def __init__(self, bridge: SessionBridge, pid: str, parent: QWidget | None = None):
        super().__init__(bridge, f"Leverage of {pid}", parent)
        self.pid = pid
        view = next(p for p in bridge.view().positions if p.id == pid)
        self.leverage = QSpinBox(self)
        self.leverage.setRange(1, view.bracket_max_leverage)
        self.leverage.setValue(view.leverage)
        self.leverage.setSuffix("×")
        self.leverage.valueChanged.connect(self.update_preview)
        self.form.addRow(f"leverage (this size allows up to {view.bracket_max_leverage}×)", self.leverage)
        self.update_preview()

    def command(self) -> Command:
        return SetLeverage(self.pid, self.leverage.value())


class PositionsTable(QWidget):
    """Click the margin-mode cell to switch it, "Close" to close; double-click the margin or
    leverage cell to edit it; right-click for the rest."""

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("positionsTable")
        self.bridge = bridge
        self.model = PositionsModel(bridge, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(RATIO, RatioBarDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(False)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        widths = [112, 48, 104, 72, 56, 84, 84, 84, 84, 92, 96, 138, 52]
        for col, width in enumerate(widths):
            self.view.setColumnWidth(col, width)
        self.view.verticalHeader().setDefaultSectionSize(26)
        self.view.clicked.connect(self._clicked)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.message = QLabel(self)
        self.message.setObjectName("positionsMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {cc.DOWN};")
        self.message.hide()
        self.empty = QLabel("No open positions. Open one in the order ticket.", self)
        self.empty.setStyleSheet(f"color: {cc.MUTED}; padding: 6px;")
        self.compare_button = QPushButton("Compare exchanges…", self)
        self.compare_button.setToolTip("these positions' liquidation prices under Binance, Bybit, OKX and "
                                       "Hyperliquid rules, side by side")
        self.compare_button.clicked.connect(self.show_comparison)
        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 4, 0)
        top.addWidget(self.empty)
        top.addStretch(1)
        top.addWidget(self.compare_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.rowsRemoved.connect(self._update_empty)
        bridge.reset.connect(self.message.hide)
        self._update_empty()
        self.dialog: _PreviewDialog | None = None
        self.comparison: QDialog | None = None

    def show_comparison(self) -> QDialog:
        """A non-modal window with the comparison panel; it follows the account while open."""
        if self.comparison is None:
            from .compare_panel import ComparePanel

            self.comparison = QDialog(self)
            self.comparison.setWindowTitle("Liquidation prices under each exchange")
            self.comparison.setMinimumSize(640, 240)
            box = QVBoxLayout(self.comparison)
            self.comparison.panel = ComparePanel(self.bridge, self.comparison)
            box.addWidget(self.comparison.panel)
        self.comparison.show()
        self.comparison.panel.refresh()
        return self.comparison

    def _update_empty(self) -> None:
        self.empty.setVisible(self.model.rowCount() == 0)

    def send(self, command: Command) -> list:
        """Submit a command; a rejection is shown under the table in the engine's words."""
        events = self.bridge.submit(command)
        rejected = next((e for e in events if isinstance(e, Rejected)), None)
        if rejected is not None:
            self.message.setText(rejected.message)
            self.message.show()
            self.bridge.notice.emit(rejected.message)
        else:
            self.message.hide()
        return events

    def _clicked(self, index: QModelIndex) -> None:
        p = self.model.position(index.row())
        if index.column() == MODE:
            self.send(SetMode(p.id, "cross" if p.mode == "isolated" else "isolated"))
        elif index.column() == CLOSE:
            self.send(Close(p.id))

    def _double_clicked(self, index: QModelIndex) -> None:
        p = self.model.position(index.row())
        if index.column() == MARGIN and p.mode == "isolated":
            self.edit_margin(p.id)
        elif index.column() == LEVERAGE:
            self.edit_leverage(p.id)

    def edit_margin(self, pid: str) -> MarginDialog:
        self.dialog = MarginDialog(self.bridge, pid, self)
        self.dialog.open()
        return self.dialog

    def edit_leverage(self, pid: str) -> LeverageDialog:
        self.dialog = LeverageDialog(self.bridge, pid, self)
        self.dialog.open()
        return self.dialog

    def close_part(self, pid: str, fraction: Decimal) -> list:
        p = next(v for v in self.bridge.view().positions if v.id == pid)
        step = self.bridge.instrument(p.symbol).qty_step
        qty = (p.qty * fraction / step).to_integral_value() * step
        return self.send(Close(pid, qty if 0 < qty < p.qty else None))

    def _menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        p = self.model.position(index.row())
        menu = QMenu(self)
        other = "cross" if p.mode == "isolated" else "isolated"
        menu.addAction(f"Switch to {other}", lambda: self.send(SetMode(p.id, other)))
        if p.mode == "isolated":
            menu.addAction("Add or remove margin…", lambda: self.edit_margin(p.id))
        menu.addAction("Change leverage…", lambda: self.edit_leverage(p.id))
        menu.addSeparator()
        menu.addAction("Compare exchanges…", self.show_comparison)
        menu.addSeparator()
        menu.addAction("Close half", lambda: self.close_part(p.id, Decimal("0.5")))
        menu.addAction("Close all", lambda: self.send(Close(p.id)))
        menu.popup(self.view.viewport().mapToGlobal(pos))


__all__ = ["PositionsTable", "MarginDialog", "LeverageDialog", "COLUMNS"]
