"""Dialogs that change a position after showing the engine's answer: add or remove isolated margin,
change leverage, close part of it. Each shows now → after side by side (the engine's preview on a
copy of the account) and enables its confirm button only when the engine would accept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_FLOOR, Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qthrottled

from ...engine import AdjustMargin, Close, Closed, Command, Event, PositionView, Rejected, SetLeverage
from .. import format as fmt
from ..bridge import Preview, SessionBridge
from ..theme import theme
from ..widgets import number_box, typed
from .tooltips import RATIO_CONVENTION

PREVIEW_EVERY_MS = 250  # an open dialog follows moving prices at most 4× a second
Send = Callable[[Command], list[Event]]


class PreviewDialog(QDialog):
    """A few inputs, the engine's preview of what they would do (now → after), and a confirm
    button. While it is open the preview follows the account (at most 4× a second)."""

    ROWS: tuple[tuple[str, str], ...] = ()

    def __init__(
        self, bridge: SessionBridge, p: PositionView, title: str, send: Send, parent: QWidget | None
    ):
        super().__init__(parent)
        self.bridge = bridge
        self.pid = p.id
        self.tick = bridge.instrument(p.symbol).tick_size
        self.send_command = send
        self.result_events: list[Event] = []
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.form = QGridLayout()
        self.form.setHorizontalSpacing(10)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        self.cells: dict[tuple[str, str], QLabel] = {}
        self._muted: list[QLabel] = []
        for col, head in enumerate(("", "Now", "After")):
            h = self._label(head, muted=True)
            h.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(h, 0, col)
        for row, (key, label) in enumerate(self.ROWS, start=1):
            grid.addWidget(self._label(label, muted=True), row, 0)
            for col, when in enumerate(("now", "after"), start=1):
                cell = QLabel("—", self)
                cell.setObjectName(f"{when}_{key}")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                if when == "after":
                    cell.setStyleSheet("font-weight: bold;")
                grid.addWidget(cell, row, col)
                self.cells[(key, when)] = cell
        grid.setColumnStretch(0, 1)
        self.message = QLabel(self)
        self.message.setObjectName("previewMessage")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(34)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._error = False
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.addButton("OK", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        note = self._label(f"Preview: the engine's numbers if you confirm. {RATIO_CONVENTION}.", muted=True)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addSpacing(4)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._follow = qthrottled(self.update_preview, timeout=PREVIEW_EVERY_MS, leading=False, parent=self)
        bridge.positions_changed.connect(self._position_changed)
        bridge.positions_removed.connect(self._position_removed)
        bridge.account_changed.connect(self._account_changed)
        self._following = True
        theme.changed.connect(self._restyle)
        self.finished.connect(self._stop)
        self._restyle()

    def _label(self, text: str, muted: bool = False) -> QLabel:
        label = QLabel(text, self)
        if muted:
            self._muted.append(label)
        return label

    def _restyle(self, *_: object) -> None:
        for label in self._muted:
            label.setStyleSheet(f"color: {theme.palette.muted};")
        self.say(self.message.text(), self._error)

    # -- following the account while open
    def _position_changed(self, changes: Mapping[str, frozenset[str]]) -> None:
        if self.pid in changes:
            self._follow()

    def _position_removed(self, ids: Iterable[str]) -> None:
        if self.pid in ids:
            self.update_preview()

    def _account_changed(self, *_: object) -> None:
        self._follow()

    def _stop(self, *_: object) -> None:
        """Closed: stop following (a dialog may be shown once; the panel makes a new one each time)."""
        self._follow.cancel()
        if not self._following:
            return
        self._following = False
        for signal, slot in (
            (self.bridge.positions_changed, self._position_changed),
            (self.bridge.positions_removed, self._position_removed),
            (self.bridge.account_changed, self._account_changed),
        ):
            signal.disconnect(slot)

    # -- subclasses
    def command(self) -> Command | None:
        raise NotImplementedError

    def fill(self, now: PositionView, preview: Preview | None) -> None:
        """Show the rows for ``now`` and, if there is an accepted ``preview``, after it."""
        raise NotImplementedError

    # -- shared
    def set_row(self, key: str, now: str, after: str) -> None:
        self.cells[(key, "now")].setText(now)
        self.cells[(key, "after")].setText(after)

    def say(self, sentence: str, error: bool = False) -> None:
        self._error = error
        self.message.setStyleSheet(f"color: {theme.palette.down if error else theme.palette.muted};")
        self.message.setText(sentence)

    def update_preview(self) -> None:
        now = self.bridge.position(self.pid)
        if now is None:
            self.say(f"{self.pid} is no longer open.", error=True)
            self.ok.setEnabled(False)
            return
        command = self.command()
        preview = self.bridge.preview(command) if command is not None else None
        accepted = preview is not None and preview.rejected is None
        self.fill(now, preview if accepted else None)
        if preview is not None and preview.rejected is not None:
            self.say(preview.rejected.message, error=True)
        self.ok.setEnabled(accepted)

    def send(self) -> None:
        command = self.command()
        if command is None:
            return
        self.result_events = self.send_command(command)
        rejected = next((e for e in self.result_events if isinstance(e, Rejected)), None)
        if rejected is not None:  # prices moved since the preview: say so, stay open
            self.say(rejected.message, error=True)
            self.ok.setEnabled(False)
            return
        self.accept()

    def liquidation(self, p: PositionView | None) -> str:
        return fmt.liquidation(p, self.tick) if p is not None else fmt.DASH


class MarginDialog(PreviewDialog):
    """Add margin to an isolated position from the available balance, or remove some of it."""

    ROWS = (
        ("wallet", "Isolated wallet"),
        ("ratio", "Margin ratio"),
        ("liq", "Liq. price"),
        ("available", "Available"),
    )

    def __init__(self, bridge: SessionBridge, p: PositionView, send: Send, parent: QWidget | None = None):
        super().__init__(bridge, p, f"Adjust margin · {p.id} {p.symbol} {p.side} isolated", send, parent)
        self.add_button = QToolButton(self)
        self.add_button.setText("Add")
        self.remove_button = QToolButton(self)
        self.remove_button.setText("Remove")
        self.direction = QButtonGroup(self)
        for b in (self.add_button, self.remove_button):
            b.setCheckable(True)
            b.setMinimumWidth(80)
            self.direction.addButton(b)
        self.add_button.setChecked(True)
        self.amount = number_box(self, suffix=" USDT")
        self.amount.setObjectName("marginAmount")
        self.max_button = QPushButton("Max", self)
        self.max_button.setToolTip(
            "the most the engine allows: all the available balance to add; to "
            "remove, what keeps the initial margin at the mark and the position safe"
        )
        self.limit = self._label("", muted=True)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.form.addLayout(row, 0, 0, 1, 3)
        self.form.addWidget(QLabel("Amount", self), 1, 0)
        self.form.addWidget(self.amount, 1, 1)
        self.form.addWidget(self.max_button, 1, 2)
        self.form.addWidget(self.limit, 2, 1, 1, 2)
        self.form.setColumnStretch(1, 1)
        self._restyle()
        self.amount.valueChanged.connect(self.update_preview)
        self.direction.buttonToggled.connect(self._direction_changed)
        self.max_button.clicked.connect(self.set_max)
        self._direction_changed()
        self.amount.setFocus()

    @property
    def adding(self) -> bool:
        return self.add_button.isChecked()

    def _direction_changed(self, *_: object) -> None:
        self.ok.setText("Add margin" if self.adding else "Remove margin")
        self.update_preview()

    def max_amount(self) -> Decimal:
        """The engine's limit: the available balance to add, ``max_removable`` to remove."""
        if self.adding:
            return self.bridge.view().available.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        return self.bridge.max_removable(self.pid)

    def set_max(self) -> None:
        self.set_amount(self.max_amount())

    def set_amount(self, amount: Decimal) -> None:
        self.amount.setValue(float(amount))

    def command(self) -> Command | None:
        amount = typed(self.amount)
        if amount <= 0:
            return None
        return AdjustMargin(self.pid, amount if self.adding else -amount)

    def fill(self, now: PositionView, preview: Preview | None) -> None:
        available = self.bridge.view().available
        if self.adding:
            self.limit.setText(f"up to the available {fmt.money(available)} USDT")
        else:
            self.limit.setText(
                f"up to {fmt.money(self.max_amount())} USDT (the wallet must keep the "
                f"initial margin at the mark)"
            )
        after = preview.position(self.pid) if preview is not None else None
        wallet = after.isolated_wallet if after is not None else None
        self.set_row(
            "wallet",
            fmt.money(now.isolated_wallet or Decimal(0)),
            fmt.money(wallet) if wallet is not None else fmt.DASH,
        )
        self.set_row("ratio", fmt.pct(now.margin_ratio), fmt.pct(after.margin_ratio) if after else fmt.DASH)
        self.set_row("liq", self.liquidation(now), self.liquidation(after))
        self.set_row(
            "available", fmt.money(available), fmt.money(preview.view().available) if preview else fmt.DASH
        )
        if self.command() is None:
            self.say(
                "Type an amount to "
                + ("add from the available balance." if self.adding else "take back to the cross wallet.")
            )
        elif after is not None:
            self.say(
                f"{'Adds' if self.adding else 'Removes'} {fmt.money(typed(self.amount))} USDT "
                f"{'to' if self.adding else 'from'} {self.pid}'s isolated wallet."
            )


