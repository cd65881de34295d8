"""How the positions table's cells are painted: text by default, and for some columns a switch,
or buttons. A delegate that reacts to clicks names its ``ACTIONS`` and says which
one a point hits (``hit``) and where a person would click for each (``point``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSpinBox, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ...engine import PositionView
from ..theme import theme
from ..widgets import hide_spin_buttons

if TYPE_CHECKING:
    from .panel import PositionsPanel

RAW_ROLE = Qt.ItemDataRole.UserRole + 1  # the PositionView of the row
# Everything a delegate needs to paint a cell in one call: (text, palette role or None, right-
# aligned, PositionView, rejection sentence or None). Painting 400 cells 60× a second through
# eight data() calls each would cost more than the rest of the frame.
PAINT_ROLE = Qt.ItemDataRole.UserRole + 3

_LEFT_V = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT_V = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
Index = QModelIndex | QPersistentModelIndex


class CellDelegate(QStyledItemDelegate):
    """Every cell: one ``data(PAINT_ROLE)`` call gives text, colour, alignment and the position;
    the selection and the keyboard's current cell are drawn here too. Subclasses draw their
    column's content (a switch, a bar, buttons)."""

    ACTIONS: tuple[str, ...] = ()

    def __init__(self, panel: PositionsPanel):
        super().__init__(panel.view)
        self.panel = panel

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        cell = index.data(PAINT_ROLE)
        if cell is None:
            return
        state = option.state
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        self.content(painter, option, index, *cell)
        if state & QStyle.StateFlag.State_HasFocus:
            painter.save()
            painter.setPen(QPen(theme.colour("cross"), 1))
            painter.drawRect(option.rect.adjusted(0, 0, -1, -1))
            painter.restore()

    def content(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        text: str,
        role: str | None,
        right: bool,
        p: PositionView,
        error: str | None,
    ) -> None:
        self.text(painter, option, option.rect.adjusted(6, 0, -6, 0), text, role, right)

    @staticmethod
    def text(
        painter: QPainter, option: QStyleOptionViewItem, rect: QRect, text: str, role: str | None, right: bool
    ) -> None:
        fm: QFontMetrics = option.fontMetrics
        if len(text) * fm.maxWidth() > rect.width() and fm.horizontalAdvance(text) > rect.width():
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())  # "2.0…", never ".000"
        painter.setPen(theme.colour(role or "text"))
        painter.drawText(rect, _RIGHT_V if right else _LEFT_V, text)

    def hovered(self, index: Index, action: str) -> bool:
        return self.panel.hover == (index.row(), index.column(), action)

    def hit(self, rect: QRect, pos: QPoint, p: PositionView) -> str | None:
        """The action under ``pos`` in a cell drawn in ``rect`` (None: a click does nothing)."""
        return None

    def point(self, rect: QRect, action: str) -> QPoint:
        """Where a person clicks for ``action`` in a cell drawn in ``rect``."""
        return rect.center()


