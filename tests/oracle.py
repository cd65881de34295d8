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
- after every accepted command, whatever it left liquidatable is liquidated.

Not modelled: rejection codes and sentences (only accepted or rejected), the number ranges of
``sandbox/engine/limits.py`` (``out_of_range``), liquidation prices (only the trigger), orders and
funding.
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


def load(name: str) -> tuple[Flags, dict[str, Instrument]]:
    data = json.loads((PROFILES / f"{name}.json").read_text(encoding="utf-8"))
    margin = data["margin"]
    flags = Flags(
        margin["maintenance_basis"] == "entry",
        margin.get("initial_margin_basis", "mark") == "entry",
        bool(margin["fee_in_requirement"]),
        margin.get("liquidation_leftover", "insurance_fund") == "returned",
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


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    liquidated: frozenset[str] = frozenset()


REJECTED = Outcome(False)


class Model:
    def __init__(self, profile: str, balance: Any, rules: str = "sandbox"):
        self.flags, self.instruments = load(profile)
        self.exchange = rules == "exchange"
        self.marks: dict[str, F] = {}
        self.cross = F(balance)
        self.fund = F(0)
        self.positions: dict[str, Pos] = {}
        self.next_id = 1
        # deposits − withdrawals + realised PnL − trading fees: what total wallet + fund must equal
        self.flows = F(balance)

    # ------------------------------------------------------------------ the numbers of the rules
    def upnl(self, p: Pos) -> F:
        return p.sign * (p.qty * self.marks[p.symbol] - p.cost)

    def maintenance(self, p: Pos) -> F:
        inst = self.instruments[p.symbol]
        mark = self.marks[p.symbol]
        notional = p.cost if self.flags.maintenance_at_entry else p.qty * mark
        b = inst.bracket(notional)
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

    def available(self) -> F:
        free = self.cross + sum((self.upnl(p) - self.initial(p) for p in self.cross_positions()), F(0))
        return max(floor8(free), F(0))

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
    def apply(self, cmd: Any) -> Outcome:
        saved = copy.deepcopy((self.marks, self.cross, self.fund, self.positions, self.next_id, self.flows))
        handler = getattr(self, "_" + cmd.type)
        accepted = handler(cmd)
        # No command but a close (whose fee may tip the pool, which is then liquidated) may leave
        # anything liquidatable.
        if accepted and cmd.type not in ("price", "close"):
            accepted = self._alive()
        if not accepted:
            self.marks, self.cross, self.fund, self.positions, self.next_id, self.flows = saved
            return REJECTED
        if cmd.type == "price":
            return Outcome(True, self._liquidate([cmd.symbol]))
        return Outcome(True, self._liquidate(list(self.instruments)))

    def _price(self, c: Any) -> bool:
        if c.symbol not in self.instruments or not c.price > 0:
            return False
        self.marks[c.symbol] = F(c.price)
        return True

    def _open(self, c: Any) -> bool:
        inst = self.instruments.get(c.symbol)
        if inst is None or c.symbol not in self.marks:
            return False
        if c.side not in ("long", "short") or c.mode not in ("cross", "isolated"):
            return False
        qty, mark, isolated = F(c.qty), self.marks[c.symbol], c.mode == "isolated"
        if not qty > 0 or qty % inst.step:
            return False
        existing = self.positions.get(c.position) if c.position is not None else None
        sign = 1 if c.side == "long" else -1
        if existing is not None and (
            existing.symbol != c.symbol
            or existing.sign != sign
            or existing.isolated != isolated
            or existing.leverage != c.leverage
        ):
            return False
        mixed = any(p.symbol == c.symbol and p.isolated != isolated for p in self.positions.values())
        if self.exchange and existing is None and mixed:
            return False
        total = qty + (existing.qty if existing else 0)
        if not 1 <= c.leverage <= inst.bracket(total * mark).max_leverage:
            return False
        if total * mark > inst.brackets[-1].cap:
            return False
        margin = ceil8(qty * mark / c.leverage)
        fee = round8(qty * mark * inst.taker)
        if margin + fee > self.available() or fee + (margin if isolated else 0) > self.cross:
            return False
        self.cross -= fee + (margin if isolated else 0)
        self.flows -= fee
        if existing is None:
            pid = c.position
            if pid is None:
                while f"p{self.next_id}" in self.positions:
                    self.next_id += 1
                pid = f"p{self.next_id}"
                self.next_id += 1
            p = Pos(pid, c.symbol, sign, qty, qty * mark, c.leverage, isolated, margin if isolated else F(0))
            self.positions[pid] = p
        else:
            p = existing
            p.qty += qty
            p.cost += qty * mark
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
        mark = self.marks[p.symbol]
        full = qty == p.qty
        portion = p.cost if full else round8(p.cost * qty / p.qty)
        pnl = round8(p.sign * (qty * mark - portion))
        fee = round8(qty * mark * inst.taker)
        if not p.isolated:
            released = F(0)
        else:
            released = p.wallet if full else floor8(p.wallet * qty / p.qty)
        after = self.cross + released + pnl - fee
        if after < 0:
            return False
        self.cross = after
        self.flows += pnl - fee
        p.qty -= qty
        p.cost -= portion
        p.wallet -= released
        if full:
            del self.positions[p.id]
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
    def _liquidate(self, symbols: list[str]) -> frozenset[str]:
        """Isolated positions of ``symbols`` first (an isolated leftover returned to the user
        reaches the cross wallet before the pool is looked at), then the cross pool."""
        gone: set[str] = set()
        for p in list(self.positions.values()):
            if p.isolated and p.symbol in symbols and self.headroom(p) <= 0:
                gone.add(p.id)
                self._liquidate_isolated(p)
        victims = self.cross_positions()
        if victims and self.pool() <= 0:
            gone.update(p.id for p in victims)
            self._liquidate_pool(victims)
        return frozenset(gone)

    def _liquidate_isolated(self, p: Pos) -> None:
        mark = self.marks[p.symbol]
        pnl = round8(p.sign * (p.qty * mark - p.cost))
        left = p.wallet + pnl
        fee = min(round8(p.qty * mark * self.instruments[p.symbol].liquidation_fee), max(left, F(0)))
        payout = max(-left, F(0))
        if self.flags.leftover_returned:
            self.cross += max(left, F(0)) - fee
            self.fund += fee - payout
        else:
            self.fund += max(left, F(0)) - payout
        self.flows += pnl
        del self.positions[p.id]

    def _liquidate_pool(self, victims: list[Pos]) -> None:
        pnls = [round8(p.sign * (p.qty * self.marks[p.symbol] - p.cost)) for p in victims]
        room = max(self.cross + sum(pnls, F(0)), F(0))
        fees = F(0)
        for p in victims:
            inst = self.instruments[p.symbol]
            fee = min(round8(p.qty * self.marks[p.symbol] * inst.liquidation_fee), room)
            room -= fee
            fees += fee
            del self.positions[p.id]
        after = self.cross + sum(pnls, F(0)) - fees
        payout = max(-after, F(0))
        self.cross = after + payout
        self.fund += fees - payout
        self.flows += sum(pnls, F(0))
