"""Orders as session-format.md § Additions says, each rule a readable case (binance-usdm profile:
BTCUSDT tick 0.1, taker 0.05 %, maker 0.02 %, tier-1 MMR 0.4 %)."""

from decimal import Decimal as D

import pytest

from sandbox.engine import (
    Account,
    Cancel,
    Close,
    Liquidated,
    Open,
    Order,
    OrderCancelled,
    OrderFilled,
    Price,
    Withdraw,
)
from sandbox.profiles import load_profile
from sandbox.session.report import describe, report

PROFILE = load_profile("binance-usdm")


def new(balance="10000", btc="60000"):
    a = Account(PROFILE, D(balance))
    a.apply(Price("BTCUSDT", D(btc)), 0)
    return a


def ok(a, command, t=0):
    events = list(a.apply(command, t))
    assert events and events[0].type != "rejected", events
    return events


def rejected(a, command, code):
    before = a.view()
    events = list(a.apply(command, 0))
    assert [e.type for e in events] == ["rejected"] and events[0].code == code, events
    assert a.view() == before, "a rejection changed something"


def move(a, price, t=1):
    return list(a.apply(Price("BTCUSDT", D(price)), t))


def types(events):
    return [e.type for e in events]


def opening(kind, side, price, qty="0.1", lev=10, mode="cross", **kw):
    return Order(kind, D(price), "BTCUSDT", side, D(qty), lev, mode, **kw)


# ---------------------------------------------------------------------- when an order fills
# (kind, opens, side of the position, price, first mark that fills, a mark that does not)
TRIGGERS = [
    ("limit", True, "long", "59000", "59000", "59000.1"),  # buy limit: falls to or below
    ("stop", True, "long", "61000", "61000", "60999.9"),  # buy stop: rises to or above
    ("limit", True, "short", "61000", "61000", "60999.9"),  # sell limit: rises
    ("stop", True, "short", "59000", "59000", "59000.1"),  # sell stop: falls
    ("limit", False, "long", "61000", "61000", "60999.9"),  # closing a long sells: limit rises
    ("stop", False, "long", "59000", "59000", "59000.1"),  # stop-loss of a long: falls
    ("take_profit", False, "long", "61000", "61000", "60999.9"),  # profitable side of a long: up
    ("limit", False, "short", "59000", "59000", "59000.1"),  # closing a short buys: limit falls
    ("stop", False, "short", "61000", "61000", "60999.9"),  # stop-loss of a short: rises
    ("take_profit", False, "short", "59000", "59000", "59000.1"),  # profitable side of a short
]


@pytest.mark.parametrize(("kind", "opens", "side", "price", "fires", "rests"), TRIGGERS)
def test_every_kind_and_direction_fills_at_its_price_and_not_a_tick_before(
    kind, opens, side, price, fires, rests
):
    a = new()
    if opens:
        ok(a, opening(kind, side, price))
    else:
        ok(a, Open("BTCUSDT", side, D("0.1"), 10, "cross"))
        ok(a, Order(kind, D(price), position="p1"))
    assert not [e for e in move(a, rests) if isinstance(e, OrderFilled)]
    assert a.orders, "it must still rest"
    [filled] = [e for e in move(a, fires, 2) if isinstance(e, OrderFilled)]
    assert filled.kind == kind and filled.trigger_price == D(price) and not a.orders


def test_a_limit_fills_at_its_own_price_as_a_maker_a_stop_at_the_mark_as_a_taker():
    a = new()
    ok(a, opening("limit", "long", "59000"))
    ok(a, opening("stop", "short", "58000"))
    events = move(a, "57000")  # a gap through both
    fills = [e for e in events if isinstance(e, OrderFilled)]
    assert [(f.order, f.price, f.liquidity, f.fee) for f in fills] == [
        ("o1", D(59000), "maker", D("1.18")),  # 5,900 × 0.02 %
        ("o2", D(57000), "taker", D("2.85")),  # 5,700 × 0.05 %
    ]
    assert a.positions["p1"].entry == 59000 and a.positions["p2"].entry == 57000


def test_a_limit_already_better_than_the_mark_fills_at_once_at_the_mark_as_a_taker():
    a = new()
    events = ok(a, opening("limit", "long", "61000"))
    assert types(events) == ["order_placed", "order_filled", "opened"]
    assert (events[1].price, events[1].liquidity, events[1].fee) == (D(60000), "taker", D(3))
    assert not a.orders and a.positions["p1"].entry == 60000


