"""The positions table, declared: one ``Column`` per column, in order.

A column says everything about itself in one place: its title, how a cell reads and what colour
it is, which ``PositionView`` fields it shows (a change of one repaints only those cells), its
header tooltip and how its number was computed (the cell tooltip), how wide it needs to be, and
which delegate paints it (a switch or buttons), and how soon it makes way when the panel is
narrow (``priority``). Adding a column is adding one entry here.

What a trader must see at any width (symbol, side, mode, liquidation price, margin, margin ratio
and Close) has priority 0 and is never hidden; the others go in descending priority (notional
first, then funding, mark, entry, size, leverage, TP / SL, uPnL last) while the panel is too
narrow for them, and come back as it widens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...engine import Instrument, PositionView
from .. import format as fmt
from . import delegates as d
from . import exits
from . import tooltips as tips

RATIO_CONVENTION = tips.RATIO_CONVENTION


def _no_colour(p: PositionView) -> str | None:
    return None


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    sample: str  # the widest thing the cell shows, to size the column
    fields: frozenset[str]  # the PositionView fields the cell's text and colour depend on
    text: Callable[[PositionView, Instrument], str]
    colour: Callable[[PositionView], str | None] = _no_colour  # a palette role, or None for text
    numeric: bool = False  # right-aligned
    header_tip: str | None = None
    explain: tips.Explain | None = None
    room: int = 0  # pixels the delegate draws beside the text (a switch, buttons)
    delegate: type[d.CellDelegate] = d.CellDelegate
    editable: bool = False
    priority: int = 0  # 0: always shown; a narrow panel hides the highest numbers first
    # A cell that shows the position's resting orders too (its TP and SL): text(p, inst, bridge),
    # repainted whenever orders change rather than when the position's fields move.
    with_orders: Callable[[PositionView, Instrument, Any], str] | None = None


def _pnl_colour(p: PositionView) -> str | None:
    return None if p.unrealized_pnl == 0 else ("up" if p.unrealized_pnl > 0 else "down")


COLUMNS: tuple[Column, ...] = (
    Column(
        "symbol",
        "Symbol",
        "BTCUSDT  p100",
        frozenset({"id", "symbol"}),
        lambda p, i: f"{p.symbol}  {p.id}",
        explain=tips.symbol,
        room=4,
        delegate=d.SymbolDelegate,
    ),
    Column(
        "side",
        "Side",
        "Short",
        frozenset({"side"}),
        lambda p, i: "Long" if p.side == "long" else "Short",
        colour=lambda p: "up" if p.side == "long" else "down",
        explain=tips.side,
    ),
    Column(
        "mode",
        "Margin mode",
        "Isolated",
        frozenset({"mode"}),
        lambda p, i: "Isolated" if p.mode == "isolated" else "Cross",
        colour=lambda p: p.mode,
        header_tip="click a row's switch to move it between cross and isolated margin",
        explain=tips.mode,
        room=42,
        delegate=d.ModeToggleDelegate,
    ),
    Column(
        "leverage",
        "Leverage",
        "125×",
        frozenset({"leverage"}),
        lambda p, i: f"{p.leverage}×",
        numeric=True,
        header_tip="double-click or type to change; limited to the bracket's maximum for the size",
        explain=tips.leverage,
        delegate=d.LeverageDelegate,
        editable=True,
        priority=3,
    ),
    Column(
        "size",
        "Size",
        "1,000.000 BTC",
        frozenset({"qty", "symbol"}),
        lambda p, i: fmt.size(p.qty, p.symbol, i.qty_step),
        numeric=True,
        header_tip="quantity in the coin",
        explain=tips.size,
        priority=4,
    ),
    Column(
        "notional",
        "Notional",
        "1,234,567.89",
        frozenset({"notional"}),
        lambda p, i: fmt.money(p.notional),
        numeric=True,
        header_tip="size × mark price, in USDT",
        explain=tips.notional,
        priority=8,
    ),
    Column(
        "entry",
        "Entry",
        "123,456.70",
        frozenset({"entry_price"}),
        lambda p, i: fmt.price(p.entry_price, i.tick_size),
        numeric=True,
        header_tip="average entry price, USDT",
        explain=tips.entry,
        priority=5,
    ),
    Column(
        "mark",
        "Mark",
        "123,456.70",
        frozenset({"mark_price"}),
        lambda p, i: fmt.price(p.mark_price, i.tick_size),
        numeric=True,
        header_tip="mark price, USDT",
        explain=tips.mark,
        priority=6,
    ),
    Column(
        "liq",
        "Liq. price",
        "none within reach",
        frozenset({"liquidation_price", "mark_price"}),  # the mark decides "none within reach"
        lambda p, i: fmt.liquidation(p, i.tick_size),
        colour=lambda p: "liq" if p.liquidation_price is not None else "muted",
        numeric=True,
        header_tip=(
            "USDT: the mark at which the position is liquidated, every other mark held; — when there "
            "is none, “none within reach” beyond twice the mark"
        ),
        explain=tips.liquidation,
    ),
    Column(
        "margin",
        "Margin",
        "123,456.78",
        frozenset({"isolated_wallet", "initial_margin", "mode"}),
        lambda p, i: fmt.money(p.isolated_wallet if p.isolated_wallet is not None else p.initial_margin),
        colour=lambda p: "muted" if p.isolated_wallet is None else None,
        numeric=True,
        header_tip="USDT. Isolated: the position's own wallet (± to add or remove); cross: its initial margin",
        explain=tips.margin,
        room=28,
        delegate=d.MarginDelegate,
    ),
    Column(
        "ratio",
        "Margin ratio",
        "100.00 %",
        frozenset({"margin_ratio"}),
        lambda p, i: fmt.pct(p.margin_ratio),
        numeric=True,
        header_tip=RATIO_CONVENTION + " (the Margin panel's bars show the share of the buffer used)",
        explain=tips.ratio,
    ),
    Column(
        "pnl",
        "uPnL (ROE)",
        "+12,345.67 (+999.99 %)",
        frozenset({"unrealized_pnl", "roe"}),
        lambda p, i: f"{fmt.signed_money(p.unrealized_pnl)} ({fmt.pct(p.roe, signed=True)})",
        colour=_pnl_colour,
        numeric=True,
        header_tip="unrealised PnL at the mark in USDT (ROE: uPnL ÷ initial margin at entry)",
        explain=tips.pnl,
        priority=1,
    ),
    Column(
        "exits",
        "TP / SL",
        "TP 123,456.70 · SL 123,456.70",
        frozenset(),
        lambda p, i: "",
        header_tip="take-profit and stop-loss: resting orders that close the position; click to set or edit",
        explain=exits.explain,
        delegate=exits.ExitsDelegate,
        with_orders=exits.text,
        priority=2,
    ),
    Column(
        "funding",
        "Funding",
        "-12,345.67",
        frozenset({"funding"}),
        exits.funding_text,
        colour=exits.funding_colour,
        numeric=True,
        header_tip="funding since it opened, USDT: − paid, + received (settled every 8 h)",
        explain=exits.funding_explain,
        priority=7,
    ),
    Column(
        "close",
        "",
        "",
        frozenset(),
        lambda p, i: "",
        explain=tips.close,
        room=108,
        delegate=d.CloseDelegate,
    ),
)

INDEX = {c.key: i for i, c in enumerate(COLUMNS)}
SYMBOL = INDEX["symbol"]
SIDE = INDEX["side"]
MODE = INDEX["mode"]
LEVERAGE = INDEX["leverage"]
SIZE = INDEX["size"]
NOTIONAL = INDEX["notional"]
ENTRY = INDEX["entry"]
MARK = INDEX["mark"]
LIQ = INDEX["liq"]
MARGIN = INDEX["margin"]
RATIO = INDEX["ratio"]
PNL = INDEX["pnl"]
CLOSE = INDEX["close"]
EXITS = INDEX["exits"]
FUNDING = INDEX["funding"]


def _field_columns() -> dict[str, tuple[int, ...]]:
    out: dict[str, tuple[int, ...]] = {}
    for i, c in enumerate(COLUMNS):
        for name in c.fields:
            out[name] = (*out.get(name, ()), i)
    return out


# Which cells show each PositionView field: a changed field repaints only these.
FIELD_COLUMNS = _field_columns()
# Where a click does something: each action a delegate hit-tests → its column.
ACTION_COLUMNS = {action: i for i, c in enumerate(COLUMNS) for action in c.delegate.ACTIONS}
