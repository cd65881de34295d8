"""A position's take-profit and stop-loss in the positions table: the "TP / SL" cell (its text, how
it is painted, its tooltip) and the funding cell.

The TP and SL are resting closing orders (``bridge.exits``), not fields of the position, so the
cell reads them from the bridge and the model repaints the column whenever orders change. A click
on the cell opens the editor (``exits_dialog``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPen

from ...engine import Instrument, OrderView, PositionView
from .. import format as fmt
from ..orders.commands import ROLE_COLOURS, role
from ..theme import theme
from .delegates import CellDelegate
from .tooltips import Context

NONE_TEXT = "+ TP / SL"


class Exits(Protocol):
    def exits(self, pid: str) -> tuple[OrderView, ...]: ...


def parts(orders: tuple[OrderView, ...], tick: Decimal) -> list[tuple[str, str]]:
    """(text, palette role) of the cell: ``TP 65,000.0`` then ``SL 57,000.0`` (the nearest of
    each to the mark first; ``+1`` when there are more)."""
    out: list[tuple[str, str]] = []
    for name, wanted in (("TP", "tp"), ("SL", "sl")):
        mine = [o for o in orders if role(o) == wanted]
        if not mine:
            continue
        text = f"{name} {fmt.price(mine[0].price, tick)}"
        if len(mine) > 1:
            text += f" +{len(mine) - 1}"
        out.append((text, ROLE_COLOURS[wanted]))
    return out


def text(p: PositionView, inst: Instrument, bridge: Exits) -> str:
    shown = parts(bridge.exits(p.id), inst.tick_size)
    return " · ".join(t for t, _ in shown) if shown else NONE_TEXT


def explain(p: PositionView, inst: Instrument, ctx: Context) -> str:
    mine = [o for o in ctx.view().orders if not o.opens and o.position == p.id]
    lines = []
    for o in mine:
        kind = "take-profit" if role(o) == "tp" else "stop-loss"
        what = "all" if o.close_all else fmt.decimal(o.qty)
        lines.append(
            f"{o.id}: {kind} ({o.kind}) at {fmt.price(o.price, inst.tick_size)}, closes {what} of {p.id}"
        )
    liq = fmt.liquidation(p, inst.tick_size)
    lines.append(
        f"liquidation price {liq}: a stop that lies before it closes {p.id} first and keeps what the "
        f"liquidation would take"
    )
    lines.append(
        "click to set or edit the take-profit and stop-loss (a preview shows what each would realise)"
    )
    if not mine:
        lines.insert(0, f"no take-profit or stop-loss on {p.id}")
    return "\n".join(lines)


def funding_text(p: PositionView, inst: Instrument) -> str:
    """Funding as it moved the wallet: − paid, + received (the engine keeps paid as positive)."""
    return fmt.signed_money(-p.funding) if p.funding else fmt.money(p.funding)


def funding_colour(p: PositionView) -> str | None:
    return None if not p.funding else ("down" if p.funding > 0 else "up")


def funding_explain(p: PositionView, inst: Instrument, ctx: Context) -> str:
    paid = "paid" if p.funding > 0 else "received"
    where = (
        f"out of its isolated wallet ({fmt.money(p.isolated_wallet)} USDT now): each payment moves its "
        f"liquidation price by the payment over qty × (1 ∓ MMR)"
        if p.isolated_wallet is not None
        else "out of the cross wallet, which every cross position shares"
    )
    head = (
        f"{p.id} has {paid} {fmt.money(abs(p.funding))} USDT of funding since it opened"
        if p.funding
        else f"{p.id} has paid no funding yet"
    )
    return (
        f"{head}, {where}.\nEvery 8 h each position pays rate × qty × mark: longs pay shorts when the "
        f"rate is positive, shorts pay longs when it is negative."
    )


class ExitsDelegate(CellDelegate):
    """``TP … · SL …`` in their colours, or a muted "+ TP / SL"; the whole cell opens the editor."""

    ACTIONS = ("exits",)

    def content(self, painter, option, index, text, role, right, p, error) -> None:
        rect = option.rect.adjusted(6, 0, -6, 0)
        shown = parts(self.panel.bridge.exits(p.id), self.panel.bridge.instrument(p.symbol).tick_size)
        hot = self.hovered(index, "exits")
        painter.save()
        if not shown:
            muted = QColor(theme.colour("muted"))
            if not hot:
                muted.setAlpha(170)
            painter.setPen(muted)
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, NONE_TEXT)
        else:
            fm = QFontMetrics(option.font)
            x = rect.left()
            for i, (piece, piece_role) in enumerate(shown):
                if i:
                    painter.setPen(theme.colour("muted"))
                    painter.drawText(
                        QRect(x, rect.top(), rect.right() - x, rect.height()),
                        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                        " · ",
                    )
                    x += fm.horizontalAdvance(" · ")
                painter.setPen(theme.colour(piece_role))
                painter.drawText(
                    QRect(x, rect.top(), rect.right() - x, rect.height()),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    piece,
                )
                x += fm.horizontalAdvance(piece)
        if hot:
            painter.setPen(QPen(theme.colour("muted"), 1, Qt.PenStyle.DotLine))
            painter.drawRect(option.rect.adjusted(2, 3, -3, -4))
        painter.restore()

    def hit(self, rect: QRect, pos: QPoint, p: PositionView) -> str | None:
        return "exits" if rect.contains(pos) else None
