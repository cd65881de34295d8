"""Dialogs that change a position after showing the engine's answer (``PreviewDialog``): add or
remove isolated margin, change leverage, close part of it."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QSpinBox, QToolButton, QWidget

from ...engine import AdjustMargin, Close, Closed, Command, PositionView, SetLeverage
from .. import format as fmt
from ..bridge import Preview, SessionBridge
from ..widgets import number_box, typed
from .preview_dialog import PreviewDialog, Send


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
                f"up to {fmt.money(self.max_amount())} USDT (the wallet keeps its initial margin "
                f"and stays above maintenance)"
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
