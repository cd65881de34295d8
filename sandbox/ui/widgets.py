"""Small widget helpers the panels share: number fields that read back exactly what was typed,
a label of a fixed number of lines for sentences that come and go, and a panel that scrolls when
its dock is short."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QEvent, QLocale, QObject, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QTextLayout
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QWidget,
)

from ..engine.limits import MAX_MONEY

_NO_SPIN_BUTTONS = "QAbstractSpinBox::up-button, QAbstractSpinBox::down-button { width: 0px; border: none; }"


def hide_spin_buttons(box: QAbstractSpinBox) -> None:
    """A spin box that looks like a plain field (arrow keys and the wheel still step it).
    ``setButtonSymbols(NoButtons)`` would hide the text under the app's style sheet."""
    box.setStyleSheet(_NO_SPIN_BUTTONS)


def number_box(
    parent: QWidget, decimals: int = 2, suffix: str = "", maximum: float = float(MAX_MONEY)
) -> QDoubleSpinBox:
    """A right-aligned field for an amount or a quantity, read back exactly with ``typed``; it takes
    nothing beyond what the engine holds exactly (``engine.limits``)."""
    box = QDoubleSpinBox(parent)
    box.setLocale(QLocale.c())
    box.setDecimals(decimals)
    box.setRange(0, maximum)
    box.setSuffix(suffix)
    box.setKeyboardTracking(True)
    box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    hide_spin_buttons(box)
    # Not as wide as its largest value (a spin box asks room for 1,000,000,000,000.00): two of
    # them share a row of the ticket, whose width is the width of the column of panels.
    box.setMinimumWidth(80)
    return box


def typed(box: QDoubleSpinBox) -> Decimal:
    """The number in the field, exactly (no float round trip); 0 if it is not one."""
    try:
        return Decimal(box.cleanText().replace(",", "") or "0")
    except InvalidOperation:
        return Decimal(0)


class FixedLines(QLabel):
    """A label that always takes ``lines`` lines of height, wraps its text into them and ends the
    last one with "…" when the text needs more (the whole text is its tooltip). A sentence that
    comes and goes therefore never moves what is below it nor squashes what is beside it."""

    def __init__(self, lines: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.lines = lines
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._fit_height()

    def _fit_height(self) -> None:
        margins = self.contentsMargins()
        self.setFixedHeight(self.fontMetrics().lineSpacing() * self.lines + margins.top() + margins.bottom())

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_height()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect()
        fm = self.fontMetrics()
        text = self.text()
        layout = QTextLayout(text, self.font())
        layout.beginLayout()
        starts: list[int] = []
        while len(starts) < self.lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(rect.width())
            starts.append(line.textStart())
        layout.endLayout()
        for i, start in enumerate(starts):
            last = i == len(starts) - 1
            piece = text[start:] if last else text[start : starts[i + 1]]
            if last:
                piece = fm.elidedText(piece.strip(), Qt.TextElideMode.ElideRight, rect.width())
            y = rect.top() + i * fm.lineSpacing()
            painter.drawText(rect.left(), y + fm.ascent(), piece.rstrip())


class VerticalScroll(QScrollArea):
    """``widget`` in a frameless area that scrolls vertically when its dock is shorter than it
    (a 768-pixel laptop) and is always as wide as the widget needs: a short dock shows a scroll
    bar, never squashed buttons or only the panel's title, and nothing is cut at the side."""

    MIN_HEIGHT = 80

    def __init__(self, widget: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"{widget.objectName()}Scroll")
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setAutoFillBackground(False)  # the dock's themed background shows through
        widget.setAutoFillBackground(False)
        widget.installEventFilter(self)

    def minimumSizeHint(self) -> QSize:
        inner = self.widget()
        width = inner.minimumSizeHint().width() if inner is not None else 0
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        return QSize(width + bar, self.MIN_HEIGHT)

    def sizeHint(self) -> QSize:
        inner = self.widget()
        hint = inner.sizeHint() if inner is not None else QSize(0, 0)
        return QSize(max(hint.width(), self.minimumSizeHint().width()), hint.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # rows came or went: the dock may need another width
        return False
