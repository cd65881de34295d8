"""The positions table's model: one row per open position, straight from ``bridge.view()``.

Rows are matched by position id, so a liquidation removes exactly its rows and an open inserts
one where the engine lists it. Everything else is ``dataChanged`` over only the cells whose numbers
moved (a price tick on BTC touches the BTC rows' price columns and the cross rows' pool ratio, not
the symbol or side of anything), never a reset: a reset would drop the user's selection, scroll
position and open editor 60 times a second. Cell texts are formatted once per change and cached.

Every number is the engine's (``PositionView``); the model only formats it and, in tooltips, shows
how the engine got it with the actual values.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from ..engine import Command, Event, MaintenanceBasis, PositionView, Rejected, SetLeverage, text
from . import chart_common as cc
from .bridge import SessionBridge

COLUMNS = (
    "Symbol",
    "Side",
    "Margin mode",
    "Leverage",
    "Size",
    "Notional",
    "Entry",
    "Mark",
    "Liq. price",
    "Margin",
    "Margin ratio",
    "uPnL (ROE)",
    "",
)
(SYMBOL, SIDE, MODE, LEVERAGE, SIZE, NOTIONAL, ENTRY, MARK, LIQ, MARGIN, RATIO, PNL, CLOSE) = range(
    len(COLUMNS)
)
RAW_ROLE = Qt.ItemDataRole.UserRole + 1  # the PositionView of the row
ERROR_ROLE = Qt.ItemDataRole.UserRole + 2  # the engine's sentence if this cell's last command was rejected
# Everything a delegate needs to paint a cell in one call: (text, colour name in chart_common or
# None, right-aligned, PositionView, rejection sentence or None). Painting 400 cells 60× a second
# through eight data() calls each would cost more than the rest of the frame.
PAINT_ROLE = Qt.ItemDataRole.UserRole + 3
NUMERIC = frozenset({LEVERAGE, SIZE, NOTIONAL, ENTRY, MARK, LIQ, MARGIN, RATIO, PNL})
RATIO_CONVENTION = (
    "margin ratio = maintenance margin / margin balance; liquidation at 100 % (Binance's convention)"
)

# Which cells show (or explain) each PositionView field: a changed field repaints only these.
FIELD_COLUMNS: dict[str, tuple[int, ...]] = {
    "id": (SYMBOL,),
    "symbol": (SYMBOL,),
    "side": (SIDE,),
    "mode": (MODE, MARGIN, RATIO, LIQ),
    "leverage": (LEVERAGE, MARGIN, PNL),
    "qty": (SIZE, NOTIONAL),
    "entry_price": (ENTRY, PNL),
    "mark_price": (MARK, NOTIONAL, PNL),
    "notional": (NOTIONAL, LEVERAGE, MARGIN),
    "isolated_wallet": (MARGIN, LIQ, RATIO),
    "unrealized_pnl": (PNL, RATIO),
    "roe": (PNL,),
    "initial_margin": (MARGIN, LEVERAGE),
    "maintenance_margin": (MARGIN, RATIO),
    "margin_balance": (RATIO, MARGIN),
    "margin_ratio": (RATIO,),
    "liquidation_price": (LIQ,),
    "bankruptcy_price": (LIQ,),
    "maintenance_rate": (MARGIN, LIQ),
    "bracket_max_leverage": (LEVERAGE,),
}
_FIELDS = tuple(FIELD_COLUMNS)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def liquidation_text(liquidation_price: Decimal | None, mark: Decimal, tick: Decimal) -> str:
    """The engine's liquidation price on the instrument's tick, rounded toward where it has not
    fired yet (down below the mark, up above it): walking the mark to the shown price liquidates
    there, not a tick before. "—" when the engine gives none."""
    if liquidation_price is None:
        return "—"
    down = liquidation_price < mark
    steps = (liquidation_price / tick).to_integral_value(ROUND_FLOOR if down else ROUND_CEILING)
    return text.price(steps * tick, tick)


def shown_liquidation_price(p: PositionView, tick: Decimal) -> str:
    """A position's liquidation price as the table shows it (see ``liquidation_text``)."""
    return liquidation_text(p.liquidation_price, p.mark_price, tick)


def pct(value: Decimal | None, signed: bool = False) -> str:
    """``0.1234 → '12.34 %'`` (never "-0.00 %"); "—" for None."""
    if value is None:
        return "—"
    shown = f"{value * 100:,.2f}"
    if shown == "-0.00":
        shown = "0.00"
    if signed and value > 0 and shown != "0.00":
        shown = "+" + shown
    return f"{shown} %"


