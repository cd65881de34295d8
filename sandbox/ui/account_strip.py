"""The account strip: the few numbers that say where the money is. Each one's tooltip shows how the
engine got it, with the current values (written when the tooltip opens, not every frame).

It follows ``bridge.account_changed``: a frame that moved only the equity rewrites only that label.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QEvent
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from ..engine import AccountView
from ..engine.buffer import pool_buffer
from . import format as fmt
from .bridge import SessionBridge
from .positions.tooltips import RATIO_CONVENTION
from .ratio_bar import band_role, used_text
from .theme import theme

FIELDS = (
    ("cross_wallet", "Cross wallet"),
    ("isolated_wallets", "Isolated"),
    ("available", "Available"),
    ("reserved", "Reserved"),
    ("total_wallet", "Total wallet"),
    ("equity", "Equity"),
    ("insurance_fund", "Insurance fund"),
    ("cross_margin_ratio", "Cross margin ratio"),
)
RATIO = "cross_margin_ratio"
_ZERO = Decimal(0)


def shown(key: str, v: AccountView) -> str:
    """What the field's label says. The insurance fund starts at zero in the sandbox, so its net
    reads as what it did: "+12.34 USDT" taken in, or "paid 258.84 USDT" when shortfalls it
    covered outweigh what it took in (never a bare negative balance)."""
    value = getattr(v, key)
    if key == RATIO:
        return fmt.pct(value)
    if key == "insurance_fund" and value < 0:
        return f"paid {fmt.money(-value)} USDT"
    if key == "insurance_fund" and value > 0:
        return f"+{fmt.money(value)} USDT"
    return f"{fmt.money(value)} USDT"


def explain(key: str, v: AccountView, took_in: Decimal = _ZERO, paid: Decimal = _ZERO) -> str:
    """The tooltip of ``key``; ``took_in`` and ``paid`` are the insurance fund's running totals
    (the engine's ledger)."""
    m = fmt.money
    if key == "cross_wallet":
        return (
            f"cross wallet {m(v.cross_wallet)} USDT: deposits − withdrawals + realised PnL − fees, less what "
            f"sits in isolated wallets. Every cross position shares it, and a cross liquidation can take all of it."
        )
    if key == "isolated_wallets":
        parts = [f"{p.id} {m(p.isolated_wallet)}" for p in v.positions if p.isolated_wallet is not None]
        listed = " + ".join(parts) if parts else "no isolated positions"
        return (
            f"isolated wallets = {listed} = {m(v.isolated_wallets)} USDT\neach backs only its own "
            f"position: an isolated liquidation loses that wallet and nothing else."
        )
    if key == "available":
        held = f" − reserved by resting orders {m(v.reserved)}" if v.reserved else ""
        return (
            f"available = cross margin balance {m(v.cross_margin_balance)} − cross initial margin "
            f"{m(v.cross_initial_margin)}{held} = {m(v.available)} USDT (never below 0)\nnew orders (margin and "
            f"fee), isolated margin additions and withdrawals come out of it."
        )
    if key == "reserved":
        parts = [f"{o.id} {m(o.reserved)}" for o in v.orders if o.opens]
        listed = " + ".join(parts) if parts else "no resting opening order"
        return (
            f"reserved = {listed} = {m(v.reserved)} USDT\neach resting limit or stop that opens a position "
            f"holds its initial margin and taker fee at its price out of the available balance; it comes "
            f"back when the order fills (and pays its margin) or is cancelled."
        )
    if key == "total_wallet":
        return (
            f"total wallet = cross wallet {m(v.cross_wallet)} + isolated wallets {m(v.isolated_wallets)} = "
            f"{m(v.total_wallet)} USDT\nit changes only with deposits, withdrawals, realised PnL, fees "
            f"and liquidations."
        )
    if key == "equity":
        return (
            f"equity = total wallet {m(v.total_wallet)} + every unrealised PnL (cross "
            f"{m(v.cross_unrealized_pnl)}, isolated {m(v.isolated_unrealized_pnl)}) = {m(v.equity)} USDT"
        )
    if key == "insurance_fund":
        return (
            f"insurance fund: it starts at 0 in the sandbox.\ntook in {m(took_in)} USDT: liquidation fees and "
            f"what was left of liquidated isolated wallets\npaid {m(paid)} USDT: shortfalls, when a price "
            f"jumped past a bankruptcy price (the wallet stops at zero and the fund pays the rest)\n"
            f"net {m(v.insurance_fund)} USDT"
        )
    if key == RATIO:
        pool = pool_buffer(v)
        used = (
            f"\nmargin buffer used: loss {m(pool.loss)} ÷ (cross wallet {m(pool.wallet)} − maintenance "
            f"{m(pool.maintenance)}) = {used_text(pool.used)} (the colour)"
            if pool is not None
            else ""
        )
        return (
            f"cross margin ratio = cross maintenance {m(v.cross_maintenance_margin)} ÷ cross margin balance "
            f"{m(v.cross_margin_balance)} = {fmt.pct(v.cross_margin_ratio)}\n{RATIO_CONVENTION}: at 100 % every "
            f"cross position is closed.\ncross margin balance = cross wallet {m(v.cross_wallet)} + cross uPnL "
            f"{m(v.cross_unrealized_pnl)}{used}"
        )
    return ""


class _Field(QWidget):
    """A name over a value; the tooltip is asked for when it opens."""

    def __init__(self, label: str, tip: Callable[[], str], parent: QWidget):
        super().__init__(parent)
        self.tip = tip
        self.name = QLabel(label, self)
        self.value = QLabel("—", self)
        self.value.setObjectName("accountValue")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.name)
        box.addWidget(self.value)

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            QToolTip.showText(event.globalPos(), self.tip(), self)
            return True
        return super().event(event)


