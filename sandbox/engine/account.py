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

from . import text
from .commands import AdjustMargin, Close, Command, Deposit, Open, Price, SetLeverage, SetMode, Withdraw
from .curve import INF, Curve, Segment, headroom, requirement, segment_at
from .events import (
    Closed,
    Deposited,
    Event,
    LeverageChanged,
    Liquidated,
    LiquidatedLot,
    MarginAdjusted,
    ModeChanged,
    Opened,
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
from .position import Position
from .profile import Leftover, MaintenanceBasis, Profile
from .rejections import Rejection, check_amount, check_leverage, check_qty, out_of_range
from .view_cache import ViewCache
from .views import AccountView, shown_liquidation_price

Rules = Literal["sandbox", "exchange"]
MONEY_QUANTUM = QUANTUM
NO_EVENTS: tuple[Event, ...] = ()
_NEG_INF = Decimal("-Infinity")


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

    def balance(self) -> Decimal:
        return (
            self.deposits
            - self.withdrawals
            + self.realized_pnl
            - self.trading_fees
            - self.liquidation_fees
            + self.insurance_payouts
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
        self._views = ViewCache()
        self._handlers: dict[type, Callable[[Any, int], list[Event]]] = {
            Open: self._open,
            Close: self._close,
            SetMode: self._set_mode,
            AdjustMargin: self._adjust_margin,
            SetLeverage: self._set_leverage,
            Deposit: self._deposit,
            Withdraw: self._withdraw,
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
        (``apply`` checks).
        """
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
                liquidation = self._liquidate_cross(t, symbol, price, old, moved_down)
                events = liquidation if events is None else events + liquidation
        return events if events is not None else NO_EVENTS

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
        if wanted is not None:
            return wanted
        while f"p{self._next_id}" in self.positions:
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
        if c.side not in ("long", "short"):
            raise Rejection("invalid_side", f"side must be long or short, not {c.side!r:.40}")
        if c.mode not in ("cross", "isolated"):
            raise Rejection("invalid_mode", f"mode must be cross or isolated, not {c.mode!r:.40}")
        check_qty(inst, c.qty)
        existing = self.positions.get(c.position) if c.position is not None else None
        if existing is not None and (
            existing.symbol != c.symbol
            or existing.side != c.side
            or existing.mode != c.mode
            or existing.leverage != c.leverage
        ):
            raise Rejection(
                "position_mismatch",
                f"{existing.id} is a {existing.leverage}× "
                f"{existing.mode} {existing.symbol} {existing.side}; an increase must "
                f"name the same symbol, side, mode and leverage",
            )
        if self.rules == "exchange" and existing is None:
            other = next(
                (p for p in self.positions.values() if p.symbol == c.symbol and p.mode != c.mode), None
            )
            if other is not None:
                raise Rejection(
                    "mode_conflict",
                    f"the exchange sets the margin mode per symbol: "
                    f"{c.symbol} already has a {other.mode} position ({other.id}), so a "
                    f"new one must be {other.mode} too",
                )
        total = (c.qty + (existing.qty if existing else ZERO)) * mark
        check_leverage(inst, c.leverage, total)
        cap = inst.brackets[-1].cap
        if total > cap:
            raise Rejection(
                "position_too_large",
                f"a {text.money(total)} USDT {c.symbol} position is above "
                f"{text.money(cap)} USDT, the largest the {self.profile.name} brackets allow",
            )
        notional = c.qty * mark
        fee = round_money(notional * inst.taker_fee)
        margin = ceil_money(notional / c.leverage)
        isolated = c.mode == "isolated"
        doing = f"opening {c.side} {text.qty(c.qty)} {c.symbol} at {c.leverage}×"
        self._require_available(margin + fee, doing)
        if fee + (margin if isolated else ZERO) > self.cross_wallet:
            self._require_withdrawable(fee + (margin if isolated else ZERO), doing)

        saved = self._savepoint()
        self.cross_wallet -= fee + (margin if isolated else ZERO)
        self.ledger.trading_fees += fee
        if existing is None:
            p = Position(
                self._new_id(c.position),
                inst,
                1 if c.side == "long" else -1,
                c.qty,
                notional,
                c.leverage,
                isolated,
                margin if isolated else ZERO,
            )
            self.positions[p.id] = p
        else:
            p = existing
            p.add(c.qty, mark)
            if isolated:
                p.isolated_wallet += margin
        self._refresh_symbol(c.symbol)
        self._ensure_alive(saved, p, doing)
        return [
            Opened(
                t,
                p.id,
                c.symbol,
                c.side,
                c.mode,
                c.leverage,
                c.qty,
                mark,
                fee,
                margin,
                round_money(p.entry),
                p.qty,
                existing is not None,
            )
        ]

    def _close(self, c: Close, t: int) -> list[Event]:
        p = self._position(c.position)
        inst = p.instrument
        mark = self.marks[p.symbol]
        qty = p.qty if c.qty is None else c.qty
        check_qty(inst, qty)
        if qty > p.qty:
            raise Rejection(
                "invalid_quantity", f"cannot close {text.qty(qty)} of {p.id}: it holds {text.qty(p.qty)}"
            )
        pnl = round_money(p.sign * (qty * mark - p.cost_of(qty)))
        fee = round_money(qty * mark * inst.taker_fee)
        if not p.isolated:
            released = ZERO
        elif qty == p.qty:
            released = p.isolated_wallet
        else:
            released = floor_money(p.isolated_wallet * qty / p.qty)
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
        return [Closed(t, p.id, p.symbol, p.side, p.mode, qty, mark, pnl, fee, p.qty, released)]

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
            events += self._liquidate_cross(t, symbol, self.marks[symbol], None, True)
        return events

    def _liquidate_isolated(self, t: int, symbol: str, price: Decimal) -> list[Event]:
        events: list[Event] = []
        returned_leftover = self.profile.margin.liquidation_leftover is Leftover.RETURNED
        for p, root in self._watch[symbol].roots:
            if self._isolated_headroom(p) > 0:
                continue
            shown = shown_liquidation_price(root, p.sign > 0)
            wallet = p.isolated_wallet
            pnl = round_money(p.unrealized_pnl(price))
            left = wallet + pnl
            fee = min(round_money(p.qty * price * p.instrument.liquidation_fee), max(left, ZERO))
            payout = -left if left < 0 else ZERO
            if returned_leftover:
                returned = max(left, ZERO) - fee
                to_fund = fee
                self.cross_wallet += returned
            else:
                returned = ZERO
                to_fund = max(left, ZERO)  # the fee plus whatever margin was left
            self.insurance_fund += to_fund - payout
            self.ledger.realized_pnl += pnl
            self.ledger.liquidation_fees += to_fund
            self.ledger.insurance_payouts += payout
            del self.positions[p.id]
            lot = LiquidatedLot(p.id, symbol, p.side, p.qty, round_money(p.entry), price, pnl, fee)
            events.append(
                Liquidated(
                    t,
                    (p.id,),
                    symbol,
                    p.side,
                    "isolated",
                    price,
                    shown,
                    pnl,
                    fee,
                    to_fund - payout,
                    wallet,
                    ZERO,
                    (lot,),
                    returned,
                )
            )
        if events:
            self._refresh_symbol(symbol)
        return events

    def _liquidate_cross(
        self, t: int, symbol: str, price: Decimal, old: Decimal | None, down: bool
    ) -> list[Event]:
        shown = None
        leg = self._legs.get(symbol)
        if old is not None and leg is not None:
            reserve = self.cross_wallet + self._cross_total - leg.value
            shown = shown_liquidation_price(self._leg_curve(leg).root(reserve, old, down), down)
        victims = [p for p in self.positions.values() if not p.isolated]
        wallet = self.cross_wallet
        pnls = [round_money(p.unrealized_pnl(self.marks[p.symbol])) for p in victims]
        pnl_total = sum(pnls, ZERO)
        fee_room = max(wallet + pnl_total, ZERO)
        lots = []
        for p, pnl in zip(victims, pnls):
            mark = self.marks[p.symbol]
            fee = min(round_money(p.qty * mark * p.instrument.liquidation_fee), fee_room)
            fee_room -= fee
            lots.append(LiquidatedLot(p.id, p.symbol, p.side, p.qty, round_money(p.entry), mark, pnl, fee))
            del self.positions[p.id]
        fees = sum((lot.fee for lot in lots), ZERO)
        after = wallet + pnl_total - fees
        payout = -after if after < 0 else ZERO
        after += payout
        self.cross_wallet = after
        self.insurance_fund += fees - payout
        self.ledger.realized_pnl += pnl_total
        self.ledger.liquidation_fees += fees
        self.ledger.insurance_payouts += payout
        for s in {lot.symbol for lot in lots}:
            self._refresh_symbol(s)
        sides = {lot.side for lot in lots}
        return [
            Liquidated(
                t,
                tuple(lot.position for lot in lots),
                symbol,
                sides.pop() if len(sides) == 1 else "mixed",
                "cross",
                price,
                shown,
                pnl_total,
                fees,
                fees - payout,
                wallet,
                after,
                tuple(lots),
            )
        ]

    # ------------------------------------------------------------------ caches
    def _refresh_symbol(self, symbol: str) -> None:
        """Rebuild the tick-path caches of one symbol after its positions changed."""
        self._views.touch(symbol)
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
        margin balance − initial margin of the cross positions, down to 1e-8, never below 0."""
        free = self.cross_wallet
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
