"""The comparison's second half: the session so far replayed under every profile, exactly as
``margin-sandbox replay FILE --compare`` prints it: each position's liquidation price right after
it opened, whether and when it was liquidated (after how many partial steps), the funding it
paid, and each profile's resting orders at the end. Profiles differ in more than the numbers of
this moment: which orders could reserve or fill, which steps a liquidation took.

A replay per profile costs time in proportion to the session, so it runs when asked (the button),
never as prices move.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from ...session.compare import compare, comparison_text
from ...session.inputs import Item
from ...session.model import SessionHeader
from ...session.timeline import Timeline
from ..bridge import SessionBridge
from ..theme import theme


class InputsSoFar:
    """The inputs a timeline has applied up to the moment on screen, as a replay source."""

    def __init__(self, timeline: Timeline):
        self.timeline = timeline
        self.path = timeline.path or "this session"
        self.header: SessionHeader = timeline.header
        self.warnings: list[str] = []

    def items(self, until: int | None = None) -> Iterator[Item]:
        tl = self.timeline
        for t, command in islice(zip(tl.times, tl.commands), tl.index):
            if until is not None and t > until:
                return
            yield t, None, command


class ReplayComparison(QWidget):
    def __init__(self, bridge: SessionBridge, profiles: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("replayComparison")
        self.bridge = bridge
        self.profiles = profiles
        self.button = QPushButton("Replay under every profile", self)
        self.button.setObjectName("replayCompare")
        self.button.setToolTip(
            "replay this session up to now under each profile (as replay --compare does): fates, "
            "partial steps, funding paid and the resting orders each would hold"
        )
        self.button.clicked.connect(self.run)
        self.note = QLabel(
            "Replayed from the start under each profile: what became of each position, the funding "
            "it paid, and the orders still resting.",
            self,
        )
        self.note.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("replayComparisonText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.hide()
        top = QHBoxLayout()
        top.addWidget(self.note, 1)
        top.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        bridge.reset.connect(self._stale)
        theme.changed.connect(self._restyle)
        self._restyle()

    def run(self) -> str:
        """Replay now and show the result; returns the text shown."""
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            shown = comparison_text(compare(InputsSoFar(self.bridge.timeline), self.profiles))
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.text.setPlainText(shown)
        self.text.show()
        self.button.setText("Replay again")
        return shown

    def _stale(self) -> None:
        self.text.clear()
        self.text.hide()
        self.button.setText("Replay under every profile")

    def _restyle(self, *_: object) -> None:
        self.note.setStyleSheet(f"color: {theme.palette.muted}; font-size: 8pt;")