class AccountStrip(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("accountStrip")
        self.bridge = bridge
        self.fields: dict[str, _Field] = {}
        self.values: dict[str, QLabel] = {}
        self._ratio_colour = ""
        # A minimum of its own: numbers that grow (a seven-figure equity, "paid …") must never
        # widen the centre of the window and push the panels beside it under the pointer.
        self.setMinimumWidth(320)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(16)
        for key, label in FIELDS:
            field = _Field(label, self._tip(key), self)
            row.addWidget(field)
            self.fields[key] = field
            self.values[key] = field.value
        row.addStretch(1)
        bridge.account_changed.connect(self._changed)
        bridge.reset.connect(self.refresh)
        theme.changed.connect(self._restyle)
        self._restyle()

    def _tip(self, key: str) -> Callable[[], str]:
        return lambda: self.tooltip(key)

    def tooltip(self, key: str) -> str:
        """What the field's tooltip says right now."""
        ledger = self.bridge.timeline.account.ledger
        return explain(key, self.bridge.view(), ledger.liquidation_fees, ledger.insurance_payouts)

    def _restyle(self, *_: object) -> None:
        for key, field in self.fields.items():
            field.name.setStyleSheet(f"color: {theme.palette.muted}; font-size: 8pt;")
            if key != RATIO:
                field.value.setStyleSheet("font-weight: bold;")
        self._ratio_colour = ""
        self.refresh()

    def refresh(self) -> None:
        self._changed(frozenset(self.values))

    def _changed(self, fields: frozenset[str]) -> None:
        v = self.bridge.view()
        for key in fields & self.values.keys():
            self.values[key].setText(shown(key, v))
        if RATIO in fields:  # coloured by how much of the pool's buffer is used
            pool = pool_buffer(v)
            colour = getattr(theme.palette, band_role(pool.used if pool is not None else None))
            if colour != self._ratio_colour:  # a style sheet costs a re-polish: only when it changes
                self._ratio_colour = colour
                self.values[RATIO].setStyleSheet(f"font-weight: bold; color: {colour};")
