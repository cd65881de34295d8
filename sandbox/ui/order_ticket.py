"""The order ticket: what to open, and before it is sent, what it would cost and where it would be
liquidated, in cross and in isolated margin side by side, for a long and for a short. Every number
is the engine's (``bridge.preview`` on a copy of the account); the ticket only collects the order.

The leverage slider only reaches the maximum of the bracket the order's notional falls in; when the
size grows past a bracket the slider's end comes down with it (and goes back up to what the user
chose when the size shrinks again).

Nothing in the ticket changes height: what the last order did, or else why the previewed order
would be rejected, is one message of a fixed two lines under the buttons (the whole sentence in
its tooltip), and the leverage hint is one line. A rejection appearing can neither squash the
buttons nor push the panels below.

The preview follows the account (``marks_changed`` for its symbol, ``account_changed``) at most
4× a second, from a timer rather than inside the frame that moved the prices: each preview copies
the account.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
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

from ..engine import Event, Instrument, Open
from ..engine.commands import Mode, Side
from ..engine.limits import MAX_MONEY, MAX_QTY
from . import format as fmt
from .bridge import Preview, SessionBridge
from .follow import Follower
from .theme import theme
from .ticket_orders import OrderTypeSection
from .ticket_preview import MODES, SIDES, TicketPreview
from .widgets import FixedLines, hide_spin_buttons, number_box, typed

PREVIEW_EVERY_MS = 250  # while prices move, the preview follows at most 4× a second…
PREVIEW_SHARE = 0.05  # …and takes at most 5 % of the time (each preview copies the account)
QUANTITY, NOTIONAL = 0, 1


class OrderTicket(QWidget):
    """``symbol_changed(symbol)``: the user chose another symbol (the window shows its chart)."""

    symbol_changed = Signal(str)

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("orderTicket")
        self.bridge = bridge
        self._wanted_leverage = 10
        self._hint_warns = False
        self._said: tuple[str, bool] | None = None  # what the last order did, until the form changes

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
        self.size_box = number_box(self)
        self.size_box.setObjectName("ticketSize")
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
        self.leverage_hint = FixedLines(1, self)

        # Texts that change with the price get a width of their own (the widest they usually need),
        # so the ticket, and the column of panels it sits in, never changes width as prices move.
        self.size_box.setMinimumWidth(100)
        for label, sample in ((self.mark_label, "mark 123,456.70"), (self.size_hint, "≈ 1,234,567.89 USDT")):
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(sample))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
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
        grid.addWidget(self.size_box, 2, 1)
        grid.addWidget(self.size_hint, 2, 2)
        grid.addWidget(QLabel("Leverage", self), 4, 0)
        lev = QHBoxLayout()
        lev.addWidget(self.leverage, 1)
        lev.addWidget(self.leverage_box)
        grid.addLayout(lev, 4, 1, 1, 2)
        grid.addWidget(self.leverage_hint, 5, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        self.order_type = OrderTypeSection(bridge, self)  # Market / Limit / Stop, and TP / SL
        self.order_type.add_rows(grid, 6)

        # -- the preview: the same order in both modes, side by side
        self.preview = TicketPreview(self)

        self.buy = QPushButton("Buy / Long", self)
        self.buy.setObjectName("buyButton")
        self.sell = QPushButton("Sell / Short", self)
        self.sell.setObjectName("sellButton")
        for button in (self.buy, self.sell):
            button.setMinimumHeight(32)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.message = FixedLines(2, self)
        self.message.setObjectName("ticketMessage")

        self.rule = QFrame(self)
        self.rule.setFrameShape(QFrame.Shape.HLine)
        self.rule.setObjectName("ticketRule")
        buttons = QHBoxLayout()
        buttons.addWidget(self.buy)
        buttons.addWidget(self.sell)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(5)
        layout.addLayout(grid)
        layout.addWidget(self.rule)
        layout.addWidget(self.preview)
        layout.addWidget(self.order_type.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)

        # -- wiring
        self._previewed_without_mark = True
        self._follow = Follower(self.update_preview, PREVIEW_EVERY_MS, PREVIEW_SHARE, self)
        for changed in (
            self.symbol.currentIndexChanged,
            self.size_unit.currentIndexChanged,
            self.size_box.valueChanged,
            self.leverage.valueChanged,
            self.leverage_box.valueChanged,
            self.modes.buttonToggled,
        ):
            changed.connect(self._form_changed)
        self.symbol.currentIndexChanged.connect(self._on_symbol)
        self.symbol.activated.connect(lambda *_: self.symbol_changed.emit(self.symbol.currentText()))
        self.size_unit.currentIndexChanged.connect(self._on_unit)
        self.size_box.valueChanged.connect(self.update_preview)
        self.leverage.valueChanged.connect(self._on_slider)
        self.leverage_box.valueChanged.connect(self._on_box)
        self.modes.buttonToggled.connect(self._on_mode)
        self.order_type.changed.connect(self.update_preview)
        self.buy.clicked.connect(lambda: self.submit("long"))
        self.sell.clicked.connect(lambda: self.submit("short"))
        bridge.marks_changed.connect(self._marks_changed)
        bridge.account_changed.connect(self._account_changed)
        bridge.reset.connect(self._on_reset)
        theme.changed.connect(self._restyle)
        self._restyle()
        self._on_symbol()

    # ------------------------------------------------------------------ reading the form
    @property
    def mode(self) -> Mode:
        return "cross" if self.mode_cross.isChecked() else "isolated"

    def _instrument(self) -> Instrument:
        return self.bridge.instrument(self.symbol.currentText())

    def _mark(self) -> Decimal | None:
        return self.bridge.mark(self.symbol.currentText())

    def quantity(self) -> Decimal:
        """The size as a quantity on the instrument's step (a notional is divided by the mark and
        rounded down to the step)."""
        value = typed(self.size_box)
        if self.size_unit.currentIndex() == NOTIONAL:
            mark = self._mark()
            if not mark:
                return Decimal(0)
            value = value / mark
        return fmt.floor_to_step(value, self._instrument().qty_step)

    def order(self, side: Side, mode: Mode | None = None) -> Open:
        return Open(
            self.symbol.currentText(), side, self.quantity(), self.leverage.value(), mode or self.mode
        )

    def set_symbol(self, symbol: str) -> None:
        """Show ``symbol`` in the ticket (the chart shows another symbol, say)."""
        if symbol != self.symbol.currentText() and self.symbol.findText(symbol) >= 0:
            self.symbol.setCurrentText(symbol)

    # ------------------------------------------------------------------ keeping the form sensible
    def _form_changed(self, *_: object) -> None:
        """The person is setting up another order: what the last one did is no longer news."""
        self._said = None

    def _on_symbol(self, *_: object) -> None:
        symbol = self.symbol.currentText()
        if not symbol:
            return
        inst = self._instrument()
        self.order_type.set_instrument(inst, self._mark())
        with QSignalBlocker(self.size_unit):
            self.size_unit.setItemText(QUANTITY, f"Qty {fmt.base_asset(symbol)}")
            self.size_unit.setItemText(NOTIONAL, "USDT")
        self._format_size_box()
        if self.size_box.value() == 0:
            with QSignalBlocker(self.size_box):
                self.size_box.setValue(
                    float(inst.qty_step) if self.size_unit.currentIndex() == QUANTITY else 100.0
                )
        self.update_preview()

    def _format_size_box(self) -> None:
        inst = self._instrument()
        with QSignalBlocker(self.size_box):
            if self.size_unit.currentIndex() == QUANTITY:
                self.size_box.setMaximum(float(MAX_QTY))
                self.size_box.setDecimals(fmt.places(inst.qty_step))
                self.size_box.setSingleStep(float(inst.qty_step))
                self.size_box.setSuffix(f" {fmt.base_asset(inst.symbol)}")
            else:
                self.size_box.setMaximum(float(MAX_MONEY))
                self.size_box.setDecimals(2)
                self.size_box.setSingleStep(100)
                self.size_box.setSuffix(" USDT")

    def _on_unit(self, *_: object) -> None:
        """Switching between quantity and notional keeps the same order (converted at the mark)."""
        mark = self._mark()
        value = typed(self.size_box)
        self._format_size_box()
        if mark:
            with QSignalBlocker(self.size_box):
                if self.size_unit.currentIndex() == NOTIONAL:
                    self.size_box.setValue(float((value * mark).quantize(Decimal("0.01"))))
                else:
                    self.size_box.setValue(
                        float(fmt.floor_to_step(value / mark, self._instrument().qty_step))
                    )
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

    def _on_mode(self, *_: object) -> None:
        self.preview.choose(self.mode)
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
        if mark is None:
            hint = f"max {top}× for a small {inst.symbol} position (no price yet)"
        else:
            hint = f"max {top}× (bracket {index + 1}, to {fmt.money(inst.brackets[index].cap)} USDT)"
        lowered = self._wanted_leverage > top
        if lowered:
            hint += f"; lowered from {self._wanted_leverage}×"
        if lowered != self._hint_warns:
            self._hint_warns = lowered
            self._style_hint()
        if self.leverage_hint.text() != hint:
            self.leverage_hint.setText(hint)
        self.leverage.setToolTip(
            f"leverage 1× to {top}×: the most the bracket of a {fmt.money(notional)} USDT notional allows; {hint}"
        )

    # ------------------------------------------------------------------ following the account
    def _marks_changed(self, symbols: Iterable[str]) -> None:
        """The mark at once; the preview soon (a first price, or none any more: at once)."""
        if self.symbol.currentText() not in symbols:
            return
        self._show_mark()
        self.order_type.follow_mark(self._mark())
        if (self._mark() is None) != self._previewed_without_mark:
            self.update_preview()
        else:
            self._follow()

    def _account_changed(self, *_: object) -> None:
        self._follow()

    def _on_reset(self) -> None:
        symbols = self.bridge.symbols()
        current = self.symbol.currentText()
        if [self.symbol.itemText(i) for i in range(self.symbol.count())] != symbols:
            with QSignalBlocker(self.symbol):
                self.symbol.clear()
                self.symbol.addItems(symbols)
                if current in symbols:
                    self.symbol.setCurrentText(current)
        self._said = None
        self._on_symbol()

    def _show_mark(self) -> None:
        mark = self._mark()
        shown = "no price yet" if mark is None else f"mark {fmt.price(mark, self._instrument().tick_size)}"
        if self.mark_label.text() != shown:
            self.mark_label.setText(shown)

    # ------------------------------------------------------------------ the preview and the order
    def update_preview(self) -> None:
        self._follow.cancel()
        self._limit_leverage()
        self._show_mark()
        inst = self._instrument()
        mark = self._mark()
        self._previewed_without_mark = mark is None
        qty = self.quantity()
        size = fmt.size(qty, inst.symbol, inst.qty_step)
        if self.size_unit.currentIndex() == NOTIONAL:
            self.size_hint.setText(f"= {size} at the mark")
        else:
            self.size_hint.setText(f"≈ {fmt.money(qty * mark)} USDT" if mark else "")
        previews: dict[tuple[Mode, Side], Preview] = {}
        if mark is None:
            note = f"{inst.symbol} has no price yet: nothing to preview"
        elif qty <= 0:
            note = f"Enter a size of at least {fmt.decimal(inst.qty_step)} {fmt.base_asset(inst.symbol)}"
        else:
            note = f"Preview: {size} at {self.leverage.value()}×, the engine's numbers (USDT)"
            previews = {
                (m, s): self.order_type.preview(self.order_type.command(self.order(s, m)))
                for m in MODES
                for s in SIDES
            }
        self.preview.show_previews(note, previews, mark, inst.tick_size)
        self.order_type.show_summary(previews, self.mode)
        self._show_message()

    def submit(self, side: Side = "long") -> list[Event]:
        """Open ``side`` in the chosen mode (what Buy / Long and Sell / Short do)."""
        order = self.order(side)
        if order.qty <= 0:
            step = self._instrument().qty_step
            self._say(
                f"Enter a size of at least {fmt.decimal(step)} {fmt.base_asset(order.symbol)}.", error=True
            )
            return []
        events, sentence, error = self.order_type.place(self.order_type.command(order))
        self._say(sentence, error)
        self.update_preview()
        return events

    def _say(self, sentence: str, error: bool) -> None:
        self._said = (sentence, error)
        self._show_message()

    def _show_message(self) -> None:
        """What the last order did; else why this order would be rejected; else nothing."""
        sentence, error = self._said if self._said is not None else (self.preview.reasons, True)
        colour = theme.palette.down if error else theme.palette.muted
        if self.message.property("colour") != colour:
            self.message.setProperty("colour", colour)
            self.message.setStyleSheet(f"color: {colour};")
        if self.message.text() != sentence:
            self.message.setText(sentence)

    # ------------------------------------------------------------------ look
    def _style_hint(self) -> None:
        self.leverage_hint.setStyleSheet(
            f"color: {theme.palette.liq if self._hint_warns else theme.palette.muted}; font-size: 8pt;"
        )

    def _restyle(self, *_: object) -> None:
        palette = theme.palette
        muted = f"color: {palette.muted};"
        self.size_hint.setStyleSheet(muted + " font-size: 8pt;")
        self.mark_label.setStyleSheet(muted)
        self.rule.setStyleSheet(
            f"color: {palette.grid}; background: {palette.grid}; max-height: 1px; border: none;"
        )
        for button, colour in ((self.buy, palette.up), (self.sell, palette.down)):
            button.setStyleSheet(
                f"QPushButton {{ background: {colour}; color: #ffffff; border: none; border-radius: 4px; "
                f"font-weight: bold; padding: 6px; }} QPushButton:hover {{ background: {colour}; border: 1px solid "
                f"{palette.text}; }} QPushButton:pressed {{ padding-top: 7px; }}"
            )
        for mode_button, colour in ((self.mode_cross, palette.cross), (self.mode_isolated, palette.isolated)):
            mode_button.setStyleSheet(
                f"QToolButton {{ padding: 4px 10px; }} QToolButton:checked {{ color: {colour}; "
                f"font-weight: bold; border-color: {colour}; }}"
            )
        self.message.setProperty("colour", None)
        self._show_message()
        self._style_hint()
