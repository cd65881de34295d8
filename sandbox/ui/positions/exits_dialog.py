"""The take-profit / stop-loss editor of a position row: set, move or remove its TP and SL, after
seeing what each would realise and, for the stop, how that compares with being liquidated.

What each would realise is the engine's answer on a copy of the account: the orders as they would
stand, then the mark moved to the order's price (so the TP or SL fills there, at the taker fee).
If the stop lies past the liquidation price, the copy liquidates the position first and the
stop is cancelled with it; the dialog says so. Moving an existing TP or SL keeps its id (cancel
and place again), as dragging its line on the chart does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QPushButton, QWidget

from ...engine import (
    Cancel,
    Command,
    Liquidated,
    OrderFilled,
    OrderKind,
    OrderView,
    PositionView,
    Price,
    Rejected,
)
from .. import format as fmt
from ..bridge import Preview, SessionBridge
from ..orders.commands import exit_order, replacement, role
from ..widgets import number_box, typed
from .preview_dialog import PreviewDialog, Send

TP_OFFSET, SL_OFFSET = (
    Decimal("0.05"),
    Decimal("0.03"),
)  # prefilled from the mark, on the profitable / losing side


@dataclass(frozen=True, slots=True)
class Realised:
    """What moving the mark to an exit's price would do: the fill's net PnL (realised − fee), or
    the liquidation that came first (``liquidated``)."""

    net: Decimal | None
    liquidated: Liquidated | None = None


def realised(preview: Preview, symbol: str, pid: str, kind_role: str, price: Decimal) -> Realised:
    """Move the mark of ``symbol`` to ``price`` on ``preview``'s copy and read what happened to ``pid``."""
    events = preview.then(Price(symbol, price))
    for e in events:
        if isinstance(e, Liquidated) and pid in e.gone:
            return Realised(None, e)
        if (
            isinstance(e, OrderFilled)
            and not e.opens
            and e.position == pid
            and e.realized_pnl is not None
            and (e.kind == "stop") == (kind_role == "sl")
        ):
            return Realised(e.realized_pnl - e.fee)
    return Realised(None)


