"""The event log: every fill, switch, adjustment, rejection and liquidation as one sentence with its
session time, liquidations highlighted, rejections in red; exportable as CSV.

The log is a model over the engine's events: sentences are written when a row is first shown (a
long replay does not format thousands of lines nobody scrolls to), a seek back drops only the rows
past the new point, and it follows the newest line only while the user is at the bottom. A
liquidation's sentence is never cut: its row is as tall as the sentence needs at the column's
width (the others stay one line; their tooltip has the sentence whole).
"""

from __future__ import annotations

import csv
import os
import tempfile
from bisect import bisect_left
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..engine import Event, Liquidated, Rejected
from ..session.jsonlines import format_decimal
from . import format as fmt
from .bridge import SessionBridge
from .theme import theme

TIME, SENTENCE = range(2)
EVENT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_HEIGHT = 22
_WRAP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
# The CSV: when, what, which position(s), and the event's main numbers (empty where it has none).
# ``insurance_fund_change``: what the event moved into (+) or out of (−) the insurance fund.
# ``shortfall``: USDT that was missing — what a rejected command lacked, or what a liquidated
# wallet could not cover and the insurance fund paid.
CSV_COLUMNS = (
    "t_ms",
    "time",
    "type",
    "positions",
    "symbol",
    "side",
    "mode",
    "sentence",
    "qty",
    "price",
    "liquidation_price",
    "realized_pnl",
    "fee",
    "margin",
    "amount",
    "isolated_wallet",
    "wallet_before",
    "wallet_after",
    "insurance_fund_change",
    "code",
    "shortfall",
)
# CSV columns whose value is an event field of another name.
_FIELD_OF = {"insurance_fund_change": "insurance_fund"}


def positions_of(event: Event) -> str:
    if isinstance(event, Liquidated):
        return " ".join(event.positions)
    return getattr(event, "position", None) or ""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


def shortfall(event: Event) -> Decimal | None:
    """What was missing: a rejection's shortfall, or what a liquidation's wallet could not cover.
    A liquidation that leaves a wallet short pays no fee and leaves nothing, so the fund's
    movement is then exactly minus what it paid (``Liquidated.insurance_fund``)."""
    if isinstance(event, Liquidated):
        return max(-event.insurance_fund, Decimal(0))
    return getattr(event, "shortfall", None)


def csv_row(event: Event, sentence: str) -> list[str]:
    d = event.to_dict()
    d["shortfall"] = shortfall(event)
    return [
        str(event.t),
        fmt.clock(event.t / 1000, with_ms=True),
        event.type,
        positions_of(event),
        _cell(d.get("symbol")),
        _cell(d.get("side")),
        _cell(d.get("mode")),
        sentence,
        *(_cell(d.get(_FIELD_OF.get(k, k))) for k in CSV_COLUMNS[8:]),
    ]


