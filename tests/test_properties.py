"""Properties over random sessions (hypothesis): money is conserved to the last digit, an isolated
liquidation takes exactly that position's margin, the liquidation fires where the displayed price
said, a mode round trip changes nothing, and a replay is byte-for-byte repeatable."""

from decimal import ROUND_CEILING, ROUND_FLOOR
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.engine import (
    Account,
    AdjustMargin,
    Close,
    Deposit,
    Liquidated,
    Open,
    Price,
    SetLeverage,
    SetMode,
    Withdraw,
)
from sandbox.engine.limits import MAX_PRICE
from sandbox.profiles import load_profile
from sandbox.session.model import SessionHeader
from sandbox.session.reader import Session
from sandbox.session.report import report_json
from sandbox.session.runner import run

PROFILE = load_profile("binance-usdm")
START = {"BTCUSDT": D(60000), "ETHUSDT": D(3000)}
SYMBOLS = st.sampled_from(sorted(START))
IDS = st.sampled_from(["p1", "p2", "p3", "p4", "p5"])

opens = st.builds(
    lambda s, side, n, lev, mode: Open(
        s, side, (D(n) / 1000 * (1 if s == "BTCUSDT" else 20)).quantize(D("0.001")), lev, mode
    ),
    SYMBOLS,
    st.sampled_from(["long", "short"]),
    st.integers(1, 60),
    st.sampled_from([1, 2, 5, 10, 20, 50, 100]),
    st.sampled_from(["cross", "isolated"]),
)
moves = st.builds(lambda s, pct: ("move", s, pct), SYMBOLS, st.floats(-0.12, 0.12, allow_nan=False))
commands = st.one_of(
    opens,
    moves,
    moves,
    moves,
    st.builds(lambda p, part: Close(p, None) if part == 0 else ("part", p, part), IDS, st.integers(0, 3)),
    st.builds(SetMode, IDS, st.sampled_from(["cross", "isolated"])),
    st.builds(lambda p, a: AdjustMargin(p, D(a)), IDS, st.integers(-500, 500).filter(bool)),
    st.builds(SetLeverage, IDS, st.sampled_from([1, 3, 10, 25, 75])),
    st.builds(lambda a: Deposit(D(a)), st.integers(1, 2000)),
    st.builds(lambda a: Withdraw(D(a)), st.integers(1, 2000)),
)


def concrete(account, cmd):
    """Turn the generated sketch into a real command against the current state."""
    if isinstance(cmd, tuple) and cmd[0] == "move":
        _, symbol, pct = cmd
        tick = PROFILE.instruments[symbol].tick_size
        price = (account.marks[symbol] * D(1 + pct)).quantize(tick)
        return Price(symbol, max(price, tick))
    if isinstance(cmd, tuple) and cmd[0] == "part":
        p = account.positions.get(cmd[1])
        if p is None:
            return Close(cmd[1])
        qty = (p.qty * cmd[2] / 4).quantize(p.instrument.qty_step, rounding=ROUND_FLOOR)
        return Close(p.id, qty if qty > 0 else None)
    return cmd


def check_invariants(account, before, events):
    assert account.ledger.balance() == account.cross_wallet + account.isolated_wallets
    assert account.cross_wallet >= 0
    assert all(p.isolated_wallet >= 0 for p in account.positions.values())
    for e in events:
        if isinstance(e, Liquidated) and e.mode == "isolated":
            pid = e.positions[0]
            # exactly that position's margin left the wallets; every other position as it was
            assert e.wallet_before == before["wallets"][pid]
            for other, snapshot in before["positions"].items():
                if (
                    other != pid
                    and other in account.positions
                    and not any(isinstance(x, Liquidated) and other in x.positions for x in events)
                ):
                    p = account.positions[other]
                    assert (p.qty, p.entry, p.isolated_wallet) == snapshot


