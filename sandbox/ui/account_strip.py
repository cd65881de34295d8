"""The account strip: the few numbers that say where the money is."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..engine import text
from . import chart_common as cc
from .bridge import SessionBridge

FIELDS = (
    ("cross_wallet", "Cross wallet", "the wallet every cross position shares"),
    ("isolated_wallets", "Isolated", "the sum of every isolated position's own wallet"),
    ("available", "Available", "cross margin balance − cross initial margin: what new orders and margin additions may use"),
    ("total_wallet", "Total wallet", "cross wallet + isolated wallets"),
    ("equity", "Equity", "total wallet + every unrealised PnL"),
    ("insurance_fund", "Insurance fund", "liquidation fees and leftovers in, shortfalls after a gap out"),
    ("cross_margin_ratio", "Cross margin ratio", "cross maintenance ÷ cross margin balance; the cross pool is liquidated at 100 %"),
)


class AccountStrip(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("accountStrip")
        self.bridge = bridge
        self.values: dict[str, QLabel] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(18)
        for key, label, tip in FIELDS:
            box = QVBoxLayout()
            box.setSpacing(0)
            name = QLabel(label, self)
            name.setStyleSheet(f"color: {cc.MUTED}; font-size: 8pt;")
            value = QLabel("—", self)
            value.setStyleSheet("font-weight: bold;")
            value.setMinimumWidth(90)
            for w in (name, value):
                w.setToolTip(tip)
            box.addWidget(name)
            box.addWidget(value)
            row.addLayout(box)
            self.values[key] = value
        row.addStretch(1)
        bridge.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        v = self.bridge.view()
        for key, label in self.values.items():
            value = getattr(v, key)
            if key == "cross_margin_ratio":
                label.setText("—" if value is None else f"{value * 100:.2f} %")
            else:
                label.setText(f"{text.money(value)} USDT")