def test_a_stop_or_take_profit_that_would_trigger_at_once_is_refused():
    a = new()
    rejected(a, opening("stop", "long", "59000"), "would_trigger_now")
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    rejected(a, Order("take_profit", D(59000), position="p1"), "would_trigger_now")
    rejected(a, Order("stop", D(61000), position="p1"), "would_trigger_now")
    rejected(a, opening("take_profit", "long", "59000"), "invalid_order")
    rejected(a, Order("stop", D("59000.05"), position="p1"), "invalid_price")  # off the 0.1 tick
    rejected(a, Order("stop", D(59000), position="p1", qty=D("0.2")), "invalid_quantity")
    rejected(a, Cancel("o9"), "unknown_order")


# ---------------------------------------------------------------------- reservations
def test_an_opening_order_reserves_its_margin_and_fee_and_a_cancel_frees_them():
    a = new()
    free = a.view().available
    [placed] = ok(a, opening("limit", "long", "59000"))
    assert placed.reserved == D(590) + D("2.95")  # 5,900 / 10 + 5,900 × 0.05 % (taker, the larger)
    assert a.view().available == free - placed.reserved and a.view().reserved == placed.reserved
    rejected(a, Withdraw(a.cross_wallet), "insufficient_available")  # the reservation counts
    [cancelled] = ok(a, Cancel("o1"), 1)
    assert (cancelled.reason, cancelled.released) == ("user", placed.reserved)
    assert a.view().available == free and a.cross_wallet == 10000


def test_an_order_the_available_balance_cannot_reserve_is_refused():
    a = new("1000")
    rejected(a, opening("limit", "long", "59000", qty="1"), "insufficient_available")


def test_an_opening_order_that_cannot_pay_when_it_triggers_is_cancelled():
    """A buy stop at 61,000 reserves for 61,000; the mark gaps to 90,000, where the fill (at the
    mark) needs far more than the account has."""
    a = new("700")
    ok(a, opening("stop", "long", "61000"))
    events = move(a, "90000")
    [cancelled] = [e for e in events if isinstance(e, OrderCancelled)]
    assert cancelled.reason == "insufficient_available" and not a.positions and not a.orders
    assert a.view().reserved == 0 and a.cross_wallet == 700
    assert "cancelled when it triggered" in describe(cancelled, a)


# ---------------------------------------------------------------------- closing orders
def test_a_closing_order_dies_with_its_position():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    ok(a, Order("stop", D(59000), position="p1"))
    ok(a, Order("take_profit", D(62000), position="p1"))
    events = ok(a, Close("p1"), 1)
    assert types(events) == ["closed", "order_cancelled", "order_cancelled"]
    assert {e.reason for e in events[1:]} == {"position_gone"} and not a.orders


def test_a_closing_order_larger_than_what_is_left_closes_what_is_left():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.3"), 10, "cross"))
    ok(a, Order("take_profit", D(62000), position="p1", qty=D("0.2")))
    ok(a, Close("p1", D("0.2")), 1)
    assert a.view().orders[0].qty == D("0.1")
    [filled] = [e for e in move(a, "62000", 2) if isinstance(e, OrderFilled)]
    assert filled.qty == D("0.1") and not a.positions


def test_a_take_profit_closes_at_the_mark_as_a_taker():
    a = new()
    ok(a, Open("BTCUSDT", "short", D("0.1"), 10, "isolated"))
    ok(a, Order("take_profit", D(58000), position="p1"))
    events = move(a, "57500")
    assert types(events) == ["order_filled", "closed"]
    assert events[1].realized_pnl == 250 and events[1].fee == D("2.875")


# ---------------------------------------------------------------------- before liquidation
def isolated_long_with_stop(stop):
    """0.1 BTC long at 60,000, 20× isolated (300 USDT), liquidation price 57,228.92."""
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    if stop is not None:
        ok(a, Order("stop", D(stop), position="p1"))
    return a


def test_a_stop_before_the_liquidation_price_closes_the_position_first_on_a_gapping_tick():
    """Mark 60,000 → 57,150 in one tick: past the stop at 57,500 and past the liquidation price
    57,228.92. Along the move the stop comes first: p1 closes at 57,150 and keeps what is left of
    its margin; without the stop the liquidation takes all 300 USDT."""
    a = isolated_long_with_stop("57500")
    assert a.liquidation_price("p1") == D("57228.91566265")
    cross = a.cross_wallet
    events = move(a, "57150")
    assert types(events) == ["order_filled", "closed"]
    filled, closed = events
    assert closed.realized_pnl == -285 and closed.fee == D("2.8575")
    assert a.cross_wallet - cross == D("12.1425")  # 300 − 285 − 2.8575 back to the cross wallet
    assert filled.liquidation_price == D("57228.91566265") and filled.margin == 300
    assert describe(filled, a) == (
        "the stop at 57,500.00 closed p1 before its liquidation price 57,228.90: "
        "lost 287.86 USDT instead of its 300.00 margin"
    )
    b = isolated_long_with_stop(None)
    [liq] = [e for e in move(b, "57150") if isinstance(e, Liquidated)]
    assert liq.wallet_before == 300 and b.cross_wallet == cross


