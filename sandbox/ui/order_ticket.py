"""The order ticket: what to open, and before it is sent, what it would cost and where it would be
liquidated, in cross and in isolated margin side by side, for a long and for a short. Every number
is the engine's (``bridge.preview`` on a copy of the account); the ticket only collects the order.

The leverage slider only reaches the maximum of the bracket the order's notional falls in; when the
size grows past a bracket the slider's end comes down with it (and goes back up to what the user
chose when the size shrinks again). A rejected preview shows the engine's sentence under the table.
"""

from __future__ import annotations

import time
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from PySide6.QtCore import QEvent, QLocale, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine import Event, Open, Opened, Rejected, text
from . import chart_common as cc
from .bridge import SessionBridge
from .positions_model import base_asset, hide_spin_buttons, liquidation_text, qty_text

PREVIEW_EVERY_MS = 250  # while prices move, the preview follows at most 4× a second
MODES = ("cross", "isolated")
SIDES = ("long", "short")
QUANTITY, NOTIONAL = 0, 1
ROWS = (
    ("margin", "Initial margin"),
    ("fee", "Fee (taker)"),
    ("liq_long", "Est. liq. price · long"),
    ("dist_long", "distance"),
    ("liq_short", "Est. liq. price · short"),
    ("dist_short", "distance"),
)


