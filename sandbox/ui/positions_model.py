"""The positions table's model: one row per open position, straight from ``bridge.view()``.

Rows are matched by position id, so a liquidation removes exactly its row and an open appends one;
everything else is one ``dataChanged`` per refresh, never a reset (a reset would drop the user's
selection and scroll position 60 times a second).
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ..engine import PositionView
from ..engine import text
from . import chart_common as cc
from .bridge import SessionBridge

COLUMNS = ("Symbol", "Side", "Margin mode", "Leverage", "Size", "Notional", "Entry", "Mark",
           "Liq. price", "Margin", "Margin ratio", "uPnL (ROE)", "")
(SYMBOL, SIDE, MODE, LEVERAGE, SIZE, NOTIONAL, ENTRY, MARK, LIQ, MARGIN, RATIO, PNL, CLOSE) = range(len(COLUMNS))
RAW_ROLE = Qt.ItemDataRole.UserRole + 1  # the PositionView of the row
NUMERIC = {LEVERAGE, SIZE, NOTIONAL, ENTRY, MARK, LIQ, MARGIN, RATIO, PNL}


def shown_liquidation_price(p: PositionView, tick: Decimal) -> str:
    """On the instrument's tick, rounded toward where it has not fired yet: walking the mark to the
    shown price liquidates there, not a tick before."""
    if p.liquidation_price is None:
        return "—"
    down = p.liquidation_price < p.mark_price
    steps = (p.liquidation_price / tick).to_integral_value(ROUND_FLOOR if down else ROUND_CEILING)
    return text.price(steps * tick, tick)


def pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    shown = f"{value * 100:.2f}"
    return f"{'0.00' if shown == '-0.00' else shown} %"


class PositionsModel(QAbstractTableModel):
    def __init__(self, bridge: SessionBridge, parent: QObject | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self._rows: list[PositionView] = []
        bridge.changed.connect(self.refresh)
        self.refresh()

    # -- keeping up with the account
    def refresh(self) -> None:
        fresh = self.bridge.view().positions
        ids = {p.id for p in fresh}
        for row in range(len(self._rows) - 1, -1, -1):  # gone: liquidated or closed
            if self._rows[row].id not in ids:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        known = {p.id for p in self._rows}
        added = [p for p in fresh if p.id not in known]
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()
        by_id = {p.id: p for p in fresh}
        changed = [i for i, p in enumerate(self._rows) if by_id[p.id] != p]
        for i in changed:
            self._rows[i] = by_id[self._rows[i].id]
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(COLUMNS) - 1))

    def position(self, row: int) -> PositionView:
        return self._rows[row]

    def row_of(self, pid: str) -> int:
        return next((i for i, p in enumerate(self._rows) if p.id == pid), -1)

    # -- the Qt model
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == RATIO:
                return "maintenance margin ÷ margin balance; liquidation at 100 %"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        p = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(p, col)
        if role == RAW_ROLE:
            return p
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == SIDE:
                return QColor(cc.UP if p.side == "long" else cc.DOWN)
            if col == PNL and p.unrealized_pnl != 0:
                return QColor(cc.UP if p.unrealized_pnl > 0 else cc.DOWN)
            if col == LIQ:
                return QColor(cc.LIQ)
            if col == MODE:
                return QColor(cc.ISOLATED if p.mode == "isolated" else cc.CROSS)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._explain(p, col)
        return None

    def _tick(self, p: PositionView) -> Decimal:
        return self.bridge.instrument(p.symbol).tick_size

    def _text(self, p: PositionView, col: int) -> str:
        tick = self._tick(p)
        if col == SYMBOL:
            return f"{p.symbol}  {p.id}"
        if col == SIDE:
            return p.side.capitalize()
        if col == MODE:
            return "Isolated ⇄" if p.mode == "isolated" else "Cross ⇄"
        if col == LEVERAGE:
            return f"{p.leverage}×"
        if col == SIZE:
            return text.qty(p.qty)
        if col == NOTIONAL:
            return text.money(p.notional)
        if col == ENTRY:
            return text.price(p.entry_price, tick)
        if col == MARK:
            return text.price(p.mark_price, tick)
        if col == LIQ:
            return shown_liquidation_price(p, tick)
        if col == MARGIN:
            return text.money(p.isolated_wallet) + " ±" if p.isolated_wallet is not None else "cross pool"
        if col == RATIO:
            return pct(p.margin_ratio)
        if col == PNL:
            return f"{text.money(p.unrealized_pnl)} ({pct(p.roe)})"
        if col == CLOSE:
            return "Close"
        return ""

    def _explain(self, p: PositionView, col: int) -> str | None:
        """How the number was computed, with the actual values."""
        tick = self._tick(p)
        inst = self.bridge.instrument(p.symbol)
        bracket = inst.bracket(p.notional)
        s = 1 if p.side == "long" else -1
        if col == NOTIONAL:
            return f"notional = size × mark = {text.qty(p.qty)} × {text.price(p.mark_price, tick)} = {text.money(p.notional)} USDT"
        if col == PNL:
            return (f"uPnL = {'+' if s > 0 else '−'}size × (mark − entry) = {text.qty(p.qty)} × "
                    f"({text.price(p.mark_price, tick)} − {text.price(p.entry_price, tick)}) = "
                    f"{text.money(p.unrealized_pnl)} USDT\nROE = uPnL ÷ initial margin at entry "
                    f"(size × entry ÷ {p.leverage}) = {pct(p.roe)}")
        if col == RATIO:
            where = "its isolated wallet + uPnL" if p.mode == "isolated" else "the cross pool's wallet + every cross uPnL"
            return (f"margin ratio = maintenance ÷ margin balance = {text.money(p.maintenance_margin)} ÷ "
                    f"{text.money(p.margin_balance)} = {pct(p.margin_ratio)}\n(margin balance: {where}; "
                    f"liquidation at 100 %)")
        if col == MARGIN:
            mm = (f"maintenance = {text.money(p.notional)} × {pct(bracket.mmr)} − "
                  f"{text.money(bracket.maintenance_amount)} = {text.money(p.maintenance_margin)} USDT "
                  f"(bracket up to {text.money(bracket.cap)} USDT, max {bracket.max_leverage}×)")
            if p.isolated_wallet is None:
                return f"cross: backed by the whole cross wallet\n{mm}\nright-click or double-click: change leverage"
            return (f"isolated wallet {text.money(p.isolated_wallet)} USDT; margin balance = wallet + uPnL = "
                    f"{text.money(p.margin_balance)} USDT\n{mm}\ndouble-click to add or remove margin")
        if col == LIQ:
            if p.liquidation_price is None:
                return "no liquidation price: this position cannot be liquidated by its own symbol's price"
            backing = (f"isolated wallet {text.money(p.isolated_wallet)} USDT only" if p.isolated_wallet is not None
                       else "the cross pool, every other mark held where it is")
            return (f"liquidation price {text.price(p.liquidation_price, Decimal('0.00000001'))} "
                    f"(shown on the {text.qty(tick)} tick toward the side where it has not fired yet)\n"
                    f"backed by {backing}; bracket at that price: "
                    f"{pct(inst.bracket(p.qty * p.liquidation_price).mmr)} MMR, amount "
                    f"{text.money(inst.bracket(p.qty * p.liquidation_price).maintenance_amount)}\n"
                    f"bankruptcy price: {text.price(p.bankruptcy_price, tick) if p.bankruptcy_price else '—'}")
        if col == MODE:
            other = "cross" if p.mode == "isolated" else "isolated"
            return f"{p.mode}: click to switch to {other}"
        if col == LEVERAGE:
            return (f"{p.leverage}×: initial margin = notional ÷ leverage = {text.money(p.initial_margin)} USDT; "
                    f"this size allows up to {p.bracket_max_leverage}×. Double-click to change.")
        if col == CLOSE:
            return "close the whole position at the mark (right-click: close half)"
        return None
