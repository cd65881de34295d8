"""The order ticket's order types: Market, Limit or Stop, the price a Limit or Stop waits for, and an
optional take-profit and stop-loss for the position the order opens.

A Limit or Stop becomes an ``order`` that rests (session-format.md § Additions): a limit below the
mark buys (it fills when the mark falls to it, at its own price, as a maker), above it sells; a
stop above the mark buys when the mark rises to it, below it sells (at the mark, as a taker).
The same price therefore rests for one side and, for the other, fills at once (a limit) or is
refused (a stop would trigger at once): the preview shows both, in the engine's words.

Its preview is worked out on one copy of the account: the order, then (if it rests) the price that
fills it, then the take-profit and stop-loss on the lot it opened: so the ticket shows the
reservation, the fee (maker for a resting limit), the margin and the liquidation price the
position would have, and whether its TP and SL would be accepted. When it is sent, a market open
gets its TP and SL at once (on the ``opened`` lot); a resting order's wait in ``AttachedExits``
until it fills.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from PySide6.QtCore import QObject, QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from ..engine import Event, Instrument, Open, Opened, Order, OrderFilled, OrderPlaced, Price, Rejected
from ..engine.commands import Mode, Side
from . import format as fmt
from .bridge import Preview, SessionBridge
from .orders.attached import AttachedExits, Exits
from .theme import theme
from .widgets import number_box, typed

KINDS = ("market", "limit", "stop")
SIDES: tuple[Side, ...] = ("long", "short")
OFFSETS = {"limit": Decimal("-0.01"), "stop": Decimal("0.01")}  # prefilled 1 % from the mark
TP_OFFSET, SL_OFFSET = Decimal("0.05"), Decimal("-0.03")  # from the entry, for a long
HINTS = {  # one line under the form
    "market": "Market: fills now at the mark (taker fee).",
    "limit": "Limit: rests until the mark reaches it; fills at its price (maker fee).",
    "stop": "Stop: waits for the mark to cross it; fills at that mark (taker fee).",
}
TIPS = {  # the buttons' tooltips
    "market": "Market: fills now at the mark (taker fee).",
    "limit": (
        "Limit: below the mark a buy rests until the mark falls to it, above it a sell until the "
        "mark rises to it; it fills at its own price with the maker fee and holds its margin and fee "
        "meanwhile. The other side fills at once at the mark."
    ),
    "stop": (
        "Stop: above the mark a buy waits for the mark to rise to it, below it a sell for it to fall "
        "(a breakout entry); it fills at that mark with the taker fee. The other side would trigger "
        "at once and is refused."
    ),
}


def resting(preview: Preview) -> OrderPlaced | None:
    """The opening order the preview placed, if it rests: one that rests holds its margin and fee
    (``reserved`` > 0); a limit the mark has already passed fills when placed and holds nothing."""
    placed = next((e for e in preview.events if isinstance(e, OrderPlaced)), None)
    return placed if placed is not None and placed.opens and placed.reserved > 0 else None


def fill_of(preview: Preview) -> OrderFilled | None:
    return next((e for e in preview.events if isinstance(e, OrderFilled) and e.opens), None)


class OrderTypeSection(QObject):
    """Its widgets go into the ticket's form (``add_rows``); ``changed`` when anything the preview
    depends on changed. ``attached`` holds the TP and SL of resting orders until they fill."""

    changed = Signal()

    def __init__(self, bridge: SessionBridge, parent: QWidget):
        super().__init__(parent)
        self.bridge = bridge
        self.attached = AttachedExits(bridge, self)
        self._tick = Decimal("0.01")
        self._mark: Decimal | None = None
        self._symbol = ""
        self._prefilled_for: tuple[str, str] | None = None  # (symbol, kind) the price was filled for
        self.kind_label = QLabel("Type", parent)
        self.kind_buttons: dict[str, QToolButton] = {}
        self.kinds = QButtonGroup(self)
        for kind in KINDS:
            b = QToolButton(parent)
            b.setText(kind.capitalize())
            b.setObjectName(f"kind_{kind}")
            b.setCheckable(True)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.setToolTip(TIPS[kind])
            self.kinds.addButton(b)
            self.kind_buttons[kind] = b
        self.kind_buttons["market"].setChecked(True)
        self.price_label = QLabel("Price", parent)
        self.price_box = number_box(parent, suffix=" USDT")
        self.price_box.setObjectName("ticketPrice")
        self.mark_button = QToolButton(parent)
        self.mark_button.setText("Mark")
        self.mark_button.setToolTip("set the price to the mark (on the tick)")
        self.tp_check = QCheckBox("TP", parent)
        self.tp_check.setObjectName("ticketTakeProfit")
        self.tp_check.setToolTip(
            "take-profit: closes the new position when the mark reaches this price on its profitable "
            "side (above the entry for a long, below for a short)"
        )
        self.tp_box = number_box(parent)
        self.tp_box.setObjectName("ticketTakeProfitPrice")
        self.sl_check = QCheckBox("SL", parent)
        self.sl_check.setObjectName("ticketStopLoss")
        self.sl_check.setToolTip(
            "stop-loss: closes the new position when the mark reaches this price against it (below "
            "the entry for a long, above for a short), before its liquidation price if it lies before it"
        )
        self.sl_box = number_box(parent)
        self.sl_box.setObjectName("ticketStopLossPrice")
        self.hint = QLabel(HINTS["market"], parent)
        self.hint.setObjectName("ticketKindHint")
        self.hint.setWordWrap(True)
        self.hint.setToolTip(TIPS["market"])
        self.summary = QLabel(parent)  # under the preview: what rests, what fills now, TP and SL
        self.summary.setObjectName("ticketOrderSummary")
        self.summary.setWordWrap(True)
        self.summary.hide()
        for box in (self.tp_box, self.sl_box):
            box.setEnabled(False)
        self.kinds.buttonToggled.connect(self._kind_toggled)
        self.mark_button.clicked.connect(self.price_to_mark)
        self.price_box.valueChanged.connect(self.changed)
        self.tp_check.toggled.connect(lambda on: self._exit_toggled(self.tp_box, on, TP_OFFSET))
        self.sl_check.toggled.connect(lambda on: self._exit_toggled(self.sl_box, on, SL_OFFSET))
        self.tp_box.valueChanged.connect(self.changed)
        self.sl_box.valueChanged.connect(self.changed)
        theme.changed.connect(self._restyle)
        self._restyle()
        self._show_kind()

    def add_rows(self, grid: QGridLayout, row: int) -> int:
        """Put the section into the ticket's form from ``row``; returns the next free row."""
        kinds = QHBoxLayout()
        kinds.setSpacing(0)
        for b in self.kind_buttons.values():
            kinds.addWidget(b)
        grid.addWidget(self.kind_label, row, 0)
        grid.addLayout(kinds, row, 1, 1, 2)
        price = QHBoxLayout()
        price.addWidget(self.price_box, 1)
        price.addWidget(self.mark_button)
        grid.addWidget(self.price_label, row + 1, 0)
        grid.addLayout(price, row + 1, 1, 1, 2)
        exits = QHBoxLayout()
        exits.addWidget(self.tp_check)
        exits.addWidget(self.tp_box, 1)
        exits.addSpacing(6)
        exits.addWidget(self.sl_check)
        exits.addWidget(self.sl_box, 1)
        grid.addLayout(exits, row + 2, 0, 1, 3)
        grid.addWidget(self.hint, row + 3, 0, 1, 3)
        return row + 4

    # ------------------------------------------------------------------ reading the form
    @property
    def kind(self) -> str:
        return next(k for k, b in self.kind_buttons.items() if b.isChecked())

    def set_kind(self, kind: str) -> None:
        self.kind_buttons[kind].setChecked(True)

    def price(self) -> Decimal:
        return typed(self.price_box)

    def take_profit(self) -> Decimal | None:
        return typed(self.tp_box) if self.tp_check.isChecked() and typed(self.tp_box) > 0 else None

    def stop_loss(self) -> Decimal | None:
        return typed(self.sl_box) if self.sl_check.isChecked() and typed(self.sl_box) > 0 else None

    def command(self, open_: Open) -> Open | Order:
        """The ticket's order as the engine takes it: ``open_`` itself at market, else an order."""
        if self.kind == "market":
            return open_
        return Order(self.kind, self.price(), open_.symbol, open_.side, open_.qty, open_.leverage, open_.mode)  # type: ignore[arg-type]

    def exits(self, order: str, lot: str) -> Exits:
        return Exits(order, lot, self.take_profit(), self.stop_loss())

    # ------------------------------------------------------------------ keeping the form sensible
    def set_instrument(self, inst: Instrument, mark: Decimal | None) -> None:
        """Another symbol (or its first price): boxes on its tick, prices filled in afresh."""
        self._tick = inst.tick_size
        self._mark = mark
        for box in (self.price_box, self.tp_box, self.sl_box):
            with QSignalBlocker(box):
                box.setDecimals(fmt.places(inst.tick_size))
                box.setSingleStep(float(inst.tick_size))
        if inst.symbol != self._symbol:
            self._symbol = inst.symbol
            self._prefill(force=True)
            for check, box, offset in (
                (self.tp_check, self.tp_box, TP_OFFSET),
                (self.sl_check, self.sl_box, SL_OFFSET),
            ):
                if check.isChecked():
                    self._set(box, self._from_entry(offset))

    def follow_mark(self, mark: Decimal | None) -> None:
        """The mark moved: a price not filled in yet (there was no mark) is filled now."""
        self._mark = mark
        if self._prefilled_for is None and self.kind != "market" and self.price() <= 0:
            self._prefill(force=True)

    def price_to_mark(self) -> None:
        if self._mark is not None:
            self._set(self.price_box, fmt.round_to_tick(self._mark, self._tick))

    def _kind_toggled(self, button: QToolButton, checked: bool) -> None:
        if checked:
            self._show_kind()
            self._prefill()
            self.changed.emit()

    def _show_kind(self) -> None:
        resting_kind = self.kind != "market"
        for w in (self.price_label, self.price_box, self.mark_button):
            w.setVisible(resting_kind)
        self.hint.setText(HINTS[self.kind])
        self.hint.setToolTip(TIPS[self.kind])

    def _prefill(self, force: bool = False) -> None:
        """A limit 1 % below the mark, a stop 1 % above it (on the tick): when the kind or the
        symbol changes, never over a price the person typed for the same symbol and kind."""
        kind = self.kind
        if kind == "market" or self._mark is None:
            return
        key = (self._symbol, kind)
        if not force and self._prefilled_for == key and self.price() > 0:
            return
        self._prefilled_for = key
        self._set(self.price_box, fmt.round_to_tick(self._mark * (1 + OFFSETS[kind]), self._tick))

    def _from_entry(self, offset: Decimal) -> Decimal:
        base = self.price() if self.kind != "market" and self.price() > 0 else self._mark
        return fmt.round_to_tick(base * (1 + offset), self._tick) if base else Decimal(0)

    def _exit_toggled(self, box: QDoubleSpinBox, on: bool, offset: Decimal) -> None:
        box.setEnabled(on)
        if on and typed(box) <= 0:
            self._set(box, self._from_entry(offset))
        self.changed.emit()

    @staticmethod
    def _set(box: QDoubleSpinBox, value: Decimal) -> None:
        box.setValue(float(value))

    # ------------------------------------------------------------------ asking the engine
    def preview(self, command: Open | Order) -> Preview:
        """The order on a copy of the account; if it rests, the price that fills it; then the TP
        and SL on the lot it opened (the first refusal ends it: ``Preview.rejected``)."""
        preview = self.bridge.preview(command)
        if preview.rejected is not None:
            return preview
        placed = resting(preview)
        if placed is not None and fill_of(preview) is None:
            preview.then(Price(placed.symbol, placed.price))
        opened = next((e for e in preview.events if isinstance(e, Opened)), None)
        if opened is not None:
            for order in self.exits("", opened.position).orders():
                if any(isinstance(e, Rejected) for e in preview.then(order)):
                    break
        return preview

    def show_summary(self, previews: Mapping[tuple[Mode, Side], Preview], mode: Mode) -> None:
        """Under the preview: what a Limit or Stop (and the TP and SL) would do for each side."""
        text = self.describe(previews, mode)
        self.summary.setText(text)
        self.summary.setVisible(bool(text))

    def describe(self, previews: Mapping[tuple[Mode, Side], Preview], mode: Mode) -> str:
        """One line per side of the chosen mode: what the order would do there."""
        if self.kind == "market" and self.take_profit() is None and self.stop_loss() is None:
            return ""
        lines = []
        for side in SIDES:
            preview = previews.get((mode, side))
            if preview is None:
                continue
            head = "Buy" if side == "long" else "Sell"
            lines.append(f"{head}: {self._what(preview)}")
        return "\n".join(lines)

    def _what(self, preview: Preview) -> str:
        tick = self._tick
        placed = next((e for e in preview.events if isinstance(e, OrderPlaced)), None)
        fill = fill_of(preview)
        parts = []
        if self.kind != "market" and placed is not None:
            rests = placed.reserved > 0
            if rests:
                fee = f", {fill.liquidity} fee {fmt.money(fill.fee)}" if fill else ""
                parts.append(
                    f"rests at {fmt.price(placed.price, tick)} (holds {fmt.money(placed.reserved)}{fee})"
                )
            elif fill is not None:
                parts.append(f"fills now at {fmt.price(fill.price, tick)} (taker fee {fmt.money(fill.fee)})")
        parts += [
            f"{'TP' if e.kind == 'take_profit' else 'SL'} {fmt.price(e.price, tick)}"
            for e in preview.events
            if isinstance(e, OrderPlaced) and not e.opens
        ]
        if preview.rejected is not None:
            parts.append(f"refused: {preview.rejected.message}")
        return " · ".join(parts) if parts else "—"

    # ------------------------------------------------------------------ sending it
    def place(self, command: Open | Order) -> tuple[list[Event], str, bool]:
        """Send the order and its TP and SL: (events, the sentence to show, whether it is an error).

        With a TP or SL the whole is checked on a copy first, so nothing is sent unless all of it
        would be accepted (a TP on the wrong side of the fill would be refused)."""
        wants_exits = self.take_profit() is not None or self.stop_loss() is not None
        if wants_exits:
            preview = self.preview(command)
            if preview.rejected is not None:
                return [], preview.rejected.message, True
        events = self.bridge.submit(command)
        rejected = next((e for e in events if isinstance(e, Rejected)), None)
        if rejected is not None:
            return events, rejected.message, True
        placed = next((e for e in events if isinstance(e, OrderPlaced)), None)
        opened = next((e for e in events if isinstance(e, Opened)), None)
        said = [self.bridge.describe(e) for e in (placed, opened) if e is not None]
        if opened is not None:
            for order in self.exits("", opened.position).orders():
                more = self.bridge.submit(order)
                events += more
                said += [self.bridge.describe(e) for e in more if isinstance(e, OrderPlaced | Rejected)]
        elif placed is not None and wants_exits:
            self.attached.attach(self.exits(placed.order, placed.position))
            said.append(f"its take-profit and stop-loss go on {placed.position} when it fills")
        error = any(isinstance(e, Rejected) for e in events)
        return events, "; ".join(said), error

    # ------------------------------------------------------------------ look
    def _restyle(self, *_: object) -> None:
        muted = f"color: {theme.palette.muted}; font-size: 8pt;"
        self.hint.setStyleSheet(muted)
        self.summary.setStyleSheet(muted)
        for b in self.kind_buttons.values():
            b.setStyleSheet("QToolButton { padding: 4px 8px; } QToolButton:checked { font-weight: bold; }")
        self.tp_check.setStyleSheet(f"color: {theme.palette.up};")
        self.sl_check.setStyleSheet(f"color: {theme.palette.down};")
