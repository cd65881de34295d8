"""Margin bars: the cross pool and every isolated position as a bar that fills with the share of
its margin buffer already used (``engine.buffer``: 0 % at entry, 100 % at the liquidation price),
over green / amber / red bands that change at 50 % and 80 %, labelled with the exchange's margin
ratio, the margin balance and the maintenance margin.

When a liquidation takes a bar's position(s) the bar turns into what happened ("lost its 300.00
USDT margin"), flashes, then folds away: the moment a learner should not miss. The animation runs
on Qt's animation timer and never blocks; the bar is out of ``bars`` at once (so the next refresh
cannot bring it back) and in ``leaving`` until it has gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from PySide6.QtCore import (
    QAbstractAnimation,
    QEasingCurve,
    QSequentialAnimationGroup,
    Qt,
    QVariantAnimation,
    Signal,
)
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..engine import Liquidated, PositionView
from ..engine.buffer import isolated_buffer, pool_buffer
from . import format as fmt
from .bridge import SessionBridge
from .margin_bar import BAR_HEIGHT, BUFFER_CONVENTION, MarginBar
from .positions.tooltips import RATIO_CONVENTION
from .theme import theme
from .widgets import FixedLines

FLASH_MS = 300  # one flash (up and down)
FLASHES = 3
FOLD_MS = 220
CROSS = "cross"
# What an isolated bar shows, and what the cross pool's bar shows.
ISOLATED_FIELDS = frozenset(
    {"margin_ratio", "margin_balance", "maintenance_margin", "isolated_wallet", "unrealized_pnl", "leverage"}
)
POOL_FIELDS = frozenset(
    {
        "cross_margin_ratio",
        "cross_margin_balance",
        "cross_maintenance_margin",
        "cross_wallet",
        "cross_unrealized_pnl",
    }
)


class MarginBars(QWidget):
    """``activated(key)``: the user clicked a bar (a position id, or "cross" for the pool)."""

    activated = Signal(str)

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("marginBars")
        self.bridge = bridge
        self.bars: dict[str, MarginBar] = {}
        self.leaving: dict[str, MarginBar] = {}
        self._order: list[str] = []
        self.hint = FixedLines(1, self)
        self.hint.setText("Bars: margin buffer used, 0 % at entry, 100 % at liquidation")
        self.hint.setObjectName("hint")
        self.hint.setToolTip(
            f"{BUFFER_CONVENTION}.\nThe number under it: {RATIO_CONVENTION}.\nCross: one bar for the pool that every cross position "
            f"shares. Isolated: one bar per position, backed only by its own wallet."
        )
        self.empty = QLabel("No open positions.", self)
        self.inner = QWidget()
        self.inner.setObjectName("marginBarsInner")
        self.column = QVBoxLayout(self.inner)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(4)
        self.column.addStretch(1)
        self.scroller = QScrollArea(self)
        self.scroller.setWidget(self.inner)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.viewport().setAutoFillBackground(False)
        self.inner.setAutoFillBackground(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.hint)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroller, 1)
        bridge.events.connect(self._on_events)
        bridge.positions_added.connect(self._came_or_went)
        bridge.positions_removed.connect(self._came_or_went)
        bridge.positions_changed.connect(self._positions_changed)
        bridge.account_changed.connect(self._account_changed)
        bridge.reset.connect(self._drop_all)
        theme.changed.connect(self._restyle)
        self._restyle()
        self.refresh()

    def _restyle(self, *_: object) -> None:
        self.hint.setStyleSheet(f"color: {theme.palette.muted}; font-size: 8pt;")
        self.empty.setStyleSheet(f"color: {theme.palette.muted};")
        for bar in (*self.bars.values(), *self.leaving.values()):
            bar.update()

    # ------------------------------------------------------------------ following the account
    def _bar(self, key: str) -> MarginBar:
        bar = self.bars.get(key)
        if bar is None:
            bar = self.bars[key] = MarginBar(key, self.inner)
            bar.clicked.connect(self.activated)
            self.column.insertWidget(self.column.count() - 1, bar)
        return bar

    def refresh(self) -> None:
        """Which bars there are (the pool first, then isolated positions in the engine's order),
        each with its numbers."""
        positions = self.bridge.positions()
        wanted = [CROSS] if any(p.mode == "cross" for p in positions) else []
        wanted += [p.id for p in positions if p.mode == "isolated"]
        for key in [k for k in self.bars if k not in wanted]:  # closed (liquidated ones left already)
            self._drop(self.bars.pop(key))
        if CROSS in wanted:
            self._show_pool()
        for p in positions:
            if p.mode == "isolated":
                self._show_isolated(p)
        if wanted != self._order:
            self._order = wanted
            self._arrange()
        self.empty.setVisible(not self.bars and not self.leaving)

    def _show_pool(self) -> None:
        v = self.bridge.view()
        n = sum(p.mode == "cross" for p in v.positions)

        def backing() -> str:
            cross = ", ".join(p.id for p in v.positions if p.mode == "cross")
            return (
                f"cross wallet {fmt.money(v.cross_wallet)} + cross uPnL {fmt.money(v.cross_unrealized_pnl)} "
                f"= margin balance {fmt.money(v.cross_margin_balance)} USDT; positions: {cross}"
            )

        self._bar(CROSS).set_values(
            f"Cross pool · {n} position{'s' if n != 1 else ''}",
            pool_buffer(v),
            v.cross_margin_ratio,
            v.cross_margin_balance,
            v.cross_maintenance_margin,
            backing,
        )

    def _show_isolated(self, p: PositionView) -> None:
        def backing() -> str:
            wallet = p.isolated_wallet if p.isolated_wallet is not None else Decimal(0)
            return (
                f"isolated wallet {fmt.money(wallet)} + uPnL {fmt.money(p.unrealized_pnl)} = margin "
                f"balance {fmt.money(p.margin_balance)} USDT"
            )

        self._bar(p.id).set_values(
            f"{p.id} {p.symbol} {p.side} {p.leverage}× isolated",
            isolated_buffer(p),
            p.margin_ratio,
            p.margin_balance,
            p.maintenance_margin,
            backing,
        )

    def _came_or_went(self, ids: Iterable[str]) -> None:
        self.refresh()

    def _positions_changed(self, changes: Mapping[str, frozenset[str]]) -> None:
        if any("mode" in names for names in changes.values()):
            self.refresh()  # a bar comes or goes
            return
        views = self.bridge.position_map()
        for pid in self.bars.keys() & changes.keys():
            p = views.get(pid)
            if p is not None and changes[pid] & ISOLATED_FIELDS:
                self._show_isolated(p)

    def _account_changed(self, fields: frozenset[str]) -> None:
        if CROSS in self.bars and fields & POOL_FIELDS:
            self._show_pool()

    def _arrange(self) -> None:
        """The pool first, then the isolated bars in the table's order (bars on their way out stay
        below them until they have gone)."""
        for key in self._order:
            self.column.removeWidget(self.bars[key])
        for at, key in enumerate(self._order):
            self.column.insertWidget(at, self.bars[key])

    # ------------------------------------------------------------------ liquidations
    def _on_events(self, events: list) -> None:
        for e in events:
            if isinstance(e, Liquidated):
                self._liquidated(e)

    def _liquidated(self, e: Liquidated) -> None:
        key = CROSS if e.mode == "cross" else e.positions[0]
        if set(e.gone) != set(e.positions) and key in self.bars:
            self._flash(self.bars[key])  # a partial step: the position stays, smaller; so does its bar
            return
        bar = self.bars.pop(key, None)
        if bar is None:  # opened and liquidated within one frame: still show that it happened
            bar = MarginBar(key, self.inner)
            self.column.insertWidget(self.column.count() - 1, bar)
            bar.show()
        if key in self._order:
            self._order.remove(key)
        price = fmt.price(e.price, self.bridge.instrument(e.symbol).tick_size)
        if e.mode == "cross":
            title = f"Cross pool at {e.symbol} {price}"
            detail = (
                f"{', '.join(e.positions)} closed; cross wallet {fmt.money(e.wallet_before)} → "
                f"{fmt.money(e.wallet_after)} USDT"
            )
        else:
            title = f"{key} {e.symbol} {e.side} at {price}"
            detail = f"lost its {fmt.money(e.wallet_before)} USDT margin; nothing else"
        bar.set_liquidated(title, detail)
        name = f"{key}@{e.t}"
        while name in self.leaving:
            name += "'"
        self.leaving[name] = bar
        self._animate(name, bar)
        self.empty.setVisible(False)

    @staticmethod
    def _flashing(bar: MarginBar) -> QVariantAnimation:
        """The bar's flash (not started): red up and down, ``FLASHES`` times."""
        flash = QVariantAnimation(bar)
        flash.setDuration(FLASH_MS)
        flash.setStartValue(0.0)
        flash.setKeyValueAt(0.5, 1.0)
        flash.setEndValue(0.0)
        flash.setLoopCount(FLASHES)
        flash.valueChanged.connect(bar.set_flash)
        return flash

    def _animate(self, name: str, bar: MarginBar) -> None:
        group = QSequentialAnimationGroup(bar)
        flash = self._flashing(bar)
        fold = QVariantAnimation(bar)
        fold.setDuration(FOLD_MS)
        fold.setStartValue(BAR_HEIGHT)
        fold.setEndValue(0)
        fold.setEasingCurve(QEasingCurve.Type.InQuad)
        fold.valueChanged.connect(lambda h: bar.setFixedHeight(int(h)))
        group.addAnimation(flash)
        group.addAnimation(fold)
        group.finished.connect(lambda: self._gone(name))
        bar.animation = group
        bar.set_flash(1.0)
        group.start(QAbstractAnimation.DeletionPolicy.KeepWhenStopped)

    def _flash(self, bar: MarginBar) -> None:
        self._flashing(bar).start(QAbstractAnimation.DeletionPolicy.DeleteWhenStopped)

    def _gone(self, name: str) -> None:
        bar = self.leaving.pop(name, None)
        if bar is not None:
            self._drop(bar)
        self.empty.setVisible(not self.bars and not self.leaving)

    def _drop(self, bar: MarginBar) -> None:
        self.column.removeWidget(bar)
        bar.hide()  # gone from the screen now, not when the event loop gets round to it
        bar.deleteLater()

    def _drop_all(self) -> None:
        for bar in [*self.bars.values(), *self.leaving.values()]:
            if bar.animation is not None:
                bar.animation.stop()
            self._drop(bar)
        self.bars.clear()
        self.leaving.clear()
        self._order = []
        self.refresh()
