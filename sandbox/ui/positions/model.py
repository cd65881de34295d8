"""The positions table's model: one row per open position, in the engine's order.

It follows the bridge's typed signals: ``positions_removed`` removes exactly those rows,
``positions_added`` inserts rows where the engine lists them, and ``positions_changed`` repaints
only the cells whose fields moved (a price tick on BTC touches the BTC rows' price cells and the
cross rows' pool ratio, never the symbol or side of anything). A new timeline resets the model
once; nothing else does: a reset would drop the user's selection, scroll position and open editor.

Every number is the engine's (``PositionView``); each column (``columns.COLUMNS``) formats its
own cells and explains them in its tooltip. Cell texts are made once per change and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ...engine import AdjustMargin, Close, Command, Event, PositionView, Rejected, SetLeverage, SetMode
from ..bridge import SessionBridge
from ..theme import theme
from .columns import COLUMNS, EXITS, FIELD_COLUMNS, INDEX, LEVERAGE, SYMBOL, Column
from .delegates import PAINT_ROLE, RAW_ROLE

Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
# The cell a rejected command is shown in (its tooltip carries the engine's sentence).
COMMAND_COLUMN = {SetMode: "mode", SetLeverage: "leverage", AdjustMargin: "margin", Close: "close"}


@lru_cache(maxsize=256)
def _span(names: frozenset[str]) -> tuple[int, int] | None:
    """The first and last column showing any of ``names`` (a frame brings few distinct sets)."""
    cols = [c for name in names for c in FIELD_COLUMNS.get(name, ())]
    return (min(cols), max(cols)) if cols else None


class PositionsModel(QAbstractTableModel):
    """``send`` is how an edit in the table reaches the engine (the panel sets it so a rejection
    shows where the user is looking); it defaults to ``bridge.submit``."""

    def __init__(self, bridge: SessionBridge, parent: QObject | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.send: Callable[[Command], list[Event]] = bridge.submit
        self._rows: list[PositionView] = []
        self._row_of: dict[str, int] = {}
        self._cells: list[dict[int, tuple]] = []  # per row: column → PAINT_ROLE tuple, filled on demand
        self._errors: dict[str, tuple[int, str]] = {}  # position id → (column, sentence)
        self._bold = QFont()
        self._bold.setBold(True)
        bridge.reset.connect(self.reload)
        bridge.positions_removed.connect(self._removed)
        bridge.positions_added.connect(self._added)
        bridge.positions_changed.connect(self._changed)
        for signal in (bridge.orders_added, bridge.orders_removed, bridge.orders_changed):
            signal.connect(self._orders_moved)
        theme.changed.connect(self._restyle)
        self.reload()

    # ------------------------------------------------------------------ keeping up with the account
    def reload(self) -> None:
        """Another timeline: start over (once, not per frame)."""
        self.beginResetModel()
        self._rows = list(self.bridge.positions())
        self._cells = [{} for _ in self._rows]
        self._errors.clear()
        self._index_rows()
        self.endResetModel()

    def _index_rows(self) -> None:
        self._row_of = {p.id: i for i, p in enumerate(self._rows)}

    def _removed(self, ids: Iterable[str]) -> None:
        gone = {pid for pid in ids if pid in self._row_of}
        for pid in ids:
            self._errors.pop(pid, None)
        row = len(self._rows) - 1
        while row >= 0:  # from the bottom, one signal per run of neighbouring rows
            if self._rows[row].id not in gone:
                row -= 1
                continue
            last = row
            while row - 1 >= 0 and self._rows[row - 1].id in gone:
                row -= 1
            self.beginRemoveRows(QModelIndex(), row, last)
            del self._rows[row : last + 1]
            del self._cells[row : last + 1]
            self.endRemoveRows()
            row -= 1
        self._index_rows()

    def _added(self, ids: Iterable[str]) -> None:
        if all(pid in self._row_of for pid in ids):
            return
        fresh = self.bridge.positions()
        known = self._row_of
        if [p.id for p in fresh if p.id in known] != [p.id for p in self._rows]:
            self.reload()  # the rows no longer follow the engine's order: never expected
            return
        i = 0
        while i < len(fresh):
            if fresh[i].id in known:
                i += 1
                continue
            j = i
            while j < len(fresh) and fresh[j].id not in known:
                j += 1
            self.beginInsertRows(QModelIndex(), i, j - 1)  # rows before i already match fresh[:i]
            self._rows[i:i] = fresh[i:j]
            self._cells[i:i] = [{} for _ in range(j - i)]
            self.endInsertRows()
            i = j
        self._index_rows()

    def _changed(self, changes: Mapping[str, frozenset[str]]) -> None:
        """New views for the changed rows; one ``dataChanged`` per run of rows with the same span."""
        spans: list[tuple[int, int, int]] = []  # (row, first column, last column)
        views = self.bridge.position_map()
        for pid, names in changes.items():
            row = self._row_of.get(pid)
            p = views.get(pid)
            if row is None or p is None:
                continue
            self._rows[row] = p
            self._cells[row] = {}
            span = _span(names)
            if span is not None:
                spans.append((row, *span))
        spans.sort()
        start = 0
        while start < len(spans):
            end = start
            row, first, last = spans[start]
            while (
                end + 1 < len(spans)
                and spans[end + 1][0] == spans[end][0] + 1
                and spans[end + 1][1:] == (first, last)
            ):
                end += 1
            self.dataChanged.emit(self.index(row, first), self.index(spans[end][0], last))
            start = end + 1

    def _orders_moved(self, *_: object) -> None:
        """Orders came, went or changed: the TP / SL cells read them again."""
        for cells in self._cells:
            cells.pop(EXITS, None)
        if self._rows:
            self.dataChanged.emit(self.index(0, EXITS), self.index(len(self._rows) - 1, EXITS))

    def _restyle(self, *_: object) -> None:
        """Colours are read at paint time; the cached cells only need repainting."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    # ------------------------------------------------------------------ reading rows
    def position(self, row: int) -> PositionView:
        return self._rows[row]

    def positions(self) -> tuple[PositionView, ...]:
        return tuple(self._rows)

    def row_of(self, pid: str) -> int:
        return self._row_of.get(pid, -1)

    # ------------------------------------------------------------------ rejections shown in place
    def note_rejection(self, command: Command, message: str) -> None:
        """Show ``message`` in the cell of the command's position that the command came from."""
        pid = getattr(command, "position", None)
        if pid is None:
            return
        column = INDEX[COMMAND_COLUMN.get(type(command), "mode")]
        self._errors[pid] = (column, message)
        self._touch(pid, column)

    def clear_rejection(self, pid: str) -> None:
        was = self._errors.pop(pid, None)
        if was is not None:
            self._touch(pid, was[0])

    def _touch(self, pid: str, column: int) -> None:
        row = self.row_of(pid)
        if row >= 0:
            self._cells[row].pop(column, None)
            self.dataChanged.emit(self.index(row, column), self.index(row, column))

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
            return column.header_tip
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if COLUMNS[index.column()].editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Leverage typed into the table: sent to the engine as ``SetLeverage``."""
        if not index.isValid() or index.column() != LEVERAGE or role != Qt.ItemDataRole.EditRole:
            return False
        p = self._rows[index.row()]
        try:
            leverage = int(value)
        except (TypeError, ValueError):
            return False
        if leverage == p.leverage:
            return False
        events = self.send(SetLeverage(p.id, leverage))
        return not any(isinstance(e, Rejected) for e in events)

    def paint_data(self, row: int, col: int) -> tuple:
        cache = self._cells[row]
        cell = cache.get(col)
        if cell is None:
            p = self._rows[row]
            column: Column = COLUMNS[col]
            err = self._errors.get(p.id)
            inst = self.bridge.instrument(p.symbol)
            cell = cache[col] = (
                column.text(p, inst)
                if column.with_orders is None
                else column.with_orders(p, inst, self.bridge),
                column.colour(p),
                column.numeric,
                p,
                err[1] if err is not None and err[0] == col else None,
            )
        return cell

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = index.row(), index.column()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        if role == PAINT_ROLE:
            return self.paint_data(row, col)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.paint_data(row, col)[0]
        if role == Qt.ItemDataRole.EditRole:
            return self._rows[row].leverage if col == LEVERAGE else self.paint_data(row, col)[0]
        if role == RAW_ROLE:
            return self._rows[row]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if COLUMNS[col].numeric else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self.paint_data(row, col)[1]
            return theme.colour(colour) if colour else None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if col == SYMBOL else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, col)
        return None

    def tooltip(self, row: int, col: int) -> str | None:
        """How the cell's number was computed; a rejected command's sentence first."""
        p = self._rows[row]
        explain = COLUMNS[col].explain
        tip = explain(p, self.bridge.instrument(p.symbol), self.bridge) if explain else None
        err = self.paint_data(row, col)[4]
        if err is not None:
            tip = f"⚠ rejected: {err}" + (f"\n\n{tip}" if tip else "")
        return tip