def _button(painter: QPainter, rect: QRect, label: str, hot: bool, role: str = "muted") -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    border = QColor(theme.colour(role))
    border.setAlpha(230 if hot else 140)
    fill = QColor(theme.colour(role))
    fill.setAlpha(70 if hot else 28)
    painter.setPen(QPen(border, 1))
    painter.setBrush(fill)
    painter.drawRoundedRect(rect.adjusted(0, 0, -1, -1), 4, 4)
    painter.setPen(theme.colour("text"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
    painter.restore()


class SymbolDelegate(CellDelegate):
    """The symbol in bold and the position's id, muted (the id the event log and chart use)."""

    def content(self, painter, option, index, text, role, right, p, error) -> None:
        painter.save()
        r = option.rect.adjusted(6, 0, -4, 0)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(theme.colour("text"))
        painter.drawText(r, _LEFT_V, p.symbol)
        width = QFontMetrics(font).horizontalAdvance(p.symbol)
        painter.setFont(option.font)
        painter.setPen(theme.colour("muted"))
        painter.drawText(r.adjusted(width + 6, 0, 0, 0), _LEFT_V, p.id)
        painter.restore()


class ModeToggleDelegate(CellDelegate):
    """A switch: knob left for cross, right for isolated, and the mode's name. The whole cell is
    the switch (a click anywhere toggles). A rejected switch shows a red mark until the next try."""

    ACTIONS = ("toggle",)

    @staticmethod
    def track(rect: QRect) -> QRect:
        return QRect(rect.left() + 6, rect.center().y() - 7, 30, 15)

    def content(self, painter, option, index, text, role, right, p, error) -> None:
        rect = option.rect
        track = self.track(rect)
        isolated = p.mode == "isolated"
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(theme.colour(p.mode))
        fill.setAlpha(210 if self.hovered(index, "toggle") else 150)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(track, 7.5, 7.5)
        knob = 11
        x = track.right() - knob - 2 if isolated else track.left() + 2
        painter.setBrush(theme.qcolor("#ffffff"))
        painter.drawEllipse(QRect(x, track.top() + 2, knob, knob))
        painter.restore()
        label = QRect(track.right() + 7, rect.top(), rect.right() - track.right() - 7, rect.height())
        self.text(painter, option, label, text, role, False)
        if error:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            dot = QRect(rect.right() - 16, rect.center().y() - 6, 12, 12)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.colour("down"))
            painter.drawEllipse(dot)
            painter.setPen(theme.qcolor("#ffffff"))
            painter.drawText(dot, Qt.AlignmentFlag.AlignCenter, "!")
            painter.restore()

    def hit(self, rect: QRect, pos: QPoint, p: PositionView) -> str | None:
        return "toggle" if rect.contains(pos) else None


class LeverageDelegate(CellDelegate):
    """Text as usual; the editor is a spin box from 1× to the bracket's maximum for the size."""

    def content(self, painter, option, index, text, role, right, p, error) -> None:
        super().content(painter, option, index, text, role, right, p, error)
        if error:
            painter.save()
            painter.setPen(QPen(theme.colour("down"), 1))
            painter.drawRect(option.rect.adjusted(1, 1, -2, -2))
            painter.restore()

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        p: PositionView = index.data(RAW_ROLE)
        box = QSpinBox(parent)
        box.setObjectName("leverageEditor")
        box.setFrame(False)
        box.setRange(1, p.bracket_max_leverage)
        box.setSuffix("×")
        box.setAlignment(_RIGHT_V)
        hide_spin_buttons(box)
        box.setToolTip(
            f"1× to {p.bracket_max_leverage}× (the maximum for this size); Enter sends, Esc cancels"
        )
        return box

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if not isinstance(editor, QSpinBox) or editor.property("filled"):
            return  # prices moving must not undo what is being typed
        editor.setProperty("filled", True)
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole)))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        if isinstance(editor, QSpinBox):
            editor.interpretText()
            model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


class MarginDelegate(CellDelegate):
    """The amount, and for an isolated position a ± button that opens the margin editor."""

    ACTIONS = ("adjust",)

    @staticmethod
    def button_rect(rect: QRect) -> QRect:
        return QRect(rect.right() - 25, rect.center().y() - 9, 20, 19)

    def content(self, painter, option, index, text, role, right, p, error) -> None:
        isolated = p.isolated_wallet is not None
        rect = option.rect
        self.text(painter, option, rect.adjusted(6, 0, -30 if isolated else -6, 0), text, role, True)
        if isolated:
            _button(painter, self.button_rect(rect), "±", self.hovered(index, "adjust"), "isolated")

    def hit(self, rect: QRect, pos: QPoint, p: PositionView) -> str | None:
        if p.isolated_wallet is not None and self.button_rect(rect).adjusted(-2, -3, 2, 3).contains(pos):
            return "adjust"
        return None

    def point(self, rect: QRect, action: str) -> QPoint:
        return self.button_rect(rect).center()


class CloseDelegate(CellDelegate):
    """Two buttons: Close (everything, at the mark) and Part… (how much, with a preview)."""

    ACTIONS = ("close", "part")

    @staticmethod
    def buttons(rect: QRect) -> dict[str, QRect]:
        h = 20
        top = rect.center().y() - h // 2
        left = rect.left() + 4
        return {"close": QRect(left, top, 50, h), "part": QRect(left + 54, top, 50, h)}

    def content(self, painter, option, index, text, role, right, p, error) -> None:
        rects = self.buttons(option.rect)
        _button(painter, rects["close"], "Close", self.hovered(index, "close"), "down")
        _button(painter, rects["part"], "Part…", self.hovered(index, "part"))

    def hit(self, rect: QRect, pos: QPoint, p: PositionView) -> str | None:
        return next(
            (name for name, r in self.buttons(rect).items() if r.adjusted(-2, -3, 2, 3).contains(pos)), None
        )

    def point(self, rect: QRect, action: str) -> QPoint:
        return self.buttons(rect)[action].center()
