"""What ``Account.view()`` gives the screens (issue 10): the same numbers whether computed afresh
or incrementally, the numbers the tooltips explain, and the most margin the dialog may remove."""

from decimal import ROUND_CEILING
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.engine import (
    Account,
    AdjustMargin,
    Close,
    Deposit,
    Open,
    Price,
    SetLeverage,
    SetMode,
    Withdraw,
)
from sandbox.profiles import available_profiles, load_profile

START = {"BTCUSDT": D(60000), "ETHUSDT": D(3000), "SOLUSDT": D(150)}
SIZES = {"BTCUSDT": D("0.01"), "ETHUSDT": D("0.1"), "SOLUSDT": D(1)}
ids = st.sampled_from(["p1", "p2", "p3", "p4", "p5", "p6"])
symbols = st.sampled_from(sorted(START))
steps = st.one_of(
    st.builds(
        lambda s, side, n, lev, mode: Open(s, side, SIZES[s] * n, lev, mode),
        symbols,
        st.sampled_from(["long", "short"]),
        st.integers(1, 40),
        st.sampled_from([2, 5, 20]),
        st.sampled_from(["cross", "isolated"]),
    ),
    st.tuples(symbols, st.sampled_from([-0.2, -0.03, -0.005, 0.004, 0.03, 0.25])),
    st.tuples(symbols, st.sampled_from([-0.2, -0.03, -0.005, 0.004, 0.03, 0.25])),
    st.builds(Close, ids),
    st.builds(SetMode, ids, st.sampled_from(["cross", "isolated"])),
    st.builds(AdjustMargin, ids, st.sampled_from([D(-50), D(100)])),
    st.builds(SetLeverage, ids, st.sampled_from([3, 10])),
    st.builds(Deposit, st.just(D(700))),
    st.builds(Withdraw, st.just(D(300))),
)


@settings(max_examples=120, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(available_profiles()), st.lists(steps, max_size=30))
def test_the_incremental_view_is_the_full_view(profile, script):
    a = Account(load_profile(profile), D(5000))
    for symbol, price in START.items():
        a.apply(Price(symbol, price), 0)
    for t, step in enumerate(script, start=1):
        if isinstance(step, tuple):
            symbol, pct = step
            tick = a.profile.instruments[symbol].tick_size
            step = Price(symbol, (a.marks[symbol] * D(1 + pct)).quantize(tick))
        a.apply(step, t)
        assert a.view() == a.copy().view()  # a copy computes everything afresh


def test_a_tick_recomputes_only_what_it_moved():
    a = Account(load_profile("binance-usdm"), D(100000))
    for symbol, price in START.items():
        a.apply(Price(symbol, price), 0)
    a.apply(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"), 0)
    a.apply(Open("ETHUSDT", "long", D(1), 10, "isolated"), 0)
    a.apply(Open("SOLUSDT", "short", D(10), 10, "cross"), 0)
    before = {p.id: p for p in a.view().positions}
    a.apply(Price("ETHUSDT", D(3100)), 1)
    after = {p.id: p for p in a.view().positions}
    assert after["p1"] is before["p1"]  # another symbol, isolated: kept as it was
    assert after["p2"] is not before["p2"] and after["p2"].mark_price == 3100
    assert after["p3"] is before["p3"]  # the pool did not move: no cross leg on ETH
    assert a.view() is a.view()  # nothing moved at all


@pytest.mark.parametrize("profile", available_profiles())
def test_the_numbers_the_tooltips_explain(profile):
    a = Account(load_profile(profile), D(100000))
    for symbol, price in START.items():
        a.apply(Price(symbol, price), 0)
    a.apply(Open("BTCUSDT", "long", D("0.5"), 7, "isolated"), 0)
    a.apply(Open("ETHUSDT", "short", D(3), 3, "cross"), 0)
    a.apply(Open("SOLUSDT", "long", D(20), 5, "isolated"), 0)
    a.apply(Price("BTCUSDT", D(61000)), 1)
    a.apply(Price("SOLUSDT", D(140)), 1)
    v = a.view()
    rules = a.profile.margin
    for p in v.positions:
        inst = a.profile.instruments[p.symbol]
        fee = p.qty * p.mark_price * inst.taker_fee if rules.fee_in_requirement else 0
        mm = p.maintenance_notional * p.maintenance_rate - p.maintenance_amount + fee
        assert p.maintenance_margin == mm.quantize(D("1e-8"), ROUND_CEILING)
        at_entry = rules.maintenance_basis == "entry"
        assert p.maintenance_notional == (p.qty * a.positions[p.id].entry if at_entry else p.notional)
        assert p.bracket_floor <= p.maintenance_notional < p.bracket_cap
        assert inst.bracket(p.maintenance_notional).maintenance_amount == p.maintenance_amount
        assert p.entry_margin == (a.positions[p.id].cost / p.leverage).quantize(D("1e-8"), ROUND_CEILING)
        assert p.roe == (p.unrealized_pnl / p.entry_margin).quantize(D("1e-8"))
    iso = sum(p.unrealized_pnl for p in v.positions if p.mode == "isolated")
    assert v.isolated_unrealized_pnl == iso != 0
    assert v.equity == v.total_wallet + v.cross_unrealized_pnl + v.isolated_unrealized_pnl


@pytest.mark.parametrize("profile", available_profiles())
def test_max_removable_is_exactly_what_may_be_removed(profile):
    a = Account(load_profile(profile), D(100000))
    a.apply(Price("BTCUSDT", D(60000)), 0)
    a.apply(Open("BTCUSDT", "long", D("0.5"), 10, "isolated"), 0)
    a.apply(Open("BTCUSDT", "long", D("0.1"), 10, "cross"), 0)
    a.apply(AdjustMargin("p1", D(2000)), 0)
    assert a.max_removable("p2") == a.max_removable("p9") == 0  # cross, unknown
    for price in (D(60000), D(63000), D(56500)):
        a.apply(Price("BTCUSDT", price), 1)
        most = a.max_removable("p1")
        trial = a.copy()
        rejected = trial.apply(AdjustMargin("p1", -(most + D("0.01"))), 2)[0]
        assert rejected.type == "rejected" and rejected.code == "remove_too_much"
        assert rejected.shortfall == D("0.01")
        if most > 0:
            assert a.copy().apply(AdjustMargin("p1", -most), 2)[0].type == "margin_adjusted"
    # the wallet keeps the initial margin: 2,000 added is what may go back at the entry price
    a.apply(Price("BTCUSDT", D(60000)), 3)
    assert a.max_removable("p1") == D(2000)
