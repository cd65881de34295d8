"""The order ticket's preview: the same order in both margin modes side by side, for a long and for
a short — initial margin, fee, and the estimated liquidation price with its distance from the
mark, each the engine's answer on a copy of the account. Why an order would be rejected is
``reasons`` (the ticket shows it in its message line, so the table never changes height). For a
Limit or Stop (``ticket_orders``) the margin and fee are those of the side that rests, as it would
fill (maker for a limit), with what it reserves meanwhile."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ..engine import Opened, OrderFilled
from ..engine.commands import Mode, Side
from ..engine.text import NONE_WITHIN_REACH
from . import format as fmt
from .bridge import Preview
from .theme import theme
from .ticket_orders import resting
from .widgets import FixedLines

MODES: tuple[Mode, ...] = ("cross", "isolated")
SIDES: tuple[Side, ...] = ("long", "short")
ROWS = (
    ("margin", "Initial margin"),
    ("fee", "Fee (taker)"),
    ("reserved", "Reserved"),
    ("liq_long", "Liq. · long"),
    ("liq_short", "Liq. · short"),
)
# Each liquidation cell has its distance from the mark beside it, in small type.
DISTANCE = {"liq_long": "dist_long", "liq_short": "dist_short"}
ENGINE_QUANTUM = Decimal("0.00000001")


class TicketPreview(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.chosen: Mode = "isolated"
        self.note = FixedLines(1, self)
        self.note.setText("Preview: the engine's numbers for this order")
        self.heads: dict[str, QLabel] = {}
        self.cells: dict[tuple[str, str], QLabel] = {}
        self.row_names: dict[str, QLabel] = {}
        self.reasons = ""  # why the order would be rejected, one line per reason ("" if it would not)
        # Every column is as wide as the widest thing it can show, whatever it shows now: the
        # ticket's width (so the dock's) never changes while prices move under a dragged slider.
        bold = QFont(self.font())
        bold.setBold(True)
        widest = QFontMetrics(bold).horizontalAdvance(NONE_WITHIN_REACH) + 4
        table = QGridLayout()
        table.setHorizontalSpacing(10)
        table.setVerticalSpacing(3)
        for i, mode in enumerate(MODES, start=1):
            head = QLabel(mode.capitalize(), self)
            head.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            head.setMinimumWidth(widest)
            table.addWidget(head, 0, i)
            self.heads[mode] = head
        for row, (key, label) in enumerate(ROWS, start=1):
            name = QLabel(label, self)
            if key.startswith("liq"):
                name.setToolTip("the estimated liquidation price, and how far it is from the mark")
            elif key == "reserved":
                name.setToolTip("what the order holds out of the available balance while it rests")
            table.addWidget(name, row, 0)
            self.row_names[key] = name
            for i, mode in enumerate(MODES, start=1):
                cell = self._cell(mode, key)
                cell.setMinimumWidth(widest)
                table.addWidget(cell, row, i)
                if key in DISTANCE:  # in the same cell, right of the price (which makes room for it)
                    dist = self._cell(mode, DISTANCE[key])
                    dist.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
                    table.addWidget(dist, row, i, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        table.setColumnStretch(0, 1)
        self._show_reserved(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.note)
        layout.addLayout(table)
        theme.changed.connect(self.restyle)
        self.restyle()

    def _cell(self, mode: Mode, key: str) -> QLabel:
        cell = QLabel(fmt.DASH if not key.startswith("dist") else "", self)
        cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        cell.setObjectName(f"preview_{mode}_{key}")
        cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cells[(mode, key)] = cell
        return cell

    def show_previews(
        self, note: str, previews: Mapping[tuple[Mode, Side], Preview], mark: Decimal | None, tick: Decimal
    ) -> None:
        """Fill the table from ``previews`` (empty: nothing to preview, ``note`` says why)."""
        self.note.setText(note)
        reasons: dict[str, list[str]] = {}
        rests = {k: resting(p) for k, p in previews.items()}
        self._show_reserved(any(rests.values()))
        liquidity = "taker"
        for mode in MODES:
            for key in ("margin", "fee", "reserved"):
                self.cells[(mode, key)].setText(fmt.DASH)
            shown = next((s for s in SIDES if rests.get((mode, s))), None)  # the side that rests
            for side in SIDES:
                liq, dist = self.cells[(mode, f"liq_{side}")], self.cells[(mode, f"dist_{side}")]
                liq.setText(fmt.DASH)
                dist.setText("")
                liq.setContentsMargins(0, 0, 0, 0)
                liq.setToolTip("")
                preview = previews.get((mode, side))
                if preview is None or mark is None:
                    continue
                opened = next((e for e in preview.events if isinstance(e, Opened)), None)
                if opened is None:
                    liq.setText("rejected")
                    if preview.rejected is not None:
                        liq.setToolTip(preview.rejected.message)
                        reasons.setdefault(preview.rejected.message, []).append(f"{mode} {side}")
                    continue
                placed = rests.get((mode, side))
                if shown in (None, side):
                    self.cells[(mode, "margin")].setText(fmt.money(opened.margin))
                    self.cells[(mode, "fee")].setText(fmt.money(opened.fee))
                    fill = next((e for e in preview.events if isinstance(e, OrderFilled) and e.opens), None)
                    liquidity = fill.liquidity if fill is not None else liquidity
                if placed is not None:
                    self.cells[(mode, "reserved")].setText(fmt.money(placed.reserved))
                self._liquidation(liq, dist, preview.liquidation_price(opened.position), mark, tick)
        self.row_names["fee"].setText(f"Fee ({liquidity})")
        lines = []
        for message, where in reasons.items():
            label = "every mode and side" if len(where) == 4 else ", ".join(where)
            lines.append(f"{label}: {message}")
        self.reasons = "\n".join(lines)

    def _show_reserved(self, on: bool) -> None:
        """The reservation row only while the ticket's order would rest."""
        self.row_names["reserved"].setVisible(on)
        for mode in MODES:
            self.cells[(mode, "reserved")].setVisible(on)

    @staticmethod
    def _liquidation(liq: QLabel, dist: QLabel, value: Decimal | None, mark: Decimal, tick: Decimal) -> None:
        """The estimate as every screen shows a liquidation price, and how far it is from the mark."""
        liq.setText(fmt.liquidation_text(value, mark, tick))
        at = fmt.liquidation_tick(value, mark, tick)
        if value is None or at is None:
            liq.setToolTip("no liquidation price: no mark of this symbol liquidates it")
        elif fmt.within_reach(value, mark, tick):
            dist.setText(fmt.distance(at, mark))
            liq.setContentsMargins(0, 0, dist.fontMetrics().horizontalAdvance(dist.text()) + 5, 0)
            liq.setToolTip(
                f"engine value {fmt.price(value, ENGINE_QUANTUM)}, shown on the {fmt.decimal(tick)} tick; "
                f"{dist.text()} from the mark"
            )
        else:
            liq.setToolTip(f"engine value {fmt.price(value, ENGINE_QUANTUM)}: more than twice the mark away")

    def choose(self, mode: Mode) -> None:
        """Set the chosen mode's column in bold."""
        self.chosen = mode
        self.restyle()

    def restyle(self, *_: object) -> None:
        palette = theme.palette
        muted = f"color: {palette.muted};"
        self.note.setStyleSheet(muted + " font-size: 8pt;")
        for name in self.row_names.values():
            name.setStyleSheet(muted)
        for mode, head in self.heads.items():
            colour = getattr(palette, mode)
            chosen = mode == self.chosen
            head.setText(f"● {mode.capitalize()}" if chosen else mode.capitalize())
            head.setStyleSheet(f"color: {colour};" + (" font-weight: bold;" if chosen else ""))
            for key, _label in ROWS:
                self.cells[(mode, key)].setStyleSheet("font-weight: bold;" if chosen else "")
                if key in DISTANCE:
                    self.cells[(mode, DISTANCE[key])].setStyleSheet(muted + " font-size: 8pt;")