class ExitsDialog(PreviewDialog):
    ROWS = (
        ("tp", "Take-profit at"),
        ("tp_pnl", "it would realise"),
        ("sl", "Stop-loss at"),
        ("sl_pnl", "it would realise"),
        ("liq", "Liq. price"),
        ("stake", "Margin behind it"),
    )

    def __init__(self, bridge: SessionBridge, p: PositionView, send: Send, parent: QWidget | None = None):
        super().__init__(
            bridge, p, f"Take-profit / stop-loss · {p.id} {p.symbol} {p.side} {p.mode}", send, parent
        )
        self.symbol = p.symbol
        self.side = p.side
        tp, sl = self.current("tp"), self.current("sl")
        self.tp_check = QCheckBox("Take-profit", self)
        self.tp_check.setObjectName("exitsTakeProfit")
        self.tp_box = self._price_box(
            "exitsTakeProfitPrice", tp, TP_OFFSET if p.side == "long" else -TP_OFFSET
        )
        self.sl_check = QCheckBox("Stop-loss", self)
        self.sl_check.setObjectName("exitsStopLoss")
        self.sl_box = self._price_box("exitsStopLossPrice", sl, -SL_OFFSET if p.side == "long" else SL_OFFSET)
        self.tp_check.setChecked(tp is not None)
        self.sl_check.setChecked(sl is not None)
        self.clear_button = QPushButton("Remove both", self)
        self.clear_button.setToolTip("untick both: OK then cancels the position's TP and SL")
        self.clear_button.clicked.connect(self._clear)
        self.form.addWidget(self.tp_check, 0, 0)
        self.form.addWidget(self.tp_box, 0, 1)
        self.form.addWidget(self.sl_check, 1, 0)
        self.form.addWidget(self.sl_box, 1, 1)
        self.form.addWidget(self.clear_button, 1, 2)
        hint = self._label(
            f"{'above' if p.side == 'long' else 'below'} the mark takes profit, "
            f"{'below' if p.side == 'long' else 'above'} it stops the loss; both close all of {p.id}",
            muted=True,
        )
        hint.setWordWrap(True)
        self.form.addWidget(hint, 2, 0, 1, 3)
        self.form.setColumnStretch(1, 1)
        self._restyle()
        self.ok.setText("Set")
        for check, box in ((self.tp_check, self.tp_box), (self.sl_check, self.sl_box)):
            box.setEnabled(check.isChecked())
            check.toggled.connect(box.setEnabled)
            check.toggled.connect(self.update_preview)
            box.valueChanged.connect(self.update_preview)
        for signal in (bridge.orders_added, bridge.orders_removed, bridge.orders_changed):
            signal.connect(self._orders_moved)
        self.update_preview()

    def _price_box(self, name: str, current: OrderView | None, offset: Decimal) -> QDoubleSpinBox:
        box = number_box(self, fmt.places(self.tick), " USDT")
        box.setObjectName(name)
        box.setSingleStep(float(self.tick))
        mark = self.bridge.mark(self.symbol) or Decimal(0)
        box.setValue(
            float(current.price if current is not None else fmt.round_to_tick(mark * (1 + offset), self.tick))
        )
        return box

    def _clear(self) -> None:
        self.tp_check.setChecked(False)
        self.sl_check.setChecked(False)

    def _orders_moved(self, *_: object) -> None:
        self._follow()

    def _stop(self, *_: object) -> None:
        if self._following:
            for signal in (self.bridge.orders_added, self.bridge.orders_removed, self.bridge.orders_changed):
                signal.disconnect(self._orders_moved)
        super()._stop()

    # ------------------------------------------------------------------ what the form asks for
    def current(self, which: str) -> OrderView | None:
        """The position's first take-profit ("tp") or stop-loss ("sl") resting now."""
        return next((o for o in self.bridge.exits(self.pid) if role(o) == which), None)

    def wanted(self, which: str) -> Decimal | None:
        check, box = (self.tp_check, self.tp_box) if which == "tp" else (self.sl_check, self.sl_box)
        value = typed(box)
        return value if check.isChecked() and value > 0 else None

    def commands(self) -> list[Command]:
        """What OK sends: for each of TP and SL, nothing, a cancel, a new order, or a move (cancel
        and place again with the same id)."""
        out: list[Command] = []
        kinds: dict[str, OrderKind] = {"tp": "take_profit", "sl": "stop"}
        for which in ("tp", "sl"):
            now, price = self.current(which), self.wanted(which)
            if now is not None and price == now.price:
                continue
            if now is not None:
                out.append(Cancel(now.id))
            if price is not None:
                out.append(
                    replacement(now, price) if now is not None else exit_order(kinds[which], self.pid, price)
                )
        return out

    def command(self) -> Command | None:
        commands = self.commands()
        return commands[0] if commands else None

    # ------------------------------------------------------------------ the preview
    def _chain(self, commands: list[Command]) -> Preview:
        """The commands on one copy (a price that changes nothing when there are none)."""
        mark = self.bridge.mark(self.symbol) or Decimal(0)
        preview = self.bridge.preview(commands[0] if commands else Price(self.symbol, mark))
        for c in commands[1:]:
            if preview.rejected is not None:
                break
            preview.then(c)
        return preview

    def _realise(self, commands: list[Command], which: str, price: Decimal | None) -> Realised | None:
        if price is None:
            return None
        preview = self._chain(commands)
        return (
            None if preview.rejected is not None else realised(preview, self.symbol, self.pid, which, price)
        )

    def update_preview(self) -> None:
        now = self.bridge.position(self.pid)
        if now is None:
            self.say(f"{self.pid} is no longer open.", error=True)
            self.ok.setEnabled(False)
            return
        commands = self.commands()
        check = self._chain(commands) if commands else None
        if check is not None and check.rejected is not None:
            self._fill(now, commands, accepted=False)
            self.say(check.rejected.message, error=True)
            self.ok.setEnabled(False)
            return
        self.ok.setEnabled(bool(commands))
        self._fill(now, commands, accepted=True)

    def fill(self, now: PositionView, preview: Preview | None) -> None:
        self._fill(now, self.commands(), preview is not None)

    def _fill(self, now: PositionView, commands: list[Command], accepted: bool) -> None:
        dash = fmt.DASH
        results: dict[str, tuple[Realised | None, Realised | None]] = {}
        for which in ("tp", "sl"):
            current = self.current(which)
            price = self.wanted(which)
            self.set_row(
                which,
                fmt.price(current.price, self.tick) if current else dash,
                (fmt.price(price, self.tick) if price is not None else "none") if accepted else dash,
            )
            before = self._realise([], which, current.price) if current else None
            after = self._realise(commands, which, price) if accepted else None
            results[which] = (before, after)
            self.set_row(f"{which}_pnl", self._realised_text(before), self._realised_text(after))
        liq = self.liquidation(now)
        self.set_row("liq", liq, liq)
        stake = (
            f"{fmt.money(now.isolated_wallet)} isolated"
            if now.isolated_wallet is not None
            else "cross wallet"
        )
        self.set_row("stake", stake, stake)
        if accepted:
            self.say(self._sentence(now, results["sl"][1], self.wanted("sl")), error=False)

    @staticmethod
    def _realised_text(r: Realised | None) -> str:
        if r is None:
            return fmt.DASH
        if r.liquidated is not None:
            return "liquidated first"
        return fmt.signed_money(r.net) if r.net is not None else fmt.DASH

    def _sentence(self, now: PositionView, sl: Realised | None, price: Decimal | None) -> str:
        """The stop against the liquidation: what it would lose instead of the margin."""
        liq = self.liquidation(now)
        if price is None or sl is None:
            if not self.commands():
                return "Tick a take-profit or a stop-loss, or change a price, to see what it would do."
            return f"No stop-loss: {self.pid} runs until its liquidation price {liq}."
        at = fmt.price(price, self.tick)
        if sl.liquidated is not None:
            lost = (
                f"losing its {fmt.money(sl.liquidated.wallet_before)} USDT margin"
                if now.isolated_wallet is not None
                else "with every cross position"
            )
            return (
                f"The stop-loss at {at} lies past the liquidation price {liq}: {self.pid} would be "
                f"liquidated first ({lost}) and the stop cancelled with it."
            )
        if sl.net is None:
            return f"The stop-loss at {at} would not fill on a move to it."
        loss = fmt.money(-sl.net) if sl.net < 0 else None
        instead = (
            f"instead of its {fmt.money(now.isolated_wallet)} USDT margin"
            if now.isolated_wallet is not None
            else "instead of waiting for the cross pool's liquidation, which closes every cross position"
        )
        if loss is None:
            return f"The stop-loss at {at} would close {self.pid} with {fmt.signed_money(sl.net)} USDT (after the fee)."
        return (
            f"The stop-loss at {at} would close {self.pid} before its liquidation price {liq}: lose "
            f"{loss} USDT (after the fee) {instead}."
        )

    def send(self) -> None:
        commands = self.commands()
        if not commands:
            return
        self.result_events = []
        for c in commands:
            events = self.send_command(c)
            self.result_events += events
            rejected = next((e for e in events if isinstance(e, Rejected)), None)
            if rejected is not None:  # prices moved since the preview: say so, stay open
                self.say(rejected.message, error=True)
                self.ok.setEnabled(False)
                return
        self.accept()
