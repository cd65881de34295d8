"""The positions panel: one row per open position with a cross/isolated switch, editable leverage,
an isolated-margin editor and close buttons. Every editor previews the engine's answer (new
liquidation price, margin ratio, wallet) before anything is sent, and a rejection is shown where the
user is looking, in the engine's words, with nothing changed.

Mouse: click a row's switch to change its margin mode; click ± in an isolated margin cell to add or
remove margin; double-click (or type into) the leverage cell; "Close" closes all, "Part…" asks how
much. Keyboard: Enter on a cell does what a click does; F2 or digits edit the leverage.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from PySide6.QtCore import QEvent, QLocale, QModelIndex, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine import (
    AdjustMargin,
    Close,
    Closed,
    Command,
    Event,
    PositionView,
    Rejected,
    SetLeverage,
    SetMode,
    text,
)
from . import chart_common as cc
from .bridge import SessionBridge
from .positions_model import (
    CLOSE,
    COLUMNS,
    ENTRY,
    LEVERAGE,
    LIQ,
    MARGIN,
    MARK,
    MODE,
    NOTIONAL,
    PAINT_ROLE,
    PNL,
    RATIO,
    RATIO_CONVENTION,
    RAW_ROLE,
    SIDE,
    SIZE,
    SYMBOL,
    PositionsModel,
    base_asset,
    hide_spin_buttons,
    pct,
    qty_text,
    ratio_colour,
    shown_liquidation_price,
    signed_money,
)

ROW_HEIGHT = 28
PREVIEW_EVERY_MS = 250  # an open editor follows moving prices at most 4× a second


def _find(view_positions, pid: str) -> PositionView | None:
    return next((p for p in view_positions if p.id == pid), None)


def _rejection(events: list[Event]) -> Rejected | None:
    return next((e for e in events if isinstance(e, Rejected)), None)


# ====================================================================== delegates
_COLOURS: dict[str, QColor] = {}


def colour(name: str) -> QColor:
    """A QColor for a hex string, made once (painting asks for the same few thousands of times)."""
    c = _COLOURS.get(name)
    if c is None:
        c = _COLOURS[name] = QColor(name)
    return c


_LEFT_V = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT_V = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class CellDelegate(QStyledItemDelegate):
    """Every cell of the table: one ``data(PAINT_ROLE)`` call gives text, colour, alignment and
    the position; the selection and the keyboard's current cell are drawn here too. Subclasses
    draw their column's content (a switch, a bar, buttons)."""

    def __init__(self, table: PositionsTable):
        super().__init__(table.view)
        self.table = table

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        cell = index.data(PAINT_ROLE)
        if cell is None:
            return
        state = option.state
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        self.content(painter, option, index, *cell)
        if state & QStyle.StateFlag.State_HasFocus:
            painter.save()
            pen = QPen(colour(cc.CROSS), 1)
            painter.setPen(pen)
            painter.drawRect(option.rect.adjusted(0, 0, -1, -1))
            painter.restore()

    def content(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index,
        text_: str,
        colour_name: str | None,
        right: bool,
        p: PositionView,
        error: str | None,
    ) -> None:
        self.text(painter, option, option.rect.adjusted(6, 0, -6, 0), text_, colour_name, right)

    @staticmethod
    def text(
        painter: QPainter,
        option: QStyleOptionViewItem,
        rect: QRect,
        text_: str,
        colour_name: str | None,
        right: bool,
    ) -> None:
        fm = option.fontMetrics
        if len(text_) * fm.maxWidth() > rect.width() and fm.horizontalAdvance(text_) > rect.width():
            text_ = fm.elidedText(text_, Qt.TextElideMode.ElideRight, rect.width())  # "2.0…", never ".000"
        painter.setPen(colour(getattr(cc, colour_name) if colour_name else cc.TEXT))
        painter.drawText(rect, _RIGHT_V if right else _LEFT_V, text_)

    def hovered(self, index, name: str) -> bool:
        hover = self.table.hover
        return (
            hover is not None and hover[0] == index.row() and hover[1] == index.column() and hover[2] == name
        )


def _button(painter: QPainter, rect: QRect, label: str, hot: bool, colour_hex: str | None = None) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    border = QColor(colour_hex or cc.MUTED)
    border.setAlpha(230 if hot else 140)
    fill = QColor(colour_hex or cc.MUTED)
    fill.setAlpha(70 if hot else 28)
    painter.setPen(QPen(border, 1))
    painter.setBrush(fill)
    painter.drawRoundedRect(rect.adjusted(0, 0, -1, -1), 4, 4)
    painter.setPen(colour(cc.TEXT))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
    painter.restore()


