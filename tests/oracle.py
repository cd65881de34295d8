"""An independent model of the engine's rules in exact fractions, to check the engine against.

Written from ../shared/reference/engine-rules.md and from the conventions the README's "The rules
and the numbers" fixes where the rules leave a choice open (money held to 1e-8, which way each
amount rounds, one price per cross symbol), never from the engine's code. It imports nothing from
``sandbox``: it reads the profiles' JSON files itself, and takes commands by duck typing (their
``type`` and fields), so nothing the engine computes can leak into what it expects.

For every command it says whether the engine must accept or reject it and what the cross wallet,
the insurance fund and every position (quantity, cost, leverage, mode, isolated wallet) become; for
every price, which positions are liquidated and what that books.

Modelled, with both rule sets (``sandbox``, ``exchange``) and every profile flag (maintenance and
initial margin valued at mark or entry, the taker fee in the requirement, an isolated
liquidation's leftover to the insurance fund or back to the user):
- prices: unknown symbols and prices ≤ 0 rejected; isolated positions liquidated when margin
  balance ≤ maintenance, then the cross pool when its margin balance ≤ its maintenance;
- open and increase (quantity step, leverage 1 … the bracket's maximum, the last bracket's cap,
  margin and fee from the available balance, the fee and an isolated margin from the cross wallet,
  never liquidated at once; under exchange rules one margin mode per symbol);
- close, full and partial (a loss the cross wallet cannot pay is refused);
- deposits, withdrawals (withdrawable = min(available, cross wallet));
- isolated margin added (from the withdrawable balance) and removed (what keeps the initial margin
  and leaves the position alive);
- leverage, both ways and both modes (an isolated wallet is re-sized to the new initial margin at
  entry and never below it by a raise; a cross raise is never refused; under exchange rules an
  isolated decrease is refused);
- mode switches both ways (cross → isolated funded from the withdrawable balance, with its initial
  margin at entry or an explicit amount, never liquidated at once; isolated → cross always; under
  exchange rules refused);
- after every accepted command, whatever it left liquidatable is liquidated;
- orders (session-format.md § Additions): limit, stop and take-profit, opening (reserving initial
  margin and taker fee at their price out of the available balance, naming the lot they will open)
  or closing (cancelled when the position goes); a limit the mark has already passed fills at once
  at the mark as a taker, a stop or take-profit that would trigger at once is refused; on a price,
  the crossed orders fill by price along the move, then in the order they were placed, a limit at
  its price (maker), a stop or take-profit at the mark (taker), each after any liquidation whose
  price lies before it along the move (judged by walking the pre-move headroom of each position
  and of the pool over the stretch of the move before the order's price); a fill that breaks a
  rule cancels the order;
- funding: ``rate × qty × mark`` per position from the wallet the profile says (Bybit: the
  withdrawable balance first), a wallet driven below zero liquidates whole, then the ordinary check;
- liquidation by each profile's style (``whole``, ``hyperliquid``, ``bybit_ladder``,
  ``okx_tiers``), as resources/profiles/README.md states the rules.

Not modelled: rejection codes and sentences (only accepted or rejected), the number ranges of
``sandbox/engine/limits.py`` (``out_of_range``), liquidation prices (only the trigger and, for
orders, whether the move met one before an order's price).
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from fractions import Fraction as F
from pathlib import Path
from typing import Any

PROFILES = Path(__file__).resolve().parents[1] / "resources" / "profiles"
SCALE = 10**8  # money is held to 1e-8
STEP = F(1, SCALE)


def ceil8(x: F) -> F:
    return F(math.ceil(x * SCALE), SCALE)


def floor8(x: F) -> F:
    return F(math.floor(x * SCALE), SCALE)


def round8(x: F) -> F:
    return F(round(x * SCALE), SCALE)  # round() of a Fraction rounds half to even


@dataclass(frozen=True)
class Bracket:
    floor: F
    cap: F
    max_leverage: int
    mmr: F
    amount: F


@dataclass(frozen=True)
class Instrument:
    step: F
    taker: F
    liquidation_fee: F
    brackets: tuple[Bracket, ...]
    tick: F = F(1, 100)
    maker: F = F(0)

    def bracket(self, notional: F) -> Bracket:
        """The bracket whose [floor, cap) holds ``notional``; the last one beyond its cap."""
        for b in self.brackets:
            if notional < b.cap:
                return b
        return self.brackets[-1]


@dataclass(frozen=True)
class Flags:
    maintenance_at_entry: bool
    initial_at_entry: bool
    fee_in_requirement: bool
    leftover_returned: bool
    style: str = "whole"
    slice_fraction: F = F(1, 5)
    threshold: F = F(100_000)
    cooldown_ms: int = 30_000
    backstop: F = F(2, 3)
    tiers_down: int = 2
    funding_available_first: bool = False


def load(name: str) -> tuple[Flags, dict[str, Instrument]]:
    data = json.loads((PROFILES / f"{name}.json").read_text(encoding="utf-8"))
    margin = data["margin"]
    liq = data.get("liquidation", {})
    flags = Flags(
        margin["maintenance_basis"] == "entry",
        margin.get("initial_margin_basis", "mark") == "entry",
        bool(margin["fee_in_requirement"]),
        margin.get("liquidation_leftover", "insurance_fund") == "returned",
        liq.get("style", "whole"),
        F(liq.get("slice_fraction", "0.2")),
        F(liq.get("size_threshold", "100000")),
        int(liq.get("cooldown_ms", 30_000)),
        F(liq.get("backstop_below", "2/3")),
        int(liq.get("tiers_down", 2)),
        data.get("funding", {}).get("isolated_source") == "available_then_isolated",
    )
    defaults = data["defaults"]
    instruments = {}
    for i in data["instruments"]:
        rows = i["brackets"]
        brackets: list[Bracket] = []
        amount = F(0)
        for k, row in enumerate(rows):
            mmr = F(row["mmr"])
            if k and margin["maintenance_amount"] == "derived":
                amount += F(row["notional_floor"]) * (mmr - brackets[-1].mmr)
            brackets.append(
                Bracket(F(row["notional_floor"]), F(row["notional_cap"]), row["max_leverage"], mmr, amount)
            )
        instruments[i["symbol"]] = Instrument(
            F(i["qty_step"]),
            F(i.get("taker_fee", defaults["taker_fee"])),
            F(i.get("liquidation_fee", defaults["liquidation_fee"])),
            tuple(brackets),
            F(i["tick_size"]),
            F(i.get("maker_fee", defaults["maker_fee"])),
        )
    return flags, instruments


@dataclass
class Pos:
    id: str
    symbol: str
    sign: int
    qty: F
    cost: F  # Σ quantity × fill price of what is still held
    leverage: int
    isolated: bool
    wallet: F


@dataclass
class Ord:
    id: str
    kind: str
    symbol: str
    sign: int  # the side of the position it opens or closes
    qty: F | None
    price: F
    lot: str  # the position it closes, or the id of the one it opens
    opens: bool
    leverage: int | None
    mode: str | None
    reserved: F
    below: bool  # fills when the mark is ≤ price (else ≥)


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    liquidated: frozenset[str] = frozenset()


REJECTED = Outcome(False)


def portion(p: Pos, qty: F) -> F:
    """The cost that leaves with ``qty``: all of it on a full close, else its share to 1e-8."""
    return p.cost if qty == p.qty else round8(p.cost * qty / p.qty)


class Model:
    def __init__(self, profile: str, balance: Any, rules: str = "sandbox"):
        self.flags, self.instruments = load(profile)
        self.exchange = rules == "exchange"
        self.marks: dict[str, F] = {}
        self.cross = F(balance)
        self.fund = F(0)
        self.positions: dict[str, Pos] = {}
        self.next_id = 1
        # deposits − withdrawals + realised PnL − trading fees − funding paid: what total wallet +
        # fund must equal
        self.flows = F(balance)
        self.orders: dict[str, Ord] = {}
        self.next_order = 1
        self.cooldown_until: int | None = None
        self.t = 0
        self.gone: set[str] = set()  # positions a liquidation event named during this input

    # ------------------------------------------------------------------ the numbers of the rules
    def upnl(self, p: Pos, mark: F | None = None) -> F:
        return p.sign * (p.qty * (self.marks[p.symbol] if mark is None else mark) - p.cost)

    def maintenance(self, p: Pos, mark: F | None = None, tier1: bool = False) -> F:
        inst = self.instruments[p.symbol]
        mark = self.marks[p.symbol] if mark is None else mark
        notional = p.cost if self.flags.maintenance_at_entry else p.qty * mark
        b = inst.brackets[0] if tier1 else inst.bracket(notional)
        mm = notional * b.mmr - b.amount
        if self.flags.fee_in_requirement:
            mm += p.qty * mark * inst.taker
        return mm

    def initial(self, p: Pos, leverage: int | None = None) -> F:
        notional = p.cost if self.flags.initial_at_entry else p.qty * self.marks[p.symbol]
        return ceil8(notional / (leverage or p.leverage))

    def headroom(self, p: Pos) -> F:
        return p.wallet + self.upnl(p) - self.maintenance(p)

    def cross_positions(self) -> list[Pos]:
        return [p for p in self.positions.values() if not p.isolated]

    def pool(self) -> F:
        return self.cross + sum((self.upnl(p) - self.maintenance(p) for p in self.cross_positions()), F(0))

    def reserved(self) -> F:
        return sum((o.reserved for o in self.orders.values()), F(0))

    def available(self) -> F:
        free = self.cross + sum((self.upnl(p) - self.initial(p) for p in self.cross_positions()), F(0))
        return max(floor8(free - self.reserved()), F(0))

    def withdrawable(self) -> F:
        return min(self.available(), self.cross)

    def removable(self, p: Pos) -> F:
        """The most an isolated position may give back: its wallet keeps the initial margin and
        its margin balance stays above maintenance (strictly, to the 1e-8)."""
        below_room = ceil8(self.headroom(p)) - STEP
        return max(min(p.wallet - self.initial(p), below_room), F(0))

    def total(self) -> F:
        return self.cross + sum((p.wallet for p in self.positions.values() if p.isolated), F(0)) + self.fund

    # ------------------------------------------------------------------ commands
    def apply(self, cmd: Any, t: int = 0) -> Outcome:
        saved = copy.deepcopy(
            (
                self.marks,
                self.cross,
                self.fund,
                self.positions,
                self.next_id,
                self.flows,
                self.orders,
                self.next_order,
                self.cooldown_until,
            )
        )
        self.t = t
        self.gone = set()
        handler = getattr(self, "_" + cmd.type)
        accepted = handler(cmd)
        # No command but a close (whose fee may tip the pool, which is then liquidated) may leave
        # anything liquidatable; a price, a funding or an order that closes at once is judged by
        # the liquidation that follows.
        if accepted and cmd.type in (
            "open",
            "set_mode",
            "adjust_margin",
            "set_leverage",
            "deposit",
            "withdraw",
        ):
            accepted = self._alive()
        if not accepted:
            (
                self.marks,
                self.cross,
                self.fund,
                self.positions,
                self.next_id,
                self.flows,
                self.orders,
                self.next_order,
                self.cooldown_until,
            ) = saved
            return REJECTED
        self._liquidate([cmd.symbol] if cmd.type == "price" else list(self.instruments))
        return Outcome(True, frozenset(self.gone))

    def _new_lot_id(self) -> str:
        taken = {o.lot for o in self.orders.values() if o.opens}
        while f"p{self.next_id}" in self.positions or f"p{self.next_id}" in taken:
            self.next_id += 1
        pid = f"p{self.next_id}"
        self.next_id += 1
        return pid

    def _price(self, c: Any) -> bool:
        if c.symbol not in self.instruments or not c.price > 0:
            return False
        new = F(c.price)
        old = self.marks.get(c.symbol)
        crossed = self._crossed(c.symbol, new)
        if old is None or not crossed:
            self.marks[c.symbol] = new
            return True
        down = new < old
        iso = [
            p for p in self.positions.values() if p.symbol == c.symbol and p.isolated and (p.sign > 0) == down
        ]
        # for each crossed order: did the move meet each position's (and the pool's) liquidation
        # before the order's price? judged on the state before the move
        before_iso = {
            p.id: [self._met_before([p], p.wallet, old, o.price, down) for o in crossed] for p in iso
        }
        pool_members = [p for p in self.cross_positions() if p.symbol == c.symbol]
        others = self.cross + sum(
            (self.upnl(p) - self.maintenance(p) for p in self.cross_positions() if p.symbol != c.symbol), F(0)
        )
        before_pool = [
            bool(pool_members) and self._met_before(pool_members, others, old, o.price, down) for o in crossed
        ]
        self.marks[c.symbol] = new
        for k, o in enumerate(crossed):
            if o.id not in self.orders:
                continue
            for p in iso:
                if before_iso[p.id][k] and p.id in self.positions and p.isolated and self.headroom(p) <= 0:
                    self._liquidate_isolated(p)
            if before_pool[k] and self.cross_positions() and self.pool() <= 0:
                self._liquidate_pool()
            if o.id in self.orders:
                self._fill(o, new)
        return True

    def _crossed(self, symbol: str, mark: F) -> list[Ord]:
        """The orders ``mark`` fires, in fill order: by price along the move, then placement."""
        down = [o for o in self.orders.values() if o.symbol == symbol and o.below and mark <= o.price]
        up = [o for o in self.orders.values() if o.symbol == symbol and not o.below and mark >= o.price]
        seq = list(self.orders)
        down.sort(key=lambda o: (-o.price, seq.index(o.id)))
        up.sort(key=lambda o: (o.price, seq.index(o.id)))
        return down + up

    def _met_before(self, members: list[Pos], reserve: F, old: F, at: F, down: bool) -> bool:
        """Whether ``reserve`` + Σ (uPnL − maintenance) of ``members`` runs out strictly before
        ``at`` on the way from ``old``: below zero just short of ``at``, or at or below zero at a
        bracket edge on the way, on either side of the edge (where a tier table without a
        maintenance amount jumps, the side the mark comes from counts as the edge)."""
        entry = self.flags.maintenance_at_entry

        def f(price: F, lower: bool = False) -> F:
            total = reserve
            for p in members:
                inst = self.instruments[p.symbol]
                notional = p.cost if entry else p.qty * price
                b = inst.bracket(notional)
                if lower and not entry and notional == b.floor and b.floor > 0:
                    b = inst.brackets[inst.brackets.index(b) - 1]
                mm = notional * b.mmr - b.amount
                if self.flags.fee_in_requirement:
                    mm += p.qty * price * inst.taker
                total += p.sign * (p.qty * price - p.cost) - mm
            return total

        edges = set()
        if not entry:
            for p in members:
                for b in self.instruments[p.symbol].brackets[1:]:
                    x = b.floor / p.qty
                    if (at < x <= old) if down else (old < x < at):
                        edges.add(x)
        if f(at, lower=not down) < 0:
            return True
        return any(f(x) <= 0 or f(x, lower=True) <= 0 for x in edges)

    def _open(self, c: Any) -> bool:
        inst = self.instruments.get(c.symbol)
        if inst is None or c.symbol not in self.marks:
            return False
        if c.side not in ("long", "short") or c.mode not in ("cross", "isolated"):
            return False
        qty = F(c.qty)
        if not qty > 0 or qty % inst.step:
            return False
        return self._open_lot(
            c.symbol, c.side, qty, c.leverage, c.mode, c.position, self.marks[c.symbol], inst.taker
        )

    def _open_lot(
        self, symbol: str, side: str, qty: F, leverage: int, mode: str, wanted: str | None, price: F, rate: F
    ) -> bool:
        inst = self.instruments[symbol]
        isolated = mode == "isolated"
        existing = self.positions.get(wanted) if wanted is not None else None
        sign = 1 if side == "long" else -1
        if existing is not None and (
            existing.symbol != symbol
            or existing.sign != sign
            or existing.isolated != isolated
            or existing.leverage != leverage
        ):
            return False
        mixed = any(p.symbol == symbol and p.isolated != isolated for p in self.positions.values())
        if self.exchange and existing is None and mixed:
            return False
        total = qty + (existing.qty if existing else 0)
        if not 1 <= leverage <= inst.bracket(total * price).max_leverage:
            return False
        if total * price > inst.brackets[-1].cap:
            return False
        margin = ceil8(qty * price / leverage)
        fee = round8(qty * price * rate)
        if margin + fee > self.available() or fee + (margin if isolated else 0) > self.cross:
            return False
        self.cross -= fee + (margin if isolated else 0)
        self.flows -= fee
        if existing is None:
            pid = wanted if wanted is not None else self._new_lot_id()
            p = Pos(pid, symbol, sign, qty, qty * price, leverage, isolated, margin if isolated else F(0))
            self.positions[pid] = p
        else:
            p = existing
            p.qty += qty
            p.cost += qty * price
            if isolated:
                p.wallet += margin
        return True

    def _alive(self) -> bool:
        """Nothing may be liquidatable after a command (before it, nothing was)."""
        if any(p.isolated and self.headroom(p) <= 0 for p in self.positions.values()):
            return False
        return not self.cross_positions() or self.pool() > 0

    def _close(self, c: Any) -> bool:
        p = self.positions.get(c.position)
        if p is None:
            return False
        inst = self.instruments[p.symbol]
        qty = p.qty if c.qty is None else F(c.qty)
        if not qty > 0 or qty % inst.step or qty > p.qty:
            return False
        return self._close_lot(p, qty, self.marks[p.symbol], inst.taker, fill=False)

    def _close_lot(self, p: Pos, qty: F, price: F, rate: F, fill: bool) -> bool:
        full = qty == p.qty
        part = portion(p, qty)
        pnl = round8(p.sign * (qty * price - part))
        fee = round8(qty * price * rate)
        if not p.isolated:
            released = F(0)
        else:
            released = p.wallet if full else floor8(p.wallet * qty / p.qty)
        if fill and p.isolated and released + pnl - fee < 0:
            return False
        after = self.cross + released + pnl - fee
        if after < 0:
            return False
        self.cross = after
        self.flows += pnl - fee
        p.qty -= qty
        p.cost -= part
        p.wallet -= released
        if full:
            del self.positions[p.id]
            self._drop_closers(p.id)
        return True

    def _drop_closers(self, pid: str) -> None:
        for oid in [o.id for o in self.orders.values() if not o.opens and o.lot == pid]:
            del self.orders[oid]

    # ------------------------------------------------------------------ orders
    def _order(self, c: Any) -> bool:
        if c.kind not in ("limit", "stop", "take_profit") or (c.order is not None and c.order in self.orders):
            return False
        if c.symbol is not None:
            inst = self.instruments.get(c.symbol)
            if inst is None or c.symbol not in self.marks or None in (c.side, c.qty, c.leverage, c.mode):
                return False
            if c.side not in ("long", "short") or c.mode not in ("cross", "isolated"):
                return False
            qty = F(c.qty)
            if not qty > 0 or qty % inst.step or c.kind == "take_profit":
                return False
            symbol, sign = c.symbol, 1 if c.side == "long" else -1
        else:
            p = self.positions.get(c.position)
            if p is None or c.side is not None or c.leverage is not None or c.mode is not None:
                return False
            inst = self.instruments[p.symbol]
            if c.qty is not None and (not F(c.qty) > 0 or F(c.qty) % inst.step or F(c.qty) > p.qty):
                return False
            symbol, sign = p.symbol, p.sign
        price = F(c.price)
        if not price > 0 or price % inst.tick:
            return False
        opens = c.symbol is not None
        buying = (sign > 0) == opens
        below = (c.kind != "stop") == buying
        mark = self.marks[symbol]
        if (mark <= price) if below else (mark >= price):
            if c.kind != "limit":
                return False
            if opens:  # at once, at the mark, as a taker, with every check of an open
                if not self._open_lot(
                    c.symbol, c.side, F(c.qty), c.leverage, c.mode, c.position, mark, inst.taker
                ):
                    return False
                if not self._alive():
                    return False
            else:
                p = self.positions[c.position]
                qty = p.qty if c.qty is None else F(c.qty)
                if not self._close_lot(p, qty, mark, inst.taker, fill=False):
                    return False
            self._order_id(c.order)
            return True
        reserve = F(0)
        if opens:
            qty = F(c.qty)
            existing = self.positions.get(c.position) if c.position is not None else None
            isolated = c.mode == "isolated"
            if existing is not None and (
                existing.symbol != symbol
                or existing.sign != sign
                or existing.isolated != isolated
                or existing.leverage != c.leverage
            ):
                return False
            mixed = any(q.symbol == symbol and q.isolated != isolated for q in self.positions.values())
            if self.exchange and existing is None and mixed:
                return False
            total = qty + (existing.qty if existing else 0)
            if not 1 <= c.leverage <= inst.bracket(total * price).max_leverage:
                return False
            if total * price > inst.brackets[-1].cap:
                return False
            reserve = ceil8(qty * price / c.leverage) + round8(qty * price * inst.taker)
            if reserve > self.available():
                return False
            lot = c.position if c.position is not None else self._new_lot_id()
        else:
            lot = c.position
        oid = self._order_id(c.order)
        self.orders[oid] = Ord(
            oid,
            c.kind,
            symbol,
            sign,
            None if c.qty is None else F(c.qty),
            price,
            lot,
            opens,
            c.leverage,
            c.mode,
            reserve,
            below,
        )
        return True

    def _order_id(self, wanted: str | None) -> str:
        if wanted is not None:
            return wanted
        while f"o{self.next_order}" in self.orders:
            self.next_order += 1
        oid = f"o{self.next_order}"
        self.next_order += 1
        return oid

    def _cancel(self, c: Any) -> bool:
        if c.order not in self.orders:
            return False
        del self.orders[c.order]
        return True

    def _fill(self, o: Ord, mark: F) -> None:
        del self.orders[o.id]
        inst = self.instruments[o.symbol]
        maker = o.kind == "limit"
        price = o.price if maker else mark
        rate = inst.maker if maker else inst.taker
        if o.opens:
            side = "long" if o.sign > 0 else "short"
            assert o.qty is not None and o.leverage is not None and o.mode is not None
            self._open_lot(o.symbol, side, o.qty, o.leverage, o.mode, o.lot, price, rate)
            return
        p = self.positions.get(o.lot)
        if p is None:
            return
        qty = p.qty if o.qty is None else min(o.qty, p.qty)
        self._close_lot(p, qty, price, rate, fill=True)

    # ------------------------------------------------------------------ funding
    def _funding(self, c: Any) -> bool:
        if c.symbol not in self.instruments or c.symbol not in self.marks or not -1 < c.rate < 1:
            return False
        mark = self.marks[c.symbol]
        for p in [p for p in self.positions.values() if p.symbol == c.symbol]:
            amount = round8(p.sign * F(c.rate) * p.qty * mark)
            if not p.isolated:
                self.cross -= amount
            elif amount > 0 and self.flags.funding_available_first:
                part = min(amount, self.withdrawable())
                self.cross -= part
                p.wallet -= amount - part
            else:
                p.wallet -= amount
            self.flows -= amount
        for p in [p for p in self.positions.values() if p.symbol == c.symbol and p.isolated]:
            if p.wallet < 0:
                self._whole_isolated(p, backstop=False)
            elif self.headroom(p) <= 0:
                self._liquidate_isolated(p)
        if self.cross < 0 and self.cross_positions():
            self._whole_pool(backstop=False)
        elif self.cross_positions() and self.pool() <= 0:
            self._liquidate_pool()
        return True

    def _set_mode(self, c: Any) -> bool:
        p = self.positions.get(c.position)
        if p is None or c.mode not in ("cross", "isolated") or (c.mode == "isolated") == p.isolated:
            return False
        if self.exchange:
            return False
        if c.mode == "cross":
            self.cross += p.wallet
            p.wallet, p.isolated = F(0), False
            return True
        amount = ceil8(p.cost / p.leverage) if c.margin is None else F(c.margin)
        if not amount > 0 or amount > self.withdrawable():
            return False
        self.cross -= amount
        p.wallet, p.isolated = amount, True
        return True

    def _adjust_margin(self, c: Any) -> bool:
        p = self.positions.get(c.position)
        amount = F(c.amount)
        if p is None or not p.isolated or amount == 0:
            return False
        if amount > self.withdrawable() if amount > 0 else -amount > self.removable(p):
            return False
        p.wallet += amount
        self.cross -= amount
        return True

    def _set_leverage(self, c: Any) -> bool:
        p = self.positions.get(c.position)
        if p is None:
            return False
        inst = self.instruments[p.symbol]
        if not 1 <= c.leverage <= inst.bracket(p.qty * self.marks[p.symbol]).max_leverage:
            return False
        if self.exchange and p.isolated and c.leverage < p.leverage:
            return False
        if p.isolated:
            new, old = ceil8(p.cost / c.leverage), ceil8(p.cost / p.leverage)
            if new > old:
                if new - old > self.withdrawable():
                    return False
                moved = new - old
            else:
                moved = -min(old - new, max(p.wallet - new, F(0)))
            p.wallet += moved
            self.cross -= moved
        elif c.leverage < p.leverage and self.initial(p, c.leverage) - self.initial(p) > self.available():
            return False
        p.leverage = c.leverage
        return True

    def _deposit(self, c: Any) -> bool:
        amount = F(c.amount)
        if not amount > 0:
            return False
        self.cross += amount
        self.flows += amount
        return True

    def _withdraw(self, c: Any) -> bool:
        amount = F(c.amount)
        if not amount > 0 or amount > self.withdrawable():
            return False
        self.cross -= amount
        self.flows -= amount
        return True

    # ------------------------------------------------------------------ liquidation
    def _liquidate(self, symbols: list[str]) -> None:
        """Isolated positions of ``symbols`` first (an isolated leftover returned to the user
        reaches the cross wallet before the pool is looked at), then the cross pool."""
        for p in list(self.positions.values()):
            if p.isolated and p.symbol in symbols and p.id in self.positions and self.headroom(p) <= 0:
                self._liquidate_isolated(p)
        if self.cross_positions() and self.pool() <= 0:
            self._liquidate_pool()

    def _close_part(self, p: Pos, qty: F, rate: F, isolated: bool) -> tuple[F, F]:
        """A liquidation step closing ``qty`` of ``p`` at its mark: (realised PnL, fee); the
        position keeps its margin."""
        mark = self.marks[p.symbol]
        part = portion(p, qty)
        pnl = round8(p.sign * (qty * mark - part))
        fee = round8(qty * mark * rate)
        if isolated:
            fee = min(fee, max(p.wallet + pnl, F(0)))
        p.qty -= qty
        p.cost -= part
        self.flows += pnl
        self.fund += fee
        self.gone.add(p.id)
        if p.qty == 0:
            del self.positions[p.id]
            self._drop_closers(p.id)
        return pnl, fee

    def _steps_to(self, p: Pos, cap: F, inclusive: bool) -> F:
        """The largest quantity (a multiple of the step) whose tier value stays within ``cap``."""
        step = self.instruments[p.symbol].step
        mark = self.marks[p.symbol]
        entry = self.flags.maintenance_at_entry
        best = F(0)
        q = F(math.floor(min(cap / (p.cost / p.qty if entry else mark), p.qty) / step)) * step + step
        while q > 0:
            value = (p.cost - portion(p, p.qty - q) if q < p.qty else p.cost) if entry else q * mark
            if q <= p.qty and (value < cap or (inclusive and value == cap)):
                best = q
                break
            q -= step
        return best

    def _tier(self, p: Pos, inclusive: bool) -> int:
        value = p.cost if self.flags.maintenance_at_entry else p.qty * self.marks[p.symbol]
        brackets = self.instruments[p.symbol].brackets
        for i, b in enumerate(brackets):
            if value < b.cap or (inclusive and value == b.cap):
                return i
        return len(brackets) - 1

    def _trial(self, p: Pos, keep: F) -> Pos:
        return Pos(
            p.id, p.symbol, p.sign, keep, p.cost - portion(p, p.qty - keep), p.leverage, p.isolated, p.wallet
        )

    def _hl_slice(self, p: Pos) -> F | None:
        mark = self.marks[p.symbol]
        cooling = self.cooldown_until is not None and self.t < self.cooldown_until
        if p.qty * mark <= self.flags.threshold or cooling:
            return None
        step = self.instruments[p.symbol].step
        part = F(math.floor(p.qty * self.flags.slice_fraction / step)) * step
        return part if 0 < part < p.qty else None

    def _liquidate_isolated(self, p: Pos) -> None:
        style = self.flags.style
        inst = self.instruments[p.symbol]
        mark = self.marks[p.symbol]
        if style == "hyperliquid":
            while p.id in self.positions and self.headroom(p) <= 0:
                equity = p.wallet + self.upnl(p)
                if equity < self.flags.backstop * self.maintenance(p):
                    return self._whole_isolated(p, backstop=True)
                part = self._hl_slice(p)
                if part is None:
                    return self._whole_isolated(p, backstop=False)
                pnl, fee = self._close_part(p, part, inst.liquidation_fee, True)
                p.wallet += pnl - fee
                self.cooldown_until = self.t + self.flags.cooldown_ms
            return None
        if style == "bybit_ladder":
            k = self._tier(p, inclusive=True)
            for j in range(k - 1, -1, -1):
                keep = self._steps_to(p, inst.brackets[j].cap, inclusive=True)
                if not 0 < keep < p.qty:
                    continue
                closed = p.qty - keep
                pnl = round8(p.sign * (closed * mark - portion(p, closed)))
                wallet = p.wallet + pnl - round8(closed * mark * inst.taker)
                trial = self._trial(p, keep)
                if wallet >= 0 and wallet + self.upnl(trial) > self.maintenance(trial):
                    pnl, fee = self._close_part(p, closed, inst.taker, True)
                    p.wallet += pnl - fee
                    return None
            return self._whole_isolated(p, backstop=False)
        if style == "okx_tiers":
            while p.id in self.positions and self.headroom(p) <= 0:
                target = self._okx_keep(p, p.wallet + self.upnl(p))
                if target is not None:
                    closed = p.qty - target
                    pnl = round8(p.sign * (closed * mark - portion(p, closed)))
                    if p.wallet + pnl - round8(closed * mark * inst.liquidation_fee) >= 0:
                        pnl, fee = self._close_part(p, closed, inst.liquidation_fee, True)
                        p.wallet += pnl - fee
                        continue
                return self._whole_isolated(p, backstop=False)
            return None
        return self._whole_isolated(p, backstop=False)

    def _okx_keep(self, p: Pos, equity: F) -> F | None:
        inst = self.instruments[p.symbol]
        k = inst.brackets.index(inst.bracket(p.qty * self.marks[p.symbol]))
        if k < 2 or not equity > self.maintenance(p, tier1=True):
            return None
        keep = self._steps_to(p, inst.brackets[max(k - self.flags.tiers_down, 0)].cap, inclusive=False)
        return keep if 0 < keep < p.qty else None

    def _whole_isolated(self, p: Pos, backstop: bool) -> None:
        mark = self.marks[p.symbol]
        pnl = round8(p.sign * (p.qty * mark - p.cost))
        left = p.wallet + pnl
        fee = min(round8(p.qty * mark * self.instruments[p.symbol].liquidation_fee), max(left, F(0)))
        payout = max(-left, F(0))
        if self.flags.leftover_returned and not backstop:
            self.cross += max(left, F(0)) - fee
            self.fund += fee - payout
        else:
            self.fund += max(left, F(0)) - payout
        self.flows += pnl
        del self.positions[p.id]
        self._drop_closers(p.id)
        self.gone.add(p.id)

    def _liquidate_pool(self) -> None:
        style = self.flags.style
        if style == "hyperliquid":
            while self.cross_positions() and self.pool() <= 0:
                victims = self.cross_positions()
                equity = self.cross + sum((self.upnl(p) for p in victims), F(0))
                if equity < self.flags.backstop * sum((self.maintenance(p) for p in victims), F(0)):
                    return self._whole_pool(backstop=True)
                parts = [(p, self._hl_slice(p) or p.qty) for p in victims]
                change = sum((self._round_change(p, q, "liquidation_fee") for p, q in parts), F(0))
                if all(q == p.qty for p, q in parts) or self.cross + change < 0:
                    return self._whole_pool(backstop=False)
                for p, qty in parts:
                    pnl, fee = self._close_part(p, qty, self.instruments[p.symbol].liquidation_fee, False)
                    self.cross += pnl - fee
                self.cooldown_until = self.t + self.flags.cooldown_ms
            return None
        if style == "bybit_ladder":
            victims = self.cross_positions()
            tiers = [self._tier(p, inclusive=True) for p in victims]
            room = self.pool()
            for i in self._by_risk(victims, tiers):
                p, k = victims[i], tiers[i]
                inst = self.instruments[p.symbol]
                before = self.upnl(p) - self.maintenance(p)
                for j in range(k - 1, -1, -1):
                    keep = self._steps_to(p, inst.brackets[j].cap, inclusive=True)
                    if not 0 < keep < p.qty:
                        continue
                    change = self._round_change(p, p.qty - keep, "taker")
                    trial = self._trial(p, keep)
                    after = self.upnl(trial) - self.maintenance(trial)
                    if self.cross + change >= 0 and room + change - before + after > 0:
                        pnl, fee = self._close_part(p, p.qty - keep, inst.taker, False)
                        self.cross += pnl - fee
                        return None
            return self._whole_pool(backstop=False)
        if style == "okx_tiers":
            while self.cross_positions() and self.pool() <= 0:
                victims = self.cross_positions()
                equity = self.cross + sum((self.upnl(p) for p in victims), F(0))
                floor = sum((self.maintenance(p, tier1=True) for p in victims), F(0))
                tiers = [
                    self.instruments[p.symbol].brackets.index(
                        self.instruments[p.symbol].bracket(p.qty * self.marks[p.symbol])
                    )
                    for p in victims
                ]
                chosen = None
                if equity > floor:
                    for i in self._by_risk(victims, tiers):
                        keep = self._okx_keep(victims[i], equity)
                        if keep is not None:
                            chosen = victims[i], keep
                            break
                if chosen is not None:
                    p, keep = chosen
                    if self.cross + self._round_change(p, p.qty - keep, "liquidation_fee") >= 0:
                        pnl, fee = self._close_part(
                            p, p.qty - keep, self.instruments[p.symbol].liquidation_fee, False
                        )
                        self.cross += pnl - fee
                        continue
                return self._whole_pool(backstop=False)
            return None
        return self._whole_pool(backstop=False)

    def _by_risk(self, victims: list[Pos], tiers: list[int]) -> list[int]:
        return sorted(
            range(len(victims)),
            key=lambda i: (-tiers[i], -(victims[i].qty * self.marks[victims[i].symbol]), i),
        )

    def _round_change(self, p: Pos, qty: F, rate: str) -> F:
        mark = self.marks[p.symbol]
        fee = round8(qty * mark * getattr(self.instruments[p.symbol], rate))
        return round8(p.sign * (qty * mark - portion(p, qty))) - fee

    def _whole_pool(self, backstop: bool) -> None:
        victims = self.cross_positions()
        pnls = [round8(p.sign * (p.qty * self.marks[p.symbol] - p.cost)) for p in victims]
        room = max(self.cross + sum(pnls, F(0)), F(0))
        fees = F(0)
        for p in victims:
            inst = self.instruments[p.symbol]
            fee = min(round8(p.qty * self.marks[p.symbol] * inst.liquidation_fee), room)
            room -= fee
            fees += fee
            del self.positions[p.id]
            self._drop_closers(p.id)
            self.gone.add(p.id)
        after = self.cross + sum(pnls, F(0)) - fees
        payout = max(-after, F(0))
        after += payout
        to_fund = fees
        if backstop:
            to_fund += after
            after = F(0)
        self.cross = after
        self.fund += to_fund - payout
        self.flows += sum(pnls, F(0))