def signed_money(value: Decimal) -> str:
    shown = text.money(value)
    return "+" + shown if value > 0 and shown != "0.00" else shown


def qty_text(qty: Decimal, step: Decimal) -> str:
    """A quantity with as many decimals as the instrument's step (``0.1`` BTC → ``0.100``)."""
    places = max(-step.normalize().as_tuple().exponent, 0)
    return f"{qty:,.{places}f}"


def base_asset(symbol: str) -> str:
    for quote in ("USDT", "USDC", "USD"):
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)]
    return symbol


def ratio_colour(ratio: float | None) -> str:
    """Green below 50 %, amber to 80 %, red beyond (and when there is no ratio: no balance left)."""
    if ratio is None:
        return cc.DOWN
    return cc.UP if ratio < 0.5 else (AMBER[cc.THEME] if ratio < 0.8 else cc.DOWN)


AMBER = {"dark": "#e3b341", "light": "#b7791f"}
_NO_SPIN_BUTTONS = "QAbstractSpinBox::up-button, QAbstractSpinBox::down-button { width: 0px; border: none; }"


def hide_spin_buttons(box) -> None:
    """A spin box that looks like a plain field (arrow keys and the wheel still step it).
    ``setButtonSymbols(NoButtons)`` would hide the text under the app's style sheet."""
    box.setStyleSheet(_NO_SPIN_BUTTONS)


