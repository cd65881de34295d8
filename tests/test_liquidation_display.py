"""The one display rule for a liquidation price (issue 8, item 9): ``text.liquidation_at_tick``
and ``text.liquidation``. What they show must be what the engine does: walking the mark one tick
at a time toward the shown price, the position is liquidated exactly at the shown tick and never
a tick before, for longs and shorts, cross and isolated, a cross hedge's two legs, under every
profile."""

from decimal import ROUND_CEILING, ROUND_FLOOR
from decimal import Decimal as D

import pytest

from sandbox.engine import Account, Liquidated, Open, Price, text
from sandbox.profiles import available_profiles, load_profile

CASES = [
    # (side, mode, balance): isolated at 20×; cross with a small wallet so the pool dies near
    ("long", "isolated", "10000"),
    ("short", "isolated", "10000"),
    ("long", "cross", "3500"),
    ("short", "cross", "3500"),
]


def opened(profile: str, balance: str, *orders) -> Account:
    a = Account(load_profile(profile), D(balance))
    a.apply(Price("BTCUSDT", D(60000)), 0)
    for side, qty, mode in orders:
        events = a.apply(Open("BTCUSDT", side, D(qty), 20, mode), 0)
        assert events[0].type == "opened", events
    return a


def walk(a: Account, pid: str) -> None:
    """Move BTC one tick at a time toward the shown price; it must fire there and not before."""
    tick = a.profile.instruments["BTCUSDT"].tick_size
    view = next(p for p in a.view().positions if p.id == pid)
    shown = text.liquidation_at_tick(view.liquidation_price, view.mark_price, tick)
    assert shown is not None and shown % tick == 0
    assert text.liquidation(view.liquidation_price, view.mark_price, tick) == text.price(shown, tick)
    mark = a.marks["BTCUSDT"]
    down = shown < mark
    price = (mark / tick).to_integral_value(ROUND_FLOOR if down else ROUND_CEILING) * tick
    step = -tick if down else tick
    for t in range(1, 200_000):
        price += step
        fired = any(
            isinstance(e, Liquidated) and pid in e.positions for e in a.apply(Price("BTCUSDT", price), t)
        )
        if price == shown:
            assert fired, f"the shown {shown} did not liquidate {pid}"
            return
        assert not fired, f"{pid} liquidated at {price}, a tick before the shown {shown}"
    pytest.fail("never reached the shown price")


@pytest.mark.parametrize("profile", available_profiles())
@pytest.mark.parametrize("side, mode, balance", CASES)
def test_the_shown_tick_is_where_it_fires_and_not_a_tick_before(profile, side, mode, balance):
    walk(opened(profile, balance, (side, "1", mode)), "p1")


@pytest.mark.parametrize("profile", available_profiles())
def test_both_legs_of_a_cross_hedge_show_and_fire_at_the_pools_price(profile):
    a = opened(profile, "5000", ("long", "1", "cross"), ("short", "0.5", "cross"))
    long_, short = a.view().positions
    assert long_.liquidation_price == short.liquidation_price < long_.mark_price
    walk(a.copy(), "p1")
    walk(a, "p2")


def test_what_the_rule_reads():
    tick = D("0.1")
    assert text.liquidation(None, D(60000), tick) == "—"
    assert text.liquidation(D("57236.18421053"), D(60000), tick) == "57,236.10"  # below: down
    assert text.liquidation(D("62736.31840796"), D(60000), tick) == "62,736.40"  # above: up
    assert text.liquidation(D("120000.1"), D(60000), tick) == "none within reach"
    assert text.liquidation(D(120000), D(60000), tick) == "120,000.00"
    assert text.liquidation_at_tick(D("0.04"), D(60000), tick) is None  # below the first tick
