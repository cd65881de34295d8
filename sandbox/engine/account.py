"""The account: wallets, positions, marks, and every rule of ../shared/reference/engine-rules.md.

The price tick is the hot path (``set_mark``): isolated positions are watched through per-symbol
trigger prices and the cross pool through one running headroom sum, so a tick costs a few
comparisons and one multiply-add however many positions are open. Everything a screen shows is
computed on demand by ``view()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Literal

from . import text
from .commands import AdjustMargin, Close, Command, Deposit, Open, Price, SetLeverage, SetMode, Withdraw
from .curve import INF, Segment, first_root, headroom, requirement, segment_at
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
from .position import Position
from .profile import Profile
from .views import AccountView, PositionView, ratio, shown_liquidation_price

Rules = Literal["sandbox", "exchange"]
MONEY_QUANTUM = Decimal("1e-8")
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


@dataclass(slots=True)
class _IsolatedWatch:
    """Isolated positions of one symbol with the prices that would liquidate them.

    ``long_trigger``/``short_trigger`` are the highest long and lowest short liquidation
    prices, widened by one quantum; a tick beyond one is confirmed exactly before anything fires.
    """

    roots: list[tuple[Position, Decimal | None]]
    long_trigger: Decimal
    short_trigger: Decimal


class Rejection(Exception):
    """Raised inside a command handler; becomes a ``Rejected`` event and changes nothing."""

    def __init__(self, code: str, message: str, shortfall: Decimal | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.shortfall = shortfall


class Account:
    def __init__(self, profile: Profile, balance: Decimal, rules: Rules = "sandbox"):
        if rules not in ("sandbox", "exchange"):
            raise ValueError(f"rules must be 'sandbox' or 'exchange', not {rules!r}")
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
        self._handlers: dict[type, Callable[..., list[Event]]] = {
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

        The caller guarantees ``symbol`` is in the profile and ``price > 0`` (``apply`` checks).
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
        if isinstance(command, Price):
            if self.profile.instrument(command.symbol) is None:
                return [
                    self._rejected(
                        t,
                        command,
                        Rejection(
                            "unknown_symbol",
                            f"{command.symbol} is not an instrument of the {self.profile.name} profile",
                        ),
                    )
                ]
            if not command.price > 0:
                return [
                    self._rejected(
                        t,
                        command,
                        Rejection("invalid_price", f"a price must be above zero, not {command.price}"),
                    )
                ]
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
    def _position(self, pid: str) -> Position:
        p = self.positions.get(pid)
        if p is None:
            raise Rejection("unknown_position", f"there is no open position {pid}")
        return p

    def _instrument(self, symbol: str) -> Instrument:
        inst = self.profile.instrument(symbol)
        if inst is None:
            raise Rejection(
                "unknown_symbol", f"{symbol} is not an instrument of the {self.profile.name} profile"
            )
        return inst

    def _mark(self, symbol: str) -> Decimal:
        mark = self.marks.get(symbol)
        if mark is None:
            raise Rejection("no_price", f"{symbol} has no mark price yet; send a price first")
        return mark

    @staticmethod
    def _check_qty(inst: Instrument, qty: Decimal) -> None:
        if not qty > 0:
            raise Rejection("invalid_quantity", f"quantity must be above zero, not {qty}")
        if qty % inst.qty_step != 0:
            raise Rejection(
                "invalid_quantity",
                f"quantity {text.qty(qty)} is not a multiple of "
                f"{inst.symbol}'s step {text.qty(inst.qty_step)}",
            )

    @staticmethod
    def _check_leverage(inst: Instrument, leverage: int, notional: Decimal) -> None:
        if not isinstance(leverage, int) or isinstance(leverage, bool) or leverage < 1:
            raise Rejection("invalid_leverage", f"leverage must be a whole number from 1, not {leverage}")
        top = inst.max_leverage(notional)
        if leverage > top:
            raise Rejection(
                "leverage_above_max",
                f"leverage {leverage}× is above {top}×, the maximum "
                f"for a {text.money(notional)} USDT {inst.symbol} position",
            )

    @staticmethod
    def _check_amount(amount: Decimal, what: str) -> None:
        if not amount > 0:
            raise Rejection("invalid_amount", f"{what} must be above zero, not {amount}")

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

    def _savepoint(self) -> tuple:
        return (
            self.cross_wallet,
            replace(self.ledger),
            self._next_id,
            {pid: p.copy() for pid, p in self.positions.items()},
        )

    def _restore(self, saved: tuple) -> None:
        symbols = {p.symbol for p in self.positions.values()} | {p.symbol for p in saved[3].values()}
        self.cross_wallet, self.ledger, self._next_id, self.positions = saved
        for symbol in symbols:
            self._refresh_symbol(symbol)

    def _isolated_headroom(self, p: Position) -> Decimal:
        mark = self.marks[p.symbol]
        return p.isolated_wallet + p.unrealized_pnl(mark) - requirement(p, self.profile.margin, mark)

    def _pool_headroom(self) -> Decimal:
        return self.cross_wallet + self._cross_total

    def _ensure_healthy(self, saved: tuple, touched: Position | None, doing: str) -> None:
        """Undo the mutation and reject if it left something liquidatable or a wallet negative."""
        problem: Rejection | None = None
        if touched is not None and touched.isolated and touched.id in self.positions:
            room = self._isolated_headroom(touched)
            if room <= 0:
                problem = Rejection(
                    "would_liquidate",
                    f"{doing} would leave {touched.id} liquidated "
                    f"at once: it needs {text.money(-room)} USDT more margin",
                    -room,
                )
        if problem is None and self._legs and self._pool_headroom() <= 0:
            room = self._pool_headroom()
            problem = Rejection(
                "would_liquidate",
                f"{doing} would liquidate the cross positions at once: "
                f"the pool needs {text.money(-room)} USDT more margin",
                -room,
            )
        free = self._free_balance()
        if problem is None and free < 0:
            problem = Rejection(
                "insufficient_available",
                f"{doing} needs {text.money(-free)} USDT more available balance",
                -free,
            )
        if problem is None and self.cross_wallet < 0:
            problem = Rejection(
                "wallet_negative",
                f"{doing} would take the cross wallet to "
                f"{text.money(self.cross_wallet)} USDT; it cannot go below zero",
                -self.cross_wallet,
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

    # -- handlers
    def _open(self, c: Open, t: int) -> list[Event]:
        inst = self._instrument(c.symbol)
        mark = self._mark(c.symbol)
        if c.side not in ("long", "short"):
            raise Rejection("invalid_side", f"side must be long or short, not {c.side!r}")
        if c.mode not in ("cross", "isolated"):
            raise Rejection("invalid_mode", f"mode must be cross or isolated, not {c.mode!r}")
        self._check_qty(inst, c.qty)
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
        total_qty = c.qty + (existing.qty if existing else ZERO)
        self._check_leverage(inst, c.leverage, total_qty * mark)
        notional = c.qty * mark
        fee = notional * inst.taker_fee
        margin = (notional / c.leverage).quantize(MONEY_QUANTUM, rounding=ROUND_CEILING)
        doing = f"opening {c.side} {text.qty(c.qty)} {c.symbol} at {c.leverage}×"
        self._require_available(margin + fee, doing)

        saved = self._savepoint()
        isolated = c.mode == "isolated"
        self.cross_wallet -= fee + (margin if isolated else ZERO)
        self.ledger.trading_fees += fee
        if existing is None:
            p = Position(
                self._new_id(c.position),
                inst,
                1 if c.side == "long" else -1,
                c.qty,
                mark,
                c.leverage,
                isolated,
                margin if isolated else ZERO,
            )
            self.positions[p.id] = p
        else:
            p = existing
            p.entry = ((p.qty * p.entry + notional) / total_qty).quantize(MONEY_QUANTUM, ROUND_HALF_EVEN)
            p.qty = total_qty
            if isolated:
                p.isolated_wallet += margin
        self._refresh_symbol(c.symbol)
        self._ensure_healthy(saved, p, doing)
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
                p.entry,
                p.qty,
                existing is not None,
            )
        ]

    def _close(self, c: Close, t: int) -> list[Event]:
        p = self._position(c.position)
        inst = p.instrument
        mark = self.marks[p.symbol]
        qty = p.qty if c.qty is None else c.qty
        self._check_qty(inst, qty)
        if qty > p.qty:
            raise Rejection(
                "invalid_quantity", f"cannot close {text.qty(qty)} of {p.id}: it holds {text.qty(p.qty)}"
            )
        pnl = p.unrealized_pnl(mark) if qty == p.qty else p.sign * qty * (mark - p.entry)
        fee = qty * mark * inst.taker_fee
        if not p.isolated:
            released = ZERO
        elif qty == p.qty:
            released = p.isolated_wallet
        else:
            released = (p.isolated_wallet * qty / p.qty).quantize(MONEY_QUANTUM, rounding=ROUND_FLOOR)
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
        p.qty -= qty
        p.isolated_wallet -= released
        if p.qty == 0:
            del self.positions[p.id]
        self._refresh_symbol(p.symbol)
        return [Closed(t, p.id, p.symbol, p.side, p.mode, qty, mark, pnl, fee, p.qty, released)]

    def _set_mode(self, c: SetMode, t: int) -> list[Event]:
        p = self._position(c.position)
        if c.mode not in ("cross", "isolated"):
            raise Rejection("invalid_mode", f"mode must be cross or isolated, not {c.mode!r}")
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
        if c.mode == "isolated":
            amount = (
                c.margin
                if c.margin is not None
                else p.entry_margin().quantize(MONEY_QUANTUM, rounding=ROUND_CEILING)
            )
            self._check_amount(amount, "the isolated margin")
            p.isolated = True
            p.isolated_wallet = amount
            self.cross_wallet -= amount
        else:
            self.cross_wallet += p.isolated_wallet
            p.isolated = False
            p.isolated_wallet = ZERO
        self._refresh_symbol(p.symbol)
        self._ensure_healthy(saved, p, f"switching {p.id} to {c.mode}")
        return [
            ModeChanged(
                t, p.id, p.symbol, c.mode, previous, p.isolated_wallet, self._position_liquidation_price(p)
            )
        ]

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
        mark = self.marks[p.symbol]
        if c.amount > 0:
            self._require_available(c.amount, f"adding {text.money(c.amount)} USDT to {p.id}")
        else:
            floor = p.qty * mark / p.leverage
            room = self._isolated_headroom(p)
            removable = max(min(p.isolated_wallet - floor, room), ZERO)
            if -c.amount > removable or -c.amount >= room:
                raise Rejection(
                    "remove_too_much",
                    f"at most {text.money(removable)} USDT can be "
                    f"removed from {p.id}: its wallet must keep the initial margin "
                    f"{text.money(floor)} USDT at the current mark and stay above "
                    f"its maintenance margin",
                    -c.amount - removable,
                )
        saved = self._savepoint()
        p.isolated_wallet += c.amount
        self.cross_wallet -= c.amount
        self._refresh_symbol(p.symbol)
        self._ensure_healthy(saved, p, f"moving {text.money(c.amount)} USDT into {p.id}")
        return [
            MarginAdjusted(
                t, p.id, p.symbol, c.amount, p.isolated_wallet, self._position_liquidation_price(p)
            )
        ]

    def _set_leverage(self, c: SetLeverage, t: int) -> list[Event]:
        p = self._position(c.position)
        self._check_leverage(p.instrument, c.leverage, p.qty * self.marks[p.symbol])
        if self.rules == "exchange" and p.isolated and c.leverage < p.leverage:
            raise Rejection(
                "leverage_decrease_refused",
                f"the exchange refuses to lower the leverage "
                f"of an open isolated position (Binance error -4161): {p.id} stays at "
                f"{p.leverage}× or higher",
            )
        saved = self._savepoint()
        previous = p.leverage
        if p.isolated:
            delta = (p.qty * p.entry / c.leverage - p.entry_margin()).quantize(
                MONEY_QUANTUM, rounding=ROUND_CEILING
            )
            if delta > 0:
                self._require_available(delta, f"lowering {p.id} to {c.leverage}×")
            p.isolated_wallet += delta
            self.cross_wallet -= delta
        p.leverage = c.leverage
        self._refresh_symbol(p.symbol)
        self._ensure_healthy(saved, p, f"setting {p.id} to {c.leverage}×")
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
        self._check_amount(c.amount, "a deposit")
        self.cross_wallet += c.amount
        self.ledger.deposits += c.amount
        return [Deposited(t, c.amount, self.cross_wallet)]

    def _withdraw(self, c: Withdraw, t: int) -> list[Event]:
        self._check_amount(c.amount, "a withdrawal")
        self._require_available(c.amount, f"withdrawing {text.money(c.amount)} USDT")
        self.cross_wallet -= c.amount
        self.ledger.withdrawals += c.amount
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
        for p, root in self._watch[symbol].roots:
            if self._isolated_headroom(p) > 0:
                continue
            shown = shown_liquidation_price(root, p.sign > 0)
            wallet = p.isolated_wallet
            pnl = p.unrealized_pnl(price)
            left = wallet + pnl
            fee = min(p.qty * price * p.instrument.liquidation_fee, max(left, ZERO))
            payout = -left if left < 0 else ZERO
            to_fund = max(left, ZERO)  # the fee plus whatever margin was left
            self.insurance_fund += to_fund - payout
            self.ledger.realized_pnl += pnl
            self.ledger.liquidation_fees += to_fund
            self.ledger.insurance_payouts += payout
            del self.positions[p.id]
            lot = LiquidatedLot(p.id, symbol, p.side, p.qty, p.entry, price, pnl, fee)
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
            shown = shown_liquidation_price(
                first_root(leg.positions, self.profile.margin, reserve, old, down), down
            )
        victims = [p for p in self.positions.values() if not p.isolated]
        wallet = self.cross_wallet
        pnl_total = ZERO
        left = wallet + sum((p.unrealized_pnl(self.marks[p.symbol]) for p in victims), ZERO)
        fee_room = max(left, ZERO)
        lots = []
        for p in victims:
            mark = self.marks[p.symbol]
            pnl = p.unrealized_pnl(mark)
            fee = min(p.qty * mark * p.instrument.liquidation_fee, fee_room)
            fee_room -= fee
            pnl_total += pnl
            lots.append(LiquidatedLot(p.id, p.symbol, p.side, p.qty, p.entry, mark, pnl, fee))
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
            roots = [(p, first_root([p], rules, p.isolated_wallet, mark, p.sign > 0)) for p in isolated]
            long_roots = [r for p, r in roots if p.sign > 0 and r is not None]
            short_roots = [r for p, r in roots if p.sign < 0 and r is not None]
            self._watch[symbol] = _IsolatedWatch(
                roots,
                max(long_roots) + MONEY_QUANTUM if long_roots else _NEG_INF,
                min(short_roots) - MONEY_QUANTUM if short_roots else INF,
            )

    # ------------------------------------------------------------------ views
    def _free_balance(self) -> Decimal:
        """Cross margin balance minus the cross positions' initial margin, not floored at zero."""
        free = self.cross_wallet
        for leg in self._legs.values():
            for p in leg.positions:
                mark = self.marks[p.symbol]
                free += p.unrealized_pnl(mark) - p.qty * mark / p.leverage
        return free

    def available(self) -> Decimal:
        """What opens, isolated-margin additions and withdrawals may use (never below 0)."""
        return max(self._free_balance(), ZERO)

    def cross_root(self, symbol: str, down: bool) -> Decimal | None:
        """Exact mark of ``symbol`` at which the cross pool is liquidated, walking from its
        current mark down or up with every other mark held; None if it never is."""
        leg = self._legs.get(symbol)
        if leg is None:
            return None
        reserve = self.cross_wallet + self._cross_total - leg.value
        return first_root(leg.positions, self.profile.margin, reserve, self.marks[symbol], down)

    def _position_liquidation_price(
        self, p: Position, roots: dict[tuple[str, bool], Decimal | None] | None = None
    ) -> Decimal | None:
        """``roots`` memoises the cross pool's roots per (symbol, direction) within one view: every
        cross position of a symbol shares them."""
        mark = self.marks[p.symbol]
        down = p.sign > 0
        if p.isolated:
            return shown_liquidation_price(
                first_root([p], self.profile.margin, p.isolated_wallet, mark, down), down
            )
        roots = {} if roots is None else roots

        def root_for(direction: bool) -> Decimal | None:
            key = (p.symbol, direction)
            if key not in roots:
                roots[key] = self.cross_root(p.symbol, direction)
            return roots[key]

        root = root_for(down)
        if root is None:
            down = not down
            root = root_for(down)
        return shown_liquidation_price(root, down)

    def liquidation_price(self, pid: str) -> Decimal | None:
        return self._position_liquidation_price(self.positions[pid])

    def _bankruptcy_price(self, p: Position) -> Decimal | None:
        if p.isolated:
            value = p.entry - p.sign * p.isolated_wallet / p.qty
        else:
            leg = self._legs[p.symbol]
            net = sum((q.sign * q.qty for q in leg.positions), ZERO)
            if net == 0:
                return None
            others = ZERO
            for other in self._legs.values():
                if other is not leg:
                    others += sum((q.unrealized_pnl(self.marks[q.symbol]) for q in other.positions), ZERO)
            cost = sum((q.sign * q.qty * q.entry for q in leg.positions), ZERO)
            value = (cost - self.cross_wallet - others) / net
        return shown_liquidation_price(value, p.sign > 0) if value > 0 else None

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
        rules = self.profile.margin
        cross_upnl = cross_mm = cross_im = iso_upnl = ZERO
        for p in self.positions.values():
            mark = self.marks[p.symbol]
            if p.isolated:
                iso_upnl += p.unrealized_pnl(mark)
            else:
                cross_upnl += p.unrealized_pnl(mark)
                cross_mm += requirement(p, rules, mark)
                cross_im += p.qty * mark / p.leverage
        cross_balance = self.cross_wallet + cross_upnl
        pool_ratio = ratio(cross_mm, cross_balance) if self._legs else ZERO
        views = []
        roots: dict[tuple[str, bool], Decimal | None] = {}
        for p in self.positions.values():
            mark = self.marks[p.symbol]
            notional = p.qty * mark
            upnl = p.unrealized_pnl(mark)
            mm = requirement(p, rules, mark)
            bracket = p.instrument.bracket(notional)
            balance = p.isolated_wallet + upnl if p.isolated else cross_balance
            views.append(
                PositionView(
                    p.id,
                    p.symbol,
                    p.side,
                    p.mode,
                    p.qty,
                    p.entry,
                    p.leverage,
                    mark,
                    notional,
                    p.isolated_wallet if p.isolated else None,
                    upnl,
                    ratio(upnl, p.entry_margin()),
                    notional / p.leverage,
                    mm,
                    balance,
                    ratio(mm, balance) if p.isolated else pool_ratio,
                    self._position_liquidation_price(p, roots),
                    self._bankruptcy_price(p),
                    bracket.mmr,
                    bracket.max_leverage,
                )
            )
        isolated = self.isolated_wallets
        return AccountView(
            self.cross_wallet,
            isolated,
            self.cross_wallet + isolated,
            cross_upnl,
            cross_balance,
            cross_mm,
            cross_im,
            pool_ratio,
            self.available(),
            self.cross_wallet + isolated + cross_upnl + iso_upnl,
            self.insurance_fund,
            tuple(views),
        )
