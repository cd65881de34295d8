"""Resting orders as lines on the price chart, which a person drags to move, as exchange screens do.

Each resting order of the shown symbol is a dash-dot line at its price, coloured by what it does
(an entry amber, a take-profit green, a stop-loss red), labelled at the right with its id, kind,
quantity and price. Press on a line (within a few pixels), drag, release: the dropped price is
put on the instrument's tick and the move is asked of the engine first (cancel + place with the
same id, on a copy); a move it would refuse sends nothing, the line snaps back and says why.

All lines are one item painted once per frame, like the position lines (``levels``): one
pyqtgraph item per line would cost milliseconds per frame with a hundred orders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPainter, QPen, QStaticText, QTransform

from ...engine import OrderView
from .. import format as fmt
from ..bridge import SessionBridge
from ..orders.commands import ROLE_COLOURS, label, move, role
from ..theme import theme

GRAB_PX = 5  # a press this close to a line (in pixels) takes it
NEAR = Decimal("0.05")  # order lines within 5 % of the mark are kept in view while following
REFUSAL_MS = 5000  # how long a refused move's sentence stays beside its line


@dataclass(frozen=True, slots=True)
class OrderLine:
    order: str
    value: float
    text: str
    role: str  # "entry", "tp" or "sl"


class OrderLinesItem(pg.GraphicsObject):
    """The lines and their labels; ``dropped(order id, y)`` when a drag ends (y in prices).
    While a line is dragged it sits at ``snap(y)`` (the tick it would go to) and reads
    ``describe(order id, y)``."""

    dropped = Signal(str, float)

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[OrderLine] = []
        self.drag: tuple[str, float] | None = None  # (order id, where it is being dragged to)
        self.snap: Callable[[float], float] = lambda y: y
        self.describe: Callable[[str, float], str] = lambda oid, y: ""
        self.hover: str | None = None
        self.refusal: tuple[str, str] | None = None  # (order id, why its move was refused)
        self.setZValue(55)
        self.setAcceptHoverEvents(True)
        self._font = QFont()
        self._font.setPointSizeF(8.5)
        self._texts: dict[str, QStaticText] = {}  # laid-out labels, reused while their text stays

    def _static(self, text: str) -> QStaticText:
        st = self._texts.get(text)
        if st is None:
            if len(self._texts) > 4 * len(self.lines) + 16:
                self._texts.clear()
            st = self._texts[text] = QStaticText(text)
            st.prepare(QTransform(), self._font)
        return st

    def set_lines(self, lines: list[OrderLine]) -> None:
        self.lines = lines
        if self.drag is not None and all(line.order != self.drag[0] for line in lines):
            self.drag = None  # it filled or was cancelled under the pointer
        self.update()

    def line(self, oid: str) -> OrderLine | None:
        return next((line for line in self.lines if line.order == oid), None)

    def boundingRect(self) -> QRectF:
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else QRectF()

    def viewRangeChanged(self) -> None:  # pyqtgraph calls it when the view moves
        self.prepareGeometryChange()

    # ------------------------------------------------------------------ the mouse
    def line_at(self, scene_pos: QPointF) -> OrderLine | None:
        """The line within ``GRAB_PX`` pixels of a scene point (the nearest), if any."""
        vb = self.getViewBox()
        if vb is None or not self.lines:
            return None
        y = vb.mapSceneToView(scene_pos).y()
        reach = GRAB_PX * abs(vb.viewPixelSize()[1])
        best = min(self.lines, key=lambda line: abs(line.value - y))
        return best if abs(best.value - y) <= reach else None

    def hoverEvent(self, ev) -> None:
        over = None if ev.isExit() else self.line_at(ev.scenePos())
        if over is not None:
            ev.acceptDrags(Qt.MouseButton.LeftButton)
        hover = over.order if over is not None else None
        if hover != self.hover:
            self.hover = hover
            if hover is None:
                self.unsetCursor()
            else:
                self.setCursor(Qt.CursorShape.SizeVerCursor)
            self.update()

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            grabbed = self.line_at(ev.buttonDownScenePos())
            if grabbed is None:
                ev.ignore()  # not on a line: the view pans as usual
                return
            self.drag = (grabbed.order, grabbed.value)
            self.refusal = None
        elif self.drag is None:
            ev.ignore()
            return
        ev.accept()
        vb = self.getViewBox()
        y = vb.mapSceneToView(ev.scenePos()).y() if vb is not None else self.drag[1]
        self.drag = (self.drag[0], self.snap(y))
        self.update()
        if ev.isFinish():
            oid = self.drag[0]
            self.drag = None
            self.dropped.emit(oid, y)

    # ------------------------------------------------------------------ painting
    def paint(self, p: QPainter, *args) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        rect = vb.viewRect()
        y_lo, y_hi = rect.top(), rect.bottom()
        dragging = self.drag[0] if self.drag is not None else None
        shown = [(line, line.value) for line in self.lines if line.order != dragging]
        if self.drag is not None:
            moving = self.line(self.drag[0])
            if moving is not None:
                shown.append((moving, self.drag[1]))
        batches: dict[tuple[str, bool], list[QLineF]] = {}
        for line, y in shown:
            if y_lo <= y <= y_hi:
                bold = line.order in (dragging, self.hover)
                batches.setdefault((line.role, bold), []).append(QLineF(rect.left(), y, rect.right(), y))
        for (line_role, bold), batch in batches.items():
            pen = QPen(theme.colour(ROLE_COLOURS[line_role]))
            pen.setCosmetic(True)
            pen.setWidthF(2.5 if bold else 1.2)
            pen.setStyle(Qt.PenStyle.DashDotLine)
            p.setPen(pen)
            p.drawLines(batch)
        to_px = p.transform()
        px = vb.boundingRect()
        p.save()
        p.resetTransform()
        p.setFont(self._font)
        for line, y in shown:
            if not y_lo <= y <= y_hi:
                continue
            text = self.describe(line.order, y) if line.order == dragging else line.text
            if self.refusal is not None and self.refusal[0] == line.order:
                text = f"✕ {self.refusal[1]}"
            yp = to_px.map(QPointF(rect.left(), y)).y()
            st = self._static(text)
            size = st.size()
            w, h = size.width() + 10, size.height() + 4
            box = QRectF(px.right() - 8 - w, yp - h, w, h)
            p.fillRect(box, theme.qcolor(getattr(theme.palette, ROLE_COLOURS[line.role])))
            p.setPen(theme.colour("bg"))
            p.drawStaticText(QPointF(box.left() + 5, box.top() + 2), st)
        p.restore()


class OrderLines(QObject):
    """Keeps the item in step with the shown symbol's resting orders and turns a drop into a move.

    ``moved(order id)``: a drop moved an order; ``refused(sentence)``: the engine would not take
    the move (the line snapped back; the sentence is the engine's)."""

    moved = Signal(str)
    refused = Signal(str)

    def __init__(self, bridge: SessionBridge, plot_item: pg.PlotItem, parent: QObject | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.item = OrderLinesItem()
        plot_item.addItem(self.item, ignoreBounds=True)
        self.symbol: str | None = None
        self._refusal_timer = QTimer(self)
        self._refusal_timer.setSingleShot(True)
        self._refusal_timer.timeout.connect(self._forget_refusal)
        self.item.dropped.connect(self._dropped)
        self.item.snap = self._snap
        self.item.describe = self._describe_drag
        for signal in (bridge.orders_added, bridge.orders_removed, bridge.orders_changed):
            signal.connect(self._orders_moved)
        bridge.reset.connect(self.refresh)
        theme.changed.connect(self._restyle)

    def _restyle(self, *_: object) -> None:
        if shiboken6.isValid(self.item):  # (the scene may have deleted it first at shutdown)
            self.item.update()

    def set_symbol(self, symbol: str | None) -> None:
        if symbol != self.symbol:
            self.symbol = symbol
            self._forget_refusal()
            self.refresh()

    def orders(self) -> tuple[OrderView, ...]:
        return self.bridge.orders(self.symbol) if self.symbol else ()

    def _orders_moved(self, ids: tuple[str, ...]) -> None:
        self.refresh()

    def refresh(self) -> None:
        symbol = self.symbol
        if symbol is None:
            self.item.set_lines([])
            return
        tick = self.bridge.instrument(symbol).tick_size
        orders = self.orders()
        self.item.set_lines([OrderLine(o.id, float(o.price), label(o, tick), role(o)) for o in orders])

    @property
    def near(self) -> list[float]:
        """Prices of the shown orders within 5 % of the mark (following keeps them in view)."""
        mark = self.bridge.mark(self.symbol) if self.symbol else None
        if not mark:
            return []
        lo, hi = float(mark * (1 - NEAR)), float(mark * (1 + NEAR))
        return [line.value for line in self.item.lines if lo <= line.value <= hi]

    def drop_price(self, y: float) -> Decimal | None:
        """Where a drop at ``y`` puts the order: the instrument's tick nearest to it."""
        if self.symbol is None:
            return None
        try:
            value = Decimal(repr(float(y)))
        except (InvalidOperation, ValueError):
            return None
        if not value.is_finite() or value <= 0:
            return None
        return fmt.round_to_tick(value, self.bridge.instrument(self.symbol).tick_size)

    def _snap(self, y: float) -> float:
        price = self.drop_price(y)
        return float(price) if price is not None else y

    def _describe_drag(self, oid: str, y: float) -> str:
        o = self.bridge.order(oid)
        price = self.drop_price(y)
        if o is None or price is None or self.symbol is None:
            return ""
        moved = label(replace(o, price=price), self.bridge.instrument(self.symbol).tick_size)
        return f"{moved}  (drop to move from {fmt.price(o.price, self.bridge.instrument(self.symbol).tick_size)})"

    def move_to(self, oid: str, y: float) -> bool:
        """Move order ``oid`` to the tick nearest ``y`` (what a drop does); False if refused."""
        price = self.drop_price(y)
        if price is None:
            return self._refuse(oid, "a price must be above zero")
        outcome = move(self.bridge, oid, price)
        if outcome.refused is not None:
            return self._refuse(oid, outcome.refused)
        self._forget_refusal()
        if outcome.events:
            self.moved.emit(oid)
        return True

    def _dropped(self, oid: str, y: float) -> None:
        self.move_to(oid, y)

    def _refuse(self, oid: str, sentence: str) -> bool:
        self.item.refusal = (oid, f"{oid} stays: {sentence}")
        self.item.update()
        self._refusal_timer.start(REFUSAL_MS)
        self.refused.emit(f"{oid} was not moved: {sentence}")
        return False

    def _forget_refusal(self) -> None:
        if self.item.refusal is not None:
            self.item.refusal = None
            self.item.update()
