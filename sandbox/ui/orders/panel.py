"""The Orders tab (beside Positions): every resting order with its id, kind, symbol, side,
quantity, price, the position it closes (or "opens pN"), what it reserves, how far it lies from
the mark, and a Cancel button. Delete cancels the selected order. A cancel the engine refuses
is shown under the table in its words.

Moving an order is done on the chart (drag its line); this tab lists and cancels.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...engine import Cancel, Event, Rejected
from .. import format as fmt
from ..bridge import SessionBridge
from ..theme import theme
from .attached import AttachedExits
from .model import CANCEL, COLUMNS, OrdersModel

ROW_HEIGHT = 26
BUTTON_WIDTH = 60


class CancelDelegate(QStyledItemDelegate):
    """The Cancel button of a row (the whole cell reacts to a click)."""

    def __init__(self, panel: OrdersPanel):
        super().__init__(panel.view)
        self.panel = panel

    @staticmethod
    def button_rect(rect: QRect) -> QRect:
        return QRect(rect.left() + 4, rect.top() + 3, min(BUTTON_WIDTH, rect.width() - 8), rect.height() - 6)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        rect = self.button_rect(option.rect)
        hot = self.panel.hover_row == index.row()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = QColor(theme.colour("down"))
        border.setAlpha(230 if hot else 140)
        fill = QColor(theme.colour("down"))
        fill.setAlpha(70 if hot else 28)
        painter.setPen(QPen(border, 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect.adjusted(0, 0, -1, -1), 4, 4)
        painter.setPen(theme.colour("text"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Cancel")
        painter.restore()


class OrdersPanel(QWidget):
    """``cancelled(events)``: a cancel went through (the window has nothing more to do)."""

    cancelled = Signal(list)

    def __init__(
        self, bridge: SessionBridge, attached: AttachedExits | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setObjectName("ordersPanel")
        self.bridge = bridge
        self.model = OrdersModel(bridge, attached, self)
        self.hover_row = -1
        self.view = QTableView(self)
        self.view.setObjectName("ordersView")
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(CANCEL, CancelDelegate(self))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setMouseTracking(True)
        vertical = self.view.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        fm = QFontMetrics(self.view.font())
        bold = self.view.font()
        bold.setBold(True)  # headers may be drawn bold
        bfm = QFontMetrics(bold)
        for col, column in enumerate(COLUMNS):
            width = max(fm.horizontalAdvance(column.sample) + 12, bfm.horizontalAdvance(column.title) + 18)
            self.view.setColumnWidth(col, width)
        self.view.viewport().installEventFilter(self)
        self.view.installEventFilter(self)

        self.summary = QLabel(self)
        self.summary.setObjectName("ordersSummary")
        self.cancel_all = QPushButton("Cancel all", self)
        self.cancel_all.setObjectName("cancelAllOrders")
        self.cancel_all.setToolTip(
            "cancel every resting order (their reservations go back to the available balance)"
        )
        self.cancel_all.clicked.connect(self.cancel_every)
        self.message = QLabel(self)
        self.message.setObjectName("ordersMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 4, 0)
        top.addWidget(self.summary, 1)
        top.addWidget(self.cancel_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(self._update_summary)
        bridge.account_changed.connect(self._account_changed)
        bridge.reset.connect(self._clear_message)
        theme.changed.connect(self._restyle)
        self._restyle()
        self._update_summary()

    # ------------------------------------------------------------------ look
    def _restyle(self, *_: object) -> None:
        self.summary.setStyleSheet(f"color: {theme.palette.muted};")
        self.message.setStyleSheet(f"color: {theme.palette.down};")
        self.view.viewport().update()

    def _account_changed(self, fields: frozenset[str]) -> None:
        if "reserved" in fields:
            self._update_summary()

    def _update_summary(self, *_: object) -> None:
        n = self.model.rowCount()
        if n == 0:
            text = "No resting orders. Choose Limit or Stop in the order ticket, or set a row's TP / SL."
        else:
            reserved = self.bridge.view().reserved
            text = (
                f"{n} resting order{'s' if n != 1 else ''} · {fmt.money(reserved)} USDT reserved · "
                f"drag a line on the chart to move an order"
            )
        self.summary.setText(text)
        self.cancel_all.setEnabled(n > 0)

    # ------------------------------------------------------------------ commands
    def cancel(self, oid: str) -> list[Event]:
        """Cancel ``oid``; a refusal is shown under the table in the engine's words."""
        events = self.bridge.submit(Cancel(oid))
        rejected = next((e for e in events if isinstance(e, Rejected)), None)
        if rejected is not None:
            self.message.setText(f"{oid}: {rejected.message}")
            self.message.show()
        else:
            self._clear_message()
            self.cancelled.emit(events)
        return events

    def cancel_every(self) -> None:
        for o in self.model.orders():
            self.cancel(o.id)

    def _clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    # ------------------------------------------------------------------ mouse and keys
    def cancel_point(self, oid: str) -> QPoint:
        """Where a person clicks to cancel ``oid`` (viewport coordinates)."""
        rect = self.view.visualRect(self.model.index(self.model.row_of(oid), CANCEL))
        return CancelDelegate.button_rect(rect).center()

    def _button_row(self, pos: QPoint) -> int:
        index = self.view.indexAt(pos)
        if not index.isValid() or index.column() != CANCEL:
            return -1
        return index.row() if CancelDelegate.button_rect(self.view.visualRect(index)).contains(pos) else -1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and isinstance(event, QMouseEvent):
            pos = event.position().toPoint()
            if event.type() == QEvent.Type.MouseMove:
                self._set_hover(self._button_row(pos))
            elif (
                event.type() == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton
            ):
                row = self._button_row(pos)
                if row >= 0:
                    self.cancel(self.model.order(row).id)
                    return True
        elif watched is self.view.viewport() and event.type() == QEvent.Type.Leave:
            self._set_hover(-1)
        elif (
            watched is self.view
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        ):
            index = self.view.currentIndex()
            if index.isValid():
                self.cancel(self.model.order(index.row()).id)
                return True
        return super().eventFilter(watched, event)

    def _set_hover(self, row: int) -> None:
        if row != self.hover_row:
            self.hover_row = row
            self.view.viewport().update()
            self.view.viewport().setCursor(
                Qt.CursorShape.PointingHandCursor if row >= 0 else Qt.CursorShape.ArrowCursor
            )
