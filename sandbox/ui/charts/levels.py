"""Every position's entry and liquidation line on the price chart, with their labels, and the
labels of the liquidation markers.

A liquidation line sits where the engine's display rule puts it (``text.liquidation_at_tick``: the
first tick at which it fires) and its label reads what the table reads (``text.liquidation``);
one that is out of reach is only tagged at the edge ("none within reach").

Labels never cover each other, stay inside the plot (not under the time axis) and keep out of
the areas the window reserves (``set_reserved``: the notices' cards): a label that would fall
under a card moves to the right of it, a marker's label tries the sides of its ✕ in turn, and one
that fits nowhere is left out (its line, its ✕ and their tooltips stay).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPen, QStaticText, QTransform

from ...engine import PositionView
from .. import format as fmt
from ..theme import theme

NEAR = Decimal("0.05")  # entry and liquidation lines within 5 % of the mark are pulled into view
LABEL_SLOTS = (0.01, 0.34, 0.67)  # where along the width position labels sit (staggered)


@dataclass(frozen=True, slots=True)
class Level:
    """One horizontal line with its label: a position's entry or liquidation price."""

    position: str
    kind: str  # "entry" or "liq"
    value: float
    text: str
    role: str  # the palette role of the position's mode: "cross" or "isolated"
    slot: float  # where along the width the label sits (0…1)


def levels_of(positions: Iterable[PositionView], tick: Decimal) -> tuple[list[Level], list[float]]:
    """The lines of ``positions`` (one symbol's, in the table's order), and the prices near the
    mark that following should keep in view."""
    levels: list[Level] = []
    near: list[float] = []
    for i, p in enumerate(positions):
        role = "cross" if p.mode == "cross" else "isolated"
        slot = LABEL_SLOTS[i % len(LABEL_SLOTS)]
        entry = f"{p.id} {p.side} {p.leverage}× {p.mode} · entry {fmt.price(p.entry_price, tick)}"
        levels.append(Level(p.id, "entry", float(p.entry_price), entry, role, slot))
        if abs(p.entry_price - p.mark_price) <= p.mark_price * NEAR:
            near.append(float(p.entry_price))
        at = fmt.liquidation_at(p, tick)
        if at is None:
            continue
        label = f"{p.id} liq. {fmt.liquidation(p, tick)}"
        if fmt.within_reach(p.liquidation_price, p.mark_price, tick):
            label += f" ({fmt.distance(at, p.mark_price)})"
        levels.append(Level(p.id, "liq", float(at), label, role, slot))
        if abs(at - p.mark_price) <= p.mark_price * NEAR:
            near.append(float(at))
    return levels, near


