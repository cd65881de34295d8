"""The positions panel: one row per open position with a cross/isolated switch, editable leverage,
an isolated-margin editor and close buttons. Every editor previews the engine's answer before
anything is sent, and a rejection is shown where the user is looking, in the engine's words, with
nothing changed.

Mouse: click a row's switch to change its margin mode; click ± in an isolated margin cell to add or
remove margin; double-click (or type into) the leverage cell; "Close" closes all, "Part…" asks how
much; click the TP / SL cell to set or edit its take-profit and stop-loss. Keyboard: Enter on a cell does what a click does; F2 or digits edit the leverage.
``positions_selected(ids)`` says which rows the user selected (the window highlights their lines).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...engine import Close, Command, Event, Rejected, SetMode
from .. import format as fmt
from ..bridge import SessionBridge
from ..theme import theme
from .columns import ACTION_COLUMNS, CLOSE, COLUMNS, EXITS, LEVERAGE, MARGIN, MODE
from .compare import CompareDialog
from .delegates import CellDelegate
from .dialogs import CloseDialog, LeverageDialog, MarginDialog
from .exits_dialog import ExitsDialog
from .model import PositionsModel
from .preview_dialog import PreviewDialog

ROW_HEIGHT = 28
PADDING = 12  # beside a column's widest text: the 6-pixel margins the delegates leave each side
D = TypeVar("D", bound=PreviewDialog)


class PositionsPanel(QWidget):
    positions_selected = Signal(tuple)  # ids of the selected rows

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("positionsTable")
        self.bridge = bridge
        self.model = PositionsModel(bridge, self)
        self.model.send = self.send
        self.hover: tuple[int, int, str] | None = None
        self._press: tuple[int, int, str] | None = None
        self.dialog: PreviewDialog | None = None
        self.comparison: CompareDialog | None = None

        self.view = QTableView(self)
        self.view.setObjectName("positionsView")
        self.view.setModel(self.model)
        self.delegates: list[CellDelegate] = []
        for col, column in enumerate(COLUMNS):
            delegate = column.delegate(self)
            self.delegates.append(delegate)
            self.view.setItemDelegateForColumn(col, delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        vertical = self.view.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setMouseTracking(True)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # no bare header strip right of the buttons
        header.setHighlightSections(False)
        header.setSectionsMovable(True)  # a person may bring the columns they watch together
        self.widths: list[int] = []  # each column's natural width
        self.hidden: tuple[int, ...] = ()  # columns left out while the panel is too narrow
        self._size_columns()
        self.view.viewport().installEventFilter(self)
        self.view.installEventFilter(self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        selection = self.view.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)

        self.message = QLabel(self)
        self.message.setObjectName("positionsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss = QToolButton(self)
        self.dismiss.setText("✕")
        self.dismiss.setAutoRaise(True)
        self.dismiss.setToolTip("hide this message")
        self.dismiss.clicked.connect(self.clear_message)
        self.message_bar = QWidget(self)
        self.message_bar.setObjectName("positionsMessageBar")
        bar = QHBoxLayout(self.message_bar)
        bar.setContentsMargins(6, 2, 2, 2)
        bar.addWidget(self.message, 1)
        bar.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.message_bar.hide()

        self.empty = QLabel("No open positions. Open one in the order ticket.", self)
        self.empty.setObjectName("positionsEmpty")
        self.summary = QLabel(self)
        self.summary.setObjectName("positionsSummary")
        self.compare_button = QPushButton("Compare exchanges…", self)
        self.compare_button.setToolTip(
            "these positions' liquidation prices under Binance, Bybit, OKX and "
            "Hyperliquid rules, side by side"
        )
        self.compare_button.clicked.connect(self.show_comparison)
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 4, 0)
        top.addWidget(self.empty)
        top.addWidget(self.summary)
        top.addStretch(1)
        top.addWidget(self.compare_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message_bar)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.rowsRemoved.connect(self._update_empty)
        self.model.modelReset.connect(self._update_empty)
        bridge.reset.connect(self.clear_message)
        theme.changed.connect(self._restyle)
        self._restyle()
        self._update_empty()

    # ------------------------------------------------------------------ look
    def _size_columns(self) -> None:
        """Each column as wide as its widest sample (or its title) in the table's font (the style
        sheet's: polished first, or the samples would be measured in the default font)."""
        self.view.ensurePolished()
        self.widths = []
        fm = self.view.fontMetrics()
        bold = self.view.font()
        bold.setBold(True)
        bfm = QFontMetrics(bold)
        for col, column in enumerate(COLUMNS):
            width = max(
                fm.horizontalAdvance(column.sample) + column.room, bfm.horizontalAdvance(column.title) + 6
            )
            self.widths.append(width + PADDING)
            self.view.setColumnWidth(col, width + PADDING)

    def _fit_columns(self) -> None:
        """Show every column that fits, leaving out the least important first (``priority``);
        the key columns always stay."""
        room = self.view.viewport().width()
        order = sorted(
            (c for c in range(len(COLUMNS)) if COLUMNS[c].priority), key=lambda c: -COLUMNS[c].priority
        )
        total = sum(self.widths)
        hidden = []
        for col in order:
            if total <= room:
                break
            hidden.append(col)
            total -= self.widths[col]
        hidden_now = tuple(sorted(hidden))
        if hidden_now == self.hidden:
            return
        for col in range(len(COLUMNS)):
            self.view.setColumnHidden(col, col in hidden_now)
        self.hidden = hidden_now
        self._update_empty()

    def _restyle(self, *_: object) -> None:
        """Colours of the few labels that carry their own (the cells read the theme as they paint)."""
        self.message.setStyleSheet(f"color: {theme.palette.down};")
        self.empty.setStyleSheet(f"color: {theme.palette.muted};")
        self.summary.setStyleSheet(f"color: {theme.palette.muted};")
        self.view.viewport().update()

    def _update_empty(self, *_: object) -> None:
        n = self.model.rowCount()
        self.empty.setVisible(n == 0)
        self.summary.setVisible(n > 0)
        text = f"{n} open position{'s' if n != 1 else ''} · amounts and prices in USDT"
        if self.hidden:
            text += f" · widen to see {', '.join(COLUMNS[c].title for c in self.hidden)}"
        self.summary.setText(text)
        self.summary.setToolTip(
            "columns that do not fit are left out, the least needed first; widen the panel (or drag "
            "the Events tab beside it) to bring them back"
            if self.hidden
            else ""
        )

    # ------------------------------------------------------------------ commands
    def send(self, command: Command) -> list[Event]:
        """Submit a command; a rejection is shown under the table (and in the cell's tooltip) in
        the engine's words. The window's notices show it too (they listen to the bridge)."""
        events = self.bridge.submit(command)
        rejected = next((e for e in events if isinstance(e, Rejected)), None)
        pid = getattr(command, "position", None)
        if rejected is not None:
            self.show_message(f"{pid}: {rejected.message}" if pid else rejected.message)
            self.model.note_rejection(command, rejected.message)
        else:
            self.clear_message()
            if pid:
                self.model.clear_rejection(pid)
        return events

    def show_message(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.message_bar.show()

    def clear_message(self) -> None:
        self.message.clear()
        self.message_bar.hide()

    def toggle_mode(self, pid: str) -> list[Event]:
        p = self.bridge.position(pid)
        if p is None:
            return []
        return self.send(SetMode(pid, "cross" if p.mode == "isolated" else "isolated"))

    def close_position(self, pid: str) -> list[Event]:
        return self.send(Close(pid))

    def close_part(self, pid: str, fraction: Decimal) -> list[Event]:
        """Close ``fraction`` of the position (on the quantity step) at once, without a dialog."""
        p = self.bridge.position(pid)
        if p is None:
            return []
        qty = fmt.floor_to_step(p.qty * fraction, self.bridge.instrument(p.symbol).qty_step)
        return self.send(Close(pid, qty if 0 < qty < p.qty else None))

    def _open_dialog(self, dialog: D) -> D:
        old, self.dialog = self.dialog, dialog
        if old is not None:
            if old.isVisible():
                old.reject()
            old.deleteLater()
        dialog.open()
        return dialog

    def edit_margin(self, pid: str) -> MarginDialog | None:
        p = self.bridge.position(pid)
        if p is None or p.isolated_wallet is None:
            return None
        return self._open_dialog(MarginDialog(self.bridge, p, self.send, self))

    def edit_leverage(self, pid: str) -> LeverageDialog | None:
        p = self.bridge.position(pid)
        return None if p is None else self._open_dialog(LeverageDialog(self.bridge, p, self.send, self))

    def close_dialog(self, pid: str, fraction: Decimal = Decimal("0.5")) -> CloseDialog | None:
        p = self.bridge.position(pid)
        return (
            None if p is None else self._open_dialog(CloseDialog(self.bridge, p, self.send, self, fraction))
        )

    def edit_exits(self, pid: str) -> ExitsDialog | None:
        """The take-profit / stop-loss editor of ``pid`` (what a click on its TP / SL cell opens)."""
        p = self.bridge.position(pid)
        return None if p is None else self._open_dialog(ExitsDialog(self.bridge, p, self.send, self))

    def show_comparison(self) -> CompareDialog:
        """A non-modal window with the comparison panel; it follows the account while open."""
        if self.comparison is None:
            self.comparison = CompareDialog(self.bridge, self)
        self.comparison.show()
        self.comparison.panel.refresh()
        return self.comparison

    # ------------------------------------------------------------------ selection
    def select_positions(self, ids: Iterable[str]) -> bool:
        """Select the rows of ``ids`` (the first scrolled into view); False if none is open."""
        rows = sorted(r for r in (self.model.row_of(pid) for pid in ids) if r >= 0)
        if not rows:
            return False
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for row in rows:
            selection.select(self.model.index(row, 0), self.model.index(row, last))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.view.selectionModel().select(selection, flags)
        self.view.scrollTo(self.model.index(rows[0], 0))
        return True

    def selected_positions(self) -> tuple[str, ...]:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return tuple(self.model.position(r).id for r in rows)

    def _selection_changed(self, *_: object) -> None:
        self.positions_selected.emit(self.selected_positions())

    # ------------------------------------------------------------------ mouse and keys
    def cell_target(self, pos: QPoint) -> tuple[int, int, str] | None:
        """(row, column, action) under a viewport point: "toggle", "adjust", "close" or "part"."""
        index = self.view.indexAt(pos)
        if not index.isValid():
            return None
        delegate = self.delegates[index.column()]
        action = delegate.hit(self.view.visualRect(index), pos, self.model.position(index.row()))
        return (index.row(), index.column(), action) if action else None

    def target_point(self, pid: str, action: str) -> QPoint:
        """Where a person would click for ``action`` on ``pid``'s row (viewport coordinates);
        "leverage" is the leverage cell."""
        column = LEVERAGE if action == "leverage" else ACTION_COLUMNS[action]
        rect = self.view.visualRect(self.model.index(self.model.row_of(pid), column))
        return self.delegates[column].point(rect, action)

    def _act(self, target: tuple[int, int, str]) -> None:
        row, _col, action = target
        if not 0 <= row < self.model.rowCount():
            return
        pid = self.model.position(row).id
        if action == "toggle":
            self.toggle_mode(pid)
        elif action == "adjust":
            self.edit_margin(pid)
        elif action == "close":
            self.close_position(pid)
        elif action == "part":
            self.close_dialog(pid)
        elif action == "exits":
            self.edit_exits(pid)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and isinstance(event, QMouseEvent):
            return self._mouse(event)
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        elif watched is self.view.viewport() and event.type() == QEvent.Type.Leave:
            self._set_hover(None)
        elif (
            watched is self.view
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.view.state() != QAbstractItemView.State.EditingState
        ):
            return self._enter(self.view.currentIndex())
        return super().eventFilter(watched, event)

    def _mouse(self, event: QMouseEvent) -> bool:
        kind = event.type()
        pos = event.position().toPoint()
        left = event.button() == Qt.MouseButton.LeftButton
        if kind == QEvent.Type.MouseMove:
            self._set_hover(self.cell_target(pos))
        elif kind == QEvent.Type.MouseButtonPress and left:
            self._press = self.cell_target(pos)
        elif kind == QEvent.Type.MouseButtonRelease and left:
            pressed, self._press = self._press, None
            if pressed is not None and pressed == self.cell_target(pos):
                self._act(pressed)
        elif kind == QEvent.Type.MouseButtonDblClick:
            index = self.view.indexAt(pos)
            if index.isValid() and index.column() == MARGIN:
                p = self.model.position(index.row())
                if p.isolated_wallet is not None:
                    self.edit_margin(p.id)
                    return True
        return False

    def _enter(self, index: QModelIndex) -> bool:
        if not index.isValid():
            return False
        p = self.model.position(index.row())
        col = index.column()
        if col == MODE:
            self.toggle_mode(p.id)
        elif col == MARGIN and p.isolated_wallet is not None:
            self.edit_margin(p.id)
        elif col == LEVERAGE:
            self.view.edit(index)
        elif col == CLOSE:
            self.close_dialog(p.id, Decimal(1))
        elif col == EXITS:
            self.edit_exits(p.id)
        else:
            return False
        return True

    def _set_hover(self, target: tuple[int, int, str] | None) -> None:
        if target == self.hover:
            return
        old, self.hover = self.hover, target
        for t in (old, target):
            if t is not None and t[0] < self.model.rowCount():
                self.view.viewport().update(self.view.visualRect(self.model.index(t[0], t[1])))
        self.view.viewport().setCursor(
            Qt.CursorShape.PointingHandCursor if target else Qt.CursorShape.ArrowCursor
        )

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        p = self.model.position(index.row())
        pid = p.id
        menu = QMenu(self)
        other = "cross" if p.mode == "isolated" else "isolated"
        menu.addAction(f"Switch {pid} to {other}", lambda: self.toggle_mode(pid))
        if p.mode == "isolated":
            menu.addAction("Add or remove margin…", lambda: self.edit_margin(pid))
        menu.addAction("Change leverage…", lambda: self.edit_leverage(pid))
        menu.addAction("Take-profit / stop-loss…", lambda: self.edit_exits(pid))
        menu.addSeparator()
        menu.addAction("Close part…", lambda: self.close_dialog(pid))
        menu.addAction("Close half now", lambda: self.close_part(pid, Decimal("0.5")))
        menu.addAction("Close all", lambda: self.close_position(pid))
        menu.addSeparator()
        menu.addAction("Compare exchanges…", self.show_comparison)
        menu.popup(self.view.viewport().mapToGlobal(pos))
