"""The *Cross vs isolated* panel: the session's three twins side by side (as traded, all cross,
all isolated), at the moment on screen, live and during a replay.

Every number is one the session layer already keeps (``timeline.twins``: each twin's account,
equity, liquidations and largest drawdown, updated as inputs arrive), so a frame only reads and
formats them; a twin whose figures did not move keeps its labels. The verdict lines are
``twins.verdict``'s, the same sentences ``replay --twin`` prints. A hidden panel (another tab in
front of it) does nothing until it is shown.

Two switches here also drive the charts: the twins' equity on the account chart, and each
position's liquidation price in the other mode on the price chart (``lines_toggled``,
``ghosts_toggled``).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..engine import text
from ..session.twins import LABELS, VARIANTS, Twin, clock, verdict
from .bridge import SessionBridge
from .on_screen import OnScreen
from .theme import theme

# The palette role each twin is drawn in (its column header here, its line on the account chart).
ROLES = {"as_traded": "equity", "all_cross": "cross", "all_isolated": "isolated"}
ROWS = (
    ("total_wallet", "Total wallet"),
    ("equity", "Equity"),
    ("result", "Result"),
    ("realized_pnl", "Realised PnL"),
    ("liquidations", "Liquidations"),
    ("max_drawdown", "Max drawdown"),
)


def signed(value: Decimal) -> str:
    shown = text.money(value)
    return shown if shown.startswith("-") or shown == "0.00" else f"+{shown}"


def liquidations_text(tw: Twin) -> str:
    """``none``, or how many and which lots when: ``1 · p1 at 0:08``."""
    if not tw.liquidations:
        return "none"
    parts = [f"{', '.join(e.positions)} at {clock(e.t)}" for e in tw.liquidations[:3]]
    more = len(tw.liquidations) - 3
    return f"{len(tw.liquidations)} · " + "; ".join(parts) + (f"; {more} more" if more > 0 else "")


def shown_figures(tw: Twin) -> dict[str, str]:
    """What the panel writes for one twin, by row (money in USDT, as the header says)."""
    return {
        "total_wallet": text.money(tw.account.total_wallet),
        "equity": text.money(tw.equity),
        "result": signed(tw.result),
        "realized_pnl": text.money(tw.realized_pnl),
        "liquidations": liquidations_text(tw),
        "max_drawdown": text.money(tw.max_drawdown),
    }


class TwinsPanel(OnScreen, QWidget):
    lines_toggled = Signal(bool)  # the twins' equity lines on the account chart
    ghosts_toggled = Signal(bool)  # the other mode's liquidation lines on the price chart

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("twinsPanel")
        self.bridge = bridge
        self._keys: dict[str, tuple] = {}  # variant → what its labels last showed
        self._stale = True

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(6)
        switches = QHBoxLayout()
        self.lines_box = QCheckBox("equity lines", self)
        self.lines_box.setObjectName("twinLinesSwitch")
        self.lines_box.setToolTip("draw all cross and all isolated equity on the account chart")
        self.lines_box.toggled.connect(self.lines_toggled.emit)
        self.ghosts_box = QCheckBox("other-mode liquidation lines", self)
        self.ghosts_box.setObjectName("ghostLinesSwitch")
        self.ghosts_box.setToolTip(
            "draw, for each position, a faint line where it would be liquidated in the other mode"
        )
        self.ghosts_box.setChecked(True)
        self.ghosts_box.toggled.connect(self.ghosts_toggled.emit)
        switches.addWidget(self.lines_box)
        switches.addWidget(self.ghosts_box)
        switches.addStretch(1)
        outer.addLayout(switches)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.headers: dict[str, QLabel] = {}
        unit = QLabel("USDT", self)
        unit.setObjectName("twinsUnit")
        grid.addWidget(unit, 0, 0)
        self.unit = unit
        for col, variant in enumerate(VARIANTS, start=1):
            head = QLabel(LABELS[variant], self)
            head.setObjectName(f"twinHead_{variant}")
            head.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(head, 0, col)
            self.headers[variant] = head
        self.cells: dict[tuple[str, str], QLabel] = {}
        for row, (key, name) in enumerate(ROWS, start=1):
            label = QLabel(name, self)
            label.setObjectName("twinRowName")
            grid.addWidget(label, row, 0)
            for col, variant in enumerate(VARIANTS, start=1):
                cell = QLabel("—", self)
                cell.setObjectName(f"twin_{variant}_{key}")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                cell.setWordWrap(key == "liquidations")  # a list of lots and times: it may wrap
                grid.addWidget(cell, row, col)
                self.cells[(variant, key)] = cell
        grid.setColumnStretch(0, 0)
        for col in range(1, 4):
            grid.setColumnStretch(col, 1)
        outer.addLayout(grid)
        self.verdicts: dict[str, QLabel] = {}
        for variant in VARIANTS:
            line = QLabel(self)
            line.setObjectName(f"verdict_{variant}")
            line.setWordWrap(True)
            line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            outer.addWidget(line)
            self.verdicts[variant] = line
        self.off = QLabel("This session was opened without twins.", self)
        self.off.setObjectName("twinsOff")
        self.off.hide()
        outer.addWidget(self.off)
        outer.addStretch(1)

        self._restyle()
        theme.changed.connect(self._restyle)
        bridge.ticked.connect(self.refresh)
        bridge.jumped.connect(self.refresh)
        bridge.submitted.connect(self.refresh)
        bridge.reset.connect(self._reset)
        self.refresh()

    # ------------------------------------------------------------------ reading
    def figures(self) -> dict[str, dict[str, str]]:
        """What the panel shows now, by variant and row (tests compare it with the CLI)."""
        return {v: {key: self.cells[(v, key)].text() for key, _ in ROWS} for v in VARIANTS}

    def verdict_texts(self) -> dict[str, str]:
        return {v: label.text() for v, label in self.verdicts.items()}

    # ------------------------------------------------------------------ updating
    def _reset(self) -> None:
        self._keys.clear()
        self.refresh()

    def refresh(self) -> None:
        if not self.on_screen():
            self._stale = True
            return
        self._stale = False
        twins = self.bridge.timeline.twins
        self.off.setVisible(twins is None)
        if twins is None:
            return
        for variant in VARIANTS:
            tw = twins.twin(variant)
            key = (
                tw.equity,
                tw.account.total_wallet,
                tw.realized_pnl,
                len(tw.liquidations),
                tw.max_drawdown,
                tw.result,
            )
            if self._keys.get(variant) == key:
                continue
            self._keys[variant] = key
            for row, value in shown_figures(tw).items():
                cell = self.cells[(variant, row)]
                if cell.text() != value:  # (a label set to its own text still lays out again)
                    cell.setText(value)
            line = verdict(variant, tw)
            if self.verdicts[variant].text() != line:
                self.verdicts[variant].setText(line)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.came_on_screen()

    def came_on_screen(self) -> None:
        if self._stale:
            self.refresh()

    def _restyle(self, *_: object) -> None:
        palette = theme.palette
        for variant, head in self.headers.items():
            head.setStyleSheet(f"color: {getattr(palette, ROLES[variant])}; font-weight: bold;")
        for (_variant, key), cell in self.cells.items():
            cell.setStyleSheet("font-weight: bold;" if key in ("equity", "result") else "")
        for label in self.verdicts.values():
            label.setStyleSheet(f"color: {palette.text};")
        self.off.setStyleSheet(f"color: {palette.muted};")
        self.unit.setStyleSheet(f"color: {palette.muted};")
