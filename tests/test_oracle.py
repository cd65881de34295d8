"""The engine against the independent model in ``oracle.py``, over random sessions (hypothesis).

Every command kind (opens in both modes, partial and full closes, deposits, withdrawals, leverage
both ways, mode switches both ways with and without an explicit margin, margin added and removed,
price moves and gaps far past bankruptcy), under all four profiles and both rule sets. After every
command:
- no command creates money: every wallet ≥ 0, and total wallet + insurance fund moved only by what
  the events say was deposited, withdrawn, realised and paid in fees;
- the engine accepts exactly what the oracle accepts, and leaves the same wallets, the same
  positions and the same insurance fund, and liquidates the same positions;
- a cross → isolated → cross round trip that is accepted changes no number the account shows.
"""

from __future__ import annotations

import math
from decimal import Decimal as D
from fractions import Fraction as F

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import Model

from sandbox.engine import (
    Account,
    AdjustMargin,
    Close,
    Closed,
    Deposit,
    Deposited,
    Liquidated,
    Open,
    Opened,
    Price,
    SetLeverage,
    SetMode,
    Withdraw,
    Withdrawn,
)
from sandbox.profiles import load_profile

PROFILES = ("binance-usdm", "bybit", "okx", "hyperliquid")
START = {"BTCUSDT": D(60000), "ETHUSDT": D(3000)}
BALANCE = D(10000)

# how far a price moves: small steps, the moves that liquidate, and gaps far past bankruptcy
MOVES = [-0.3, 0.3, -0.6, 1.5, -0.05, 0.05, -0.01, 0.01]
LEVERAGES = [1, 20, 5, 2, 3, 10, 25, 50, 100]
SIZES = [0.2, 0.05, 0.5, 1, 2, 5, 20]  # an open's notional as a multiple of the balance


def dec(x: F, places: int) -> D:
    """A fraction as a decimal, floored to ``places``."""
    return D(math.floor(x * 10**places)) / D(10) ** places


def decimal(x: F) -> D:
    return D(x.numerator) / D(x.denominator)


def draw_commands(data: st.DataObject, model: Model) -> tuple[str, list]:
    """One step of a session, drawn for the model's current state: commands name positions that
    exist (newest first), amounts are parts of what the rules allow, or a little more."""
    positions = list(reversed(model.positions.values()))
    isolated = [p for p in positions if p.isolated]
    kinds = ["open", "open", "move", "move", "deposit", "withdraw"]
    if positions:
        kinds += ["close", "leverage", "leverage", "mode", "round trip", "unknown position"]
    if isolated:
        kinds += ["margin", "margin"]
    kind = data.draw(st.sampled_from(kinds), label="step")
    if kind == "open":
        symbol = data.draw(st.sampled_from(sorted(START)), label="symbol")
        side = data.draw(st.sampled_from(["short", "long"]), label="side")
        mode = data.draw(st.sampled_from(["isolated", "cross"]), label="mode")
        same = [p for p in positions if p.symbol == symbol and p.sign == (1 if side == "long" else -1)]
        same = [p for p in same if p.isolated == (mode == "isolated")]
        existing = data.draw(st.sampled_from([None, *same]), label="increase")
        inst, mark = model.instruments[symbol], model.marks[symbol]
        size = data.draw(st.sampled_from(SIZES), label="size")
        qty = max(F(math.floor(F(BALANCE) * F(size) / mark / inst.step)) * inst.step, inst.step)
        if existing is not None:
            return kind, [Open(symbol, side, decimal(qty), existing.leverage, mode, existing.id)]
        leverage = data.draw(st.sampled_from(LEVERAGES), label="leverage")
        return kind, [Open(symbol, side, decimal(qty), leverage, mode)]
    if kind == "move":  # mostly the symbol of the newest position
        symbol = data.draw(st.sampled_from([p.symbol for p in positions[:1]] + sorted(START)), label="symbol")
        price = model.marks[symbol] * (1 + F(data.draw(st.sampled_from(MOVES), label="move")))
        return kind, [Price(symbol, max(dec(price, 2), D("0.01")))]
    if kind == "deposit":
        return kind, [Deposit(D(data.draw(st.sampled_from([500, 1, 5000]), label="amount")))]
    if kind == "withdraw":
        part = F(data.draw(st.sampled_from([1.0, 0.5, 1.5, 0.01]), label="part of the cross wallet"))
        return kind, [Withdraw(dec(model.cross * part, 2) or D("0.01"))]
    if kind == "unknown position":
        return kind, [Close("p99")]
    if kind == "margin":
        p = data.draw(st.sampled_from(isolated), label="position")
        part = F(data.draw(st.sampled_from([-1.0, 1.0, -1.5, -0.5, 0.1, 0.5]), label="part"))
        base = model.available() if part > 0 else model.removable(p)  # to add / to remove
        amount = dec(base * abs(part), 2) or D("0.01")
        return kind, [AdjustMargin(p.id, amount if part > 0 else -amount)]
    p = data.draw(st.sampled_from(positions), label="position")
    if kind == "close":
        part = data.draw(st.sampled_from([None, 0.5, 0.25]), label="part")
        step = model.instruments[p.symbol].step
        qty = F(math.floor(p.qty * F(part) / step)) * step if part else F(0)
        return kind, [Close(p.id, decimal(qty) if qty > 0 else None)]
    if kind == "leverage":
        factor = F(data.draw(st.sampled_from([4, 0.25, 10, 0.5, 2]), label="factor"))
        return kind, [SetLeverage(p.id, max(1, min(125, round(p.leverage * factor))))]
    margin = data.draw(st.sampled_from([None, 0.5, 1.0, 3.0]), label="explicit margin")
    amount = None if margin is None else dec(p.cost / p.leverage * F(margin), 2)
    if kind == "round trip":
        return kind, [SetMode(p.id, "isolated", amount), SetMode(p.id, "cross")]
    if p.isolated:
        return kind, [SetMode(p.id, "cross")]
    return kind, [SetMode(p.id, "isolated", amount)]


