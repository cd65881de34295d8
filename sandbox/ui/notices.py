"""Non-blocking notices: small cards stacked in the top-left corner of the anchor (the price
chart's plot, where the oldest prices are: the newest, on the right, stay in view).

A notice never takes the focus and never waits for an answer; it fades after a while (longer for
liquidations and errors; a ``sticky`` one, the start-up hint, stays until its owner dismisses it)
and a click dismisses it at once. ``Notices.recent`` keeps the last
sentences for tests and the status bar.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from . import format as fmt

KINDS = ("info", "warning", "error", "liquidation")
_LIFETIME_MS = {"info": 4000, "warning": 7000, "error": 9000, "liquidation": 12000}
MAX_VISIBLE = 4
WIDTH = 380


class Toast(QFrame):
    def __init__(self, text: str, kind: str, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("toast")
        self.setProperty("kind", kind)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("click to dismiss")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.label = QLabel(text, self)
        self.label.setObjectName("toastText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self.label)
        self.text = text
        self.kind = kind
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)

    def mousePressEvent(self, event) -> None:
        notices = self.parent()
        if isinstance(notices, _Host):
            notices.owner.dismiss(self)
        event.accept()


class _Host(QWidget):
    """A transparent layer over the window's centre that holds the cards."""

    def __init__(self, owner: Notices, parent: QWidget):
        super().__init__(parent)
        self.owner = owner
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(6)


class Notices(QObject):
    """Owns the cards over ``anchor`` (usually the main window's central widget).

    ``placed(rects)`` says where the cards are (in the anchor's coordinates; empty when there are
    none), so what is drawn beneath can keep its labels out from under them."""

    placed = Signal(list)

    def __init__(self, anchor: QWidget):
        super().__init__(anchor)
        self.anchor = anchor
        self.host = _Host(self, anchor)
        self.host.hide()
        self.recent: deque[tuple[str, str]] = deque(maxlen=50)
        self._toasts: list[Toast] = []
        anchor.installEventFilter(self)

    # -- showing
    def show(self, text: str, kind: str = "info", sticky: bool = False) -> Toast:
        text = fmt.drawable(text)
        if kind not in KINDS:
            kind = "info"
        self.recent.append((kind, text))
        # The same sentence twice in a row refreshes the card instead of stacking a copy.
        for toast in self._toasts:
            if toast.text == text:
                if toast.timer.isActive():
                    toast.timer.start(_LIFETIME_MS[kind])
                return toast
        toast = Toast(text, kind, self.host)
        toast.setFixedWidth(WIDTH)
        toast.timer.timeout.connect(lambda t=toast: self.dismiss(t))
        if not sticky:
            toast.timer.start(_LIFETIME_MS[kind])
        self.host.column.insertWidget(0, toast)  # the newest on top
        self._toasts.append(toast)
        while len(self._toasts) > MAX_VISIBLE:
            self.dismiss(self._toasts[0])
        self._place()
        self.host.show()
        self.host.raise_()
        return toast

    def dismiss(self, toast: Toast) -> None:
        if toast not in self._toasts:
            return
        self._toasts.remove(toast)
        toast.timer.stop()
        toast.hide()
        toast.setParent(None)
        toast.deleteLater()
        if self._toasts:
            self._place()
        else:
            self.host.hide()
            self.placed.emit([])

    def clear(self) -> None:
        for toast in list(self._toasts):
            self.dismiss(toast)

    def visible_texts(self) -> list[str]:
        return [t.text for t in self._toasts]

    # -- placement
    def _place(self) -> None:
        self.host.adjustSize()
        height = sum(t.sizeHint().height() for t in self._toasts) + 6 * max(len(self._toasts) - 1, 0)
        self.host.setGeometry(16, 12, WIDTH, height)
        self.placed.emit([QRectF(self.host.geometry())])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.anchor and event.type() == QEvent.Type.Resize and self._toasts:
            self._place()
        return False