class LeverageDialog(PreviewDialog):
    ROWS = (
        ("leverage", "Leverage"),
        ("initial", "Initial margin"),
        ("wallet", "Isolated wallet"),
        ("liq", "Liq. price"),
        ("ratio", "Margin ratio"),
        ("available", "Available"),
    )

    def __init__(self, bridge: SessionBridge, p: PositionView, send: Send, parent: QWidget | None = None):
        super().__init__(bridge, p, f"Leverage · {p.id} {p.symbol} {p.side} {p.mode}", send, parent)
        self.leverage = QSpinBox(self)
        self.leverage.setObjectName("leverageBox")
        self.leverage.setRange(1, p.bracket_max_leverage)
        self.leverage.setValue(p.leverage)
        self.leverage.setSuffix("×")
        self.leverage.setKeyboardTracking(True)
        self.form.addWidget(QLabel("Leverage", self), 0, 0)
        self.form.addWidget(self.leverage, 0, 1)
        hint = self._label(
            f"up to {p.bracket_max_leverage}× at this size ({fmt.money(p.notional)} USDT)", muted=True
        )
        self.form.addWidget(hint, 1, 1)
        self._restyle()
        self.ok.setText("Set leverage")
        self.leverage.valueChanged.connect(self.update_preview)
        self.update_preview()

    def command(self) -> Command | None:
        now = self.bridge.position(self.pid)
        if now is None or self.leverage.value() == now.leverage:
            return None
        return SetLeverage(self.pid, self.leverage.value())

    def fill(self, now: PositionView, preview: Preview | None) -> None:
        after = preview.position(self.pid) if preview is not None else None

        def wallet(p: PositionView) -> str:
            return fmt.money(p.isolated_wallet) if p.isolated_wallet is not None else "cross"

        dash = fmt.DASH
        self.set_row("leverage", f"{now.leverage}×", f"{after.leverage}×" if after else dash)
        self.set_row(
            "initial", fmt.money(now.initial_margin), fmt.money(after.initial_margin) if after else dash
        )
        self.set_row("wallet", wallet(now), wallet(after) if after else dash)
        self.set_row("liq", self.liquidation(now), self.liquidation(after))
        self.set_row("ratio", fmt.pct(now.margin_ratio), fmt.pct(after.margin_ratio) if after else dash)
        self.set_row(
            "available",
            fmt.money(self.bridge.view().available),
            fmt.money(preview.view().available) if preview else dash,
        )
        if self.command() is None:
            self.say("Choose another leverage to see what it changes.")
        elif after is not None:
            self.say(
                "Isolated: the wallet is resized to the initial margin at entry for the new leverage."
                if now.mode == "isolated"
                else "Cross: only the initial margin counted against the available balance changes."
            )


