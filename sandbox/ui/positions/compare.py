"""The same open positions under every exchange profile: where each would be liquidated on Binance,
Bybit, OKX and Hyperliquid right now. The engine recomputes the account under each profile
(``bridge.under``); the panel only lays the numbers side by side, each as that exchange would show
it (the one display rule, on that profile's tick)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine import Profile
from ...profiles import ProfileError, available_profiles, load_profile, profile_info
from .. import format as fmt
from ..bridge import SessionBridge
from ..follow import Follower
from ..theme import theme
from .compare_replay import ReplayComparison

REFRESH_EVERY_MS = 500  # four accounts rebuilt per refresh: twice a second is plenty…
REFRESH_SHARE = 0.05  # …and at most 5 % of the time


class ComparePanel(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("comparePanel")
        self.bridge = bridge
        self.profiles: dict[str, Profile | str] = {}  # name → profile, or why it cannot be loaded
        for name in available_profiles():
            try:
                self.profiles[name] = load_profile(name)
            except ProfileError as exc:
                self.profiles[name] = str(exc)
        names = list(self.profiles)
        self.table = QTableWidget(0, len(names), self)
        self.table.setHorizontalHeaderLabels(names)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        # Every profile's name whole (never "binance-usd…"), the rows' names too.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setMinimumSectionSize(90)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for col, name in enumerate(names):
            head = self.table.horizontalHeaderItem(col)
            if head is not None:
                try:
                    info = profile_info(name)
                    head.setToolTip(fmt.drawable(f"{info.title}\n{info.notes}"))
                except ProfileError as exc:
                    head.setToolTip(str(exc))
        self.note = QLabel(
            "Liquidation price of each open position under each exchange's rules, same wallets and marks",
            self,
        )
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        # The session replayed under each profile: fates, funding paid, resting orders (on demand).
        self.replayed = ReplayComparison(
            bridge, [n for n, pr in self.profiles.items() if isinstance(pr, Profile)], self
        )
        layout.addWidget(self.replayed)
        self._throttled = Follower(self._changed, REFRESH_EVERY_MS, REFRESH_SHARE, self)
        for signal in (
            bridge.positions_added,
            bridge.positions_removed,
            bridge.positions_changed,
            bridge.marks_changed,
            bridge.account_changed,
        ):
            signal.connect(self._follow)
        bridge.reset.connect(self._changed)
        theme.changed.connect(self._restyle)
        self._restyle()
        self.refresh()

    def _restyle(self, *_: object) -> None:
        self.note.setStyleSheet(f"color: {theme.palette.muted}; font-size: 8pt;")
        if self.table.rowCount():
            self.refresh()

    def _follow(self, *_: object) -> None:
        self._throttled()

    def _changed(self, *_: object) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        views = {
            name: {p.id: p for p in self.bridge.under(profile).positions}
            for name, profile in self.profiles.items()
            if isinstance(profile, Profile)
        }
        rows = self.bridge.positions()
        self.table.setRowCount(len(rows))
        current = self.bridge.profile.name
        for r, p in enumerate(rows):
            self.table.setVerticalHeaderItem(r, QTableWidgetItem(f"{p.id} {p.symbol} {p.side} {p.mode}"))
            for c, (name, profile) in enumerate(self.profiles.items()):
                other = views.get(name, {}).get(p.id)
                if not isinstance(profile, Profile):
                    item = QTableWidgetItem("cannot load")
                    item.setToolTip(profile)
                elif other is None:
                    item = QTableWidgetItem("not listed")
                else:
                    item = QTableWidgetItem(fmt.liquidation(other, profile.instruments[p.symbol].tick_size))
                    item.setToolTip(
                        f"{name}: maintenance {fmt.money(other.maintenance_margin)} USDT at "
                        f"{fmt.pct(other.maintenance_rate, decimals=3)}, margin ratio {fmt.pct(other.margin_ratio)}"
                    )
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if name == current:
                    item.setForeground(theme.colour("liq"))
                self.table.setItem(r, c, item)


class CompareDialog(QDialog):
    """A non-modal window holding the comparison, in the window's theme, with a Close button; it
    follows the account while open."""

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle("Liquidation prices under each exchange")
        self.setMinimumSize(640, 260)
        self.panel = ComparePanel(bridge, self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setIcon(QIcon())  # the word alone
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(self.buttons)