def snapshot(account):
    return {
        "wallets": {p.id: p.isolated_wallet for p in account.positions.values()},
        "positions": {p.id: (p.qty, p.entry, p.isolated_wallet) for p in account.positions.values()},
    }


def play(script, balance=5000):
    account = Account(PROFILE, D(balance))
    inputs = []
    for symbol, price in START.items():
        account.apply(Price(symbol, price), 0)
        inputs.append(Price(symbol, price))
    for t, sketch in enumerate(script, start=1):
        cmd = concrete(account, sketch)
        before = snapshot(account)
        if isinstance(cmd, Price):
            total_before = account.total_wallet
        events = list(account.apply(cmd, t))
        inputs.append(cmd)
        check_invariants(account, before, events)
        if isinstance(cmd, Price):
            lost = sum(e.wallet_before for e in events if isinstance(e, Liquidated) and e.mode == "isolated")
            cross_loss = sum(
                e.wallet_before - e.wallet_after
                for e in events
                if isinstance(e, Liquidated) and e.mode == "cross"
            )
            assert total_before - account.total_wallet == lost + cross_loss
    return account, inputs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands, min_size=1, max_size=40))
def test_money_is_conserved_and_liquidations_take_only_what_they_should(script):
    play(script)


@settings(max_examples=80, deadline=None)
@given(st.lists(commands, min_size=1, max_size=25))
def test_replaying_the_same_file_twice_gives_byte_identical_reports(script):
    _, inputs = play(script)
    session = Session("mem", SessionHeader.new("5000"), list(range(len(inputs))), inputs)
    a, b = run(session), run(session)
    assert report_json(a.account, a.t, a.events) == report_json(b.account, b.t, b.events)


def _fires(account, symbol, price, pid):
    """Whether moving ``symbol`` straight to ``price`` liquidates position ``pid`` (others on the
    way may go first: their own prices are their own business)."""
    trial = account.copy()
    return any(
        isinstance(e, Liquidated) and pid in e.positions for e in trial.apply(Price(symbol, price), 10**6)
    )


@settings(max_examples=120, deadline=None)
@given(st.lists(commands, min_size=1, max_size=30), st.data())
def test_liquidation_fires_at_the_first_tick_at_or_beyond_the_displayed_price(script, data):
    account, _ = play(script)
    if not account.positions:
        return
    view = data.draw(st.sampled_from(account.view().positions))
    if view.liquidation_price is None:
        return
    symbol, lp = view.symbol, view.liquidation_price
    tick = PROFILE.instruments[symbol].tick_size
    mark = account.marks[symbol]
    down = lp < mark
    # the first tick on the way at or beyond the shown price, and the one just before it
    first = (lp / tick).to_integral_value(ROUND_FLOOR if down else ROUND_CEILING) * tick
    before = first + tick if down else first - tick
    if first <= 0 or (down and before >= mark) or (not down and before <= mark):
        return
    if first > MAX_PRICE:  # beyond any price the engine accepts: shown as out of reach, never reached
        return
    assert _fires(account, symbol, first, view.id)
    assert not _fires(account, symbol, before, view.id)
    for k in range(1, 8):  # and nowhere on the way there
        between = (mark + (before - mark) * k / 8).quantize(tick, ROUND_CEILING if down else ROUND_FLOOR)
        assert not _fires(account, symbol, between, view.id)


@settings(max_examples=80, deadline=None)
@given(st.lists(commands, min_size=1, max_size=25), st.data())
def test_a_mode_round_trip_changes_nothing(script, data):
    account, _ = play(script)
    cross = [p.id for p in account.positions.values() if not p.isolated]
    if not cross:
        return
    pid = data.draw(st.sampled_from(cross))
    before = account.view()
    there = list(account.apply(SetMode(pid, "isolated"), 10**6))
    if there[0].type == "rejected":
        assert account.view() == before
        return
    back = list(account.apply(SetMode(pid, "cross"), 10**6))
    assert back[0].type == "mode_changed" and account.view() == before
