"""The account: wallets, positions, marks, and every rule of ../shared/reference/engine-rules.md.

The price tick is the hot path (``set_mark``): isolated positions are watched through per-symbol
trigger prices and the cross pool through one running headroom sum, so a tick costs a few
comparisons and one multiply-add however many positions are open. What a screen shows comes from
``view()``, which recomputes only what a tick or a command changed (``view_cache.py``).

No command creates money: every handler checks what the rules require *before* it changes
anything (money leaving the cross wallet is limited by the withdrawable balance, min(available,
cross wallet)), and undoes the change and rejects it if it would leave a position or the pool
liquidatable. Money is booked in steps of 1e-8 (``money.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from . import funding, liquidation, text
from .commands import (
    ORDER_KINDS,
    AdjustMargin,
    Cancel,
    Close,
    Command,
    Deposit,
    Funding,
    Mode,
    Open,
    Order,
    Price,
    SetLeverage,
    SetMode,
    Side,
    Withdraw,
)
from .curve import INF, Curve, Segment, headroom, requirement, segment_at
from .events import (
    Closed,
    Deposited,
    Event,
    LeverageChanged,
    MarginAdjusted,
    ModeChanged,
    Opened,
    OrderCancelled,
    OrderFilled,
    OrderPlaced,
    Rejected,
    Withdrawn,
)
from .instrument import ZERO, Instrument
from .limits import (
    MAX_PRICE,
    MIN_PRICE,
    money_problem,
)
from .money import QUANTUM, below, ceil_money, floor_money, round_money
from .orders import Book, RestingOrder, fires_below
from .position import Position
from .profile import MaintenanceBasis, Profile
from .rejections import Rejection, check_amount, check_leverage, check_qty, out_of_range
from .view_cache import ViewCache
from .views import AccountView, OrderView, shown_liquidation_price

Rules = Literal["sandbox", "exchange"]
MONEY_QUANTUM = QUANTUM
NO_EVENTS: tuple[Event, ...] = ()
_NEG_INF = Decimal("-Infinity")
# Why a triggered order that could not fill is cancelled, by the rejection its fill met.
_CANCEL_REASONS = {"insufficient_available": "insufficient_available", "unknown_position": "position_gone"}


@dataclass(slots=True)
class Ledger:
    """Running totals for the conservation identity of engine-rules.md ("Money and accounts")."""

    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    trading_fees: Decimal = ZERO
    # What liquidations paid to the insurance fund: the fee and any leftover isolated margin.
    liquidation_fees: Decimal = ZERO
    insurance_payouts: Decimal = ZERO
    # Net funding paid (funding received counts negative): the counterparty is outside the
    # account, so funding is a flow in or out like a deposit.
    funding: Decimal = ZERO

    def balance(self) -> Decimal:
        return (
            self.deposits
            - self.withdrawals
            + self.realized_pnl
            - self.trading_fees
            - self.liquidation_fees
            + self.insurance_payouts
            - self.funding
        )


@dataclass(slots=True)
class _CrossLeg:
    """The cross positions of one symbol and the piece of their headroom at the current mark."""

    positions: list[Position]
    segment: Segment
    value: Decimal  # f(mark): Σ uPnL − Σ requirement of these positions
    curve: Curve | None = None  # built when a liquidation price is first asked for


@dataclass(slots=True)
class _IsolatedWatch:
    """Isolated positions of one symbol with the prices that would liquidate them.

    ``long_trigger``/``short_trigger`` are the highest long and lowest short liquidation
    prices, widened by one quantum; a tick beyond one is confirmed exactly before anything fires.
    """

    roots: list[tuple[Position, Decimal | None]]
    long_trigger: Decimal
    short_trigger: Decimal


_Savepoint = tuple[Decimal, Ledger, int, dict[str, Position]]


class Account:
    def __init__(self, profile: Profile, balance: Decimal, rules: Rules = "sandbox"):
        if rules not in ("sandbox", "exchange"):
            raise ValueError(f"rules must be 'sandbox' or 'exchange', not {rules!r}")
        problem = money_problem(balance, "the balance")
        if problem is not None:
            raise ValueError(problem)
        self.profile = profile
        self.rules: Rules = rules
        self.marks: dict[str, Decimal] = {}
        self.positions: dict[str, Position] = {}
        self.cross_wallet = balance
        self.insurance_fund = ZERO
        self.ledger = Ledger(deposits=balance)
        self._next_id = 1
        self._legs: dict[str, _CrossLeg] = {}
        self._cross_total = ZERO
        self._watch: dict[str, _IsolatedWatch] = {}
        # Resting orders by id (in the order they were placed), their books per symbol, what the
        # opening ones hold out of the available balance, and the counters that name them.
        self.orders: dict[str, RestingOrder] = {}
        self._books: dict[str, Book] = {}
        self.reserved = ZERO
        self._next_order = 1
        self._order_seq = 0
        self.orders_version = 0  # changes whenever an order is placed, filled or cancelled
        # Hyperliquid: session time before which every market liquidation closes whole.
        self._cooldown_until: int | None = None
        self._views = ViewCache()
        self._handlers: dict[type, Callable[[Any, int], list[Event]]] = {
            Open: self._open,
            Close: self._close,
            SetMode: self._set_mode,
            AdjustMargin: self._adjust_margin,
            SetLeverage: self._set_leverage,
            Deposit: self._deposit,
            Withdraw: self._withdraw,
            Order: self._order,
            Cancel: self._cancel,
            Funding: lambda c, t: funding.settle(self, c, t),
        }

    # ------------------------------------------------------------------ copies and state
    def copy(self) -> Account:
        """An independent account in the same state (for previews and replay checkpoints)."""
        other = Account(self.profile, ZERO, self.rules)
        other.marks = dict(self.marks)
        other.positions = {pid: p.copy() for pid, p in self.positions.items()}
        other.cross_wallet = self.cross_wallet
        other.insurance_fund = self.insurance_fund
        other.ledger = replace(self.ledger)
        other._next_id = self._next_id
        other._next_order = self._next_order
        other._order_seq = self._order_seq
        other._cooldown_until = self._cooldown_until
        for order in self.orders.values():
            other._add_order(order)
        other.orders_version = self.orders_version
        for symbol in {p.symbol for p in other.positions.values()}:
            other._refresh_symbol(symbol)
        return other

    def under(self, profile: Profile) -> Account:
        """The same wallets, positions and marks under another exchange's rules, for comparing
        liquidation prices side by side. Positions on symbols that profile lacks are left out."""
        other = self.copy()
        other.profile = profile
        other.positions = {
            pid: replace(p, instrument=profile.instruments[p.symbol])
            for pid, p in other.positions.items()
            if p.symbol in profile.instruments
        }
        for order in list(other.orders.values()):
            if order.symbol not in profile.instruments:
                other._remove_order(order)
        other._legs, other._watch, other._cross_total = {}, {}, ZERO
        other._views = ViewCache()
        for symbol in {p.symbol for p in other.positions.values()}:
            other._refresh_symbol(symbol)
        return other

    @property
    def isolated_wallets(self) -> Decimal:
        return sum((p.isolated_wallet for p in self.positions.values() if p.isolated), ZERO)

    @property
    def total_wallet(self) -> Decimal:
        return self.cross_wallet + self.isolated_wallets

    # ------------------------------------------------------------------ the price tick
    def set_mark(self, t: int, symbol: str, price: Decimal) -> tuple[Event, ...] | list[Event]:
        """Move one mark and liquidate whatever that price liquidates, in the same step.

        The caller guarantees ``symbol`` is in the profile and ``price`` within ``limits.py``
        (``apply`` checks). Resting orders the move crosses are checked first
        (``_tick_with_orders``); a tick that crosses none costs two more comparisons.
        """
        book = self._books.get(symbol)
        if book is not None and (price <= book.low_fire or price >= book.high_fire):
            return self._tick_with_orders(t, symbol, price, book)
        old = self.marks.get(symbol)
        self.marks[symbol] = price
        events: list[Event] | None = None
        watch = self._watch.get(symbol)
        if watch is not None and (price <= watch.long_trigger or price >= watch.short_trigger):
            events = self._liquidate_isolated(t, symbol, price)
        leg = self._legs.get(symbol)
        if leg is not None:
            seg = leg.segment
            if seg.lo <= price < seg.hi:
                value = seg.a * price + seg.b
            else:
                value = self._resegment(leg, price)
            total = self._cross_total + value - leg.value
            leg.value = value
            self._cross_total = total
            if self.cross_wallet + total <= 0:
                moved_down = old is None or price < old
                shown = self._pool_shown_from(leg, old, moved_down)
                more = liquidation.pool(self, t, symbol, price, shown)
                events = more if events is None else events + more
        return events if events is not None else NO_EVENTS

    def _pool_shown_from(self, leg: _CrossLeg, old: Decimal | None, down: bool) -> Decimal | None:
        """The pool's liquidation price for ``leg``'s symbol as displayed at mark ``old`` (the
        other legs' headroom is what the pool holds besides this one)."""
        if old is None:
            return None
        reserve = self.cross_wallet + self._cross_total - leg.value
        return shown_liquidation_price(self._leg_curve(leg).root(reserve, old, down), down)

    def _tick_with_orders(self, t: int, symbol: str, price: Decimal, book: Book) -> list[Event]:
        """A tick that crosses resting orders. Along the move, each crossed order fills (in the
        book's order: by price along the move, then the order of placement) after whatever
        liquidation the move met before it: an isolated position or the pool whose displayed
        liquidation price (the one shown before this tick) lies strictly before the order's price
        is liquidated first, if the new mark still liquidates it. Then, as on any tick, whatever
        the new mark liquidates. So a stop that lies before the liquidation price closes the
        position at the new mark first, and the position keeps what the liquidation would have
        taken."""
        old = self.marks.get(symbol)
        down = old is None or price < old
        watch = self._watch.get(symbol)
        roots: dict[str, Decimal | None] = {}
        if watch is not None:
            roots = {p.id: root for p, root in watch.roots if (p.sign > 0) == down}
        leg = self._legs.get(symbol)
        pool_root = None
        if leg is not None and old is not None:
            reserve = self.cross_wallet + self._cross_total - leg.value
            pool_root = self._leg_curve(leg).root(reserve, old, down)
        self.marks[symbol] = price
        if leg is not None:
            seg = leg.segment
            value = seg.a * price + seg.b if seg.lo <= price < seg.hi else self._resegment(leg, price)
            self._cross_total += value - leg.value
            leg.value = value
        events: list[Event] = []
        shown_roots = {pid: shown_liquidation_price(r, down) for pid, r in roots.items()}
        pool_shown = shown_liquidation_price(pool_root, down)

        def before(root: Decimal | None, at: Decimal) -> bool:
            return root is not None and (root > at if down else root < at)

        for oid in book.crossed(price):
            order = self.orders.get(oid)
            if order is None:  # an earlier fill or liquidation cancelled it
                continue
            for pid, root in roots.items():
                p = self.positions.get(pid)
                if (
                    p is not None
                    and p.isolated
                    and before(root, order.price)
                    and self._isolated_headroom(p) <= 0
                ):
                    events += liquidation.isolated(self, t, p, price, shown_roots[pid])
            if before(pool_root, order.price) and self._legs and self._pool_headroom() <= 0:
                events += liquidation.pool(self, t, symbol, price, pool_shown)
            if order.id in self.orders:
                events += self._fill(t, order, price, roots, pool_root, down)
        watch = self._watch.get(symbol)
        if watch is not None and (price <= watch.long_trigger or price >= watch.short_trigger):
            events += self._liquidate_isolated(t, symbol, price, shown_roots)
        if self._legs and self._pool_headroom() <= 0:
            events += liquidation.pool(self, t, symbol, price, pool_shown)
        return events

    def _resegment(self, leg: _CrossLeg, price: Decimal) -> Decimal:
        leg.segment = segment_at(leg.positions, self.profile.margin, price)
        if leg.segment.holds(price):
            return leg.segment.a * price + leg.segment.b
        # The price sits in the sliver that rounding the bounds inwards left out: compute it
        # exactly and make the next tick look again.
        leg.segment = Segment(ZERO, ZERO, ZERO, ZERO)
        return headroom(leg.positions, self.profile.margin, price)

    # ------------------------------------------------------------------ commands
    def apply(self, command: Command, t: int) -> tuple[Event, ...] | list[Event]:
        """Apply one input. A rejected command returns one ``Rejected`` and changes nothing."""
        if type(command) is Price:  # nearly every input: the usual price in as few steps as can be
            price = command.price
            usual = (
                type(price) is Decimal
                and price.is_finite()
                and MIN_PRICE <= price <= MAX_PRICE
                and price.quantize(QUANTUM) == price
            )
            if usual and command.symbol in self.profile.instruments:
                return self.set_mark(t, command.symbol, price)
        problem = out_of_range(command)
        if problem is not None:
            return [self._rejected(t, command, Rejection("out_of_range", problem))]
        if isinstance(command, Price):
            if self.profile.instrument(command.symbol) is None:
                return [self._rejected(t, command, self._unknown_symbol(command.symbol))]
            if not command.price > 0:
                message = f"a price must be above zero, not {command.price}"
                return [self._rejected(t, command, Rejection("invalid_price", message))]
            return self.set_mark(t, command.symbol, command.price)
        handler = self._handlers[type(command)]
        try:
            events = handler(command, t)
        except Rejection as rejection:
            return [self._rejected(t, command, rejection)]
        return events + self._sweep(t)

    def preview(self, command: Command, t: int = 0) -> tuple[Account, list[Event]]:
        """What the account would look like after ``command``, without applying it."""
        trial = self.copy()
        return trial, list(trial.apply(command, t))

    def _rejected(self, t: int, command: Command, r: Rejection) -> Rejected:
        return Rejected(t, r.code, r.message, command.type, getattr(command, "position", None), r.shortfall)

    # -- helpers shared by the handlers
    def _unknown_symbol(self, symbol: str) -> Rejection:
        return Rejection(
            "unknown_symbol", f"{symbol:.40} is not an instrument of the {self.profile.name} profile"
        )

    def _position(self, pid: str) -> Position:
        p = self.positions.get(pid)
        if p is None:
            raise Rejection("unknown_position", f"there is no open position {pid:.40}")
        return p

    def _instrument(self, symbol: str) -> Instrument:
        inst = self.profile.instrument(symbol)
        if inst is None:
            raise self._unknown_symbol(symbol)
        return inst

    def _mark(self, symbol: str) -> Decimal:
        mark = self.marks.get(symbol)
        if mark is None:
            raise Rejection("no_price", f"{symbol} has no mark price yet; send a price first")
        return mark

    def _require_available(self, needed: Decimal, doing: str) -> None:
        available = self.available()
        if needed > available:
            short = needed - available
            raise Rejection(
                "insufficient_available",
                f"{doing} needs {text.money(needed)} USDT but only "
                f"{text.money(available)} USDT is available: needs "
                f"{text.money(short)} USDT more available balance",
                short,
            )

    def _require_withdrawable(self, needed: Decimal, doing: str) -> None:
        """Money that leaves the cross wallet: limited by the available balance and by the cross
        wallet itself (unrealised profit cannot be moved out: withdrawable = min(available,
        cross wallet))."""
        self._require_available(needed, doing)
        if needed > self.cross_wallet:
            short = needed - self.cross_wallet
            raise Rejection(
                "insufficient_available",
                f"{doing} needs {text.money(needed)} USDT but the cross wallet holds "
                f"{text.money(self.cross_wallet)} USDT (unrealised profit cannot be moved or "
                f"withdrawn): needs {text.money(short)} USDT more in the cross wallet",
                short,
            )

    def _savepoint(self) -> _Savepoint:
        return (
            self.cross_wallet,
            replace(self.ledger),
            self._next_id,
            {pid: p.copy() for pid, p in self.positions.items()},
        )

    def _restore(self, saved: _Savepoint) -> None:
        symbols = {p.symbol for p in self.positions.values()} | {p.symbol for p in saved[3].values()}
        self.cross_wallet, self.ledger, self._next_id, self.positions = saved
        for symbol in symbols:
            self._refresh_symbol(symbol)

    def _isolated_headroom(self, p: Position) -> Decimal:
        mark = self.marks[p.symbol]
        return p.isolated_wallet + p.unrealized_pnl(mark) - requirement(p, self.profile.margin, mark)

    def _pool_headroom(self) -> Decimal:
        return self.cross_wallet + self._cross_total

    def _ensure_alive(self, saved: _Savepoint, touched: Position | None, doing: str) -> None:
        """Undo the change and reject it if it left the touched position or the pool
        liquidatable (nothing else can have changed)."""
        problem: Rejection | None = None
        if touched is not None and touched.isolated and touched.id in self.positions:
            room = self._isolated_headroom(touched)
            if room <= 0:
                problem = Rejection(
                    "would_liquidate",
                    f"{doing} would leave {touched.id} liquidated at once: it needs "
                    f"{text.money(-room)} USDT more margin",
                    ceil_money(-room) or QUANTUM,
                )
        if problem is None and self._legs and self._pool_headroom() <= 0:
            room = self._pool_headroom()
            problem = Rejection(
                "would_liquidate",
                f"{doing} would liquidate the cross positions at once: "
                f"the pool needs {text.money(-room)} USDT more margin",
                ceil_money(-room) or QUANTUM,
            )
        if problem is not None:
            self._restore(saved)
            raise problem

    def _new_id(self, wanted: str | None) -> str:
        """``wanted``, or the next ``p`` id that no position holds and no opening order has
        taken for the lot it will open."""
        if wanted is not None:
            return wanted
        taken = {o.position for o in self.orders.values() if o.opens}
        while f"p{self._next_id}" in self.positions or f"p{self._next_id}" in taken:
            self._next_id += 1
        pid = f"p{self._next_id}"
        self._next_id += 1
        return pid

    def _initial(self, p: Position, mark: Decimal, leverage: int | None = None) -> Decimal:
        """Initial margin: the notional (at mark, or at entry where the profile says) ÷ leverage,
        rounded up to the money quantum."""
        notional = (
            p.cost if self.profile.margin.initial_margin_basis is MaintenanceBasis.ENTRY else p.qty * mark
        )
        return ceil_money(notional / (leverage or p.leverage))

    # -- handlers
    def _open(self, c: Open, t: int) -> list[Event]:
        inst = self._instrument(c.symbol)
        mark = self._mark(c.symbol)
        self._check_open_fields(inst, c.side, c.mode, c.qty)
        return [
            self._open_lot(t, inst, c.side, c.qty, c.leverage, c.mode, c.position, mark, inst.taker_fee, True)
        ]

    def _check_open_fields(self, inst: Instrument, side: object, mode: object, qty: Decimal) -> None:
        if side not in ("long", "short"):
            raise Rejection("invalid_side", f"side must be long or short, not {side!r:.40}")
        if mode not in ("cross", "isolated"):
            raise Rejection("invalid_mode", f"mode must be cross or isolated, not {mode!r:.40}")
        check_qty(inst, qty)

    def _check_lot(
        self,
        inst: Instrument,
        side: Side,
        qty: Decimal,
        leverage: int,
        mode: Mode,
        wanted: str | None,
        price: Decimal,
    ) -> Position | None:
        """The checks an open (or an opening order) must pass that need no money: the lot it
        would increase matches, one margin mode per symbol under exchange rules, leverage within
        the bracket and the size within the last one (at ``price``). Returns the lot it increases."""
        existing = self.positions.get(wanted) if wanted is not None else None
        if existing is not None and (
            existing.symbol != inst.symbol
            or existing.side != side
            or existing.mode != mode
            or existing.leverage != leverage
        ):
            raise Rejection(
                "position_mismatch",
                f"{existing.id} is a {existing.leverage}× "
                f"{existing.mode} {existing.symbol} {existing.side}; an increase must "
                f"name the same symbol, side, mode and leverage",
            )
        if self.rules == "exchange" and existing is None:
            other = next(
                (p for p in self.positions.values() if p.symbol == inst.symbol and p.mode != mode), None
            )
            if other is not None:
                raise Rejection(
                    "mode_conflict",
                    f"the exchange sets the margin mode per symbol: "
                    f"{inst.symbol} already has a {other.mode} position ({other.id}), so a "
                    f"new one must be {other.mode} too",
                )
        total = (qty + (existing.qty if existing else ZERO)) * price
        check_leverage(inst, leverage, total)
        cap = inst.brackets[-1].cap
        if total > cap:
            raise Rejection(
                "position_too_large",
                f"a {text.money(total)} USDT {inst.symbol} position is above "
                f"{text.money(cap)} USDT, the largest the {self.profile.name} brackets allow",
            )
        return existing

    def _open_lot(
        self,
        t: int,
        inst: Instrument,
        side: Side,
        qty: Decimal,
        leverage: int,
        mode: Mode,
        wanted: str | None,
        price: Decimal,
        fee_rate: Decimal,
        command: bool,
    ) -> Opened:
        """Open (or increase) a lot: ``qty`` filled at ``price`` with fee rate ``fee_rate``. A
        command (``open``, a limit that fills when placed) must not leave anything liquidatable;
        a resting order's fill is a market event, and the liquidation check that follows it in
        the same step judges what it left."""
        existing = self._check_lot(inst, side, qty, leverage, mode, wanted, price)
        notional = qty * price
        fee = round_money(notional * fee_rate)
        margin = ceil_money(notional / leverage)
        isolated = mode == "isolated"
        doing = f"opening {side} {text.qty(qty)} {inst.symbol} at {leverage}×"
        self._require_available(margin + fee, doing)
        if fee + (margin if isolated else ZERO) > self.cross_wallet:
            self._require_withdrawable(fee + (margin if isolated else ZERO), doing)

        saved = self._savepoint()
        self.cross_wallet -= fee + (margin if isolated else ZERO)
        self.ledger.trading_fees += fee
        if existing is None:
            p = Position(
                self._new_id(wanted),
                inst,
                1 if side == "long" else -1,
                qty,
                notional,
                leverage,
                isolated,
                margin if isolated else ZERO,
            )
            self.positions[p.id] = p
        else:
            p = existing
            p.add(qty, price)
            if isolated:
                p.isolated_wallet += margin
        self._refresh_symbol(inst.symbol)
        if command:
            self._ensure_alive(saved, p, doing)
        return Opened(
            t,
            p.id,
            inst.symbol,
            side,
            mode,
            leverage,
            qty,
            price,
            fee,
            margin,
            round_money(p.entry),
            p.qty,
            existing is not None,
        )

    def _close(self, c: Close, t: int) -> list[Event]:
        p = self._position(c.position)
        qty = p.qty if c.qty is None else c.qty
        check_qty(p.instrument, qty)
        if qty > p.qty:
            raise Rejection(
                "invalid_quantity", f"cannot close {text.qty(qty)} of {p.id}: it holds {text.qty(p.qty)}"
            )
        closed = self._close_lot(t, p, qty, self.marks[p.symbol], p.instrument.taker_fee, False)
        return [closed, *self._gone(t, p.id)]

    def _close_lot(
        self, t: int, p: Position, qty: Decimal, price: Decimal, fee_rate: Decimal, fill: bool
    ) -> Closed:
        """Close ``qty`` of ``p`` at ``price``: realised PnL and the fee settle in the cross
        wallet with the share of the isolated wallet that is released. Refused if the cross
        wallet would go below zero, and for an order's fill also if the isolated part would pay
        more than it holds (a fill past the bankruptcy price is left to the liquidation)."""
        pnl = round_money(p.sign * (qty * price - p.cost_of(qty)))
        fee = round_money(qty * price * fee_rate)
        if not p.isolated:
            released = ZERO
        elif qty == p.qty:
            released = p.isolated_wallet
        else:
            released = floor_money(p.isolated_wallet * qty / p.qty)
        if fill and p.isolated and released + pnl - fee < 0:
            raise Rejection(
                "beyond_margin",
                f"closing {text.qty(qty)} of {p.id} at {text.money(price)} would lose "
                f"{text.money(fee - pnl)} USDT, more than the {text.money(released)} USDT of "
                f"isolated margin behind it",
                fee - pnl - released,
            )
        after = self.cross_wallet + released + pnl - fee
        if after < 0:
            raise Rejection(
                "wallet_negative",
                f"closing {text.qty(qty)} of {p.id} realises "
                f"{text.money(pnl)} USDT, which would take the cross wallet to "
                f"{text.money(after)} USDT; close a profitable position first or deposit",
                -after,
            )
        self.cross_wallet = after
        self.ledger.realized_pnl += pnl
        self.ledger.trading_fees += fee
        p.reduce(qty)
        p.isolated_wallet -= released
        if p.qty == 0:
            del self.positions[p.id]
        self._refresh_symbol(p.symbol)
        return Closed(t, p.id, p.symbol, p.side, p.mode, qty, price, pnl, fee, p.qty, released)

    # -- orders
    def _order(self, c: Order, t: int) -> list[Event]:
        if c.kind not in ORDER_KINDS:
            raise Rejection("invalid_order", f"an order is a limit, stop or take_profit, not {c.kind!r:.40}")
        if c.order is not None and c.order in self.orders:
            raise Rejection(
                "order_exists", f"order {c.order:.40} is already resting; give the new one another id"
            )
        if c.opens:
            assert c.symbol is not None
            inst = self._instrument(c.symbol)
            mark = self._mark(c.symbol)
            if c.side is None or c.qty is None or c.leverage is None or c.mode is None:
                raise Rejection(
                    "invalid_order", "an opening order needs symbol, side, qty, leverage and mode"
                )
            self._check_open_fields(inst, c.side, c.mode, c.qty)
            if c.kind == "take_profit":
                raise Rejection(
                    "invalid_order",
                    "a take_profit closes a position; to open at a better price, use a limit",
                )
            side, symbol = c.side, c.symbol
        else:
            if c.position is None or c.side is not None or c.leverage is not None or c.mode is not None:
                raise Rejection(
                    "invalid_order",
                    "an order either opens (symbol, side, qty, leverage, mode) or closes a position "
                    "(position, optional qty)",
                )
            p = self._position(c.position)
            inst, side, symbol = p.instrument, p.side, p.symbol
            mark = self.marks[symbol]
            if c.qty is not None:
                check_qty(inst, c.qty)
                if c.qty > p.qty:
                    raise Rejection(
                        "invalid_quantity",
                        f"cannot close {text.qty(c.qty)} of {p.id}: it holds {text.qty(p.qty)}",
                    )
        self._check_order_price(inst, c.price)
        below = fires_below(c.kind, side, c.opens)
        if (mark <= c.price) if below else (mark >= c.price):
            if c.kind != "limit":
                where = "at or below" if below else "at or above"
                raise Rejection(
                    "would_trigger_now",
                    f"the mark {text.price(mark, inst.tick_size)} is already {where} "
                    f"{text.price(c.price, inst.tick_size)}: this {c.kind} would trigger at once "
                    f"(Binance error -2021); place it beyond the mark or close now",
                )
            return self._fill_now(c, t, inst, mark)
        reserve = ZERO
        if c.opens:
            assert c.side is not None and c.qty is not None and c.leverage is not None and c.mode is not None
            self._check_lot(inst, c.side, c.qty, c.leverage, c.mode, c.position, c.price)
            notional = c.qty * c.price
            reserve = ceil_money(notional / c.leverage) + round_money(notional * inst.taker_fee)
            self._require_available(
                reserve, f"a {c.kind} to open {c.side} {text.qty(c.qty)} {symbol} at {c.leverage}×"
            )
            lot = self._new_id(c.position)
        else:
            assert c.position is not None
            lot = c.position
        self._order_seq += 1
        order = RestingOrder(
            self._order_id(c.order),
            c.kind,
            symbol,
            side,
            c.qty,
            c.price,
            lot,
            c.opens,
            c.leverage,
            c.mode,
            reserve,
            self._order_seq,
            t,
            below,
        )
        self._add_order(order)
        return [self._placed(t, order)]

    def _check_order_price(self, inst: Instrument, price: Decimal) -> None:
        if not price > 0:
            raise Rejection("invalid_price", f"a price must be above zero, not {price}")
        if price % inst.tick_size != 0:
            raise Rejection(
                "invalid_price",
                f"price {price} is not a multiple of {inst.symbol}'s tick {inst.tick_size} "
                f"(Binance error -4014)",
            )

    def _order_id(self, wanted: str | None) -> str:
        if wanted is not None:
            return wanted
        while f"o{self._next_order}" in self.orders:
            self._next_order += 1
        oid = f"o{self._next_order}"
        self._next_order += 1
        return oid

    def _placed(self, t: int, o: RestingOrder) -> OrderPlaced:
        return OrderPlaced(
            t,
            o.id,
            o.kind,
            o.symbol,
            o.side,
            o.qty,
            o.price,
            o.position,
            o.opens,
            o.leverage,
            o.mode,
            o.reserved,
        )

    def _fill_now(self, c: Order, t: int, inst: Instrument, mark: Decimal) -> list[Event]:
        """A limit whose price the mark has already passed: it fills at once at the mark, as a
        taker, with every check of an ``open`` or a ``close`` (a command that would break a rule
        is refused whole)."""
        if c.opens:
            assert c.side is not None and c.qty is not None and c.leverage is not None and c.mode is not None
            fill: Opened | Closed = self._open_lot(
                t, inst, c.side, c.qty, c.leverage, c.mode, c.position, mark, inst.taker_fee, True
            )
            pid = fill.position
            side = c.side
            qty = c.qty
        else:
            assert c.position is not None
            p = self.positions[c.position]
            side, pid = p.side, p.id
            qty = p.qty if c.qty is None else c.qty
            fill = self._close_lot(t, p, qty, mark, inst.taker_fee, False)
        oid = self._order_id(c.order)  # named only once the fill is through: a refusal changes nothing
        self._order_seq += 1
        placed = OrderPlaced(
            t, oid, c.kind, inst.symbol, side, c.qty, c.price, pid, c.opens, c.leverage, c.mode, ZERO
        )
        filled = OrderFilled(
            t,
            oid,
            c.kind,
            inst.symbol,
            side,
            qty,
            mark,
            fill.fee,
            "taker",
            pid,
            c.opens,
            c.price,
            mark,
            realized_pnl=fill.realized_pnl if isinstance(fill, Closed) else None,
        )
        self.orders_version += 1
        return [placed, filled, fill, *self._gone(t, pid)]

    def _cancel(self, c: Cancel, t: int) -> list[Event]:
        order = self.orders.get(c.order)
        if order is None:
            raise Rejection("unknown_order", f"there is no resting order {c.order:.40}")
        self._remove_order(order)
        return [OrderCancelled(t, order.id, "user", order.symbol, order.position, order.reserved)]

    def _add_order(self, order: RestingOrder) -> None:
        self.orders[order.id] = order
        book = self._books.get(order.symbol)
        if book is None:
            book = self._books[order.symbol] = Book()
        book.add(order)
        self.reserved += order.reserved
        self.orders_version += 1

    def _remove_order(self, order: RestingOrder) -> None:
        del self.orders[order.id]
        book = self._books[order.symbol]
        book.remove(order)
        if not len(book):
            del self._books[order.symbol]
        self.reserved -= order.reserved
        if not self.orders:
            self.reserved = ZERO
        self.orders_version += 1

    def _gone(self, t: int, pid: str) -> list[Event]:
        """If position ``pid`` is gone: cancel the orders that would have closed it."""
        if pid in self.positions:
            return []
        events: list[Event] = []
        for order in [o for o in self.orders.values() if not o.opens and o.position == pid]:
            self._remove_order(order)
            events.append(OrderCancelled(t, order.id, "position_gone", order.symbol, pid))
        return events

    def _fill(
        self,
        t: int,
        order: RestingOrder,
        mark: Decimal,
        roots: dict[str, Decimal | None],
        pool_root: Decimal | None,
        down: bool,
    ) -> list[Event]:
        """Fill a resting order the mark ``mark`` crossed: a limit at its own price as a maker, a
        stop or take-profit at the mark as a taker. An opening order's reservation is released
        first; if the fill breaks a rule (the available balance cannot pay its margin and fee,
        above all) it is cancelled with the reason instead."""
        self._remove_order(order)
        inst = self.profile.instruments[order.symbol]
        maker = order.kind == "limit"
        price = order.price if maker else mark
        fee_rate = inst.maker_fee if maker else inst.taker_fee
        liquidation_price = margin = None
        try:
            if order.opens:
                assert order.qty is not None and order.leverage is not None and order.mode is not None
                fill: Opened | Closed = self._open_lot(
                    t,
                    inst,
                    order.side,
                    order.qty,
                    order.leverage,
                    order.mode,
                    order.position,
                    price,
                    fee_rate,
                    False,
                )
                qty = order.qty
            else:
                p = self._position(order.position)
                qty = p.qty if order.qty is None else min(order.qty, p.qty)
                root = roots.get(p.id) if p.isolated else pool_root
                if root is not None and (mark <= root if down else mark >= root):
                    liquidation_price = shown_liquidation_price(root, down)
                    margin = p.isolated_wallet if p.isolated else None
                fill = self._close_lot(t, p, qty, price, fee_rate, True)
        except Rejection as r:
            reason = _CANCEL_REASONS.get(r.code, "rejected")
            return [
                OrderCancelled(
                    t, order.id, reason, order.symbol, order.position, order.reserved, r.code, r.message
                )
            ]
        filled = OrderFilled(
            t,
            order.id,
            order.kind,
            order.symbol,
            order.side,
            qty,
            price,
            fill.fee,
            "maker" if maker else "taker",
            fill.position,
            order.opens,
            order.price,
            mark,
            liquidation_price,
            margin,
            fill.realized_pnl if isinstance(fill, Closed) else None,
        )
        return [filled, fill, *self._gone(t, order.position)]

    def resting(self, symbol: str | None = None) -> list[OrderView]:
        """The resting orders (of ``symbol``), in the order they were placed, as a screen shows
        them (a chart draws a line at each ``price``)."""
        return [self._order_view(o) for o in self.orders.values() if symbol is None or o.symbol == symbol]

    def _order_view(self, o: RestingOrder) -> OrderView:
        p = self.positions.get(o.position)
        qty = o.qty
        if not o.opens and p is not None:
            qty = p.qty if qty is None else min(qty, p.qty)
        return OrderView(
            o.id,
            o.kind,
            o.symbol,
            o.side,
            qty if qty is not None else ZERO,
            o.price,
            o.position,
            o.reserved,
            o.opens,
            not o.opens and o.qty is None,
            o.leverage,
            o.mode,
            "below" if o.below else "above",
            o.t,
        )

    def _set_mode(self, c: SetMode, t: int) -> list[Event]:
        p = self._position(c.position)
        if c.mode not in ("cross", "isolated"):
            raise Rejection("invalid_mode", f"mode must be cross or isolated, not {c.mode!r:.40}")
        if c.mode == p.mode:
            raise Rejection("same_mode", f"{p.id} is already {p.mode}")
        if self.rules == "exchange":
            raise Rejection(
                "mode_switch_refused",
                f"the exchange does not change the margin mode of "
                f"{p.symbol} while a position is open (Binance error -4048); close {p.id} "
                f"first, or use sandbox rules",
            )
        saved = self._savepoint()
        previous = p.mode
        doing = f"switching {p.id} to {c.mode}"
        if c.mode == "isolated":
            amount = ceil_money(p.entry_margin()) if c.margin is None else c.margin
            check_amount(amount, "the isolated margin")
            self._require_withdrawable(amount, doing)
            p.isolated = True
            p.isolated_wallet = amount
            self.cross_wallet -= amount
        else:
            self.cross_wallet += p.isolated_wallet
            p.isolated = False
            p.isolated_wallet = ZERO
        self._refresh_symbol(p.symbol)
        self._ensure_alive(saved, p, doing)
        return [
            ModeChanged(
                t, p.id, p.symbol, c.mode, previous, p.isolated_wallet, self._position_liquidation_price(p)
            )
        ]

    def max_removable(self, pid: str) -> Decimal:
        """The most margin that may be taken out of isolated position ``pid`` now: its wallet must
        keep the initial margin (at the current mark, or at entry where the profile values it
        there) and the position must stay unliquidated. Zero for a cross or unknown position."""
        p = self.positions.get(pid)
        if p is None or not p.isolated:
            return ZERO
        keep = self._initial(p, self.marks[p.symbol])
        return max(min(p.isolated_wallet - keep, below(self._isolated_headroom(p))), ZERO)

    def _adjust_margin(self, c: AdjustMargin, t: int) -> list[Event]:
        p = self._position(c.position)
        if not p.isolated:
            raise Rejection(
                "not_isolated",
                f"{p.id} is cross: only an isolated position has its own "
                f"margin to add to or remove from (Binance error -4049)",
            )
        if c.amount == 0:
            raise Rejection("invalid_amount", "the amount must not be zero")
        if c.amount > 0:
            self._require_withdrawable(c.amount, f"adding {text.money(c.amount)} USDT to {p.id}")
        else:
            removable = self.max_removable(p.id)
            if -c.amount > removable:
                floor = self._initial(p, self.marks[p.symbol])
                raise Rejection(
                    "remove_too_much",
                    f"at most {text.money(removable)} USDT can be "
                    f"removed from {p.id}: its wallet must keep the initial margin "
                    f"{text.money(floor)} USDT and stay above its maintenance margin",
                    -c.amount - removable,
                )
        saved = self._savepoint()
        p.isolated_wallet += c.amount
        self.cross_wallet -= c.amount
        self._refresh_symbol(p.symbol)
        self._ensure_alive(saved, p, f"moving {text.money(c.amount)} USDT into {p.id}")
        return [
            MarginAdjusted(
                t, p.id, p.symbol, c.amount, p.isolated_wallet, self._position_liquidation_price(p)
            )
        ]

    def _set_leverage(self, c: SetLeverage, t: int) -> list[Event]:
        p = self._position(c.position)
        mark = self.marks[p.symbol]
        check_leverage(p.instrument, c.leverage, p.qty * mark)
        if self.rules == "exchange" and p.isolated and c.leverage < p.leverage:
            raise Rejection(
                "leverage_decrease_refused",
                f"the exchange refuses to lower the leverage "
                f"of an open isolated position (Binance error -4161): {p.id} stays at "
                f"{p.leverage}× or higher",
            )
        doing = f"setting {p.id} to {c.leverage}×"
        previous = p.leverage
        moved = ZERO
        if p.isolated:
            # The wallet is re-sized by the change in initial margin at entry (both rounded up,
            # so a round trip of leverages moves nothing); a raise never takes it below the new
            # initial margin, so margin taken out earlier cannot be taken out twice.
            new, old = ceil_money(p.entry_margin(c.leverage)), ceil_money(p.entry_margin())
            if new > old:
                moved = new - old
                self._require_withdrawable(moved, f"lowering {p.id} to {c.leverage}×")
            else:
                moved = -min(old - new, max(p.isolated_wallet - new, ZERO))
        elif c.leverage < previous:
            extra = self._initial(p, mark, c.leverage) - self._initial(p, mark)
            self._require_available(extra, f"lowering {p.id} to {c.leverage}×")
        saved = self._savepoint()
        p.isolated_wallet += moved
        self.cross_wallet -= moved
        p.leverage = c.leverage
        self._refresh_symbol(p.symbol)
        self._ensure_alive(saved, p, doing)
        return [
            LeverageChanged(
                t,
                p.id,
                p.symbol,
                c.leverage,
                previous,
                p.isolated_wallet if p.isolated else None,
                self._position_liquidation_price(p),
            )
        ]

    def _deposit(self, c: Deposit, t: int) -> list[Event]:
        check_amount(c.amount, "a deposit")
        self.cross_wallet += c.amount
        self.ledger.deposits += c.amount
        return [Deposited(t, c.amount, self.cross_wallet)]

    def _withdraw(self, c: Withdraw, t: int) -> list[Event]:
        check_amount(c.amount, "a withdrawal")
        doing = f"withdrawing {text.money(c.amount)} USDT"
        self._require_withdrawable(c.amount, doing)
        saved = self._savepoint()
        self.cross_wallet -= c.amount
        self.ledger.withdrawals += c.amount
        self._ensure_alive(saved, None, doing)
        return [Withdrawn(t, c.amount, self.cross_wallet)]

    # ------------------------------------------------------------------ liquidation
    def _sweep(self, t: int) -> list[Event]:
        """After a command: anything it left liquidatable goes now (a close's fee can do that)."""
        events: list[Event] = []
        for symbol in list(self._watch):
            events += self._liquidate_isolated(t, symbol, self.marks[symbol])
        if self._legs and self._pool_headroom() <= 0:
            symbol = next(iter(self._legs))
            events += liquidation.pool(self, t, symbol, self.marks[symbol], self.pool_shown(symbol))
        return events

    def _liquidate_isolated(
        self, t: int, symbol: str, price: Decimal, shown: dict[str, Decimal | None] | None = None
    ) -> list[Event]:
        """Every isolated position of ``symbol`` that ``price`` leaves liquidatable, with the
        liquidation price displayed before (``shown``, else the one its watch holds)."""
        watch = self._watch.get(symbol)
        if watch is None:
            return []
        events: list[Event] = []
        for p, root in watch.roots:
            if p.id not in self.positions or not p.isolated or self._isolated_headroom(p) > 0:
                continue
            before = shown.get(p.id) if shown is not None and p.id in shown else None
            if before is None:
                before = shown_liquidation_price(root, p.sign > 0)
            events += liquidation.isolated(self, t, p, price, before)
        return events

    def in_cooldown(self, t: int) -> bool:
        """Hyperliquid: within the cool-down after a partial liquidation, when every market
        liquidation closes the whole position."""
        return self._cooldown_until is not None and t < self._cooldown_until

    def pool_shown(self, symbol: str) -> Decimal | None:
        """The cross pool's liquidation price for ``symbol`` as displayed now (None without a
        cross position on it)."""
        root, down = self.pool_liquidation(symbol)
        return shown_liquidation_price(root, down)

    # ------------------------------------------------------------------ caches
    def _refresh_symbol(self, symbol: str) -> None:
        """Rebuild the tick-path caches of one symbol after its positions changed."""
        self._views.touch(symbol)
        if symbol in self._books:  # what its closing orders would fill may have changed
            self.orders_version += 1
        rules = self.profile.margin
        mark = self.marks.get(symbol)
        cross = [p for p in self.positions.values() if p.symbol == symbol and not p.isolated]
        old = self._legs.pop(symbol, None)
        if old is not None:
            self._cross_total -= old.value
        if cross and mark is not None:
            seg = segment_at(cross, rules, mark)
            value = seg.a * mark + seg.b if seg.holds(mark) else headroom(cross, rules, mark)
            self._legs[symbol] = _CrossLeg(cross, seg, value)
            self._cross_total += value
        if not self._legs:
            self._cross_total = ZERO  # no cross positions: start the next sum from exactly zero
        isolated = [p for p in self.positions.values() if p.symbol == symbol and p.isolated]
        self._watch.pop(symbol, None)
        if isolated and mark is not None:
            roots = [(p, p.curve(rules).root(p.isolated_wallet, mark, p.sign > 0)) for p in isolated]
            long_roots = [r for p, r in roots if p.sign > 0 and r is not None]
            short_roots = [r for p, r in roots if p.sign < 0 and r is not None]
            self._watch[symbol] = _IsolatedWatch(
                roots,
                max(long_roots) + QUANTUM if long_roots else _NEG_INF,
                min(short_roots) - QUANTUM if short_roots else INF,
            )

    def _leg_curve(self, leg: _CrossLeg) -> Curve:
        if leg.curve is None:
            leg.curve = Curve.of(leg.positions, self.profile.margin)
        return leg.curve

    # ------------------------------------------------------------------ numbers for screens
    def _leg_sums(self, symbol: str) -> tuple[Decimal, Decimal, Decimal]:
        """(Σ uPnL, Σ maintenance, Σ initial margin) of the cross positions of ``symbol``."""
        leg = self._legs[symbol]
        mark = self.marks[symbol]
        rules = self.profile.margin
        upnl = mm = im = ZERO
        for p in leg.positions:
            upnl += p.unrealized_pnl(mark)
            mm += requirement(p, rules, mark)
            im += self._initial(p, mark)
        return upnl, mm, im

    def available(self) -> Decimal:
        """What opens, isolated-margin additions, mode switches and withdrawals may use: cross
        margin balance − initial margin of the cross positions − what resting opening orders
        reserve, down to 1e-8, never below 0."""
        free = self.cross_wallet - self.reserved
        for symbol in sorted(self._legs):
            upnl, _, im = self._leg_sums(symbol)
            free += upnl - im
        return max(floor_money(free), ZERO)

    def withdrawable(self) -> Decimal:
        """What may leave the cross wallet: min(available, cross wallet)."""
        return min(self.available(), self.cross_wallet)

    def cross_root(self, symbol: str, down: bool) -> Decimal | None:
        """Exact mark of ``symbol`` at which the cross pool is liquidated, walking from its
        current mark down or up with every other mark held; None if it never is."""
        leg = self._legs.get(symbol)
        if leg is None:
            return None
        reserve = self.cross_wallet + self._cross_total - leg.value
        return self._leg_curve(leg).root(reserve, self.marks[symbol], down)

    def pool_liquidation(self, symbol: str) -> tuple[Decimal | None, bool]:
        """The one liquidation price the cross positions of ``symbol`` share (like Binance's
        hedge mode): the first root on the side where the pool's headroom falls as the mark moves
        (below for a net long, above for a net short or a flat hedge), else on the other side;
        with the direction, for rounding."""
        leg = self._legs.get(symbol)
        if leg is None:
            return None, True
        curve = self._leg_curve(leg)
        mark = self.marks[symbol]
        reserve = self.cross_wallet + self._cross_total - leg.value
        down = curve.slope(mark) >= 0
        root = curve.root(reserve, mark, down)
        if root is None:
            down = not down
            root = curve.root(reserve, mark, down)
        return root, down

    def _position_liquidation_price(self, p: Position) -> Decimal | None:
        if p.isolated:
            down = p.sign > 0
            root = p.curve(self.profile.margin).root(p.isolated_wallet, self.marks[p.symbol], down)
            return shown_liquidation_price(root, down)
        root, down = self.pool_liquidation(p.symbol)
        return shown_liquidation_price(root, down)

    def liquidation_price(self, pid: str) -> Decimal | None:
        return self._position_liquidation_price(self.positions[pid])

    def totals(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """(total wallet, cross margin balance, cross maintenance margin, equity): what an
        account chart plots, without the per-position work of ``view``."""
        rules = self.profile.margin
        cross_upnl = cross_mm = iso_upnl = iso_wallets = ZERO
        for p in self.positions.values():
            mark = self.marks[p.symbol]
            if p.isolated:
                iso_upnl += p.unrealized_pnl(mark)
                iso_wallets += p.isolated_wallet
            else:
                cross_upnl += p.unrealized_pnl(mark)
                cross_mm += requirement(p, rules, mark)
        total = self.cross_wallet + iso_wallets
        return total, self.cross_wallet + cross_upnl, cross_mm, total + cross_upnl + iso_upnl

    def view(self) -> AccountView:
        """Every number a screen shows. Incremental: only positions whose symbol's mark moved or
        whose state changed since the last call are recomputed (and the cross pool's numbers
        when any cross leg or the cross wallet changed)."""
        return self._views.build(self)
