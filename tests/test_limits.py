"""Numbers the engine cannot hold (issue 9): a command outside ``limits.py`` is rejected with
``out_of_range`` and a sentence, and nothing within the limits makes a decimal exception escape,
however extreme: prices at both ends, the largest quantities and amounts, the smallest, 1,000
positions, the highest leverage, prices far past bankruptcy."""

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
    text,
)
from sandbox.engine.limits import MAX_LEVERAGE, MAX_MONEY, MAX_PRICE, MAX_QTY, MIN_PRICE
from sandbox.profiles import InstrumentModel, load_profile

# An instrument as extreme as a header may make one: the finest tick and step the limits allow,
# the highest leverage, brackets up to the largest notional.
EXTREME = InstrumentModel.model_validate(
    {
        "symbol": "XUSDT",
        "tick_size": "0.00000001",
        "qty_step": "0.00000001",
        "taker_fee": "0.00000001",
        "liquidation_fee": "0.99999999",
        "brackets": [
            {"notional_floor": "0", "notional_cap": "1", "max_leverage": MAX_LEVERAGE, "mmr": "0.0001"},
            {"notional_floor": "1", "notional_cap": str(MAX_MONEY), "max_leverage": 1, "mmr": "0.99"},
        ],
    }
)
PROFILE = load_profile("binance-usdm", [EXTREME])


@pytest.mark.parametrize(
    "command",
    [
        Price("BTCUSDT", D("NaN")),
        Price("BTCUSDT", D("Infinity")),
        Price("BTCUSDT", D("1e400")),
        Price("BTCUSDT", D("1e-400")),
        Price("BTCUSDT", D(123456789012345678901234567890)),
        Price("BTCUSDT", D("60000.000000001")),
        Open("BTCUSDT", "long", D("1e400"), 10, "cross"),
        Open("BTCUSDT", "long", D("sNaN"), 10, "cross"),
        Open("BTCUSDT", "long", D("0.1"), 10**6, "cross"),
        Close("p1", D("Infinity")),
        SetMode("p1", "isolated", D("1e40")),
        AdjustMargin("p1", D("-1e40")),
        AdjustMargin("p1", D("NaN")),
        SetLeverage("p1", 10**9),
        Deposit(D("1e13")),
        Withdraw(D("-Infinity")),
    ],
    ids=repr,
)
def test_a_command_outside_the_limits_is_rejected_with_a_sentence(command):
    a = Account(PROFILE, D(10000))
    a.apply(Price("BTCUSDT", D(60000)), 0)
    a.apply(Open("BTCUSDT", "long", D("0.1"), 10, "cross"), 0)
    before = a.view()
    [event] = a.apply(command, 1)
    assert event.type == "rejected" and event.code == "out_of_range", event
    assert len(event.message) < 200 and a.view() == before


def test_a_balance_outside_the_limits_is_refused_in_words():
    for balance in (D("1e40"), D("NaN"), D(-1), D("0.000000001")):
        with pytest.raises(ValueError, match="balance"):
            Account(PROFILE, balance)


prices = st.one_of(
    st.sampled_from([MIN_PRICE, MIN_PRICE * 3, D(1), D(60000), MAX_PRICE, MAX_PRICE - MIN_PRICE]),
    st.decimals(MIN_PRICE, MAX_PRICE, places=8),
)
quantities = st.one_of(
    st.sampled_from([D("0.00000001"), D(1), MAX_QTY, MAX_QTY - D("0.00000001")]),
    st.decimals(D("0.00000001"), MAX_QTY, places=8),
)
amounts = st.one_of(
    st.sampled_from([D("0.00000001"), MAX_MONEY]), st.decimals(D("0.00000001"), MAX_MONEY, places=8)
)
ids = st.sampled_from(["p1", "p2", "p3"])
opens = st.builds(
    Open,
    st.just("XUSDT"),
    st.sampled_from(["long", "short"]),
    quantities,
    st.sampled_from([1, MAX_LEVERAGE, 2]),
    st.sampled_from(["cross", "isolated"]),
)
commands = st.one_of(
    opens,
    opens,
    st.builds(Price, st.just("XUSDT"), prices),
    st.builds(Price, st.just("XUSDT"), prices),
    st.builds(Close, ids, st.one_of(st.none(), quantities)),
    st.builds(SetMode, ids, st.sampled_from(["cross", "isolated"]), st.one_of(st.none(), amounts)),
    st.builds(AdjustMargin, ids, amounts),
    st.builds(AdjustMargin, ids, amounts.map(lambda x: -x)),
    st.builds(SetLeverage, ids, st.sampled_from([1, 7, MAX_LEVERAGE])),
    st.builds(Deposit, amounts),
    st.builds(Withdraw, amounts),
)


def read_everything(a: Account) -> None:
    """Everything a screen and the report would show, written out."""
    v = a.view()
    for value in v.to_dict().values():
        if isinstance(value, D):
            text.money(value)
    for p in v.positions:
        tick = a.profile.instruments[p.symbol].tick_size
        text.liquidation(p.liquidation_price, p.mark_price, tick)
        text.price(p.entry_price, tick)
        text.qty(p.qty)
        for value in p.to_dict().values():
            if isinstance(value, D):
                text.money(value)
    a.totals()
    for p in list(a.positions.values())[:5]:
        a.max_removable(p.id)
        a.liquidation_price(p.id)


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([MAX_MONEY, D(1000), D("0.00000001"), D(0)]),
    prices,
    st.lists(commands, min_size=5, max_size=25),
)
def test_nothing_within_the_limits_raises(balance, start, script):
    a = Account(PROFILE, balance)
    a.apply(Price("XUSDT", start), 0)
    for t, command in enumerate(script, start=1):
        a.apply(command, t)
        assert a.cross_wallet >= 0 and all(p.isolated_wallet >= 0 for p in a.positions.values())
        read_everything(a)


def test_a_thousand_positions_at_the_ends_of_the_price_range():
    a = Account(PROFILE, MAX_MONEY)
    a.apply(Price("XUSDT", MIN_PRICE), 0)
    for i in range(1000):
        side = "long" if i % 2 else "short"
        qty = MAX_QTY if i % 3 else D("0.00000001")
        events = a.apply(Open("XUSDT", side, qty, 1, "isolated" if i % 5 else "cross"), 0)
        assert events and events[0].type == "opened", events
    for t, price in enumerate([MAX_PRICE, MIN_PRICE, D("0.5"), MAX_PRICE, D(1)], start=1):
        a.apply(Price("XUSDT", price), t)
        read_everything(a)
    assert a.cross_wallet >= 0
