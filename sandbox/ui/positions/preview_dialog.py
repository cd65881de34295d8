"""What every position dialog shares: a form, the engine's preview of what it would do (now →
after, side by side), and a confirm button enabled only when the engine would accept. While it is
open the preview follows the account, at most 4× a second and never inside a frame (each preview
copies the account).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from ...engine import Command, Event, PositionView, Rejected
from .. import format as fmt
from ..bridge import Preview, SessionBridge
from ..follow import Follower
from ..theme import theme
from .tooltips import RATIO_CONVENTION

PREVIEW_EVERY_MS = 250  # an open dialog follows moving prices at most 4× a second…
PREVIEW_SHARE = 0.05  # …and its preview (a copy of the account) takes at most 5 % of the time
Send = Callable[[Command], list[Event]]


class PreviewDialog(QDialog):
    """A few inputs, the engine's preview of what they would do (now → after), and a confirm
    button. While it is open the preview follows the account (at most 4× a second)."""

    ROWS: tuple[tuple[str, str], ...] = ()

    def __init__(
        self, bridge: SessionBridge, p: PositionView, title: str, send: Send, parent: QWidget | None
    ):
        super().__init__(parent)
        self.bridge = bridge
        self.pid = p.id
        self.tick = bridge.instrument(p.symbol).tick_size
        self.send_command = send
        self.result_events: list[Event] = []
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.form = QGridLayout()
        self.form.setHorizontalSpacing(10)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        self.cells: dict[tuple[str, str], QLabel] = {}
        self._muted: list[QLabel] = []
        for col, head in enumerate(("", "Now", "After")):
            h = self._label(head, muted=True)
            h.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(h, 0, col)
        for row, (key, label) in enumerate(self.ROWS, start=1):
            grid.addWidget(self._label(label, muted=True), row, 0)
            for col, when in enumerate(("now", "after"), start=1):
                cell = QLabel("—", self)
                cell.setObjectName(f"{when}_{key}")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                if when == "after":
                    cell.setStyleSheet("font-weight: bold;")
                grid.addWidget(cell, row, col)
                self.cells[(key, when)] = cell
        grid.setColumnStretch(0, 1)
        self.message = QLabel(self)
        self.message.setObjectName("previewMessage")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(34)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._error = False
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.addButton("OK", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        note = self._label(f"Preview: the engine's numbers if you confirm. {RATIO_CONVENTION}.", muted=True)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addSpacing(4)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._follow = Follower(self.update_preview, PREVIEW_EVERY_MS, PREVIEW_SHARE, self)
        bridge.positions_changed.connect(self._position_changed)
        bridge.positions_removed.connect(self._position_removed)
        bridge.account_changed.connect(self._account_changed)
        self._following = True
        theme.changed.connect(self._restyle)
        self.finished.connect(self._stop)
        self._restyle()

    def _label(self, text: str, muted: bool = False) -> QLabel:
        label = QLabel(text, self)
        if muted:
            self._muted.append(label)
        return label

    def _restyle(self, *_: object) -> None:
        for label in self._muted:
            label.setStyleSheet(f"color: {theme.palette.muted};")
        self.say(self.message.text(), self._error)

    # -- following the account while open
    def _position_changed(self, changes: Mapping[str, frozenset[str]]) -> None:
        if self.pid in changes:
            self._follow()

    def _position_removed(self, ids: Iterable[str]) -> None:
        if self.pid in ids:
            self.update_preview()

    def _account_changed(self, *_: object) -> None:
        self._follow()

    def _stop(self, *_: object) -> None:
        """Closed: stop following (a dialog may be shown once; the panel makes a new one each time)."""
        self._follow.cancel()
        if not self._following:
            return
        self._following = False
        for signal, slot in (
            (self.bridge.positions_changed, self._position_changed),
            (self.bridge.positions_removed, self._position_removed),
            (self.bridge.account_changed, self._account_changed),
        ):
            signal.disconnect(slot)

    # -- subclasses
    def command(self) -> Command | None:
        raise NotImplementedError

    def fill(self, now: PositionView, preview: Preview | None) -> None:
        """Show the rows for ``now`` and, if there is an accepted ``preview``, after it."""
        raise NotImplementedError

    # -- shared
    def set_row(self, key: str, now: str, after: str) -> None:
        self.cells[(key, "now")].setText(now)
        self.cells[(key, "after")].setText(after)

    def say(self, sentence: str, error: bool = False) -> None:
        self._error = error
        self.message.setStyleSheet(f"color: {theme.palette.down if error else theme.palette.muted};")
        self.message.setText(sentence)

    def update_preview(self) -> None:
        now = self.bridge.position(self.pid)
        if now is None:
            self.say(f"{self.pid} is no longer open.", error=True)
            self.ok.setEnabled(False)
            return
        command = self.command()
        preview = self.bridge.preview(command) if command is not None else None
        accepted = preview is not None and preview.rejected is None
        self.fill(now, preview if accepted else None)
        if preview is not None and preview.rejected is not None:
            self.say(preview.rejected.message, error=True)
        self.ok.setEnabled(accepted)

    def send(self) -> None:
        command = self.command()
        if command is None:
            return
        self.result_events = self.send_command(command)
        rejected = next((e for e in self.result_events if isinstance(e, Rejected)), None)
        if rejected is not None:  # prices moved since the preview: say so, stay open
            self.say(rejected.message, error=True)
            self.ok.setEnabled(False)
            return
        self.accept()

    def liquidation(self, p: PositionView | None) -> str:
        return fmt.liquidation(p, self.tick) if p is not None else fmt.DASH
