"""The Orders tab's model: one row per resting order, in the order they were placed.

It follows the bridge's typed signals like the positions table: ``orders_removed`` removes exactly
those rows, ``orders_added`` appends (a moved order is placed again, so it comes back last),
``orders_changed`` repaints a row, and ``marks_changed`` only the distance cells of that symbol.
Every number is the engine's ``OrderView``; the distance from the mark is a ratio of two of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ...engine import Instrument, OrderView
from .. import format as fmt
from ..bridge import SessionBridge
from ..theme import theme
from .attached import AttachedExits
from .commands import KIND_NAMES, ROLE_COLOURS, ROLE_NAMES
from .commands import role as order_role

Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ORDER_ROLE = Qt.ItemDataRole.UserRole + 1  # the OrderView of the row


@dataclass(frozen=True)
class OrderColumn:
    key: str
    title: str
    sample: str  # the widest thing the cell shows, to size the column
    text: Callable[[OrderView, Instrument, Decimal | None], str]
    numeric: bool = False
    tip: str | None = None


def kind_text(o: OrderView) -> str:
    """``Limit (entry)``, ``Stop (entry)``, ``Take-profit``, ``Stop-loss`` or ``Limit (close)``."""
    if o.opens:
        return f"{KIND_NAMES[o.kind].capitalize()} (entry)"
    if o.kind == "limit":
        return "Limit (close)"
    return ROLE_NAMES[order_role(o)].capitalize()


def _distance(o: OrderView, inst: Instrument, mark: Decimal | None) -> str:
    return fmt.distance(o.price, mark) if mark else fmt.DASH


def _position(o: OrderView, inst: Instrument, mark: Decimal | None) -> str:
    if o.opens:
        return f"opens {o.position}"
    return f"{o.position} (all)" if o.close_all else o.position


COLUMNS: tuple[OrderColumn, ...] = (
    OrderColumn("id", "Order", "o100", lambda o, i, m: o.id),
    OrderColumn(
        "kind",
        "Kind",
        "Limit (entry)",
        lambda o, i, m: kind_text(o),
        tip="what it is: an entry (it opens a position), a take-profit or a stop-loss (it closes one)",
    ),
    OrderColumn("symbol", "Symbol", "BTCUSDT", lambda o, i, m: o.symbol),
    OrderColumn(
        "side",
        "Side",
        "Short",
        lambda o, i, m: o.side.capitalize(),
        tip="the side of the position it opens or closes",
    ),
    OrderColumn(
        "qty",
        "Qty",
        "10.000 BTC",
        lambda o, i, m: fmt.size(o.qty, o.symbol, i.qty_step),
        numeric=True,
        tip="what it would fill now; a closing order never more than its position holds",
    ),
    OrderColumn(
        "price",
        "Price",
        "123,456.70",
        lambda o, i, m: fmt.price(o.price, i.tick_size),
        numeric=True,
        tip="the mark at which it fills: drag its line on the chart to move it",
    ),
    OrderColumn(
        "position",
        "Position",
        "opens p100",
        _position,
        tip="the lot it closes (“all”: whatever is left of it), or “opens pN”: the id the position it opens will have",
    ),
    OrderColumn(
        "reserved",
        "Reserved",
        "12,345.67",
        lambda o, i, m: fmt.money(o.reserved) if o.opens else fmt.DASH,
        numeric=True,
        tip="USDT an opening order holds out of the available balance (initial margin and taker "
        "fee at its price); a closing order holds nothing",
    ),
    OrderColumn(
        "distance",
        "Dist.",
        "+10.00 %",
        _distance,
        numeric=True,
        tip="distance: how far its price lies from the mark now",
    ),
    OrderColumn("cancel", "", "Cancel", lambda o, i, m: "Cancel"),
)
INDEX = {c.key: i for i, c in enumerate(COLUMNS)}
DISTANCE = INDEX["distance"]
CANCEL = INDEX["cancel"]


class OrdersModel(QAbstractTableModel):
    def __init__(
        self, bridge: SessionBridge, attached: AttachedExits | None = None, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.bridge = bridge
        self.attached = attached
        self._rows: list[OrderView] = []
        self._row_of: dict[str, int] = {}
        bridge.reset.connect(self.reload)
        bridge.orders_removed.connect(self._removed)
        bridge.orders_added.connect(self._added)
        bridge.orders_changed.connect(self._changed)
        bridge.marks_changed.connect(self._marks_changed)
        theme.changed.connect(self._repaint)
        self.reload()

    # ------------------------------------------------------------------ following the orders
    def reload(self) -> None:
        self.beginResetModel()
        self._rows = list(self.bridge.orders())
        self._index_rows()
        self.endResetModel()

    def _index_rows(self) -> None:
        self._row_of = {o.id: i for i, o in enumerate(self._rows)}

    def _removed(self, ids: Iterable[str]) -> None:
        for row in sorted((self._row_of[oid] for oid in ids if oid in self._row_of), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
        self._index_rows()

    def _added(self, ids: Iterable[str]) -> None:
        fresh = [
            o for o in (self.bridge.order(oid) for oid in ids) if o is not None and o.id not in self._row_of
        ]
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()
            self._index_rows()

    def _changed(self, ids: Iterable[str]) -> None:
        for oid in ids:
            row = self._row_of.get(oid)
            o = self.bridge.order(oid)
            if row is not None and o is not None:
                self._rows[row] = o
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def _marks_changed(self, symbols: frozenset[str]) -> None:
        rows = [i for i, o in enumerate(self._rows) if o.symbol in symbols]
        if rows:
            self.dataChanged.emit(self.index(rows[0], DISTANCE), self.index(rows[-1], DISTANCE))

    def _repaint(self, *_: object) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    # ------------------------------------------------------------------ reading rows
    def order(self, row: int) -> OrderView:
        return self._rows[row]

    def orders(self) -> tuple[OrderView, ...]:
        return tuple(self._rows)

    def row_of(self, oid: str) -> int:
        return self._row_of.get(oid, -1)

    def text(self, row: int, col: int) -> str:
        o = self._rows[row]
        return COLUMNS[col].text(o, self.bridge.instrument(o.symbol), self.bridge.mark(o.symbol))

    # ------------------------------------------------------------------ the Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.numeric else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tip
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = index.row(), index.column()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        o = self._rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, col)
        if role == ORDER_ROLE:
            return o
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if COLUMNS[col].numeric else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            if COLUMNS[col].key == "side":
                return theme.colour("up" if o.side == "long" else "down")
            if COLUMNS[col].key == "kind":
                return theme.colour(ROLE_COLOURS[order_role(o)])
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(o)
        return None

    def tooltip(self, o: OrderView) -> str:
        """What the order does, when it fills and what it holds, in words."""
        inst = self.bridge.instrument(o.symbol)
        price = fmt.price(o.price, inst.tick_size)
        when = "falls to or below" if o.fires == "below" else "rises to or above"
        fee = "maker fee, at its own price" if o.kind == "limit" else "taker fee, at the mark that crossed it"
        what = (
            f"{o.id}: {KIND_NAMES[o.kind]} to open {o.side} {fmt.size(o.qty, o.symbol, inst.qty_step)} "
            f"{o.symbol} at {o.leverage}× {o.mode} as {o.position}"
            if o.opens
            else f"{o.id}: {KIND_NAMES[o.kind]} to close {'all' if o.close_all else fmt.decimal(o.qty)} of {o.position}"
        )
        lines = [what, f"fills when the mark {when} {price} ({fee})"]
        if o.opens:
            lines.append(f"holds {fmt.money(o.reserved)} USDT of the available balance while it rests")
            waiting = self.attached.waiting(o.id) if self.attached is not None else None
            if waiting is not None:
                parts = [
                    f"{name} at {fmt.price(value, inst.tick_size)}"
                    for name, value in (("take-profit", waiting.tp), ("stop-loss", waiting.sl))
                    if value is not None
                ]
                lines.append(f"when it fills, {o.position} gets a " + " and a ".join(parts))
        else:
            lines.append(f"cancelled by itself when {o.position} closes or is liquidated")
        return "\n".join(lines)
