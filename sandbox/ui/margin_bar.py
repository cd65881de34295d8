"""One margin bar: a title and how much of the margin buffer is used on the right, the bar over its
bands (``ratio_bar``), and the numbers behind it (the exchange's margin ratio among them); or,
once liquidated, what the liquidation took. A click says which."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QAbstractAnimation, QEvent, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..engine.buffer import Buffer
from . import format as fmt
from .positions.tooltips import RATIO_CONVENTION
from .ratio_bar import band_role, paint_bar, used_text
from .theme import theme

BAR_HEIGHT = 56
BUFFER_CONVENTION = (
    "bar: the share of the margin buffer already used = loss ÷ (wallet − maintenance margin); "
    "0 % at entry, 100 % at the liquidation price"
)


class MarginBar(QWidget):
    """One bar. ``key`` is the position id, or "cross" for the pool.

    ``set_values`` only keeps the numbers: the texts are written when the bar is painted or its
    tooltip opens, so a thousand bars scrolled out of view cost nothing a frame."""

    clicked = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.title = ""
        self.used: Decimal | None = Decimal(0)  # the share of the buffer used (the fill)
        self.ratio: Decimal | None = Decimal(0)  # the exchange's margin ratio (a number)
        self.flash = 0.0  # 0…1, the red overlay while flashing
        self.liquidated = False
        self.animation: QAbstractAnimation | None = None
        self._values: tuple[str, Buffer | None, Decimal | None, Decimal, Decimal] | None = None
        self._backing: Callable[[], str] | None = None
        self._said: str | None = None  # what a liquidated bar says instead of its numbers
        self.setObjectName(f"marginBar_{key}")
        self.setFixedHeight(BAR_HEIGHT)
        self.setMinimumWidth(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_values(
        self,
        title: str,
        buffer: Buffer | None,
        ratio: Decimal | None,
        balance: Decimal,
        maintenance: Decimal,
        backing: Callable[[], str] | None = None,
    ) -> bool:
        """Show these numbers; repaints only if something changed (returns whether it did).
        ``backing()`` says what the margin balance is made of (for the tooltip)."""
        values = (title, buffer, ratio, balance, maintenance)
        self._backing = backing
        if values == self._values or self.liquidated:
            return False
        self._values = values
        self.title = title
        self.used = buffer.used if buffer is not None else None
        self.ratio = ratio
        self.update()
        return True

    def set_liquidated(self, title: str, detail: str) -> None:
        self.liquidated = True
        self.title = title
        self._said = detail
        self.used = Decimal(1)
        self.update()

    @property
    def used_text(self) -> str:
        """What the bar says on its right: "43.5 % used", or LIQUIDATED (at 100 %)."""
        return "LIQUIDATED · 100 % used" if self.liquidated else used_text(self.used)

    @property
    def ratio_text(self) -> str:
        return fmt.pct(self.ratio)

    @property
    def detail(self) -> str:
        """The line under the bar: the margin ratio and the numbers behind it, or what a
        liquidation took."""
        if self._said is not None:
            return self._said
        if self._values is None:
            return ""
        _, _, _, balance, maintenance = self._values
        return (
            f"ratio {self.ratio_text} · balance {fmt.money(balance)} · maint. {fmt.money(maintenance)} USDT"
        )

    def tooltip(self) -> str:
        if self.liquidated or self._values is None:
            return f"{self.title}\n{self.detail}"
        _, buffer, _, balance, maintenance = self._values
        backing = self._backing() if self._backing is not None else ""
        used = ""
        if buffer is not None:
            used = (
                f"\nbuffer used = loss {fmt.money(buffer.loss)} ÷ (wallet {fmt.money(buffer.wallet)} − "
                f"maintenance {fmt.money(buffer.maintenance)}) = {used_text(buffer.used)}"
            )
        return (
            f"{self.title}\n{BUFFER_CONVENTION}{used}\n{RATIO_CONVENTION}\nmargin ratio = "
            f"{fmt.money(maintenance)} ÷ {fmt.money(balance)} = {self.ratio_text}"
            + (f"\n{backing}" if backing else "")
            + "\nbands: green below 50 % used, amber to 80 %, red beyond"
        )

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            QToolTip.showText(event.globalPos(), self.tooltip(), self)
            return True
        return super().event(event)

    def set_flash(self, value: float) -> None:
        self.flash = float(value)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.key)
        super().mouseReleaseEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = self.width()
        h = min(self.height(), BAR_HEIGHT)
        if self.flash > 0 or self.liquidated:
            glow = QColor(theme.colour("liq_mark"))
            glow.setAlpha(int(40 + 150 * self.flash))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(glow)
            painter.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), 5, 5)
        font = QFont(self.font())
        bold = QFont(font)
        bold.setBold(True)
        fm = QFontMetrics(font)
        # line 1: title, and how much of the buffer is used on the right
        painter.setFont(bold)
        ratio_w = QFontMetrics(bold).horizontalAdvance(self.used_text) + 2
        painter.setPen(theme.colour("text" if self.liquidated else band_role(self.used)))
        painter.drawText(
            QRect(w - ratio_w - 6, 2, ratio_w, 18),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            self.used_text,
        )
        painter.setFont(font)
        painter.setPen(theme.colour("text"))
        title_w = max(w - ratio_w - 20, 10)
        painter.drawText(
            QRect(6, 2, title_w, 18),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(self.title, Qt.TextElideMode.ElideRight, title_w),
        )
        # line 2: the bar over its bands
        paint_bar(painter, QRect(6, 23, w - 12, 11), self.used)
        # line 3: the margin ratio and the numbers behind it
        painter.setPen(theme.colour("text" if self.liquidated else "muted"))
        painter.drawText(
            QRect(6, 37, w - 12, h - 38),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(self.detail, Qt.TextElideMode.ElideRight, w - 12),
        )
