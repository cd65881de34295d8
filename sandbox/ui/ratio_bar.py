"""The margin ratio as a bar: how it fills and what colour it is. The positions table's ratio cell
and the margin bars both paint it with ``paint_ratio_bar``, so they always agree.

The bar fills toward 100 % (liquidation); it is green below 50 %, amber to 80 %, red beyond (and
full and red when there is no ratio: no margin balance left).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter

from .theme import theme

BANDS = (0.5, 0.8)  # where the colour changes: green → amber → red


def ratio_role(ratio: Decimal | float | None) -> str:
    """The palette role of a margin ratio's colour."""
    if ratio is None:
        return "down"
    return "up" if ratio < BANDS[0] else ("warn" if ratio < BANDS[1] else "down")


def filled(ratio: Decimal | float | None) -> float:
    """How much of the bar is filled (0…1)."""
    return 1.0 if ratio is None else min(max(float(ratio), 0.0), 1.0)


def paint_ratio_bar(
    painter: QPainter, rect: QRect, ratio: Decimal | float | None, bands: bool = False, radius: float = 3
) -> None:
    """The bar in ``rect``: a track (tinted by band when ``bands``, with ticks at 50 %, 80 % and
    the end), then the filled part in the ratio's colour."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    if bands:
        edges = (0.0, *BANDS, 1.0)
        for lo, hi, role in zip(edges, edges[1:], ("up", "warn", "down")):
            tint = QColor(theme.colour(role))
            tint.setAlpha(38)
            painter.setBrush(tint)
            x0 = rect.left() + round(rect.width() * lo)
            x1 = rect.left() + round(rect.width() * hi)
            painter.drawRect(QRect(x0, rect.top(), x1 - x0, rect.height()))
    else:
        painter.setBrush(theme.colour("grid"))
        painter.drawRoundedRect(rect, radius, radius)
    share = filled(ratio)
    if share > 0:
        fill = QColor(theme.colour(ratio_role(ratio)))
        if not bands:
            fill.setAlpha(190)
        painter.setBrush(fill)
        painter.drawRoundedRect(
            QRect(rect.left(), rect.top(), max(round(rect.width() * share), 3), rect.height()), radius, radius
        )
    if bands:
        painter.setPen(theme.colour("muted"))
        for x in (*(rect.left() + round(rect.width() * b) for b in BANDS), rect.right()):
            painter.drawLine(x, rect.top() - 2, x, rect.bottom() + 2)
    painter.restore()
