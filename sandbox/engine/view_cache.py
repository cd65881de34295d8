"""``Account.view()`` without recomputing what did not change.

The window asks for the whole view once a frame (60 Hz). Most of it does not change between two
frames: a tick moves one symbol. So the numbers of each position are kept, and a view recomputes

- the positions of a symbol whose mark moved (compared by identity: a tick stores a new object)
  or whose positions changed (the account calls ``touch`` whenever it rebuilds a symbol's caches);
- the cross pool's shared numbers (margin balance, ratio, available balance, and every cross
  position's liquidation and bankruptcy prices), whenever any cross leg or the cross wallet
  changed: a cross position's liquidation price depends on every other cross leg through what
  the pool holds besides it. One pool price per symbol is one look-up in that symbol's curve.

A fresh cache computes everything, so the full view and the incremental one are the same code and
the same numbers (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .curve import requirement
from .money import ceil_money, floor_money, round_money
from .profile import MaintenanceBasis
from .views import AccountView, PositionView, ratio, shown_liquidation_price

if TYPE_CHECKING:
    from .account import Account
    from .position import Position

_ZERO = Decimal(0)


@dataclass(slots=True)
class _Row:
    """One position's numbers that depend only on itself and its symbol's mark (all of its view
    but the four numbers a cross position shares with the pool), rounded once."""

    p: Position
    mark: Decimal
    notional: Decimal
    upnl: Decimal
    mm: Decimal  # exact, for ratios and sums
    initial: Decimal
    entry_shown: Decimal
    roe: Decimal | None
    mm_shown: Decimal
    entry_margin: Decimal
    mm_notional: Decimal
    mmr: Decimal
    amount: Decimal
    floor: Decimal
    cap: Decimal
    max_leverage: int

    def view(
        self,
        balance: Decimal,
        margin_ratio: Decimal | None,
        liquidation: Decimal | None,
        bankruptcy: Decimal | None,
    ) -> PositionView:
        p = self.p
        return PositionView(
            p.id,
            p.symbol,
            p.side,
            p.mode,
            p.qty,
            self.entry_shown,
            p.leverage,
            self.mark,
            self.notional,
            p.isolated_wallet if p.isolated else None,
            self.upnl,
            self.roe,
            self.initial,
            self.mm_shown,
            balance,
            margin_ratio,
            liquidation,
            bankruptcy,
            self.mmr,
            self.max_leverage,
            self.amount,
            self.floor,
            self.cap,
            self.mm_notional,
            self.entry_margin,
            p.funding,
        )


@dataclass(slots=True)
class _Symbol:
    """Per symbol: its positions' rows and their sums (cross: uPnL, maintenance, initial margin;
    isolated: uPnL and wallets)."""

    cross: list[_Row]
    isolated: list[_Row]
    cross_upnl: Decimal
    cross_mm: Decimal
    cross_im: Decimal
    isolated_upnl: Decimal
    isolated_wallets: Decimal


class ViewCache:
    def __init__(self) -> None:
        self._stale: set[str] = set()
        self._marks: dict[str, Decimal] = {}
        self._symbols: dict[str, _Symbol] = {}
        self._views: dict[str, PositionView] = {}
        self._cross_wallet: Decimal | None = None
        self._pool: tuple[Decimal, Decimal, Decimal, Decimal, Decimal | None, Decimal] | None = None
        self._last: AccountView | None = None
        self._orders_version = -1

    def touch(self, symbol: str) -> None:
        """The positions of ``symbol`` changed."""
        self._stale.add(symbol)

    def build(self, account: Account) -> AccountView:
        stale = self._stale
        seen = self._marks
        for symbol, mark in account.marks.items():
            if seen.get(symbol) is not mark:
                seen[symbol] = mark
                stale.add(symbol)
        last = self._last
        wallet_moved = self._cross_wallet is None or self._cross_wallet != account.cross_wallet
        orders_moved = self._orders_version != account.orders_version
        if (
            last is not None
            and not stale
            and not wallet_moved
            and not orders_moved
            and last.insurance_fund == account.insurance_fund
        ):
            return last
        pool_moved = wallet_moved or orders_moved or self._pool is None
        for symbol in stale:
            before = self._symbols.pop(symbol, None)
            if before is not None:
                pool_moved = pool_moved or bool(before.cross)
                for row in before.cross + before.isolated:
                    self._views.pop(row.p.id, None)
            entry = self._rows_of(account, symbol)
            if entry is not None:
                self._symbols[symbol] = entry
                pool_moved = pool_moved or bool(entry.cross)
                for row in entry.isolated:
                    self._views[row.p.id] = self._isolated_view(account, row)
        stale.clear()
        self._cross_wallet = account.cross_wallet
        if pool_moved or self._pool is None:
            self._pool = self._pool_numbers(account)
        cross_upnl, cross_mm, cross_im, cross_balance, pool_ratio, available = self._pool
        iso_upnl = iso_wallets = _ZERO
        for symbol in sorted(self._symbols):
            s = self._symbols[symbol]
            iso_upnl += s.isolated_upnl
            iso_wallets += s.isolated_wallets
        views = self._views
        positions = tuple(views[pid] for pid in account.positions)
        if orders_moved or last is None:
            orders = tuple(account.resting())
            self._orders_version = account.orders_version
        else:
            orders = last.orders
        total = account.cross_wallet + iso_wallets
        self._last = AccountView(
            account.cross_wallet,
            iso_wallets,
            total,
            cross_upnl,
            cross_balance,
            ceil_money(cross_mm),
            cross_im,
            pool_ratio,
            available,
            total + cross_upnl + iso_upnl,
            account.insurance_fund,
            positions,
            iso_upnl,
            account.reserved,
            orders,
        )
        return self._last

    # ------------------------------------------------------------------ per symbol
    @staticmethod
    def _rows_of(account: Account, symbol: str) -> _Symbol | None:
        mark = account.marks.get(symbol)
        if mark is None:
            return None
        rules = account.profile.margin
        at_entry = rules.maintenance_basis is MaintenanceBasis.ENTRY
        cross: list[_Row] = []
        isolated: list[_Row] = []
        leg = account._legs.get(symbol)
        watch = account._watch.get(symbol)
        members = (leg.positions if leg is not None else []) + (
            [p for p, _ in watch.roots] if watch is not None else []
        )
        c_upnl = c_mm = c_im = i_upnl = i_wallets = _ZERO
        for p in members:
            inst = p.instrument
            notional = p.qty * mark
            mm_notional = p.cost if at_entry else notional
            bracket = inst.bracket(mm_notional)
            upnl = p.unrealized_pnl(mark)
            mm = requirement(p, rules, mark)
            initial = account._initial(p, mark)
            entry_margin = ceil_money(p.entry_margin())
            row = _Row(
                p,
                mark,
                notional,
                upnl,
                mm,
                initial,
                round_money(p.entry),
                ratio(upnl, entry_margin),
                ceil_money(mm),
                entry_margin,
                mm_notional,
                bracket.mmr,
                bracket.maintenance_amount,
                bracket.floor,
                bracket.cap,
                inst.max_leverage(notional),
            )
            if p.isolated:
                isolated.append(row)
                i_upnl += upnl
                i_wallets += p.isolated_wallet
            else:
                cross.append(row)
                c_upnl += upnl
                c_mm += mm
                c_im += initial
        if not members:
            return None
        return _Symbol(cross, isolated, c_upnl, c_mm, c_im, i_upnl, i_wallets)

    @staticmethod
    def _isolated_view(account: Account, row: _Row) -> PositionView:
        p = row.p
        down = p.sign > 0
        root = p.curve(account.profile.margin).root(p.isolated_wallet, row.mark, down)
        balance = p.isolated_wallet + row.upnl
        bankrupt = (p.cost - p.sign * p.isolated_wallet) / p.qty
        return row.view(
            balance,
            ratio(row.mm, balance),
            shown_liquidation_price(root, down),
            shown_liquidation_price(bankrupt, down) if bankrupt > 0 else None,
        )

    # ------------------------------------------------------------------ the cross pool
    def _pool_numbers(
        self, account: Account
    ) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal | None, Decimal]:
        """The pool's sums and shared numbers; rebuilds every cross position's view."""
        wallet = account.cross_wallet
        cross_upnl = cross_mm = cross_im = _ZERO
        free = wallet
        legs = sorted(s for s, entry in self._symbols.items() if entry.cross)
        for symbol in legs:
            s = self._symbols[symbol]
            cross_upnl += s.cross_upnl
            cross_mm += s.cross_mm
            cross_im += s.cross_im
            free += s.cross_upnl - s.cross_im
        balance = wallet + cross_upnl
        pool_ratio = ratio(cross_mm, balance) if legs else _ZERO
        for symbol in legs:
            s = self._symbols[symbol]
            root, down = account.pool_liquidation(symbol)
            shown = shown_liquidation_price(root, down)
            net = cost = _ZERO
            for row in s.cross:
                net += row.p.sign * row.p.qty
                cost += row.p.sign * row.p.cost
            # the price of this symbol at which the pool's margin balance is zero, others held
            bankrupt = (cost - wallet - (cross_upnl - s.cross_upnl)) / net if net != 0 else None
            for row in s.cross:
                shown_bankrupt = None
                if bankrupt is not None and bankrupt > 0:
                    shown_bankrupt = shown_liquidation_price(bankrupt, row.p.sign > 0)
                self._views[row.p.id] = row.view(balance, pool_ratio, shown, shown_bankrupt)
        available = max(floor_money(free - account.reserved), _ZERO)
        return cross_upnl, cross_mm, ceil_money(cross_im), balance, pool_ratio, available