def flows(events: list) -> D:
    """What the events say moved in or out of the user's and the fund's money."""
    total = D(0)
    for e in events:
        if isinstance(e, Deposited):
            total += e.amount
        elif isinstance(e, Withdrawn):
            total -= e.amount
        elif isinstance(e, Opened):
            total -= e.fee
        elif isinstance(e, Closed):
            total += e.realized_pnl - e.fee
        elif isinstance(e, Liquidated):
            total += e.realized_pnl
    return total


def state(account: Account) -> tuple:
    positions = {
        p.id: (p.qty, p.cost, p.leverage, p.isolated, p.isolated_wallet) for p in account.positions.values()
    }
    return account.cross_wallet, account.insurance_fund, positions


def model_state(model: Model) -> tuple:
    positions = {
        p.id: (p.qty, p.cost, p.leverage, p.isolated, p.wallet if p.isolated else 0)
        for p in model.positions.values()
    }
    return model.cross, model.fund, positions


def as_fractions(s: tuple) -> tuple:
    cross, fund, positions = s
    return (
        F(cross),
        F(fund),
        {k: tuple(F(x) if isinstance(x, D) else x for x in v) for k, v in positions.items()},
    )


def step(account: Account, model: Model, cmd, t: int, money: list[D]) -> bool:
    """Apply one command to both; check everything; say whether it was accepted."""
    events = list(account.apply(cmd, t))
    accepted = not (events and events[0].type == "rejected")
    money[0] += flows(events)
    # no command creates money
    assert account.cross_wallet >= 0, (cmd, events)
    assert all(p.isolated_wallet >= 0 for p in account.positions.values()), (cmd, events)
    assert account.total_wallet + account.insurance_fund == money[0], (cmd, events)
    # the engine does what the rules say
    outcome = model.apply(cmd)
    assert accepted == outcome.accepted, (cmd, events)
    liquidated = {pid for e in events if isinstance(e, Liquidated) for pid in e.positions}
    assert liquidated == outcome.liquidated, (cmd, events)
    assert as_fractions(state(account)) == as_fractions(model_state(model)), (cmd, events)
    return accepted


def play(profile: str, rules: str, steps: int, data: st.DataObject) -> None:
    account = Account(load_profile(profile), BALANCE, rules)
    model = Model(profile, BALANCE, rules)
    money = [BALANCE]
    for symbol, price in START.items():
        step(account, model, Price(symbol, price), 0, money)
    for t in range(1, steps + 1):
        kind, commands = draw_commands(data, model)
        if kind == "round trip":
            before = account.view()
            if step(account, model, commands[0], t, money):
                assert step(account, model, commands[1], t, money), "the way back was refused"
                assert account.view() == before, "a cross → isolated → cross round trip changed a number"
            continue
        for cmd in commands:
            step(account, model, cmd, t, money)


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PROFILES), st.sampled_from(["sandbox", "exchange"]), st.integers(5, 30), st.data())
def test_the_engine_does_what_the_oracle_says_and_creates_no_money(profile, rules, steps, data):
    play(profile, rules, steps, data)
