"""Twins: one session as three accounts over the same inputs (engine-rules.md § Twins).

``as_traded`` gets the inputs as recorded; ``all_cross`` and ``all_isolated`` get the same inputs
rewritten for their mode, and each follows every rule of the engine on its own. What each twin
receives is exactly what a person would write in a hand-edited copy of the session:

- ``open``: the mode becomes the twin's. An open that names no position gets the id the recorded
  account gave it, so ``close p3`` means the same lot in all three accounts. If the recorded
  account rejected that open, the twins name it ``x1``, ``x2``, … in order (a lot only a twin could
  open; the recorded account's next open takes the id it would have had).
- ``set_mode``: dropped in both twins (``all_cross`` is cross already, and ``all_isolated``
  ignores switches: its lots stay isolated with the margin they were opened with).
- ``adjust_margin``: dropped in ``all_cross`` (a cross lot has no margin of its own; the money
  stays in the pool that backs it, so the twin's total wallet is the same either way); kept in
  ``all_isolated``, where every lot is isolated and the engine judges the amount as it would.
- ``order``: an opening order takes the twin's mode, like ``open``. Every order that names no id
  (and an opening order that names no lot) is pinned to the ids the recorded account's
  ``order_placed`` gave, so ``cancel o2`` or a stop on ``p3`` means the same order and lot in all
  three; one the recorded account refused gets an ``x`` name for both.
- everything else (prices, closes, cancels, funding, leverage changes, deposits, withdrawals) as
  recorded.

So "a twin equals replaying the hand-edited copy through the plain engine, to the last digit" is
true by construction, and ``tests/test_twins_property.py`` checks it over random sessions. A
``Timeline`` (timeline.py) carries a ``TwinSet`` through seeks, steps and branches: its own
account is the set's ``recorded`` one, and its checkpoints are ``TwinSet.copy()``s.

The figures each twin keeps while it runs: equity (total wallet + every unrealised PnL), the
liquidations with their times and positions, and the largest drawdown: the largest fall of equity
from its running peak, in USDT. Deposits and withdrawals move the peak with them: moving money in
or out is not a gain or a loss.

Cost per price tick: the engine's own tick per distinct account plus a multiply-add for equity
(equity is linear in each mark: ``Σ net qty × mark − Σ cost`` per symbol, kept per symbol and
rebuilt only after a command or a liquidation) and two comparisons for the drawdown. Twins that
are in the same state and receive the same input share one account until an input tells them
apart (a session traded all in cross has ``as_traded`` and ``all_cross`` identical throughout),
which is never visible from outside: each twin still answers for itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, is_dataclass, replace
from decimal import Decimal
from typing import Any, Literal, cast

from ..engine import (
    Account,
    AdjustMargin,
    Command,
    Event,
    Liquidated,
    Open,
    Opened,
    Order,
    OrderPlaced,
    Price,
    SetMode,
    text,
)
from ..engine.commands import Mode
from ..engine.instrument import ZERO
from .model import SessionHeader
from .report import plain, report, summary
from .runner import Source, new_account

Variant = Literal["as_traded", "all_cross", "all_isolated"]
VARIANTS: tuple[Variant, ...] = ("as_traded", "all_cross", "all_isolated")
LABELS: dict[str, str] = {"as_traded": "as traded", "all_cross": "all cross", "all_isolated": "all isolated"}
NO_EVENTS: tuple[Event, ...] = ()
# What a quiet tick says in every twin (one object: ``said is QUIET`` is the cheap test).
QUIET: tuple[Sequence[Event], Sequence[Event], Sequence[Event]] = (NO_EVENTS, NO_EVENTS, NO_EVENTS)

TwinEvents = tuple[Sequence[Event], Sequence[Event], Sequence[Event]]


def rewrite(variant: Variant, command: Command) -> Command | None:
    """What ``variant`` receives for a recorded ``command`` (None: nothing), before the id of a
    new lot is pinned (``TwinSet.apply`` does that, as it needs the recorded account's answer).

    Any input that carries the margin mode of a lot it opens (``open``, and an opening order
    should the engine gain them) is given the twin's mode."""
    if variant == "as_traded":
        return command
    if isinstance(command, SetMode):
        return None
    if isinstance(command, AdjustMargin) and variant == "all_cross":
        return None
    mode: Mode = "cross" if variant == "all_cross" else "isolated"
    current = getattr(command, "mode", None)
    if current in ("cross", "isolated") and current != mode and is_dataclass(command):
        opening: Any = command
        return cast(Command, replace(opening, mode=mode))
    return command


class Twin:
    """One account and its running figures. Read ``account``, ``equity``, ``max_drawdown`` and
    ``liquidations`` freely (cheap: nothing is computed on reading); do not mutate them."""

    __slots__ = (
        "_floor",
        "_flows",
        "_peak",
        "_slope",
        "account",
        "equity",
        "liquidations",
        "max_drawdown",
    )

    def __init__(self, account: Account):
        self.account = account
        self.liquidations: list[Liquidated] = []
        self.max_drawdown = ZERO
        self._slope: dict[str, Decimal] = {}
        self.equity = ZERO
        self._flows = account.ledger.deposits - account.ledger.withdrawals
        self._recount()
        self._peak = self._floor = self.equity

    def copy(self) -> Twin:
        other = Twin.__new__(Twin)
        other.account = self.account.copy()
        other.liquidations = list(self.liquidations)
        other.max_drawdown = self.max_drawdown
        other._slope = dict(self._slope)
        other.equity = self.equity
        other._flows = self._flows
        other._peak = self._peak
        other._floor = self._floor
        return other

    # ------------------------------------------------------------------ inputs
    def command(self, t: int, command: Command) -> Sequence[Event]:
        """Any other input (through the engine's validating ``apply``)."""
        events = self.account.apply(command, t)
        self._settle(events)
        return events

    # ------------------------------------------------------------------ figures
    def _settle(self, events: Sequence[Event]) -> None:
        """After anything but a quiet tick: rebuild the equity terms and take the new point."""
        self.liquidations.extend(e for e in events if isinstance(e, Liquidated))
        ledger = self.account.ledger
        flows = ledger.deposits - ledger.withdrawals
        if flows != self._flows:  # transfers carry the peak along: they are no gain or loss
            shift = flows - self._flows
            self._flows = flows
            self._peak += shift
            self._floor += shift
        self._recount()
        equity = self.equity
        if equity > self._peak:
            self._peak = equity
            self._floor = equity - self.max_drawdown
        elif equity < self._floor:
            self.max_drawdown = self._peak - equity
            self._floor = equity

    def _recount(self) -> None:
        """Equity and each symbol's net quantity from the positions (O(positions))."""
        account = self.account
        marks = account.marks
        equity = account.cross_wallet
        slope: dict[str, Decimal] = {}
        for p in account.positions.values():
            equity += p.isolated_wallet + p.unrealized_pnl(marks[p.symbol])
            slope[p.symbol] = slope.get(p.symbol, ZERO) + p.sign * p.qty
        self._slope = {s: n for s, n in slope.items() if n != 0}
        self.equity = equity

    @property
    def realized_pnl(self) -> Decimal:
        """Realised PnL of closes and liquidations (fees not included, as in the engine's ledger)."""
        return self.account.ledger.realized_pnl

    @property
    def result(self) -> Decimal:
        """Equity minus what was deposited net of withdrawals: what trading made or lost."""
        return self.equity - self._flows

    def figures(self) -> dict[str, Any]:
        """The contract's per-twin fields (session-format.md § Twins), exact decimals."""
        first = self.liquidations[0].t if self.liquidations else None
        return {
            "total_wallet": self.account.total_wallet,
            "equity": self.equity,
            "realized_pnl": self.realized_pnl,
            "liquidations": len(self.liquidations),
            "first_liquidation_t": first,
            "positions_liquidated": [pid for e in self.liquidations for pid in e.gone],
            "max_drawdown": self.max_drawdown,
        }


class TwinSet:
    """The three twins of one account, moved together one input at a time.

    ``apply(t, command)`` feeds one recorded input to all three and returns what each engine said
    (in ``VARIANTS`` order); ``copy()`` is an independent set in the same state (a checkpoint).
    ``twin(name)`` or ``twins`` give each twin's account and figures.
    """

    __slots__ = ("_distinct", "_exposed", "_extra", "_instruments", "_marks", "_set_marks", "_twins")

    def __init__(self, account: Account):
        """Three twins starting from ``account`` (copied; a fresh session's account has no
        positions, so it is the start of every twin)."""
        first = Twin(account.copy())
        self._twins: list[Twin] = [first, first, first]
        self._extra = 0  # lots only a twin opened: x1, x2, …
        self._instruments = account.profile.instruments
        self._marks = dict(account.marks)  # the market the twins share
        self._regroup()

    @classmethod
    def from_header(cls, header: SessionHeader, profile: str | None = None) -> TwinSet:
        return cls(new_account(header, profile))

    def copy(self) -> TwinSet:
        other = TwinSet.__new__(TwinSet)
        copies = {id(tw): tw.copy() for tw in self._distinct}
        other._twins = [copies[id(tw)] for tw in self._twins]
        other._extra = self._extra
        other._instruments = self._instruments
        other._marks = dict(self._marks)
        other._regroup()
        return other

    def twin(self, variant: str) -> Twin:
        return self._twins[VARIANTS.index(variant)]

    @property
    def recorded(self) -> Account:
        """The as-traded account: the one a plain replay of the same inputs gives (a timeline
        with twins uses it as its own account, so the recorded account is never run twice)."""
        return self._twins[0].account

    def equities(self) -> tuple[float, float, float]:
        """Each twin's equity as a float (``VARIANTS`` order), for the account chart."""
        a, b, c = self._twins
        return float(a.equity), float(b.equity), float(c.equity)

    @property
    def twins(self) -> dict[str, Twin]:
        return dict(zip(VARIANTS, self._twins))

    def _regroup(self) -> None:
        """The tick path's tables: distinct accounts, their ``set_mark``, and per symbol the
        twins whose equity moves with it (index into the distinct ones, twin, net quantity)."""
        distinct = list({id(tw): tw for tw in self._twins}.values())
        self._distinct = distinct
        self._set_marks = tuple(tw.account.set_mark for tw in distinct)
        self._expose()

    def _expose(self) -> None:
        exposed: dict[str, list[tuple[int, Twin, Decimal]]] = {}
        for k, tw in enumerate(self._distinct):
            for symbol, slope in tw._slope.items():
                exposed.setdefault(symbol, []).append((k, tw, slope))
        self._exposed = {s: tuple(v) for s, v in exposed.items()}

    # ------------------------------------------------------------------ inputs
    def apply(self, t: int, command: Command) -> TwinEvents:
        if type(command) is Price and command.symbol in self._instruments:
            return self.tick(t, command.symbol, command.price)
        return self.command(t, command)

    def tick(self, t: int, symbol: str, price: Decimal) -> TwinEvents:
        """A price of a known symbol (the caller checked, as the replay loops do).

        The hot path, written out once for all twins: every distinct account takes the tick;
        the mark's move is shared (the twins share the market); each twin holding a net quantity
        of the symbol adds ``net qty × move`` to its equity and compares it with its peak and its
        floor (peak − largest drawdown). A twin whose tick liquidated something is recounted.
        """
        marks = self._marks
        old = marks.get(symbol)
        marks[symbol] = price
        set_marks = self._set_marks
        if len(set_marks) == 3:
            a, b, c = set_marks
            said: tuple[Sequence[Event], ...] = (
                a(t, symbol, price),
                b(t, symbol, price),
                c(t, symbol, price),
            )
            loud = bool(said[0] or said[1] or said[2])
        elif len(set_marks) == 2:
            a, b = set_marks
            said = (a(t, symbol, price), b(t, symbol, price))
            loud = bool(said[0] or said[1])
        else:
            said = (set_marks[0](t, symbol, price),)
            loud = bool(said[0])
        exposed = self._exposed.get(symbol)
        if exposed is not None and old is not None:
            move = price - old
            for k, tw, slope in exposed:
                if loud and said[k]:
                    continue
                equity = tw.equity + slope * move
                tw.equity = equity
                if equity > tw._peak:
                    tw._peak = equity
                    tw._floor = equity - tw.max_drawdown
                elif equity < tw._floor:
                    tw.max_drawdown = tw._peak - equity
                    tw._floor = equity
        if not loud:
            return QUIET
        for tw, events in zip(self._distinct, said):
            if events:
                tw._settle(events)
        self._expose()
        return self._by_variant(dict(zip(map(id, self._distinct), said)))

    def _by_variant(self, by_twin: dict[int, Sequence[Event]]) -> TwinEvents:
        twins = self._twins
        return by_twin[id(twins[0])], by_twin[id(twins[1])], by_twin[id(twins[2])]

    def command(self, t: int, command: Command) -> TwinEvents:
        """Any input but a price of a known symbol: rewritten for each twin, applied to each
        distinct account (the recorded one first: a new lot's id comes from its answer)."""
        plans = [rewrite(v, command) for v in VARIANTS]
        self._split(plans)
        twins = self._twins
        said: dict[int, Sequence[Event]] = {}
        recorded = said[id(twins[0])] = twins[0].command(t, command)
        pin: str | None = None
        order_pin: str | None = None
        if isinstance(command, Open) and command.position is None:
            pin = next((e.position for e in recorded if isinstance(e, Opened)), None)
            if pin is None:
                pin = self._extra_id()
        elif isinstance(command, Order) and (
            command.order is None or (command.opens and command.position is None)
        ):
            # An order is pinned like an open: the same order id (and, for an opening order, the
            # same lot id) in every twin, so a later cancel or closing order means the same thing.
            placed = next((e for e in recorded if isinstance(e, OrderPlaced)), None)
            if placed is not None:
                order_pin, pin = placed.order, placed.position if command.opens else None
            else:  # refused as recorded: one new name for the order and the lot it would open
                extra = self._extra_id()
                order_pin = command.order or extra
                pin = (command.position or extra) if command.opens else None
        for k in (1, 2):
            tw = twins[k]
            if id(tw) in said:
                continue
            plan = plans[k]
            if plan is None:
                said[id(tw)] = NO_EVENTS
                continue
            if pin is not None and isinstance(plan, Open):
                plan = replace(plan, position=pin)
            elif isinstance(plan, Order) and (order_pin is not None or pin is not None):
                plan = replace(plan, order=order_pin or plan.order, position=pin or plan.position)
            said[id(tw)] = tw.command(t, plan)
        self._expose()
        return self._by_variant(said)

    def _extra_id(self) -> str:
        """A name for what only a twin could open (the recorded account refused it)."""
        self._extra += 1
        return f"x{self._extra}"

    def _split(self, plans: list[Command | None]) -> None:
        """Twins sharing an account part where their inputs differ: per shared account, the
        first input keeps it and each other input gets a copy (shared by the twins it goes to)."""
        parts: dict[int, list[tuple[Command | None, Twin]]] = {}
        twins = self._twins
        split = False
        for k, tw in enumerate(twins):
            options = parts.setdefault(id(tw), [])
            target = next((t for plan, t in options if plan == plans[k]), None)
            if target is None:
                target = tw
                if options:
                    target, split = tw.copy(), True
                options.append((plans[k], target))
            twins[k] = target
        if split:
            self._regroup()


@dataclass(slots=True)
class TwinReplay:
    """``replay``'s answer: the twins at time ``t`` and every event of the recorded account."""

    twins: TwinSet
    t: int
    events: list[Event] = field(default_factory=list)


def replay(source: Source, until: int | None = None, profile: str | None = None) -> TwinReplay:
    """Replay ``source`` (a session in memory, or a file read as a stream) as three twins up to
    and including time ``until`` (all when None). ``as_traded`` ends exactly as ``runner.run``
    would."""
    twins = TwinSet.from_header(source.header, profile)
    out = TwinReplay(twins, 0)
    events = out.events
    instruments = twins._instruments
    tick, command = twins.tick, twins.command
    t = 0
    for t, symbol, x in source.items(until):
        if symbol is None:
            said = command(t, x)
        elif symbol in instruments:
            said = tick(t, symbol, x)
        else:
            said = command(t, Price(symbol, x))
        if said[0]:
            events.extend(said[0])
    out.t = until if until is not None and until > t else t
    return out


def other_mode_liquidation_price(twins: TwinSet, pid: str) -> tuple[str, Decimal | None] | None:
    """For the recorded account's position ``pid``: the other mode and the liquidation price the
    same lot has in that twin (all cross for an isolated lot, all isolated for a cross one),
    ``None`` if that twin does not hold it (liquidated there already). The price is the engine's
    exact one; show it with ``text.liquidation`` like every other."""
    p = twins.twin("as_traded").account.positions.get(pid)
    if p is None:
        return None
    other = "all_cross" if p.isolated else "all_isolated"
    account = twins.twin(other).account
    if pid not in account.positions:
        return None
    return ("cross" if p.isolated else "isolated"), account.liquidation_price(pid)


# ---------------------------------------------------------------------- reports
def twins_dict(twins: TwinSet) -> dict[str, dict[str, Any]]:
    """``"twins"`` of the JSON report (decimals still ``Decimal``; ``report.plain`` turns them
    into strings like the rest of the report)."""
    return {v: tw.figures() for v, tw in twins.twins.items()}


def clock(t_ms: int) -> str:
    """Session time as a person reads it: ``0:41``, ``12:05``, ``1:02:03``."""
    seconds = t_ms // 1000
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02}:{s:02}" if h else f"{m}:{s:02}"