def test_a_stop_beyond_the_liquidation_price_comes_too_late():
    a = isolated_long_with_stop("57200")
    events = move(a, "57150")
    assert types(events) == ["liquidated", "order_cancelled"] and events[1].reason == "position_gone"


def test_a_stop_past_the_bankruptcy_price_cannot_fill_and_the_liquidation_takes_the_position():
    a = isolated_long_with_stop("57500")
    events = move(a, "56000")  # the margin is gone before 57,000
    assert types(events) == ["order_cancelled", "liquidated"]
    assert events[0].reason == "rejected" and events[0].code == "beyond_margin"


# ---------------------------------------------------------------------- several at once
def test_one_move_fills_several_orders_by_price_along_the_move_then_placement():
    a = new("100000")
    ok(a, opening("limit", "long", "58000", order="late-low"))
    ok(a, opening("limit", "long", "59000", order="a"))
    ok(a, opening("limit", "long", "59000", order="b"))
    ok(a, opening("stop", "short", "59500", order="c"))
    fills = [e.order for e in move(a, "57000") if isinstance(e, OrderFilled)]
    assert fills == ["c", "a", "b", "late-low"]
    ok(a, Order("limit", D(59000), position="p1", order="up-2"))  # sells as the mark rises
    ok(a, Order("limit", D(58500), position="p2", order="up-1"))
    assert [e.order for e in move(a, "60000", 2) if isinstance(e, OrderFilled)] == ["up-1", "up-2"]


# ---------------------------------------------------------------------- ids, copies, report
def test_ids_are_assigned_in_order_and_an_opening_order_names_its_lot_when_placed():
    a = new()
    [placed] = ok(a, opening("limit", "long", "59000"))
    assert (placed.order, placed.position) == ("o1", "p1")
    [opened] = [e for e in ok(a, Open("BTCUSDT", "short", D("0.1"), 10, "cross")) if e.type == "opened"]
    assert opened.position == "p2"  # p1 is the order's
    move(a, "59000")
    assert set(a.positions) == {"p1", "p2"} and a.positions["p1"].side == "long"


def test_the_same_inputs_give_the_same_ids_and_events():
    """The engine side of the twins' rule for orders: an account fed the same inputs names the
    same orders and lots, whatever else it was asked in between (a preview changes nothing)."""

    def play(peek):
        a = new()
        out = []
        for t, c in enumerate(
            [
                opening("limit", "long", "59000"),
                Open("BTCUSDT", "long", D("0.1"), 5, "isolated"),
                Order("stop", D(58000), position="p2"),
                Price("BTCUSDT", D(58900)),
                opening("stop", "short", "57500", mode="isolated"),
                Price("BTCUSDT", D(57000)),
            ]
        ):
            if peek:
                a.preview(opening("limit", "short", "65000"), t)
            out += [e.to_dict() for e in a.apply(c, t)]
        return out

    assert play(False) == play(True)


def test_a_copy_holds_the_resting_orders_and_behaves_the_same():
    a = new()
    ok(a, opening("limit", "long", "59000"))
    ok(a, Open("BTCUSDT", "short", D("0.1"), 10, "isolated"))
    ok(a, Order("stop", D(61000), position="p2"))
    b = a.copy()
    assert b.view() == a.view() and b.view().orders == a.view().orders
    assert [e.to_dict() for e in move(a, "62000")] == [e.to_dict() for e in move(b, "62000")]
    assert [e.to_dict() for e in move(a, "58000", 2)] == [e.to_dict() for e in move(b, "58000", 2)]


def test_the_report_lists_resting_orders_with_the_contract_fields_first():
    a = new()
    ok(a, opening("limit", "long", "59000"))
    out = report(a, 0, [])["account"]
    assert list(out["orders"][0])[:8] == [
        "id",
        "kind",
        "symbol",
        "side",
        "qty",
        "price",
        "position",
        "reserved",
    ]
    assert out["orders"][0]["reserved"] == "592.95000000" and out["reserved"] == "592.95000000"
