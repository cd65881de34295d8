"""The danger gauge: how a margin bar fills and what colour it is (``paint_bar``, ``band_role``).

A bar fills with the share of the margin buffer already used (``engine.buffer``): 0 % at entry,
100 % exactly where the position (or the cross pool) is liquidated. It is green below 50 %, amber
to 80 %, red beyond. The exchange's margin ratio is shown beside it as a number, never as the fill:
a ratio of 40 % can be half a percent from a liquidation.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter

from .theme import theme

BANDS = (0.5, 0.8)  # where the colour changes: green → amber → red


def band_role(used: Decimal | float | None) -> str:
    """The palette role of a used share (None: no buffer to show, "text")."""
    if used is None:
        return "text"
    return "up" if used < BANDS[0] else ("warn" if used < BANDS[1] else "down")


def filled(used: Decimal | float | None) -> float:
    """How much of the bar is filled (0…1)."""
    return 0.0 if used is None else min(max(float(used), 0.0), 1.0)


def used_text(used: Decimal | None) -> str:
    """``"43.5 % used"``; rounded down, so a bar reads 100 % only where the liquidation fires."""
    if used is None:
        return "—"
    shown = (used * 100).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    return f"{shown} % used"


def paint_bar(painter: QPainter, rect: QRect, used: Decimal | float | None) -> None:
    """The bar in ``rect``: a track tinted by band with ticks at 50 %, 80 % and the end, then the
    filled part in its band's colour."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    edges = (0.0, *BANDS, 1.0)
    for lo, hi, role in zip(edges, edges[1:], ("up", "warn", "down")):
        tint = QColor(theme.colour(role))
        tint.setAlpha(38)
        painter.setBrush(tint)
        x0 = rect.left() + round(rect.width() * lo)
        x1 = rect.left() + round(rect.width() * hi)
        painter.drawRect(QRect(x0, rect.top(), x1 - x0, rect.height()))
    share = filled(used)
    if share > 0:
        painter.setBrush(theme.colour(band_role(used)))
        width = max(round(rect.width() * share), 3)
        painter.drawRoundedRect(QRect(rect.left(), rect.top(), width, rect.height()), 2, 2)
    painter.setPen(theme.colour("muted"))
    for x in (*(rect.left() + round(rect.width() * b) for b in BANDS), rect.right()):
        painter.drawLine(x, rect.top() - 2, x, rect.bottom() + 2)
    painter.restore()