class PositionsModel(QAbstractTableModel):
    """``send`` is how an edit in the table reaches the engine (the table sets it so a rejection
    shows where the user is looking); it defaults to ``bridge.submit``."""

    rejected = Signal(str, int, str)  # position id, column, the engine's sentence

    def __init__(self, bridge: SessionBridge, parent: QObject | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.send: Callable[[Command], list[Event]] = bridge.submit
        self._rows: list[PositionView] = []
        self._texts: list[dict[int, tuple]] = []  # per row: column → PAINT_ROLE tuple, filled on demand
        self._errors: dict[str, tuple[int, str]] = {}  # position id → (column, sentence)
        self._bold = QFont()
        self._bold.setBold(True)
        bridge.changed.connect(self.refresh)
        bridge.reset.connect(self.reload)
        self.refresh()

    # ------------------------------------------------------------------ keeping up with the account
    def reload(self) -> None:
        """Another timeline: start over (once, not per frame)."""
        self.beginResetModel()
        self._rows = list(self.bridge.view().positions)
        self._texts = [{} for _ in self._rows]
        self._errors.clear()
        self.endResetModel()

    def refresh(self) -> None:
        fresh = self.bridge.view().positions
        rows = self._rows
        if len(fresh) == len(rows) and all(a.id == b.id for a, b in zip(fresh, rows)):
            self._update(fresh)
            return
        ids = {p.id for p in fresh}
        self._remove(lambda p: p.id not in ids)
        order = [p.id for p in fresh]
        kept = [p.id for p in self._rows]
        if [pid for pid in order if pid in set(kept)] != kept:  # the engine reordered: never happens
            self.reload()
            return
        self._insert(fresh)
        self._update(fresh)
        for pid in [k for k in self._errors if k not in ids]:
            del self._errors[pid]

    def _remove(self, gone: Callable[[PositionView], bool]) -> None:
        row = len(self._rows) - 1
        while row >= 0:  # from the bottom, one signal per run of neighbouring rows
            if not gone(self._rows[row]):
                row -= 1
                continue
            last = row
            while row - 1 >= 0 and gone(self._rows[row - 1]):
                row -= 1
            self.beginRemoveRows(QModelIndex(), row, last)
            del self._rows[row : last + 1]
            del self._texts[row : last + 1]
            self.endRemoveRows()
            row -= 1

    def _insert(self, fresh: tuple[PositionView, ...]) -> None:
        known = {p.id for p in self._rows}
        i = 0
        while i < len(fresh):
            if fresh[i].id in known:
                i += 1
                continue
            j = i
            while j < len(fresh) and fresh[j].id not in known:
                j += 1
            self.beginInsertRows(QModelIndex(), i, j - 1)  # rows before i already match fresh[:i]
            self._rows[i:i] = fresh[i:j]
            self._texts[i:i] = [{} for _ in range(j - i)]
            self.endInsertRows()
            i = j

    def _update(self, fresh: tuple[PositionView, ...]) -> None:
        """Replace the rows' views; one ``dataChanged`` per run of rows with the same changed span."""
        spans: list[tuple[int, int, int]] = []  # (row, first column, last column)
        rows, texts = self._rows, self._texts
        for i, new in enumerate(fresh):
            old = rows[i]
            if old is new or old == new:
                continue
            cols: set[int] = set()
            for name in _FIELDS:
                if getattr(old, name) != getattr(new, name):
                    cols.update(FIELD_COLUMNS[name])
            rows[i] = new
            texts[i] = {}
            if cols:
                spans.append((i, min(cols), max(cols)))
        start = 0
        while start < len(spans):
            end = start
            row, first, last = spans[start]
            while (
                end + 1 < len(spans)
                and spans[end + 1][0] == spans[end][0] + 1
                and spans[end + 1][1:] == (first, last)
            ):
                end += 1
            self.dataChanged.emit(self.index(row, first), self.index(spans[end][0], last))
            start = end + 1

    # ------------------------------------------------------------------ reading rows
    def position(self, row: int) -> PositionView:
        return self._rows[row]

    def positions(self) -> tuple[PositionView, ...]:
        return tuple(self._rows)

    def row_of(self, pid: str) -> int:
        return next((i for i, p in enumerate(self._rows) if p.id == pid), -1)

    # ------------------------------------------------------------------ rejections shown in place
    def note_rejection(self, pid: str, column: int, message: str) -> None:
        self._errors[pid] = (column, message)
        self._touch(pid, column)
        self.rejected.emit(pid, column, message)

    def clear_rejection(self, pid: str) -> None:
        was = self._errors.pop(pid, None)
        if was is not None:
            self._touch(pid, was[0])

    def rejection(self, pid: str) -> tuple[int, str] | None:
        return self._errors.get(pid)

    def _touch(self, pid: str, column: int) -> None:
        row = self.row_of(pid)
        if row >= 0:
            self._texts[row].pop(column, None)
            self.dataChanged.emit(self.index(row, column), self.index(row, column))

    # ------------------------------------------------------------------ the Qt model
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section in NUMERIC else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == LEVERAGE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        """Leverage typed into the table: sent to the engine as ``SetLeverage``."""
        if not index.isValid() or index.column() != LEVERAGE or role != Qt.ItemDataRole.EditRole:
            return False
        p = self._rows[index.row()]
        try:
            leverage = int(value)
        except (TypeError, ValueError):
            return False
        if leverage == p.leverage:
            return False
        events = self.send(SetLeverage(p.id, leverage))
        return not any(isinstance(e, Rejected) for e in events)

    def paint_data(self, row: int, col: int) -> tuple:
        cache = self._texts[row]
        cell = cache.get(col)
        if cell is None:
            p = self._rows[row]
            err = self._errors.get(p.id)
            cell = cache[col] = (
                self._text(p, col),
                self._colour(p, col),
                col in NUMERIC,
                p,
                err[1] if err is not None and err[0] == col else None,
            )
        return cell

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows) or not index.isValid():
            return None
        if role == PAINT_ROLE:
            return self.paint_data(row, index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self.paint_data(row, index.column())[0]
        col = index.column()
        if role == Qt.ItemDataRole.EditRole:
            return self._rows[row].leverage if col == LEVERAGE else self.paint_data(row, col)[0]
        if role == RAW_ROLE:
            return self._rows[row]
        if role == ERROR_ROLE:
            return self.paint_data(row, col)[4]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if col in NUMERIC else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self.paint_data(row, col)[1]
            return QColor(getattr(cc, colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if col == SYMBOL else None
        if role == Qt.ItemDataRole.ToolTipRole:
            p = self._rows[row]
            tip = self._explain(p, col)
            err = self.paint_data(row, col)[4]
            if err is not None:
                tip = f"⚠ rejected: {err}" + (f"\n\n{tip}" if tip else "")
            return tip
        return None

    # ------------------------------------------------------------------ what a cell says
    def _tick(self, p: PositionView) -> Decimal:
        return self.bridge.instrument(p.symbol).tick_size

    @staticmethod
    def _colour(p: PositionView, col: int) -> str | None:
        """The name of the cell's colour in ``chart_common`` (read at paint time: themes change)."""
        if col == SIDE:
            return "UP" if p.side == "long" else "DOWN"
        if col == PNL and p.unrealized_pnl != 0:
            return "UP" if p.unrealized_pnl > 0 else "DOWN"
        if col == LIQ:
            return "LIQ" if p.liquidation_price is not None else "MUTED"
        if col == MODE:
            return "ISOLATED" if p.mode == "isolated" else "CROSS"
        if col == MARGIN and p.isolated_wallet is None:
            return "MUTED"
        return None

    def _text(self, p: PositionView, col: int) -> str:
        if col == SYMBOL:
            return f"{p.symbol}  {p.id}"
        if col == SIDE:
            return "Long" if p.side == "long" else "Short"
        if col == MODE:
            return "Isolated" if p.mode == "isolated" else "Cross"
        if col == LEVERAGE:
            return f"{p.leverage}×"
        if col == SIZE:
            return f"{qty_text(p.qty, self.bridge.instrument(p.symbol).qty_step)} {base_asset(p.symbol)}"
        if col == NOTIONAL:
            return text.money(p.notional)
        if col == ENTRY:
            return text.price(p.entry_price, self._tick(p))
        if col == MARK:
            return text.price(p.mark_price, self._tick(p))
        if col == LIQ:
            return shown_liquidation_price(p, self._tick(p))
        if col == MARGIN:
            return text.money(p.isolated_wallet if p.isolated_wallet is not None else p.initial_margin)
        if col == RATIO:
            return pct(p.margin_ratio)
        if col == PNL:
            return f"{signed_money(p.unrealized_pnl)} ({pct(p.roe, signed=True)})"
        return ""

    def _maintenance_formula(self, p: PositionView) -> str:
        """How the engine got this position's maintenance margin, with its numbers."""
        inst = self.bridge.instrument(p.symbol)
        rules = self.bridge.account.profile.margin
        tick = inst.tick_size
        if rules.maintenance_basis is MaintenanceBasis.ENTRY:
            notional = p.qty * p.entry_price
            where = (
                f"valued at entry: {text.qty(p.qty)} × {text.price(p.entry_price, tick)} = "
                f"{text.money(notional)}; "
            )
        else:
            notional, where = p.notional, ""
        index = inst.bracket_index(notional)
        b = inst.brackets[index]
        fee = (
            f" + taker fee {text.money(p.notional)} × {pct(inst.taker_fee)}"
            if rules.fee_in_requirement
            else ""
        )
        return (
            f"maintenance = {where}{text.money(notional)} × {pct(b.mmr)} − {text.money(b.maintenance_amount)}"
            f"{fee} = {text.money(p.maintenance_margin)} USDT\n(bracket {index + 1}: notional "
            f"{text.money(b.floor)} to {text.money(b.cap)} USDT, MMR {pct(b.mmr)}, "
            f"maintenance amount {text.money(b.maintenance_amount)}, up to {b.max_leverage}×)"
        )

    def _explain(self, p: PositionView, col: int) -> str | None:
        """How the number was computed, with the actual values."""
        inst = self.bridge.instrument(p.symbol)
        tick = inst.tick_size
        price = lambda v: text.price(v, tick)  # noqa: E731
        size = f"{qty_text(p.qty, inst.qty_step)} {base_asset(p.symbol)}"
        if col == SYMBOL:
            return f"{p.symbol} perpetual, position {p.id} (tick {text.qty(tick)}, step {text.qty(inst.qty_step)})"
        if col == SIDE:
            return (
                f"{p.side}: gains when the mark {'rises' if p.side == 'long' else 'falls'}, "
                f"liquidated if it {'falls' if p.side == 'long' else 'rises'} far enough"
            )
        if col == MODE:
            if p.mode == "isolated":
                return (
                    f"isolated: only its own wallet ({text.money(p.isolated_wallet or Decimal(0))} USDT) backs it; "
                    f"a liquidation loses that and nothing else.\nClick to switch to cross: the wallet goes "
                    f"back to the cross wallet and the whole cross balance backs it (and can be lost)."
                )
            return (
                f"cross: the whole cross wallet backs it, shared with every cross position.\nClick to "
                f"switch to isolated: a wallet of its initial margin at entry ({text.qty(p.qty)} × "
                f"{price(p.entry_price)} ÷ {p.leverage}) is moved out of the available balance."
            )
        if col == LEVERAGE:
            b = inst.bracket(p.notional)
            return (
                f"{p.leverage}×: initial margin = notional ÷ leverage = {text.money(p.notional)} ÷ "
                f"{p.leverage} = {text.money(p.initial_margin)} USDT\nat this size (bracket up to "
                f"{text.money(b.cap)} USDT) the maximum is {p.bracket_max_leverage}×.\n"
                f"Double-click (or type a number) to change it."
            )
        if col == SIZE:
            return f"{size} {p.side}"
        if col == NOTIONAL:
            return f"notional = size × mark = {text.qty(p.qty)} × {price(p.mark_price)} = {text.money(p.notional)} USDT"
        if col == ENTRY:
            return "entry price (the average of the fills that opened and increased it)"
        if col == MARK:
            return "mark price: drives the unrealised PnL, the margin ratio and liquidation"
        if col == PNL:
            sign = "" if p.side == "long" else "−"
            im = p.qty * p.entry_price / p.leverage
            return (
                f"uPnL = {sign}size × (mark − entry) = {sign}{text.qty(p.qty)} × ({price(p.mark_price)} − "
                f"{price(p.entry_price)}) = {text.money(p.unrealized_pnl)} USDT\nROE = uPnL ÷ initial "
                f"margin at entry ({text.qty(p.qty)} × {price(p.entry_price)} ÷ {p.leverage} = "
                f"{text.money(im)}) = {pct(p.roe, signed=True)}"
            )
        if col == RATIO:
            v = self.bridge.view()
            if p.mode == "isolated":
                balance = (
                    f"margin balance = isolated wallet {text.money(p.isolated_wallet or Decimal(0))} + "
                    f"uPnL {text.money(p.unrealized_pnl)} = {text.money(p.margin_balance)} USDT"
                )
                mm = f"maintenance {text.money(p.maintenance_margin)}"
            else:
                balance = (
                    f"the cross pool's: margin balance = cross wallet {text.money(v.cross_wallet)} + "
                    f"cross uPnL {text.money(v.cross_unrealized_pnl)} = {text.money(v.cross_margin_balance)} USDT"
                )
                mm = f"maintenance of every cross position {text.money(v.cross_maintenance_margin)}"
            return (
                f"{RATIO_CONVENTION}\n{mm} ÷ margin balance {text.money(p.margin_balance)} = "
                f"{pct(p.margin_ratio)}\n{balance}"
            )
        if col == MARGIN:
            mm = self._maintenance_formula(p)
            if p.isolated_wallet is None:
                return (
                    f"cross: initial margin at mark = notional ÷ leverage = {text.money(p.notional)} ÷ "
                    f"{p.leverage} = {text.money(p.initial_margin)} USDT, counted against the available "
                    f"balance; the cross pool backs it.\n{mm}"
                )
            return (
                f"isolated wallet {text.money(p.isolated_wallet)} USDT; margin balance = wallet + uPnL = "
                f"{text.money(p.margin_balance)} USDT\n{mm}\nClick ± to add or remove margin."
            )
        if col == LIQ:
            bankrupt = price(p.bankruptcy_price) if p.bankruptcy_price is not None else "—"
            if p.liquidation_price is None:
                return (
                    "no liquidation price (—): with every other mark where it is, no price of "
                    f"{p.symbol} liquidates this position\nbankruptcy price: {bankrupt}"
                )
            index = inst.bracket_index(p.qty * p.liquidation_price)
            b = inst.brackets[index]
            if p.mode == "isolated":
                backing = f"isolated wallet {text.money(p.isolated_wallet or Decimal(0))}"
            else:
                v = self.bridge.view()
                backing = (
                    f"cross pool: cross wallet {text.money(v.cross_wallet)}, the other cross "
                    f"positions' uPnL and maintenance at their current marks"
                )
            return (
                f"liq. price: {backing}, bracket {index + 1} ({pct(b.mmr)}, amount "
                f"{text.money(b.maintenance_amount)}); liquidated when the margin ratio reaches 100 %\n"
                f"engine value {text.price(p.liquidation_price, Decimal('0.00000001'))}, shown on the "
                f"{text.qty(tick)} tick toward the side where it has not fired yet\nbankruptcy price "
                f"(margin balance 0): {bankrupt}"
            )
        if col == CLOSE:
            return "Close: the whole position at the mark.  Part…: choose how much, with a preview."
        return None


HEADER_TIPS = {
    MODE: "click a row's switch to move it between cross and isolated margin",
    LEVERAGE: "double-click or type to change; limited to the bracket's maximum for the size",
    NOTIONAL: "size × mark price, in USDT",
    SIZE: "quantity in the coin",
    ENTRY: "average entry price, USDT",
    MARK: "mark price, USDT",
    LIQ: "USDT: the mark at which the position is liquidated, every other mark held; — when there is none",
    MARGIN: "USDT. Isolated: the position's own wallet (± to add or remove); cross: its initial margin",
    RATIO: RATIO_CONVENTION,
    PNL: "unrealised PnL at the mark in USDT (ROE: uPnL ÷ initial margin at entry)",
}