class ModeToggleDelegate(CellDelegate):
    """A switch: knob left for cross, right for isolated, and the mode's name. The whole cell is
    the switch (a click anywhere toggles). A rejected switch shows a red mark until the next try."""

    @staticmethod
    def track(rect: QRect) -> QRect:
        return QRect(rect.left() + 6, rect.center().y() - 7, 30, 15)

    def content(self, painter, option, index, text_, colour_name, right, p, error) -> None:
        isolated = p.mode == "isolated"
        mode_colour = QColor(cc.ISOLATED if isolated else cc.CROSS)
        track = self.track(option.rect)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(mode_colour)
        fill.setAlpha(210 if self.hovered(index, "toggle") else 150)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(track, 7.5, 7.5)
        knob = 11
        x = track.right() - knob - 2 if isolated else track.left() + 2
        painter.setBrush(colour("#ffffff"))
        painter.drawEllipse(QRect(x, track.top() + 2, knob, knob))
        painter.restore()
        label = QRect(
            track.right() + 7,
            option.rect.top(),
            option.rect.right() - track.right() - 7,
            option.rect.height(),
        )
        self.text(painter, option, label, text_, colour_name, False)
        if error:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            dot = QRect(option.rect.right() - 16, option.rect.center().y() - 6, 12, 12)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour(cc.DOWN))
            painter.drawEllipse(dot)
            painter.setPen(colour("#ffffff"))
            painter.drawText(dot, Qt.AlignmentFlag.AlignCenter, "!")
            painter.restore()

    def hit(self, rect: QRect, pos: QPoint, p: PositionView) -> str | None:
        return "toggle" if rect.contains(pos) else None


class LeverageDelegate(CellDelegate):
    """Text as usual; the editor is a spin box from 1× to the bracket's maximum for the size."""

    def content(self, painter, option, index, text_, colour_name, right, p, error) -> None:
        super().content(painter, option, index, text_, colour_name, right, p, error)
        if error:
            painter.save()
            painter.setPen(QPen(colour(cc.DOWN), 1))
            painter.drawRect(option.rect.adjusted(1, 1, -2, -2))
            painter.restore()

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index) -> QWidget:
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

    def setEditorData(self, editor: QWidget, index) -> None:
        if editor.property("filled"):  # prices moving must not undo what is being typed
            return
        editor.setProperty("filled", True)
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole)))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model, index) -> None:
        editor.interpretText()
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


class MarginDelegate(CellDelegate):
    """The amount, and for an isolated position a ± button that opens the margin editor."""

    @staticmethod
    def button_rect(rect: QRect) -> QRect:
        return QRect(rect.right() - 25, rect.center().y() - 9, 20, 19)

    def content(self, painter, option, index, text_, colour_name, right, p, error) -> None:
        isolated = p.isolated_wallet is not None
        self.text(
            painter, option, option.rect.adjusted(6, 0, -30 if isolated else -6, 0), text_, colour_name, True
        )
        if isolated:
            _button(painter, self.button_rect(option.rect), "±", self.hovered(index, "adjust"), cc.ISOLATED)

    def hit(self, rect: QRect, pos: QPoint, p: PositionView) -> str | None:
        if p.isolated_wallet is not None and self.button_rect(rect).adjusted(-2, -3, 2, 3).contains(pos):
            return "adjust"
        return None


class RatioBarDelegate(CellDelegate):
    """The margin ratio as a small bar filling toward 100 %, green / amber / red at the 50 % and
    80 % bands, with the number on it."""

    def content(self, painter, option, index, text_, colour_name, right, p, error) -> None:
        ratio = None if p.margin_ratio is None else float(p.margin_ratio)
        r = option.rect.adjusted(6, 6, -6, -6)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour(cc.GRID))
        painter.drawRoundedRect(r, 3, 3)
        filled = 1.0 if ratio is None else min(max(ratio, 0.0), 1.0)
        if filled > 0:
            fill = QColor(ratio_colour(ratio))
            fill.setAlpha(190)
            painter.setBrush(fill)
            painter.drawRoundedRect(
                QRect(r.left(), r.top(), max(round(r.width() * filled), 3), r.height()), 3, 3
            )
        painter.restore()
        self.text(painter, option, r.adjusted(0, 0, -4, 0), text_, None, True)


class CloseDelegate(CellDelegate):
    """Two buttons: Close (everything, at the mark) and Part… (how much, with a preview)."""

    @staticmethod
    def buttons(rect: QRect) -> dict[str, QRect]:
        h = 20
        top = rect.center().y() - h // 2
        left = rect.left() + 4
        return {"close": QRect(left, top, 50, h), "part": QRect(left + 54, top, 50, h)}

    def content(self, painter, option, index, text_, colour_name, right, p, error) -> None:
        rects = self.buttons(option.rect)
        _button(painter, rects["close"], "Close", self.hovered(index, "close"), cc.DOWN)
        _button(painter, rects["part"], "Part…", self.hovered(index, "part"))

    def hit(self, rect: QRect, pos: QPoint, p: PositionView) -> str | None:
        return next(
            (name for name, r in self.buttons(rect).items() if r.adjusted(-2, -3, 2, 3).contains(pos)), None
        )