class LevelsItem(pg.GraphicsObject):
    """Every position's entry (solid) and liquidation (dashed) line with their labels, the mark
    price line, and ▲/▼ tags for liquidation prices outside the view — all in one item painted
    once per frame (one pyqtgraph item per line costs milliseconds per frame). The mark's price
    tag is drawn on the price axis (``PriceAxis.set_tag``). Highlighted positions (the row
    selected in the table, the bar clicked) are drawn thicker with framed labels."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[Level] = []
        self.highlighted: frozenset[str] = frozenset()
        self.mark: tuple[float, str, str] | None = None  # value, text, colour
        self.setZValue(50)
        self._font = QFont()
        self._font.setPointSizeF(8.5)
        self._fm = QFontMetricsF(self._font)
        self._texts: dict[str, QStaticText] = {}  # laid-out labels, reused while their text stays
        self.labelled: list[Level] = []  # the levels whose label the last paint drew
        self.marker_labels: list[tuple[float, float, str]] = []  # (x, y) in data, text: liquidations
        self.reserved: list[QRectF] = []  # areas of the plot (pixels) that labels keep out of
        self.boxes: list[QRectF] = []  # where the last paint drew each label (pixels)
        self.markers_labelled: list[str] = []  # the marker labels the last paint drew

    def set_levels(self, levels: list[Level]) -> None:
        self.levels = levels
        if len(self._texts) > 4 * len(levels) + 16:
            self._texts.clear()
        self.update()

    def set_highlighted(self, ids: Iterable[str]) -> None:
        ids = frozenset(ids)
        if ids != self.highlighted:
            self.highlighted = ids
            self.update()

    def set_marker_labels(self, labels: list[tuple[float, float, str]]) -> None:
        if labels != self.marker_labels:
            self.marker_labels = labels
            self.update()

    def set_reserved(self, rects: Iterable[QRectF]) -> None:
        """Areas of the plot's viewport (pixels) that labels keep out of (the notices)."""
        rects = [QRectF(r) for r in rects]
        if rects != self.reserved:
            self.reserved = rects
            self.update()

    def set_mark(self, mark: tuple[float, str, str] | None) -> None:
        if mark != self.mark:
            self.mark = mark
            self.update()

    def boundingRect(self) -> QRectF:
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else QRectF()

    def viewRangeChanged(self) -> None:  # pyqtgraph calls it when the view moves
        self.prepareGeometryChange()

    def edge_tags(self) -> list[str]:
        """The ▲/▼ tags shown for liquidation prices above or below the view."""
        vb = self.getViewBox()
        if vb is None:
            return []
        _, (y0, y1) = vb.viewRange()
        liqs = [lv for lv in self.levels if lv.kind == "liq"]
        above = sorted((lv for lv in liqs if lv.value > y1), key=lambda lv: lv.value)
        below = sorted((lv for lv in liqs if lv.value < y0), key=lambda lv: -lv.value)
        return [f"▲ {lv.text}" for lv in above] + [f"▼ {lv.text}" for lv in below]

    def _label(
        self, text: str, x: float, y: float, anchor: tuple[float, float]
    ) -> tuple[QStaticText, QRectF]:
        """The laid-out ``text`` and the box it takes, anchored at (x, y) in pixels."""
        st = self._texts.get(text)
        if st is None:
            st = self._texts[text] = QStaticText(text)
            st.prepare(QTransform(), self._font)
        size = st.size()
        w, h = size.width() + 10, size.height() + 4
        return st, QRectF(x - anchor[0] * w, y - anchor[1] * h, w, h)

    def _draw(self, p: QPainter, st: QStaticText, box: QRectF, colour: str, framed: bool = False) -> None:
        p.fillRect(box, theme.qcolor(colour))
        if framed:
            p.save()
            p.setPen(QPen(theme.colour("text"), 1.5))
            p.drawRect(box)
            p.restore()
        p.drawStaticText(QPointF(box.left() + 5, box.top() + 2), st)

    def _fits(self, box: QRectF, px: QRectF) -> bool:
        return px.contains(box) and not any(box.intersects(r) for r in self.reserved)

    def _level_labels(
        self, p: QPainter, inside: list[Level], to_px: QTransform, rect: QRectF, px: QRectF
    ) -> None:
        """Highlighted positions' labels first; a label that would cover one already drawn in its
        column is left out (a crowd of lines stays readable, and costs what fits on screen). The
        boxes of a column share their left edge, so they collide when their heights overlap: each
        column keeps its boxes' (top, bottom) sorted, and a new box looks at two neighbours. An
        entry label sits above its line and a liquidation label below it, each flipping to the
        other side at the plot's edge; one under a notice moves right of it (its own column)."""
        palette = theme.palette
        taken: dict[tuple[float, float], list[tuple[float, float]]] = {}
        moved: list[QRectF] = []  # labels moved out from under a notice: checked against every label
        self.labelled = []
        for lv in sorted(inside, key=lambda lv: lv.position not in self.highlighted):
            y = to_px.map(QPointF(rect.left(), lv.value)).y()
            x = px.left() + 4 + lv.slot * (px.width() - 8)
            below = lv.kind == "liq"
            st, box = self._label(lv.text, x, y, (0.0, 0.0 if below else 1.0))
            if not px.contains(box):  # at the top or bottom edge: the other side of the line
                st, box = self._label(lv.text, x, y, (0.0, 1.0 if below else 0.0))
            column = (lv.slot, 0.0)
            blocker = next((r for r in self.reserved if box.intersects(r)), None)
            if blocker is not None:
                box.moveLeft(blocker.right() + 6)
                column = (lv.slot, blocker.right())
                if any(box.intersects(b) for b in self.boxes):
                    continue
            if not self._fits(box, px) or any(box.intersects(b) for b in moved):
                continue
            spans = taken.setdefault(column, [])
            top, bottom = box.top(), box.bottom()
            i = bisect_left(spans, (top, bottom))
            if (i > 0 and spans[i - 1][1] > top) or (i < len(spans) and spans[i][0] < bottom):
                continue
            spans.insert(i, (top, bottom))
            self.labelled.append(lv)
            self.boxes.append(box)
            if blocker is not None:
                moved.append(box)
            colour = getattr(palette, lv.role) if lv.kind == "entry" else palette.liq
            self._draw(p, st, box, colour, lv.position in self.highlighted)

    def _marker_labels(self, p: QPainter, to_px: QTransform, px: QRectF) -> None:
        """Each liquidation marker's label beside its ✕: left of it, else right, above or below,
        wherever it covers no other label, stays in the plot and keeps out of the notices."""
        colour = theme.palette.liq_mark
        self.markers_labelled = []
        for x, y, label in self.marker_labels:
            at = to_px.map(QPointF(x, y))
            if not px.contains(at):
                continue
            for anchor, dx, dy in ((1.0, -11, 0), (0.0, 11, 0), (0.5, 0, -12), (0.5, 0, 12)):
                st, box = self._label(label, at.x() + dx, at.y() + dy, (anchor, 0.5))
                if dy:
                    box.moveTop(at.y() + dy - (box.height() if dy < 0 else 0))
                if self._fits(box, px) and not any(box.intersects(b) for b in self.boxes):
                    self.boxes.append(box)
                    self.markers_labelled.append(label)
                    self._draw(p, st, box, colour)
                    break

    def paint(self, p: QPainter, *args) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        palette = theme.palette
        rect = vb.viewRect()
        y_lo, y_hi = rect.top(), rect.bottom()
        inside = [lv for lv in self.levels if y_lo <= lv.value <= y_hi]
        # One pen per kind of line, each kind drawn in one call (a symbol may hold hundreds).
        lines: dict[tuple[str, str, bool], list[QLineF]] = {}
        for lv in inside:
            key = (lv.kind, lv.role if lv.kind == "entry" else "liq", lv.position in self.highlighted)
            lines.setdefault(key, []).append(QLineF(rect.left(), lv.value, rect.right(), lv.value))
        for (kind, role, highlighted), batch in lines.items():
            pen = QPen(theme.colour(role))
            pen.setCosmetic(True)
            width = 1.0 if kind == "entry" else 1.5
            pen.setWidthF(width + 1.5 if highlighted else width)
            if kind == "liq":
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLines(batch)
        if self.mark is not None and y_lo <= self.mark[0] <= y_hi:
            pen = QPen(theme.colour("muted"))
            pen.setCosmetic(True)
            pen.setStyle(Qt.PenStyle.DotLine)
            p.setPen(pen)
            p.drawLine(QLineF(rect.left(), self.mark[0], rect.right(), self.mark[0]))
        # Labels in pixels.
        to_px = p.transform()
        px = to_px.mapRect(rect)
        p.save()
        p.resetTransform()
        p.setFont(self._font)
        p.setPen(theme.colour("bg"))
        right = px.right()
        self.boxes = []
        self._level_labels(p, inside, to_px, rect, px)
        row_h = self._fm.height() + 8
        tags = self.edge_tags()
        fit = max(int(px.height() / 2 // row_h), 1)  # rows of tags each edge has room for
        for arrow, y0, step, anchor in (
            ("▲", px.top() + 4, row_h, (1.0, 0.0)),
            ("▼", px.bottom() - 4, -row_h, (1.0, 1.0)),
        ):
            mine = [t for t in tags if t.startswith(arrow)]
            if len(mine) > fit:  # the nearest ones, and how many more
                mine = [*mine[: fit - 1], f"{arrow} {len(mine) - fit + 1} more liquidation prices"]
            for j, text in enumerate(mine):
                st, box = self._label(text, right - 6, y0 + j * step, anchor)
                self.boxes.append(box)
                self._draw(p, st, box, palette.liq)
        self._marker_labels(p, to_px, px)
        p.restore()
