"""The order ticket: what to open, and before it is sent, what it would cost and where it would be
liquidated in cross and in isolated margin, side by side. Every number is the engine's (a preview on
a copy of the account); the ticket only collects the order."""
from __future__ import annotations

import time
from decimal import ROUND_FLOOR, Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QRadioButton, QSlider, QVBoxLayout, QWidget)

from ..engine import Open, Opened, Rejected
from ..engine import text
from . import chart_common as cc
from .bridge import SessionBridge
from .positions_model import shown_liquidation_price

PREVIEW_EVERY_MS = 250  # while prices move, the preview follows at most 4× a second


class OrderTicket(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("orderTicket")
        self.bridge = bridge
        self.symbol = QComboBox(self)
        self.symbol.addItems(bridge.symbols())
        self.side_long = QRadioButton("Long", self)
        self.side_short = QRadioButton("Short", self)
        self.side_long.setChecked(True)
        self.sides = QButtonGroup(self)
        self.sides.addButton(self.side_long)
        self.sides.addButton(self.side_short)
        self.size_unit = QComboBox(self)
        self.size_unit.addItems(["Quantity", "Notional USDT"])
        self.size = QDoubleSpinBox(self)
        self.size.setRange(0, 1e9)
        self.size.setKeyboardTracking(True)
        self.leverage = QSlider(Qt.Orientation.Horizontal, self)
        self.leverage.setRange(1, 125)
        self.leverage.setValue(10)
        self.leverage_label = QLabel("10×", self)
        self.leverage_label.setMinimumWidth(44)
        self.mode_cross = QRadioButton("Cross", self)
        self.mode_isolated = QRadioButton("Isolated", self)
        self.mode_isolated.setChecked(True)
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.mode_cross)
        self.modes.addButton(self.mode_isolated)
        self.place = QPushButton("Open long", self)
        self.place.setObjectName("placeOrder")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("ticketMessage")

        grid = QGridLayout()
        grid.addWidget(QLabel("Symbol"), 0, 0)
        grid.addWidget(self.symbol, 0, 1, 1, 2)
        grid.addWidget(QLabel("Side"), 1, 0)
        sides = QHBoxLayout()
        sides.addWidget(self.side_long)
        sides.addWidget(self.side_short)
        grid.addLayout(sides, 1, 1, 1, 2)
        grid.addWidget(self.size_unit, 2, 0)
        grid.addWidget(self.size, 2, 1, 1, 2)
        grid.addWidget(QLabel("Leverage"), 3, 0)
        grid.addWidget(self.leverage, 3, 1)
        grid.addWidget(self.leverage_label, 3, 2)
        grid.addWidget(QLabel("Margin"), 4, 0)
        modes = QHBoxLayout()
        modes.addWidget(self.mode_cross)
        modes.addWidget(self.mode_isolated)
        grid.addLayout(modes, 4, 1, 1, 2)

        # The preview: the same order in both modes, side by side.
        self.cells: dict[tuple[str, str], QLabel] = {}
        table = QGridLayout()
        table.setHorizontalSpacing(12)
        muted = f"color: {cc.MUTED};"
        for col, mode in enumerate(("cross", "isolated"), start=1):
            head = QLabel(mode.capitalize(), self)
            head.setStyleSheet(f"color: {cc.CROSS if mode == 'cross' else cc.ISOLATED}; font-weight: bold;")
            head.setAlignment(Qt.AlignmentFlag.AlignRight)
            table.addWidget(head, 0, col)
        for row, (key, label) in enumerate((("margin", "Initial margin"), ("fee", "Fee"),
                                             ("liq", "Est. liq. price"), ("distance", "Distance")), start=1):
            name = QLabel(label, self)
            name.setStyleSheet(muted)
            table.addWidget(name, row, 0)
            for col, mode in enumerate(("cross", "isolated"), start=1):
                cell = QLabel("—", self)
                cell.setAlignment(Qt.AlignmentFlag.AlignRight)
                cell.setObjectName(f"preview_{mode}_{key}")
                table.addWidget(cell, row, col)
                self.cells[(mode, key)] = cell
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        note = QLabel("Preview: the engine's numbers for this order, in each mode", self)
        note.setStyleSheet(muted + " font-size: 8pt;")
        layout.addWidget(note)
        layout.addLayout(table)
        layout.addWidget(self.place)
        layout.addWidget(self.message)
        layout.addStretch(1)

        self._last_preview = float("-inf")
        self._mark_seen = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_EVERY_MS)
        self._timer.timeout.connect(self.update_preview)
        for signal in (self.symbol.currentIndexChanged, self.size_unit.currentIndexChanged):
            signal.connect(self._on_symbol_or_unit)
        self.size.valueChanged.connect(self.update_preview)
        self.leverage.valueChanged.connect(self._on_leverage)
        self.sides.buttonToggled.connect(lambda *_: self.update_preview())
        self.modes.buttonToggled.connect(lambda *_: self.update_preview())
        self.place.clicked.connect(self.submit)
        bridge.changed.connect(self._on_changed)
        bridge.reset.connect(self._on_symbol_or_unit)
        self._on_symbol_or_unit()

    # -- reading the form
    @property
    def side(self) -> str:
        return "long" if self.side_long.isChecked() else "short"

    @property
    def mode(self) -> str:
        return "cross" if self.mode_cross.isChecked() else "isolated"

    def quantity(self) -> Decimal:
        """The size as a quantity on the instrument's step (a notional is divided by the mark)."""
        inst = self.bridge.instrument(self.symbol.currentText())
        value = Decimal(repr(self.size.value()))
        if self.size_unit.currentIndex() == 1:
            mark = self.bridge.account.marks.get(inst.symbol)
            if not mark:
                return Decimal(0)
            value = value / mark
        return (value / inst.qty_step).to_integral_value(ROUND_FLOOR) * inst.qty_step

    def order(self, mode: str | None = None) -> Open:
        return Open(self.symbol.currentText(), self.side, self.quantity(), self.leverage.value(), mode or self.mode)

    # -- keeping the form sensible
    def _on_symbol_or_unit(self, *_: object) -> None:
        symbol = self.symbol.currentText()
        if not symbol:
            return
        inst = self.bridge.instrument(symbol)
        if self.size_unit.currentIndex() == 0:
            step = inst.qty_step
            self.size.setDecimals(max(-step.normalize().as_tuple().exponent, 0))
            self.size.setSingleStep(float(step))
            mark = self.bridge.account.marks.get(symbol)
            if self.size.value() == 0 or mark is None:
                self.size.setValue(float(step))
            self.size.setSuffix(f" {symbol.removesuffix('USDT')}")
        else:
            self.size.setDecimals(2)
            self.size.setSingleStep(100)
            self.size.setSuffix(" USDT")
        self._limit_leverage()
        self.update_preview()

    def _limit_leverage(self) -> None:
        symbol = self.symbol.currentText()
        inst = self.bridge.instrument(symbol)
        mark = self.bridge.account.marks.get(symbol)
        notional = self.quantity() * mark if mark else Decimal(0)
        top = inst.max_leverage(notional)
        if self.leverage.maximum() != top:
            self.leverage.setMaximum(top)
            self.leverage.setToolTip(f"up to {top}× for a {text.money(notional)} USDT {symbol} position "
                                     f"(the bracket's maximum)")

    def _on_leverage(self, value: int) -> None:
        self.leverage_label.setText(f"{value}×")
        self.update_preview()

    def _on_changed(self) -> None:
        """Prices moved: follow them at most every PREVIEW_EVERY_MS (at once if it has been longer)."""
        fresh_mark = self._mark_seen != (self.bridge.account.marks.get(self.symbol.currentText()) is not None)
        if fresh_mark or time.monotonic() - self._last_preview >= PREVIEW_EVERY_MS / 1000:
            self.update_preview()
        elif not self._timer.isActive():
            self._timer.start()

    # -- the preview and the order
    def update_preview(self) -> None:
        self._last_preview = time.monotonic()
        self._limit_leverage()
        self.place.setText(f"Open {self.side} · {self.mode}")
        symbol = self.symbol.currentText()
        mark = self.bridge.account.marks.get(symbol)
        self._mark_seen = mark is not None
        for mode in ("cross", "isolated"):
            order = self.order(mode)
            if mark is None or order.qty <= 0:
                for key in ("margin", "fee", "liq", "distance"):
                    self.cells[(mode, key)].setText("—")
                continue
            trial, events = self.bridge.preview(order)
            opened = next((e for e in events if isinstance(e, Opened)), None)
            if opened is None:
                rejected = next((e for e in events if isinstance(e, Rejected)), None)
                self.cells[(mode, "margin")].setText("rejected")
                self.cells[(mode, "margin")].setToolTip(rejected.message if rejected else "")
                for key in ("fee", "liq", "distance"):
                    self.cells[(mode, key)].setText("—")
                continue
            view = next(p for p in trial.view().positions if p.id == opened.position)
            tick = self.bridge.instrument(symbol).tick_size
            self.cells[(mode, "margin")].setText(f"{text.money(opened.margin)} USDT")
            self.cells[(mode, "margin")].setToolTip("")
            self.cells[(mode, "fee")].setText(f"{text.money(opened.fee)} USDT")
            self.cells[(mode, "liq")].setText(shown_liquidation_price(view, tick))
            self.cells[(mode, "distance")].setText(
                "—" if view.liquidation_price is None
                else f"{(view.liquidation_price / mark - 1) * 100:+.2f} %")

    def submit(self) -> list:
        order = self.order()
        if order.qty <= 0:
            self.message.setStyleSheet(f"color: {cc.DOWN};")
            self.message.setText("enter a size of at least one quantity step")
            return []
        events = self.bridge.submit(order)
        rejected = next((e for e in events if isinstance(e, Rejected)), None)
        if rejected is not None:
            self.message.setStyleSheet(f"color: {cc.DOWN};")
            self.message.setText(rejected.message)
        else:
            self.message.setStyleSheet(f"color: {cc.MUTED};")
            opened = next((e for e in events if isinstance(e, Opened)), None)
            self.message.setText(f"opened {opened.position}" if opened else "")
        self.update_preview()
        return events