def _signed(value: Decimal) -> str:
    shown = text.money(value)
    return shown if shown.startswith("-") or shown == "0.00" else f"+{shown}"


def verdict(variant: str, tw: Twin) -> str:
    """One line in plain words: ``all cross: survived, -1,240.00 USDT`` or
    ``all isolated: p2 liquidated at 0:41, lost its 300.00 USDT; -315.00 USDT in all``."""
    label = LABELS.get(variant, variant)
    if not tw.liquidations:
        return f"{label}: survived, {_signed(tw.result)} USDT"
    parts = []
    for e in tw.liquidations:
        who = ", ".join(e.positions)
        how = "liquidated" if e.gone == e.positions else "partly liquidated"
        if e.mode == "isolated":
            lost = e.wallet_before - e.wallet_after - e.returned
            whole = e.gone == e.positions and not e.returned
            its = f"lost its {text.money(lost)} USDT" if whole else f"lost {text.money(lost)} USDT"
            parts.append(f"{who} {how} at {clock(e.t)}, {its}")
        else:
            lost = e.wallet_before - e.wallet_after
            parts.append(f"cross pool ({who}) {how} at {clock(e.t)}, wallet lost {text.money(lost)} USDT")
    return f"{label}: {'; '.join(parts)}; {_signed(tw.result)} USDT in all"