class SymbolDelegate(CellDelegate):
    """The symbol in bold and the position's id, muted (the id the event log and chart use)."""

    def content(self, painter, option, index, text_, colour_name, right, p, error) -> None:
        painter.save()
        r = option.rect.adjusted(6, 0, -4, 0)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(colour(cc.TEXT))
        painter.drawText(r, _LEFT_V, p.symbol)
        width = QFontMetrics(font).horizontalAdvance(p.symbol)
        painter.setFont(option.font)
        painter.setPen(colour(cc.MUTED))
        painter.drawText(r.adjusted(width + 6, 0, 0, 0), _LEFT_V, p.id)
        painter.restore()


# ====================================================================== dialogs with a preview
def _money_box(parent: QWidget, maximum: float = 1e12) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setLocale(QLocale.c())
    box.setDecimals(2)
    box.setRange(0, maximum)
    box.setSuffix(" USDT")
    box.setKeyboardTracking(True)
    box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    hide_spin_buttons(box)
    return box


def _spin_decimal(box: QDoubleSpinBox) -> Decimal:
    """The number typed, exactly (no float round trip)."""
    try:
        return Decimal(box.cleanText().replace(",", "") or "0")
    except InvalidOperation:
        return Decimal(0)


class PreviewDialog(QDialog):
    """A few inputs, the engine's preview of what they would do (now → after, side by side), and a
    confirm button that is only enabled when the engine would accept. While it is open the preview
    follows moving prices (at most 4× a second)."""

    ROWS: tuple[tuple[str, str], ...] = ()

    def __init__(
        self,
        bridge: SessionBridge,
        pid: str,
        title: str,
        send: Callable[[Command], list[Event]],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.bridge = bridge
        self.pid = pid
        self.send_command = send
        self.result_events: list[Event] = []
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.form = QGridLayout()
        self.form.setHorizontalSpacing(10)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.cells: dict[tuple[str, str], QLabel] = {}
        muted = f"color: {cc.MUTED};"
        for col, head in enumerate(("", "Now", "After"), start=0):
            h = QLabel(head, self)
            h.setStyleSheet(muted + " font-weight: bold;")
            h.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.grid.addWidget(h, 0, col)
        for row, (key, label) in enumerate(self.ROWS, start=1):
            name = QLabel(label, self)
            name.setStyleSheet(muted)
            self.grid.addWidget(name, row, 0)
            for col, when in enumerate(("now", "after"), start=1):
                cell = QLabel("—", self)
                cell.setObjectName(f"{when}_{key}")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                if when == "after":
                    cell.setStyleSheet("font-weight: bold;")
                self.grid.addWidget(cell, row, col)
                self.cells[(key, when)] = cell
        self.grid.setColumnStretch(0, 1)
        self.message = QLabel(self)
        self.message.setObjectName("previewMessage")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(34)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        note = QLabel(f"Preview: the engine's numbers if you confirm. {RATIO_CONVENTION}.", self)
        note.setWordWrap(True)
        note.setStyleSheet(muted + " font-size: 8pt;")
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addSpacing(4)
        layout.addLayout(self.grid)
        layout.addWidget(self.message)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_EVERY_MS)
        self._timer.timeout.connect(self.update_preview)
        bridge.changed.connect(self._follow)
        self.finished.connect(lambda *_: self._disconnect())

    def _disconnect(self) -> None:
        self._timer.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            self.bridge.changed.disconnect(self._follow)

    def _follow(self) -> None:
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    # -- subclasses
    def command(self) -> Command | None:
        raise NotImplementedError

    def fill(self, now: PositionView, after: PositionView | None, trial_view, events: list[Event]) -> None:
        raise NotImplementedError

    # -- shared
    def tick(self, p: PositionView) -> Decimal:
        return self.bridge.instrument(p.symbol).tick_size

    def set_row(self, key: str, now: str, after: str) -> None:
        self.cells[(key, "now")].setText(now)
        self.cells[(key, "after")].setText(after)

    def say(self, sentence: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {cc.DOWN if error else cc.MUTED};")
        self.message.setText(sentence)

    def update_preview(self) -> None:
        now = _find(self.bridge.view().positions, self.pid)
        if now is None:
            self.say(f"{self.pid} is no longer open.", error=True)
            self.ok.setEnabled(False)
            return
        command = self.command()
        if command is None:
            self.fill(now, None, None, [])
            self.ok.setEnabled(False)
            return
        trial, events = self.bridge.preview(command)
        rejected = _rejection(events)
        if rejected is not None:
            self.fill(now, None, None, events)
            self.say(rejected.message, error=True)
            self.ok.setEnabled(False)
            return
        trial_view = trial.view()
        self.fill(now, _find(trial_view.positions, self.pid), trial_view, events)
        self.ok.setEnabled(True)

    def send(self) -> None:
        command = self.command()
        if command is None:
            return
        self.result_events = self.send_command(command)
        rejected = _rejection(self.result_events)
        if rejected is not None:  # prices moved since the preview: say so, stay open
            self.say(rejected.message, error=True)
            self.ok.setEnabled(False)
            return
        self.accept()


class MarginDialog(PreviewDialog):
    """Add margin to an isolated position from the available balance, or remove some of it."""

    ROWS = (
        ("wallet", "Isolated wallet"),
        ("ratio", "Margin ratio"),
        ("liq", "Liq. price"),
        ("available", "Available"),
    )

    def __init__(
        self,
        bridge: SessionBridge,
        pid: str,
        send: Callable[[Command], list[Event]] | None = None,
        parent: QWidget | None = None,
    ):
        p = _find(bridge.view().positions, pid)
        super().__init__(
            bridge, pid, f"Adjust margin · {pid} {p.symbol} {p.side} isolated", send or bridge.submit, parent
        )
        self.add_button = QToolButton(self)
        self.add_button.setText("Add")
        self.remove_button = QToolButton(self)
        self.remove_button.setText("Remove")
        self.direction = QButtonGroup(self)
        for b in (self.add_button, self.remove_button):
            b.setCheckable(True)
            b.setMinimumWidth(80)
            self.direction.addButton(b)
        self.add_button.setChecked(True)
        self.amount = _money_box(self)
        self.amount.setObjectName("marginAmount")
        self.max_button = QPushButton("Max", self)
        self.max_button.setToolTip(
            "the most the engine allows: all the available balance to add; to "
            "remove, what keeps the initial margin at the mark and the position safe"
        )
        self.limit = QLabel(self)
        self.limit.setStyleSheet(f"color: {cc.MUTED};")
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.form.addLayout(row, 0, 0, 1, 3)
        self.form.addWidget(QLabel("Amount", self), 1, 0)
        self.form.addWidget(self.amount, 1, 1)
        self.form.addWidget(self.max_button, 1, 2)
        self.form.addWidget(self.limit, 2, 1, 1, 2)
        self.form.setColumnStretch(1, 1)
        self.amount.valueChanged.connect(self.update_preview)
        self.direction.buttonToggled.connect(self._direction_changed)
        self.max_button.clicked.connect(self.set_max)
        self._direction_changed()
        self.amount.setFocus()

    @property
    def adding(self) -> bool:
        return self.add_button.isChecked()

    def _direction_changed(self, *_) -> None:
        self.ok.setText("Add margin" if self.adding else "Remove margin")
        self.update_preview()

    def max_amount(self) -> Decimal:
        """The engine's limit: the available balance to add; to remove, what its rejection of
        removing the whole wallet says is the most (wallet − shortfall)."""
        v = self.bridge.view()
        p = _find(v.positions, self.pid)
        if p is None:
            return Decimal(0)
        if self.adding:
            return v.available.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        wallet = p.isolated_wallet or Decimal(0)
        _, events = self.bridge.preview(AdjustMargin(self.pid, -wallet))
        rejected = _rejection(events)
        most = wallet if rejected is None or rejected.shortfall is None else wallet - rejected.shortfall
        return max(most, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)

    def set_max(self) -> None:
        self.set_amount(self.max_amount())

    def set_amount(self, amount: Decimal) -> None:
        self.amount.setValue(float(amount))

    def command(self) -> Command | None:
        amount = _spin_decimal(self.amount)
        if amount <= 0:
            return None
        return AdjustMargin(self.pid, amount if self.adding else -amount)

    def fill(self, now: PositionView, after: PositionView | None, trial_view, events: list[Event]) -> None:
        tick = self.tick(now)
        v = self.bridge.view()
        if self.adding:
            self.limit.setText(f"up to the available {text.money(v.available)} USDT")
        else:
            self.limit.setText(
                f"up to {text.money(self.max_amount())} USDT (the wallet must keep the "
                f"initial margin at the mark)"
            )
        dash = "—"
        self.set_row(
            "wallet",
            text.money(now.isolated_wallet or Decimal(0)),
            text.money(after.isolated_wallet)
            if after is not None and after.isolated_wallet is not None
            else dash,
        )
        self.set_row("ratio", pct(now.margin_ratio), pct(after.margin_ratio) if after is not None else dash)
        self.set_row(
            "liq", shown_liquidation_price(now, tick), shown_liquidation_price(after, tick) if after else dash
        )
        self.set_row(
            "available", text.money(v.available), text.money(trial_view.available) if trial_view else dash
        )
        if after is None and not events:
            self.say(
                "Type an amount to "
                + ("add from the available balance." if self.adding else "take back to the cross wallet.")
            )
        elif after is not None:
            amount = _spin_decimal(self.amount)
            self.say(
                f"{'Adds' if self.adding else 'Removes'} {text.money(amount)} USDT "
                f"{'to' if self.adding else 'from'} {self.pid}'s isolated wallet."
            )


class LeverageDialog(PreviewDialog):
    ROWS = (
        ("leverage", "Leverage"),
        ("initial", "Initial margin"),
        ("wallet", "Isolated wallet"),
        ("liq", "Liq. price"),
        ("ratio", "Margin ratio"),
        ("available", "Available"),
    )

    def __init__(
        self,
        bridge: SessionBridge,
        pid: str,
        send: Callable[[Command], list[Event]] | None = None,
        parent: QWidget | None = None,
    ):
        p = _find(bridge.view().positions, pid)
        super().__init__(
            bridge, pid, f"Leverage · {pid} {p.symbol} {p.side} {p.mode}", send or bridge.submit, parent
        )
        self.leverage = QSpinBox(self)
        self.leverage.setObjectName("leverageBox")
        self.leverage.setRange(1, p.bracket_max_leverage)
        self.leverage.setValue(p.leverage)
        self.leverage.setSuffix("×")
        self.leverage.setKeyboardTracking(True)
        self.form.addWidget(QLabel("Leverage", self), 0, 0)
        self.form.addWidget(self.leverage, 0, 1)
        hint = QLabel(f"up to {p.bracket_max_leverage}× at this size ({text.money(p.notional)} USDT)", self)
        hint.setStyleSheet(f"color: {cc.MUTED};")
        self.form.addWidget(hint, 1, 1)
        self.ok.setText("Set leverage")
        self.leverage.valueChanged.connect(self.update_preview)
        self.update_preview()

    def command(self) -> Command | None:
        now = _find(self.bridge.view().positions, self.pid)
        if now is None or self.leverage.value() == now.leverage:
            return None
        return SetLeverage(self.pid, self.leverage.value())

    def fill(self, now: PositionView, after: PositionView | None, trial_view, events: list[Event]) -> None:
        tick = self.tick(now)
        v = self.bridge.view()
        dash = "—"
        wallet = lambda p: text.money(p.isolated_wallet) if p.isolated_wallet is not None else "cross"  # noqa: E731
        self.set_row("leverage", f"{now.leverage}×", f"{after.leverage}×" if after else dash)
        self.set_row(
            "initial", text.money(now.initial_margin), text.money(after.initial_margin) if after else dash
        )
        self.set_row("wallet", wallet(now), wallet(after) if after else dash)
        self.set_row(
            "liq", shown_liquidation_price(now, tick), shown_liquidation_price(after, tick) if after else dash
        )
        self.set_row("ratio", pct(now.margin_ratio), pct(after.margin_ratio) if after else dash)
        self.set_row(
            "available", text.money(v.available), text.money(trial_view.available) if trial_view else dash
        )
        if after is None and not events:
            self.say("Choose another leverage to see what it changes.")
        elif after is not None:
            self.say(
                "Isolated: the wallet is resized to the initial margin at entry for the new leverage."
                if now.mode == "isolated"
                else "Cross: only the initial margin counted against the available balance changes."
            )


class CloseDialog(PreviewDialog):
    """Close part (or all) of a position at the mark, after seeing what it realises."""

    ROWS = (
        ("size", "Size"),
        ("pnl", "PnL"),
        ("fee", "Fee"),
        ("released", "Margin released"),
        ("liq", "Liq. price"),
    )

    def __init__(
        self,
        bridge: SessionBridge,
        pid: str,
        send: Callable[[Command], list[Event]] | None = None,
        parent: QWidget | None = None,
        fraction: Decimal = Decimal("0.5"),
    ):
        p = _find(bridge.view().positions, pid)
        super().__init__(
            bridge, pid, f"Close · {pid} {p.symbol} {p.side} {p.mode}", send or bridge.submit, parent
        )
        inst = bridge.instrument(p.symbol)
        self.step = inst.qty_step
        self.qty = QDoubleSpinBox(self)
        self.qty.setObjectName("closeQty")
        self.qty.setLocale(QLocale.c())
        self.qty.setDecimals(max(-self.step.normalize().as_tuple().exponent, 0))
        self.qty.setSingleStep(float(self.step))
        self.qty.setRange(float(self.step), float(p.qty))
        self.qty.setSuffix(f" {base_asset(p.symbol)}")
        self.qty.setKeyboardTracking(True)
        self.qty.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.addWidget(QLabel("Quantity", self), 0, 0)
        self.form.addWidget(self.qty, 0, 1, 1, 4)
        hide_spin_buttons(self.qty)
        self.presets: dict[int, QPushButton] = {}
        shares = QHBoxLayout()
        for share in (25, 50, 75, 100):
            b = QPushButton(f"{share} %", self)
            b.clicked.connect(lambda _=False, s=share: self.set_fraction(Decimal(s) / 100))
            shares.addWidget(b)
            self.presets[share] = b
        self.form.addLayout(shares, 1, 1, 1, 4)
        self.form.setColumnStretch(1, 1)
        self.ok.setText("Close at the mark")
        self.qty.valueChanged.connect(self.update_preview)
        self.set_fraction(fraction)
        self.update_preview()

    def set_fraction(self, fraction: Decimal) -> None:
        p = _find(self.bridge.view().positions, self.pid)
        if p is None:
            return
        qty = (p.qty * fraction / self.step).to_integral_value(ROUND_FLOOR) * self.step
        self.qty.setValue(float(max(qty, self.step)))

    def quantity(self) -> Decimal:
        return (_spin_decimal(self.qty) / self.step).to_integral_value(ROUND_FLOOR) * self.step

    def command(self) -> Command | None:
        p = _find(self.bridge.view().positions, self.pid)
        qty = self.quantity()
        if p is None or qty <= 0:
            return None
        return Close(self.pid, None if qty >= p.qty else qty)

    def fill(self, now: PositionView, after: PositionView | None, trial_view, events: list[Event]) -> None:
        tick = self.tick(now)
        inst = self.bridge.instrument(now.symbol)
        closed = next((e for e in events if isinstance(e, Closed)), None)
        dash = "—"
        size = lambda p: f"{qty_text(p.qty, inst.qty_step)} {base_asset(p.symbol)}"  # noqa: E731
        self.set_row("size", size(now), size(after) if after else ("closed" if closed else dash))
        self.set_row(
            "pnl",
            f"{signed_money(now.unrealized_pnl)} unrealised",
            f"{signed_money(closed.realized_pnl)} realised" if closed else dash,
        )
        self.set_row("fee", "", text.money(closed.fee) if closed else dash)
        self.set_row("released", "", text.money(closed.released_margin) if closed else dash)
        self.set_row(
            "liq",
            shown_liquidation_price(now, tick),
            shown_liquidation_price(after, tick) if after else ("—" if closed else dash),
        )
        if closed is not None:
            self.say(
                f"Closes {qty_text(closed.qty, inst.qty_step)} {base_asset(now.symbol)} of {self.pid} at "
                f"{text.price(closed.price, tick)}; the realised "
                f"PnL and the released margin go to the cross wallet, the fee comes out of it."
            )


# ====================================================================== the panel
class PositionsTable(QWidget):
    """The positions panel. ``position_selected(id)`` fires when the user selects a row."""

    position_selected = Signal(str)

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("positionsTable")
        self.bridge = bridge
        self.model = PositionsModel(bridge, self)
        self.model.send = self.send
        self.hover: tuple[int, int, str] | None = None
        self._press: tuple[int, int, str] | None = None
        self._theme = ""
        self.dialog: PreviewDialog | None = None
        self.comparison: QDialog | None = None

        self.view = QTableView(self)
        self.view.setObjectName("positionsView")
        self.view.setModel(self.model)
        self.cell_delegate = CellDelegate(self)
        self.view.setItemDelegate(self.cell_delegate)
        self.delegates = {
            SYMBOL: SymbolDelegate(self),
            MODE: ModeToggleDelegate(self),
            LEVERAGE: LeverageDelegate(self),
            MARGIN: MarginDelegate(self),
            RATIO: RatioBarDelegate(self),
            CLOSE: CloseDelegate(self),
        }
        for col, delegate in self.delegates.items():
            self.view.setItemDelegateForColumn(col, delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setMouseTracking(True)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # no bare header strip right of the buttons
        header.setHighlightSections(False)
        header.setSectionsMovable(True)  # a person may bring the columns they watch together
        self._size_columns()
        self.view.viewport().installEventFilter(self)
        self.view.installEventFilter(self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)

        self.message = QLabel(self)
        self.message.setObjectName("positionsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss = QToolButton(self)
        self.dismiss.setText("✕")
        self.dismiss.setAutoRaise(True)
        self.dismiss.setToolTip("hide this message")
        self.dismiss.clicked.connect(self.clear_message)
        self.message_bar = QWidget(self)
        self.message_bar.setObjectName("positionsMessageBar")
        bar = QHBoxLayout(self.message_bar)
        bar.setContentsMargins(6, 2, 2, 2)
        bar.addWidget(self.message, 1)
        bar.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.message_bar.hide()

        self.empty = QLabel("No open positions. Open one in the order ticket.", self)
        self.empty.setObjectName("positionsEmpty")
        self.summary = QLabel(self)
        self.summary.setObjectName("positionsSummary")
        self.compare_button = QPushButton("Compare exchanges…", self)
        self.compare_button.setToolTip(
            "these positions' liquidation prices under Binance, Bybit, OKX and "
            "Hyperliquid rules, side by side"
        )
        self.compare_button.clicked.connect(self.show_comparison)
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 4, 0)
        top.addWidget(self.empty)
        top.addWidget(self.summary)
        top.addStretch(1)
        top.addWidget(self.compare_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message_bar)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.rowsRemoved.connect(self._update_empty)
        self.model.modelReset.connect(self._update_empty)
        bridge.reset.connect(self.clear_message)
        self.apply_theme()
        self._update_empty()

    # ------------------------------------------------------------------ look
    def _size_columns(self) -> None:
        fm = self.view.fontMetrics()
        bold = self.view.font()
        bold.setBold(True)
        bfm = QFontMetrics(bold)
        samples = {
            SYMBOL: "BTCUSDT  p100",
            SIDE: "Short",
            MODE: "Isolated",
            LEVERAGE: "125×",
            SIZE: "1,000.000 BTC",
            NOTIONAL: "1,234,567.89",
            ENTRY: "123,456.70",
            MARK: "123,456.70",
            LIQ: "123,456.70",
            MARGIN: "123,456.78",
            RATIO: "100.00 %",
            PNL: "+12,345.67 (+1,234.56 %)",
            CLOSE: "",
        }
        extra = {MODE: 42, MARGIN: 28, RATIO: 30, CLOSE: 114, SYMBOL: 4}
        for col, sample in samples.items():
            width = max(
                fm.horizontalAdvance(sample) + extra.get(col, 0), bfm.horizontalAdvance(COLUMNS[col]) + 6
            )
            self.view.setColumnWidth(col, width + 14)

    def apply_theme(self) -> None:
        """Colours of the few labels that carry their own (the cells read the theme as they paint)."""
        self._theme = cc.THEME
        self.message.setStyleSheet(f"color: {cc.DOWN};")
        self.empty.setStyleSheet(f"color: {cc.MUTED};")
        self.summary.setStyleSheet(f"color: {cc.MUTED};")
        self.view.viewport().update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange and self._theme and self._theme != cc.THEME:
            self.apply_theme()

    def _update_empty(self, *_) -> None:
        n = self.model.rowCount()
        self.empty.setVisible(n == 0)
        self.summary.setVisible(n > 0)
        self.summary.setText(f"{n} open position{'s' if n != 1 else ''} · amounts and prices in USDT")

    # ------------------------------------------------------------------ commands
    def send(self, command: Command) -> list[Event]:
        """Submit a command; a rejection is shown under the table (and in the cell's tooltip) in
        the engine's words. The window's notices show it too (they listen to the bridge)."""
        events = self.bridge.submit(command)
        rejected = _rejection(events)
        pid = getattr(command, "position", None)
        if rejected is not None:
            column = {SetMode: MODE, SetLeverage: LEVERAGE, AdjustMargin: MARGIN, Close: CLOSE}.get(
                type(command), MODE
            )
            self.show_message(f"{pid}: {rejected.message}" if pid else rejected.message)
            if pid:
                self.model.note_rejection(pid, column, rejected.message)
        else:
            self.clear_message()
            if pid:
                self.model.clear_rejection(pid)
        return events

    def show_message(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.message_bar.show()

    def clear_message(self) -> None:
        self.message.clear()
        self.message_bar.hide()

    def toggle_mode(self, pid: str) -> list[Event]:
        p = _find(self.bridge.view().positions, pid)
        if p is None:
            return []
        return self.send(SetMode(pid, "cross" if p.mode == "isolated" else "isolated"))

    def close_position(self, pid: str) -> list[Event]:
        return self.send(Close(pid))

    def close_part(self, pid: str, fraction: Decimal) -> list[Event]:
        """Close ``fraction`` of the position (on the quantity step) at once, without a dialog."""
        p = _find(self.bridge.view().positions, pid)
        if p is None:
            return []
        step = self.bridge.instrument(p.symbol).qty_step
        qty = (p.qty * fraction / step).to_integral_value(ROUND_FLOOR) * step
        return self.send(Close(pid, qty if 0 < qty < p.qty else None))

    def _open_dialog(self, dialog: PreviewDialog) -> PreviewDialog:
        old, self.dialog = self.dialog, dialog
        if old is not None:
            if old.isVisible():
                old.reject()
            old.deleteLater()
        dialog.open()
        return dialog

    def _dialog_send(self, command: Command) -> list[Event]:
        return self.send(command)

    def edit_margin(self, pid: str) -> MarginDialog:
        return self._open_dialog(MarginDialog(self.bridge, pid, self._dialog_send, self))

    def edit_leverage(self, pid: str) -> LeverageDialog:
        return self._open_dialog(LeverageDialog(self.bridge, pid, self._dialog_send, self))

    def close_dialog(self, pid: str, fraction: Decimal = Decimal("0.5")) -> CloseDialog:
        return self._open_dialog(CloseDialog(self.bridge, pid, self._dialog_send, self, fraction))

    def show_comparison(self) -> QDialog:
        """A non-modal window with the comparison panel; it follows the account while open."""
        if self.comparison is None:
            from .compare_panel import ComparePanel

            self.comparison = QDialog(self)
            self.comparison.setWindowTitle("Liquidation prices under each exchange")
            self.comparison.setMinimumSize(640, 240)
            box = QVBoxLayout(self.comparison)
            self.comparison.panel = ComparePanel(self.bridge, self.comparison)
            box.addWidget(self.comparison.panel)
        self.comparison.show()
        self.comparison.panel.refresh()
        return self.comparison

    # ------------------------------------------------------------------ selection
    def select_position(self, pid: str) -> bool:
        row = self.model.row_of(pid)
        if row < 0:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def selected_position(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.position(rows[0].row()).id if rows else None

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.position_selected.emit(self.model.position(current.row()).id)

    # ------------------------------------------------------------------ mouse and keys
    def cell_target(self, pos: QPoint) -> tuple[int, int, str] | None:
        """(row, column, what) under a viewport point: "toggle", "adjust", "close" or "part"."""
        index = self.view.indexAt(pos)
        if not index.isValid():
            return None
        delegate = self.delegates.get(index.column())
        hit = getattr(delegate, "hit", None)
        if hit is None:
            return None
        name = hit(self.view.visualRect(index), pos, self.model.position(index.row()))
        return (index.row(), index.column(), name) if name else None

    def target_point(self, pid: str, what: str) -> QPoint:
        """Where a person would click for ``what`` on ``pid``'s row (viewport coordinates)."""
        row = self.model.row_of(pid)
        column = {"toggle": MODE, "adjust": MARGIN, "close": CLOSE, "part": CLOSE, "leverage": LEVERAGE}[what]
        rect = self.view.visualRect(self.model.index(row, column))
        if what == "adjust":
            return MarginDelegate.button_rect(rect).center()
        if what in ("close", "part"):
            return CloseDelegate.buttons(rect)[what].center()
        return rect.center()

    def _act(self, target: tuple[int, int, str]) -> None:
        row, _col, what = target
        if not 0 <= row < self.model.rowCount():
            return
        pid = self.model.position(row).id
        if what == "toggle":
            self.toggle_mode(pid)
        elif what == "adjust":
            self.edit_margin(pid)
        elif what == "close":
            self.close_position(pid)
        elif what == "part":
            self.close_dialog(pid)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.view.viewport():
            if kind == QEvent.Type.MouseMove:
                self._set_hover(self.cell_target(event.position().toPoint()))
            elif kind == QEvent.Type.Leave:
                self._set_hover(None)
            elif kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
                self._press = self.cell_target(event.position().toPoint())
            elif kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
                pressed, self._press = self._press, None
                if pressed is not None and pressed == self.cell_target(event.position().toPoint()):
                    self._act(pressed)
            elif kind == QEvent.Type.MouseButtonDblClick:
                index = self.view.indexAt(event.position().toPoint())
                if index.isValid() and index.column() == MARGIN:
                    p = self.model.position(index.row())
                    if p.isolated_wallet is not None:
                        self.edit_margin(p.id)
                        return True
        elif (
            watched is self.view
            and kind == QEvent.Type.KeyPress
            and self.view.state() != QAbstractItemView.State.EditingState
        ) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return self._enter(self.view.currentIndex())
        return super().eventFilter(watched, event)

    def _enter(self, index: QModelIndex) -> bool:
        if not index.isValid():
            return False
        p = self.model.position(index.row())
        col = index.column()
        if col == MODE:
            self.toggle_mode(p.id)
        elif col == MARGIN and p.isolated_wallet is not None:
            self.edit_margin(p.id)
        elif col == LEVERAGE:
            self.view.edit(index)
        elif col == CLOSE:
            self.close_dialog(p.id, Decimal(1))
        else:
            return False
        return True

    def _set_hover(self, target: tuple[int, int, str] | None) -> None:
        if target == self.hover:
            return
        old, self.hover = self.hover, target
        for t in (old, target):
            if t is not None and t[0] < self.model.rowCount():
                self.view.viewport().update(self.view.visualRect(self.model.index(t[0], t[1])))
        self.view.viewport().setCursor(
            Qt.CursorShape.PointingHandCursor if target else Qt.CursorShape.ArrowCursor
        )

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        p = self.model.position(index.row())
        menu = QMenu(self)
        other = "cross" if p.mode == "isolated" else "isolated"
        menu.addAction(f"Switch {p.id} to {other}", lambda: self.toggle_mode(p.id))
        if p.mode == "isolated":
            menu.addAction("Add or remove margin…", lambda: self.edit_margin(p.id))
        menu.addAction("Change leverage…", lambda: self.edit_leverage(p.id))
        menu.addSeparator()
        menu.addAction("Close part…", lambda: self.close_dialog(p.id))
        menu.addAction("Close half now", lambda: self.close_part(p.id, Decimal("0.5")))
        menu.addAction("Close all", lambda: self.close_position(p.id))
        menu.addSeparator()
        menu.addAction("Compare exchanges…", self.show_comparison)
        menu.popup(self.view.viewport().mapToGlobal(pos))


__all__ = ["COLUMNS", "CloseDialog", "LeverageDialog", "MarginDialog", "PositionsTable", "PreviewDialog"]
