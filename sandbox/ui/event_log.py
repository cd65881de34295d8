"""The event log: every fill, switch, adjustment, rejection and liquidation as one sentence with its
session time, liquidations highlighted; exportable as CSV."""
from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ..engine import Event, Liquidated, Rejected
from ..session.report import describe
from . import chart_common as cc
from .bridge import SessionBridge

CSV_COLUMNS = ("t_ms", "time", "type", "positions", "symbol", "sentence", "price", "realized_pnl", "fee",
               "amount", "code")


def _positions(event: Event) -> str:
    if isinstance(event, Liquidated):
        return " ".join(event.positions)
    return getattr(event, "position", None) or ""


class EventLog(QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("eventLog")
        self.bridge = bridge
        self.entries: list[tuple[Event, str]] = []
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["Time", "Event"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(22)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        bridge.events.connect(self.append)
        bridge.reset.connect(self.reload)
        bridge.changed.connect(self._after_seek)
        self.reload()

    def _after_seek(self) -> None:
        """A seek or a step back changes what the engine has said so far: show exactly that."""
        if self.bridge.timeline.event_count != len(self.entries):
            self.reload()

    def reload(self) -> None:
        """Everything the current timeline said up to its current point (after a seek or a file)."""
        self.entries.clear()
        self.table.setRowCount(0)
        self.append([e for _, e in self.bridge.timeline.events])

    def append(self, events: list) -> None:
        account = self.bridge.account
        shown = list(events)
        if not shown:
            return
        first = self.table.rowCount()
        self.table.setRowCount(first + len(shown))
        liq_bg = QBrush(QColor(cc.LIQ_MARK).darker(260) if cc.THEME == "dark" else QColor("#ffe0e4"))
        for row, event in enumerate(shown, start=first):
            sentence = describe(event, account)
            self.entries.append((event, sentence))
            when = QTableWidgetItem(cc.fmt_elapsed(event.t / 1000, with_ms=True))
            what = QTableWidgetItem(sentence)
            what.setToolTip(sentence)
            if isinstance(event, Liquidated):
                for item in (when, what):
                    item.setBackground(liq_bg)
                    item.setForeground(QBrush(QColor(cc.TEXT)))
                font = what.font()
                font.setBold(True)
                what.setFont(font)
            elif isinstance(event, Rejected):
                what.setForeground(QBrush(QColor(cc.DOWN)))
            self.table.setItem(row, 0, when)
            self.table.setItem(row, 1, what)
        self.table.scrollToBottom()

    def export_csv(self, path: str | os.PathLike[str]) -> int:
        """Write the log as CSV (all at once: a failed write leaves no half file); returns rows."""
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                out.writerow(CSV_COLUMNS)
                for event, sentence in self.entries:
                    d = event.to_dict()
                    out.writerow([event.t, cc.fmt_elapsed(event.t / 1000, with_ms=True), event.type,
                                  _positions(event), d.get("symbol", ""), sentence, d.get("price", ""),
                                  d.get("realized_pnl", ""), d.get("fee", ""), d.get("amount", ""),
                                  d.get("code", "")])
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return len(self.entries)
