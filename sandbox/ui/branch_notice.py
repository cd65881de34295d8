"""The branch notice: a bar above the charts while the timeline on screen is a branch made in
this window (a command during a replay, or "Trade from here").

It says in one sentence what differs (``Departure.sentence()``: "What if at 0:05 you had switched
p1 to cross: the recorded prices play on."), offers "Back to the original" (the original exactly
as it was left: play head, positions, events, charts), and, where the recorded market plays on
and the recording held later commands of yours, a switch to re-apply them as recorded. Once you
have traded again in the branch the switch is disabled: making the branch again would drop that.

It decides nothing itself: the session controller makes and leaves branches.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QToolButton

from .bridge import SessionBridge
from .session_controller import SessionController
from .theme import theme


class BranchNotice(QFrame):
    def __init__(self, bridge: SessionBridge, session: SessionController, parent=None):
        super().__init__(parent)
        self.setObjectName("branchNotice")
        self.bridge = bridge
        self.session = session
        self._departure: object | None = None
        self._length = 0  # the branch's number of inputs when it was made
        self._dismissed: object | None = None  # the departure whose notice the user closed
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.setSpacing(10)
        self.icon = QLabel("↳", self)  # a glyph DejaVu Sans has (tests/test_ui_glyphs.py)
        self.icon.setObjectName("branchIcon")
        layout.addWidget(self.icon)
        self.sentence = QLabel(self)
        self.sentence.setObjectName("branchSentence")
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.sentence, 1)
        self.keep = QCheckBox("keep my later recorded commands", self)
        self.keep.setObjectName("keepCommands")
        self.keep.setToolTip(
            "re-apply the commands the recording held after this point, as recorded "
            "(the branch is made again from the same point)"
        )
        self.keep.toggled.connect(self._keep_toggled)
        layout.addWidget(self.keep)
        self.back = QToolButton(self)
        self.back.setObjectName("backToOriginal")
        self.back.setText("Back to the original")
        self.back.setToolTip(
            "the original exactly as you left it (Ctrl+Shift+B); this branch's recording is kept"
        )
        self.back.clicked.connect(session.back_to_original)
        layout.addWidget(self.back)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("closeBranchNotice")
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("hide this notice (the branch stays)")
        self.close_button.clicked.connect(self._dismiss)
        layout.addWidget(self.close_button)
        self.hide()
        self._restyle()
        theme.changed.connect(self._restyle)
        bridge.reset.connect(self.refresh)
        bridge.submitted.connect(self._traded)
        session.branched.connect(self.refresh)

    def refresh(self) -> None:
        tl = self.bridge.timeline
        d = tl.departure
        if d is None or tl.original is None:
            self._departure = None
            self.hide()
            return
        if d is not self._departure:
            self._departure = d
            self._length = len(tl)
            self.sentence.setText(d.sentence())
            later = d.dropped + d.kept
            self.keep.blockSignals(True)
            self.keep.setChecked(d.kept > 0)
            self.keep.blockSignals(False)
            self.keep.setVisible(d.market_kept and later > 0)
            self.keep.setEnabled(True)
            self.keep.setToolTip(
                f"re-apply the {later} command(s) the recording held after this point, as recorded "
                f"(the branch is made again from the same point)"
            )
        self.setVisible(d is not self._dismissed)

    def _traded(self) -> None:
        """A command in the branch (not the one that made it): making it again would lose it."""
        tl = self.bridge.timeline
        d = tl.departure
        if d is not None and d is self._departure and len(tl) != self._length:
            self.keep.setEnabled(False)
            self.keep.setToolTip(
                "you have traded in this branch since; go back to the original to start again"
            )
        elif d is not self._departure:
            self.refresh()

    def _keep_toggled(self, on: bool) -> None:
        if not self.session.redo_branch(on):
            self.keep.blockSignals(True)
            self.keep.setChecked(not on)
            self.keep.blockSignals(False)

    def _dismiss(self) -> None:
        self._dismissed = self._departure
        self.hide()

    def _restyle(self, *_: object) -> None:
        p = theme.palette
        self.setStyleSheet(
            f"QFrame#branchNotice {{ background: {p.panel}; border-bottom: 1px solid {p.grid};"
            f" border-left: 4px solid {p.cross}; }}"
            f"QLabel#branchIcon {{ color: {p.cross}; font-weight: bold; font-size: 15px; }}"
            f"QLabel#branchSentence {{ color: {p.text}; }}"
        )