def twins_text(twins: TwinSet, t: int) -> str:
    """The three side by side, then a verdict per twin (``replay --twin`` without ``--json``)."""
    by = twins.twins
    rows: list[tuple[str, list[str]]] = [
        ("total wallet", [text.money(tw.account.total_wallet) for tw in by.values()]),
        ("equity", [text.money(tw.equity) for tw in by.values()]),
        ("result", [_signed(tw.result) for tw in by.values()]),
        ("realised PnL", [text.money(tw.realized_pnl) for tw in by.values()]),
        ("liquidations", [str(len(tw.liquidations)) for tw in by.values()]),
        (
            "first at",
            [clock(tw.liquidations[0].t) if tw.liquidations else "—" for tw in by.values()],
        ),
        (
            "lots liquidated",
            [", ".join(p for e in tw.liquidations for p in e.gone) or "—" for tw in by.values()],
        ),
        ("max drawdown", [text.money(tw.max_drawdown) for tw in by.values()]),
    ]
    width = max(16, *(len(c) + 2 for _, cells in rows for c in cells))
    lines = [f"twins at t={t} ms ({clock(t)}): the same inputs in the other margin modes", ""]
    lines.append(f"{'':<16}" + "".join(f"{LABELS[v]:>{width}}" for v in VARIANTS))
    lines += [f"{name:<16}" + "".join(f"{c:>{width}}" for c in cells) for name, cells in rows]
    lines.append("")
    lines += [verdict(v, tw) for v, tw in by.items()]
    return "\n".join(lines) + "\n"


def twin_report_json(session: Source, until: int | None = None, profile: str | None = None) -> str:
    """``replay FILE --twin --json``: the plain report of the recorded account plus ``"twins"``."""
    out = replay(session, until, profile)
    body = report(out.twins.twin("as_traded").account, out.t, out.events)
    body["twins"] = plain(twins_dict(out.twins))
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def twin_report_text(session: Source, until: int | None = None, profile: str | None = None) -> str:
    """``replay FILE --twin``: the readable summary, then the three side by side."""
    out = replay(session, until, profile)
    account = out.twins.twin("as_traded").account
    return summary(account, out.t, out.events) + "\n" + twins_text(out.twins, out.t)