class OrderTicket(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("orderTicket")
        self.bridge = bridge
        self._theme = ""
        self._wanted_leverage = 10
        self._hint_warns = False
        self.last_previews: dict[tuple[str, str], list[Event]] = {}

        # -- the form
        self.symbol = QComboBox(self)
        self.symbol.setObjectName("ticketSymbol")
        self.symbol.addItems(bridge.symbols())
        self.mark_label = QLabel("—", self)
        self.mark_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.mode_cross = QToolButton(self)
        self.mode_cross.setText("Cross")
        self.mode_isolated = QToolButton(self)
        self.mode_isolated.setText("Isolated")
        self.modes = QButtonGroup(self)
        for b in (self.mode_cross, self.mode_isolated):
            b.setCheckable(True)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.modes.addButton(b)
        self.mode_isolated.setChecked(True)
        self.mode_cross.setToolTip(
            "cross: the whole cross wallet backs the position (and can be lost with it)"
        )
        self.mode_isolated.setToolTip(
            "isolated: the position gets its own wallet of the initial margin; a "
            "liquidation loses that and nothing else"
        )
        self.size_unit = QComboBox(self)
        self.size_unit.setObjectName("sizeUnit")
        self.size_unit.addItems(["Quantity", "Notional"])
        self.size_unit.setToolTip("type the size as a quantity of the coin, or as a notional in USDT")
        self.size = QDoubleSpinBox(self)
        self.size.setObjectName("ticketSize")
        self.size.setLocale(QLocale.c())
        self.size.setRange(0, 1e12)
        self.size.setKeyboardTracking(True)
        hide_spin_buttons(self.size)
        self.size.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.size_hint = QLabel(self)
        self.size_hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.leverage = QSlider(Qt.Orientation.Horizontal, self)
        self.leverage.setObjectName("leverageSlider")
        self.leverage.setRange(1, 125)
        self.leverage.setValue(self._wanted_leverage)
        self.leverage.setPageStep(5)
        self.leverage_box = QSpinBox(self)
        self.leverage_box.setObjectName("leverageBox")
        self.leverage_box.setRange(1, 125)
        self.leverage_box.setValue(self._wanted_leverage)
        self.leverage_box.setSuffix("×")
        self.leverage_box.setKeyboardTracking(True)
        hide_spin_buttons(self.leverage_box)
        self.leverage_box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.leverage_box.setFixedWidth(64)
        self.leverage_hint = QLabel(self)
        self.leverage_hint.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(5)
        grid.addWidget(QLabel("Symbol", self), 0, 0)
        grid.addWidget(self.symbol, 0, 1)
        grid.addWidget(self.mark_label, 0, 2)
        grid.addWidget(QLabel("Margin", self), 1, 0)
        modes = QHBoxLayout()
        modes.setSpacing(0)
        modes.addWidget(self.mode_cross)
        modes.addWidget(self.mode_isolated)
        grid.addLayout(modes, 1, 1, 1, 2)
        grid.addWidget(self.size_unit, 2, 0)
        grid.addWidget(self.size, 2, 1, 1, 2)
        grid.addWidget(self.size_hint, 3, 1, 1, 2)
        grid.addWidget(QLabel("Leverage", self), 4, 0)
        lev = QHBoxLayout()
        lev.addWidget(self.leverage, 1)
        lev.addWidget(self.leverage_box)
        grid.addLayout(lev, 4, 1, 1, 2)
        grid.addWidget(self.leverage_hint, 5, 1, 1, 2)
        grid.setColumnStretch(1, 1)

        # -- the preview: the same order in both modes, side by side
        self.preview_note = QLabel("Preview: the engine's numbers for this order", self)
        self.heads: dict[str, QLabel] = {}
        self.cells: dict[tuple[str, str], QLabel] = {}
        self.row_names: dict[str, QLabel] = {}
        table = QGridLayout()
        table.setHorizontalSpacing(14)
        table.setVerticalSpacing(3)
        for col, mode in enumerate(MODES, start=1):
            head = QLabel(mode.capitalize(), self)
            head.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.addWidget(head, 0, col)
            self.heads[mode] = head
        for row, (key, label) in enumerate(ROWS, start=1):
            name = QLabel(label, self)
            if key.startswith("dist"):
                name.setIndent(10)
            table.addWidget(name, row, 0)
            self.row_names[key] = name
            for col, mode in enumerate(MODES, start=1):
                cell = QLabel("—", self)
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                cell.setObjectName(f"preview_{mode}_{key}")
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                table.addWidget(cell, row, col)
                self.cells[(mode, key)] = cell
        table.setColumnStretch(0, 1)
        self.reasons = QLabel(self)
        self.reasons.setObjectName("ticketReasons")
        self.reasons.setWordWrap(True)
        self.reasons.hide()

        self.buy = QPushButton("Buy / Long", self)
        self.buy.setObjectName("buyButton")
        self.sell = QPushButton("Sell / Short", self)
        self.sell.setObjectName("sellButton")
        for b in (self.buy, self.sell):
            b.setMinimumHeight(32)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("ticketMessage")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setObjectName("ticketRule")
        self.rule = line
        buttons = QHBoxLayout()
        buttons.addWidget(self.buy)
        buttons.addWidget(self.sell)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addLayout(grid)
        layout.addWidget(line)
        layout.addWidget(self.preview_note)
        layout.addLayout(table)
        layout.addWidget(self.reasons)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)

        # -- wiring
        self._last_preview = float("-inf")
        self._previewed_without_mark = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.update_preview)
        self.symbol.currentIndexChanged.connect(self._on_symbol)
        self.size_unit.currentIndexChanged.connect(self._on_unit)
        self.size.valueChanged.connect(self.update_preview)
        self.leverage.valueChanged.connect(self._on_slider)
        self.leverage_box.valueChanged.connect(self._on_box)
        self.modes.buttonToggled.connect(lambda *_: self._on_mode())
        self.buy.clicked.connect(lambda: self.submit("long"))
        self.sell.clicked.connect(lambda: self.submit("short"))
        bridge.changed.connect(self._on_changed)
        bridge.reset.connect(self._on_reset)
        self.apply_theme()
        self._on_symbol()

    # ------------------------------------------------------------------ reading the form
    @property
    def mode(self) -> str:
        return "cross" if self.mode_cross.isChecked() else "isolated"

    def set_mode(self, mode: str) -> None:
        (self.mode_cross if mode == "cross" else self.mode_isolated).setChecked(True)

    def _instrument(self):
        return self.bridge.instrument(self.symbol.currentText())

    def _mark(self) -> Decimal | None:
        return self.bridge.account.marks.get(self.symbol.currentText())

    def size_value(self) -> Decimal:
        """What is typed in the size box, exactly (no float round trip)."""
        try:
            return Decimal(self.size.cleanText().replace(",", "") or "0")
        except InvalidOperation:
            return Decimal(0)

    def quantity(self) -> Decimal:
        """The size as a quantity on the instrument's step (a notional is divided by the mark and
        rounded down to the step)."""
        inst = self._instrument()
        value = self.size_value()
        if self.size_unit.currentIndex() == NOTIONAL:
            mark = self._mark()
            if not mark:
                return Decimal(0)
            value = value / mark
        return (value / inst.qty_step).to_integral_value(ROUND_FLOOR) * inst.qty_step

    def order(self, side: str, mode: str | None = None) -> Open:
        return Open(
            self.symbol.currentText(), side, self.quantity(), self.leverage.value(), mode or self.mode
        )

    # ------------------------------------------------------------------ keeping the form sensible
    def _on_symbol(self, *_: object) -> None:
        symbol = self.symbol.currentText()
        if not symbol:
            return
        inst = self._instrument()
        coin = base_asset(symbol)
        with QSignalBlocker(self.size_unit):
            self.size_unit.setItemText(QUANTITY, f"Qty {coin}")
            self.size_unit.setItemText(NOTIONAL, "USDT")
        self._format_size_box()
        if self.size.value() == 0:
            with QSignalBlocker(self.size):
                self.size.setValue(
                    float(inst.qty_step) if self.size_unit.currentIndex() == QUANTITY else 100.0
                )
        self.update_preview()

    def _format_size_box(self) -> None:
        inst = self._instrument()
        with QSignalBlocker(self.size):
            if self.size_unit.currentIndex() == QUANTITY:
                step = inst.qty_step
                self.size.setDecimals(max(-step.normalize().as_tuple().exponent, 0))
                self.size.setSingleStep(float(step))
                self.size.setSuffix(f" {base_asset(inst.symbol)}")
            else:
                self.size.setDecimals(2)
                self.size.setSingleStep(100)
                self.size.setSuffix(" USDT")

    def _on_unit(self, *_: object) -> None:
        """Switching between quantity and notional keeps the same order (converted at the mark)."""
        inst = self._instrument()
        mark = self._mark()
        value = self.size_value()
        self._format_size_box()
        if mark:
            with QSignalBlocker(self.size):
                if self.size_unit.currentIndex() == NOTIONAL:
                    self.size.setValue(float((value * mark).quantize(Decimal("0.01"))))
                else:
                    qty = (value / mark / inst.qty_step).to_integral_value(ROUND_FLOOR) * inst.qty_step
                    self.size.setValue(float(qty))
        self.update_preview()

    def _on_slider(self, value: int) -> None:
        self._wanted_leverage = value
        with QSignalBlocker(self.leverage_box):
            self.leverage_box.setValue(value)
        self.update_preview()

    def _on_box(self, value: int) -> None:
        self._wanted_leverage = value
        with QSignalBlocker(self.leverage):
            self.leverage.setValue(value)
        self.update_preview()

    def _on_mode(self) -> None:
        self._style_heads()
        self.update_preview()

    def _limit_leverage(self) -> None:
        """The slider ends at the bracket's maximum for this notional; the user's choice comes back
        when the size allows it again."""
        inst = self._instrument()
        mark = self._mark()
        notional = self.quantity() * mark if mark else Decimal(0)
        top = inst.max_leverage(notional)
        with QSignalBlocker(self.leverage), QSignalBlocker(self.leverage_box):
            if self.leverage.maximum() != top:
                self.leverage.setMaximum(top)
                self.leverage_box.setMaximum(top)
            value = min(self._wanted_leverage, top)
            self.leverage.setValue(value)
            self.leverage_box.setValue(value)
        index = inst.bracket_index(notional)
        b = inst.brackets[index]
        if mark is None:
            hint = f"max {top}× for a small {inst.symbol} position (no price yet)"
        else:
            hint = (
                f"max {top}× for {text.money(notional)} USDT (bracket {index + 1}: up to "
                f"{text.money(b.cap)} USDT)"
            )
        lowered = self._wanted_leverage > top
        if lowered:
            hint += f"; lowered from {self._wanted_leverage}×"
        if lowered != self._hint_warns:
            self._hint_warns = lowered
            self.leverage_hint.setStyleSheet(f"color: {cc.LIQ if lowered else cc.MUTED};")
        if self.leverage_hint.text() != hint:
            self.leverage_hint.setText(hint)
        self.leverage.setToolTip(f"leverage 1× to {top}×: {hint}")

    # ------------------------------------------------------------------ following the account
    def _on_changed(self) -> None:
        """Prices moved: the mark at once, the preview at most every PREVIEW_EVERY_MS and never
        inside the bridge's refresh (previews copy the account)."""
        self._show_mark()
        if (self._mark() is None) != self._previewed_without_mark:  # a first price (or none now): at once
            self.update_preview()
        elif not self._timer.isActive():
            wait = PREVIEW_EVERY_MS - (time.monotonic() - self._last_preview) * 1000
            self._timer.start(max(int(wait), 0))

    def _on_reset(self) -> None:
        symbols = self.bridge.symbols()
        current = self.symbol.currentText()
        if [self.symbol.itemText(i) for i in range(self.symbol.count())] != symbols:
            with QSignalBlocker(self.symbol):
                self.symbol.clear()
                self.symbol.addItems(symbols)
                if current in symbols:
                    self.symbol.setCurrentText(current)
        self.message.clear()
        self._on_symbol()

    def _show_mark(self) -> None:
        mark = self._mark()
        shown = "no price yet" if mark is None else f"mark {text.price(mark, self._instrument().tick_size)}"
        if self.mark_label.text() != shown:
            self.mark_label.setText(shown)

    # ------------------------------------------------------------------ the preview and the order
    def update_preview(self) -> None:
        self._timer.stop()
        self._last_preview = time.monotonic()
        self._limit_leverage()
        self._show_mark()
        inst = self._instrument()
        mark = self._mark()
        self._previewed_without_mark = mark is None
        qty = self.quantity()
        coin = base_asset(inst.symbol)
        if self.size_unit.currentIndex() == NOTIONAL:
            self.size_hint.setText(f"= {qty_text(qty, inst.qty_step)} {coin} at the mark")
        else:
            self.size_hint.setText(f"≈ {text.money(qty * mark)} USDT notional" if mark else "")
        self.last_previews = {}
        reasons: dict[str, list[str]] = {}
        for mode in MODES:
            for key in ("margin", "fee"):
                self.cells[(mode, key)].setText("—")
            for side in SIDES:
                liq, dist = self.cells[(mode, f"liq_{side}")], self.cells[(mode, f"dist_{side}")]
                liq.setText("—")
                dist.setText("")
                liq.setToolTip("")
                if mark is None or qty <= 0:
                    continue
                trial, events = self.bridge.preview(self.order(side, mode))
                self.last_previews[(mode, side)] = events
                opened = next((e for e in events if isinstance(e, Opened)), None)
                if opened is None:
                    rejected = next((e for e in events if isinstance(e, Rejected)), None)
                    liq.setText("rejected")
                    if rejected is not None:
                        liq.setToolTip(rejected.message)
                        reasons.setdefault(rejected.message, []).append(f"{mode} {side}")
                    continue
                self.cells[(mode, "margin")].setText(text.money(opened.margin))
                self.cells[(mode, "fee")].setText(text.money(opened.fee))
                lp = trial.liquidation_price(opened.position)
                liq.setText(liquidation_text(lp, mark, inst.tick_size))
                if lp is not None:
                    dist.setText(f"{cc.pct_text((lp / mark - 1) * 100)}")
                    liq.setToolTip(
                        f"engine value {text.price(lp, Decimal('0.00000001'))}, shown on the "
                        f"{text.qty(inst.tick_size)} tick; {dist.text()} from the mark"
                    )
                else:
                    liq.setToolTip("no liquidation price: no mark of this symbol liquidates it")
        if mark is None:
            self.preview_note.setText(f"{inst.symbol} has no price yet: nothing to preview")
        elif qty <= 0:
            self.preview_note.setText(f"Enter a size of at least {text.qty(inst.qty_step)} {coin}")
        else:
            self.preview_note.setText(
                f"Preview: {qty_text(qty, inst.qty_step)} {coin} at "
                f"{self.leverage.value()}×, the engine's numbers (USDT)"
            )
        if reasons:
            lines = []
            for message, where in reasons.items():
                label = "every mode and side" if len(where) == 4 else ", ".join(where)
                lines.append(f"{label}: {message}")
            self.reasons.setText("\n".join(lines))
            self.reasons.show()
        else:
            self.reasons.clear()
            self.reasons.hide()

    def submit(self, side: str = "long") -> list[Event]:
        """Open ``side`` in the chosen mode (what Buy / Long and Sell / Short do)."""
        order = self.order(side)
        if order.qty <= 0:
            self._say(
                f"Enter a size of at least {text.qty(self._instrument().qty_step)} "
                f"{base_asset(order.symbol)}.",
                error=True,
            )
            return []
        events = self.bridge.submit(order)
        rejected = next((e for e in events if isinstance(e, Rejected)), None)
        if rejected is not None:
            self._say(rejected.message, error=True)
        else:
            opened = next((e for e in events if isinstance(e, Opened)), None)
            self._say(self.bridge.describe(opened) if opened is not None else "", error=False)
        self.update_preview()
        return events

    def _say(self, sentence: str, error: bool) -> None:
        self.message.setProperty("error", error)
        self.message.setStyleSheet(f"color: {cc.DOWN if error else cc.MUTED};")
        self.message.setText(sentence)

    # ------------------------------------------------------------------ look
    def _style_heads(self) -> None:
        for mode, head in self.heads.items():
            colour = cc.CROSS if mode == "cross" else cc.ISOLATED
            if mode == self.mode:
                head.setText(f"● {mode.capitalize()}")
                head.setStyleSheet(f"color: {colour}; font-weight: bold;")
            else:
                head.setText(mode.capitalize())
                head.setStyleSheet(f"color: {colour};")
            for key, _ in ROWS:
                cell = self.cells[(mode, key)]
                if key.startswith("dist"):
                    cell.setStyleSheet(f"color: {cc.MUTED}; font-size: 8pt;")
                else:
                    cell.setStyleSheet("font-weight: bold;" if mode == self.mode else "")

    def apply_theme(self) -> None:
        self._theme = cc.THEME
        muted = f"color: {cc.MUTED};"
        self.preview_note.setStyleSheet(muted + " font-size: 8pt;")
        self.size_hint.setStyleSheet(muted + " font-size: 8pt;")
        self.mark_label.setStyleSheet(muted)
        self.reasons.setStyleSheet(f"color: {cc.DOWN};")
        self.rule.setStyleSheet(f"color: {cc.GRID}; background: {cc.GRID}; max-height: 1px; border: none;")
        for key, name in self.row_names.items():
            name.setStyleSheet(muted + (" font-size: 8pt;" if key.startswith("dist") else ""))
        for button, colour in ((self.buy, cc.UP), (self.sell, cc.DOWN)):
            button.setStyleSheet(
                f"QPushButton {{ background: {colour}; color: #ffffff; border: none; border-radius: 4px; "
                f"font-weight: bold; padding: 6px; }} QPushButton:hover {{ background: {colour}; border: 1px solid "
                f"{cc.TEXT}; }} QPushButton:pressed {{ padding-top: 7px; }}"
            )
        for button in (self.mode_cross, self.mode_isolated):
            colour = cc.CROSS if button is self.mode_cross else cc.ISOLATED
            button.setStyleSheet(
                f"QToolButton {{ padding: 4px 10px; }} QToolButton:checked {{ color: {colour}; "
                f"font-weight: bold; border-color: {colour}; }}"
            )
        if self.message.text():
            self._say(self.message.text(), bool(self.message.property("error")))
        self._style_heads()
        self.leverage_hint.setStyleSheet(f"color: {cc.LIQ if self._hint_warns else cc.MUTED};")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange and self._theme and self._theme != cc.THEME:
            self.apply_theme()