class EventLogModel(QAbstractTableModel):
    def __init__(self, bridge: SessionBridge, parent: QObject | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.events: list[Event] = []
        self.liquidations = 0
        self.rejections = 0
        self.liq_rows: list[int] = []  # rows that hold a liquidation, in order
        self._sentences: dict[int, str] = {}
        self.bold_font = QFont()
        self.bold_font.setBold(True)

    # -- contents
    def sentence(self, row: int) -> str:
        s = self._sentences.get(row)
        if s is None:
            s = self._sentences[row] = fmt.drawable(self.bridge.describe(self.events[row]))
        return s

    def append(self, events: list[Event]) -> None:
        if not events:
            return
        first = len(self.events)
        self._count(events, 1)
        self.liq_rows.extend(first + i for i, e in enumerate(events) if isinstance(e, Liquidated))
        self.beginInsertRows(QModelIndex(), first, first + len(events) - 1)
        self.events.extend(events)
        self.endInsertRows()

    def _count(self, events: list[Event], sign: int) -> None:
        for e in events:
            if isinstance(e, Liquidated):
                self.liquidations += sign
            elif isinstance(e, Rejected):
                self.rejections += sign

    def replace(self, events: list[Event]) -> None:
        """Show exactly ``events``: drop or add only the tail when the current rows are a prefix
        of it or it is a prefix of them (a seek), else start over."""
        n, m = len(self.events), len(events)
        common = min(n, m)
        if common and self.events[common - 1] is events[common - 1] and self.events[0] is events[0]:
            if m < n:
                self._count(self.events[m:], -1)
                del self.liq_rows[bisect_left(self.liq_rows, m) :]
                self.beginRemoveRows(QModelIndex(), m, n - 1)
                del self.events[m:]
                for row in range(m, n):
                    self._sentences.pop(row, None)
                self.endRemoveRows()
            elif m > n:
                self.append(events[n:])
            return
        self.beginResetModel()
        self.events = list(events)
        self.liquidations = self.rejections = 0
        self._count(self.events, 1)
        self.liq_rows = [i for i, e in enumerate(self.events) if isinstance(e, Liquidated)]
        self._sentences.clear()
        self.endResetModel()

    # -- the Qt model
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 2

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and section in (0, 1)
        ):
            return ("Time", "Event")[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self.events):
            return None
        event = self.events[row]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return fmt.clock(event.t / 1000, with_ms=True) if col == TIME else self.sentence(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.sentence(row) if col == SENTENCE else f"t = {event.t} ms"
        if role == EVENT_ROLE:
            return event
        dark = theme.name == "dark"
        if role == Qt.ItemDataRole.BackgroundRole and isinstance(event, Liquidated):
            return QBrush(theme.colour("liq_mark").darker(260) if dark else QColor("#ffe0e4"))
        if role == Qt.ItemDataRole.ForegroundRole:
            if isinstance(event, Liquidated):
                return QBrush(theme.qcolor("#ffffff") if dark else theme.colour("text"))
            if isinstance(event, Rejected):
                return QBrush(theme.colour("down"))
            if col == TIME:
                return QBrush(theme.colour("muted"))
            return None
        if role == Qt.ItemDataRole.FontRole and isinstance(event, Liquidated) and col == SENTENCE:
            return self.bold_font
        return None


class SentenceDelegate(QStyledItemDelegate):
    """A liquidation's sentence wrapped over as many lines as its row has; the rest as usual."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        if not isinstance(index.data(EVENT_ROLE), Liquidated):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(opt.palette.ColorRole.Text))
        brush = index.data(Qt.ItemDataRole.ForegroundRole)
        if isinstance(brush, QBrush):
            painter.setPen(brush.color())
        painter.drawText(opt.rect.adjusted(4, 0, -4, 0), _WRAP, text)
        painter.restore()


class EventLog(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("eventLog")
        self.bridge = bridge
        self.model = EventLogModel(bridge, self)
        self.table = QTableView(self)
        self.table.setObjectName("eventLogView")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setItemDelegateForColumn(SENTENCE, SentenceDelegate(self.table))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TIME, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(SENTENCE, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setColumnWidth(TIME, self.table.fontMetrics().horizontalAdvance("0:00:00.000") + 20)
        self.counts = QLabel(self)
        self.counts.setObjectName("eventCounts")
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 0)
        top.addWidget(self.counts)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        bridge.events.connect(self.append)
        bridge.reset.connect(self.reload)
        bridge.jumped.connect(self._after_seek)
        self.model.rowsInserted.connect(self._update_counts)
        self.model.rowsInserted.connect(lambda _parent, first, last: self._fit_rows(first, last))
        self.model.modelReset.connect(lambda: self._fit_rows(0, self.model.rowCount() - 1))
        header.sectionResized.connect(lambda col, *_: self._fit_rows() if col == SENTENCE else None)
        self.table.viewport().installEventFilter(self)  # the sentence column stretches with it
        self.model.rowsRemoved.connect(self._update_counts)
        self.model.modelReset.connect(self._update_counts)
        theme.changed.connect(self._restyle)
        self._restyle()
        self.reload()

    # -- reading it (tests, export)
    @property
    def entries(self) -> list[tuple[Event, str]]:
        """(event, the sentence shown) for every line, oldest first."""
        return [(e, self.model.sentence(i)) for i, e in enumerate(self.model.events)]

    def row_count(self) -> int:
        return self.model.rowCount()

    def sentence(self, row: int) -> str:
        return self.model.sentence(row)

    # -- following the session
    def _after_seek(self) -> None:
        """A seek or a step back changes what the engine has said so far: show exactly that."""
        if self.bridge.timeline.event_count != len(self.model.events):
            self.reload()

    def reload(self) -> None:
        """Everything the current timeline said up to its current point (after a seek or a file)."""
        at_bottom = self._at_bottom()
        self.model.replace([e for _, e in self.bridge.timeline.events])
        if at_bottom:
            self.table.scrollToBottom()

    def append(self, events: list) -> None:
        if not events:
            return
        at_bottom = self._at_bottom()
        self.model.append(list(events))
        if at_bottom:
            self.table.scrollToBottom()

    def _at_bottom(self) -> bool:
        bar = self.table.verticalScrollBar()
        return bar.value() >= bar.maximum() - 2

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self._fit_rows)  # once the stretched column has its new width
        return False

    def _fit_rows(self, first: int = 0, last: int | None = None) -> None:
        """Liquidation rows from ``first`` to ``last`` as tall as their sentence needs."""
        rows = self.model.liq_rows
        last = len(self.model.events) - 1 if last is None else last
        width = max(self.table.columnWidth(SENTENCE) - 8, 40)
        font = QFont(self.table.font())
        font.setBold(True)  # a liquidation's sentence is bold
        fm = QFontMetrics(font)
        for row in rows[bisect_left(rows, first) :]:
            if row > last:
                break
            needed = fm.boundingRect(QRect(0, 0, width, 10_000), _WRAP, self.model.sentence(row)).height()
            self.table.setRowHeight(row, max(ROW_HEIGHT, needed + 6))

    def _update_counts(self, *_) -> None:
        n, liq, rej = len(self.model.events), self.model.liquidations, self.model.rejections
        parts = [f"{n} event{'s' if n != 1 else ''}"]
        if liq:
            parts.append(f"{liq} liquidation{'s' if liq != 1 else ''}")
        if rej:
            parts.append(f"{rej} rejected")
        self.counts.setText(" · ".join(parts))

    # -- look
    def _restyle(self, *_: object) -> None:
        self.counts.setStyleSheet(f"color: {theme.palette.muted}; font-size: 8pt;")
        self.table.viewport().update()

    # -- export
    def export_csv(self, path: str | os.PathLike[str]) -> int:
        """Write every line of the log as CSV: t, type, position(s), symbol, the sentence shown and
        the event's main numbers (exact decimals). Written to a temporary file in the same folder
        and renamed over ``path``, so a failed write never leaves a half file. Returns the rows."""
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        try:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)  # like any file the user writes (mkstemp makes it private)
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                out.writerow(CSV_COLUMNS)
                for row, event in enumerate(self.model.events):
                    out.writerow(csv_row(event, self.model.sentence(row)))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return len(self.model.events)