class CloseDialog(PreviewDialog):
    """Close part (or all) of a position at the mark, after seeing what it realises."""

    ROWS = (
        ("size", "Size"),
        ("pnl", "PnL"),
        ("fee", "Fee"),
        ("released", "Margin released"),
        ("liq", "Liq. price"),
    )

    def __init__(
        self,
        bridge: SessionBridge,
        p: PositionView,
        send: Send,
        parent: QWidget | None = None,
        fraction: Decimal = Decimal("0.5"),
    ):
        super().__init__(bridge, p, f"Close · {p.id} {p.symbol} {p.side} {p.mode}", send, parent)
        self.step = bridge.instrument(p.symbol).qty_step
        self.qty = number_box(self, fmt.places(self.step), f" {fmt.base_asset(p.symbol)}", float(p.qty))
        self.qty.setObjectName("closeQty")
        self.qty.setMinimum(float(self.step))
        self.qty.setSingleStep(float(self.step))
        self.form.addWidget(QLabel("Quantity", self), 0, 0)
        self.form.addWidget(self.qty, 0, 1, 1, 4)
        self.presets: dict[int, QPushButton] = {}
        shares = QHBoxLayout()
        for share in (25, 50, 75, 100):
            b = QPushButton(f"{share} %", self)
            b.clicked.connect(lambda _=False, s=share: self.set_fraction(Decimal(s) / 100))
            shares.addWidget(b)
            self.presets[share] = b
        self.form.addLayout(shares, 1, 1, 1, 4)
        self.form.setColumnStretch(1, 1)
        self.ok.setText("Close at the mark")
        self.qty.valueChanged.connect(self.update_preview)
        self.set_fraction(fraction)
        self.update_preview()

    def set_fraction(self, fraction: Decimal) -> None:
        p = self.bridge.position(self.pid)
        if p is not None:
            self.qty.setValue(float(max(fmt.floor_to_step(p.qty * fraction, self.step), self.step)))

    def quantity(self) -> Decimal:
        return fmt.floor_to_step(typed(self.qty), self.step)

    def command(self) -> Command | None:
        p = self.bridge.position(self.pid)
        qty = self.quantity()
        if p is None or qty <= 0:
            return None
        return Close(self.pid, None if qty >= p.qty else qty)

    def fill(self, now: PositionView, preview: Preview | None) -> None:
        closed = next((e for e in preview.events if isinstance(e, Closed)), None) if preview else None
        after = preview.position(self.pid) if preview is not None else None
        dash = fmt.DASH

        def size(p: PositionView) -> str:
            return fmt.size(p.qty, p.symbol, self.step)

        self.set_row("size", size(now), size(after) if after else ("closed" if closed else dash))
        self.set_row(
            "pnl",
            f"{fmt.signed_money(now.unrealized_pnl)} unrealised",
            f"{fmt.signed_money(closed.realized_pnl)} realised" if closed else dash,
        )
        self.set_row("fee", "", fmt.money(closed.fee) if closed else dash)
        self.set_row("released", "", fmt.money(closed.released_margin) if closed else dash)
        self.set_row("liq", self.liquidation(now), self.liquidation(after))
        if closed is not None:
            self.say(
                f"Closes {fmt.size(closed.qty, now.symbol, self.step)} of {self.pid} at "
                f"{fmt.price(closed.price, self.tick)}; the realised "
                f"PnL and the released margin go to the cross wallet, the fee comes out of it."
            )
