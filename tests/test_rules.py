"""Each rule of ../shared/reference/engine-rules.md as a readable case (binance-usdm profile)."""

from decimal import Decimal as D

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
from sandbox.profiles import load_profile

PROFILE = load_profile("binance-usdm")


def new(balance="10000", rules="sandbox", **marks):
    a = Account(PROFILE, D(balance), rules)
    for symbol, price in (marks or {"BTCUSDT": "60000", "ETHUSDT": "3000"}).items():
        a.apply(Price(symbol, D(price)), 0)
    return a


def do(a, command, t=0):
    return list(a.apply(command, t))


def ok(a, command, t=0):
    events = do(a, command, t)
    assert events and events[0].type != "rejected", events
    return events


def rejected(a, command, code):
    before = a.view()
    events = do(a, command)
    assert [e.type for e in events] == ["rejected"] and events[0].code == code, events
    assert a.view() == before, "a rejection changed something"
    return events[0]


def conserved(a):
    assert a.ledger.balance() == a.cross_wallet + a.isolated_wallets


def test_opening_charges_the_taker_fee_and_isolated_moves_its_margin():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    assert a.positions["p1"].isolated_wallet == D(600)
    assert a.cross_wallet == D(10000) - D(600) - D(3)  # 6,000 notional × 0.05 % = 3
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    assert a.cross_wallet == D(10000) - D(600) - D(6)
    v = a.view()
    assert v.available == a.cross_wallet - D(600)  # cross initial margin counts against it
    conserved(a)


def test_positions_are_independent_lots_and_increases_average_the_entry():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    ok(a, Open("BTCUSDT", "short", D("0.1"), 10, "isolated"))
    a.apply(Price("BTCUSDT", D(62000)), 1)
    events = ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "cross", position="p1"))
    assert events[0].increase and a.positions["p1"].entry == D(61000) and a.positions["p1"].qty == D("0.2")
    assert len(a.positions) == 2
    rejected(a, Open("BTCUSDT", "short", D("0.1"), 10, "cross", position="p1"), "position_mismatch")


def test_partial_and_full_close_realise_pnl_and_release_isolated_margin():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.2"), 10, "isolated"))
    a.apply(Price("BTCUSDT", D(61000)), 1)
    events = ok(a, Close("p1", D("0.1")))
    assert events[0].realized_pnl == D(100) and events[0].released_margin == D(600)
    assert a.positions["p1"].isolated_wallet == D(600)
    ok(a, Close("p1"))
    assert "p1" not in a.positions
    conserved(a)


def test_isolated_liquidation_takes_exactly_its_margin_and_nothing_else():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    ok(a, Open("ETHUSDT", "short", D(1), 5, "cross"))
    cross_before, other_before = a.cross_wallet, a.view().positions[1]
    lp = a.liquidation_price("p1")
    events = do(a, Price("BTCUSDT", lp))
    assert [e.type for e in events] == ["liquidated"]
    liq = events[0]
    assert liq.mode == "isolated" and liq.wallet_before == D(300) and liq.wallet_after == 0
    assert a.cross_wallet == cross_before
    assert (
        a.view().positions[0].id == "p2"
        and a.view().positions[0].isolated_wallet == other_before.isolated_wallet
    )
    assert liq.insurance_fund == liq.wallet_before + liq.realized_pnl  # what was left went to the fund
    conserved(a)


def test_cross_liquidation_closes_every_cross_position_and_spares_isolated_ones():
    a = new("1000")
    ok(a, Open("BTCUSDT", "long", D("0.1"), 20, "cross"))
    ok(a, Open("ETHUSDT", "long", D(1), 20, "cross"))
    ok(a, Open("ETHUSDT", "short", D("0.1"), 5, "isolated"))
    lp = a.liquidation_price("p1")
    events = do(a, Price("BTCUSDT", lp))
    assert [e.type for e in events] == ["liquidated"]
    assert events[0].positions == ("p1", "p2") and events[0].mode == "cross"
    assert list(a.positions) == ["p3"]
    assert a.cross_wallet >= 0
    conserved(a)


def test_a_gap_past_bankruptcy_is_covered_by_the_insurance_fund():
    a = new("1000")
    ok(a, Open("BTCUSDT", "long", D("0.1"), 50, "cross"))
    events = do(a, Price("BTCUSDT", D(40000)))  # far below bankruptcy
    liq = events[0]
    assert a.cross_wallet == 0 and liq.fee == 0
    assert a.ledger.insurance_payouts > 0 and liq.insurance_fund == -a.ledger.insurance_payouts
    conserved(a)


def test_sandbox_mode_switch_funds_from_available_and_round_trips_exactly():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    before = a.view()
    ok(a, SetMode("p1", "isolated"))
    assert a.positions["p1"].isolated_wallet == D(600)
    ok(a, SetMode("p1", "cross"))
    assert a.view() == before
    ok(a, SetMode("p1", "isolated", D(900)))
    assert a.positions["p1"].isolated_wallet == D(900)
    rejected(a, SetMode("p1", "isolated"), "same_mode")


def test_mode_switch_shortfall_and_instant_liquidation_are_rejected_with_numbers():
    a = new("700")
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    r = rejected(a, SetMode("p1", "isolated", D(800)), "insufficient_available")
    assert r.shortfall > 0 and "USDT more available balance" in r.message
    b = new()
    ok(b, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    b.apply(Price("BTCUSDT", D(56000)), 1)  # 400 unrealised loss
    r = rejected(b, SetMode("p1", "isolated", D(100)), "would_liquidate")
    assert "more margin" in r.message


def test_exchange_rules_refuse_switching_and_lowering_isolated_leverage():
    a = new(rules="exchange")
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    r = rejected(a, SetMode("p1", "cross"), "mode_switch_refused")
    assert "-4048" in r.message
    rejected(a, SetLeverage("p1", 5), "leverage_decrease_refused")
    ok(a, SetLeverage("p1", 20))
    rejected(a, Open("BTCUSDT", "short", D("0.1"), 10, "cross"), "mode_conflict")


def test_adjusting_isolated_margin():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    lp_before = a.liquidation_price("p1")
    events = ok(a, AdjustMargin("p1", D(200)))
    assert a.positions["p1"].isolated_wallet == D(800) and events[0].liquidation_price < lp_before
    ok(a, AdjustMargin("p1", D(-200)))
    r = rejected(a, AdjustMargin("p1", D(-1)), "remove_too_much")  # at the initial margin already
    assert "at most 0.00 USDT" in r.message
    ok(a, Open("ETHUSDT", "long", D(1), 10, "cross"))
    rejected(a, AdjustMargin("p2", D(10)), "not_isolated")
    rejected(a, AdjustMargin("p1", D(100000)), "insufficient_available")


def test_leverage_change_resizes_the_isolated_wallet():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    cross = a.cross_wallet
    ok(a, SetLeverage("p1", 5))
    assert a.positions["p1"].isolated_wallet == D(1200) and a.cross_wallet == cross - D(600)
    ok(a, SetLeverage("p1", 20))
    assert a.positions["p1"].isolated_wallet == D(300)
    conserved(a)


def test_leverage_above_the_bracket_maximum_names_both_numbers():
    a = new("1000000")
    r = rejected(a, Open("BTCUSDT", "long", D(10), 125, "cross"), "leverage_above_max")
    assert r.message == ("leverage 125× is above 100×, the maximum for a 600,000.00 USDT BTCUSDT position")


def test_other_rejections():
    a = new()
    rejected(a, Open("BTCUSDT", "long", D(100), 10, "cross"), "insufficient_available")
    rejected(a, Open("BTCUSDT", "long", D("0.0001"), 10, "cross"), "invalid_quantity")
    rejected(a, Open("XRPUSDT", "long", D(1), 10, "cross"), "no_price")
    rejected(a, Open("FOOUSDT", "long", D(1), 10, "cross"), "unknown_symbol")
    rejected(a, Close("p9"), "unknown_position")
    rejected(a, Withdraw(D(20000)), "insufficient_available")
    ok(a, Deposit(D(5)))
    ok(a, Withdraw(D(10005)))
    assert a.cross_wallet == 0
    conserved(a)


def test_preview_does_not_change_the_account():
    a = new()
    before = a.view()
    trial, events = a.preview(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    assert events[0].type == "opened" and trial.view().positions and a.view() == before


def test_a_1x_long_cannot_be_liquidated():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 1, "isolated"))
    assert a.liquidation_price("p1") is None
    assert do(a, Price("BTCUSDT", D("0.1"))) == []


def test_a_cross_hedge_on_one_symbol_shares_one_liquidation_price():
    a = new("2000")
    ok(a, Open("BTCUSDT", "long", D("0.2"), 20, "cross"))
    ok(a, Open("BTCUSDT", "short", D("0.1"), 20, "cross"))
    v = {p.id: p for p in a.view().positions}
    assert v["p1"].liquidation_price is not None and v["p2"].liquidation_price is not None
    # net long: walking down liquidates the pool at the long's price, and nothing fires above it
    assert do(a, Price("BTCUSDT", v["p1"].liquidation_price + D("0.1"))) == []
    assert do(a, Price("BTCUSDT", v["p1"].liquidation_price))[0].type == "liquidated"


# ---- No command creates money (issue 8): each case the independent checker found, as a rule


def total(a):
    """Everything the user and the insurance fund hold between them."""
    return a.total_wallet + a.insurance_fund


def test_1_raising_isolated_leverage_resizes_the_wallet_and_never_below_zero():
    for rules in ("sandbox", "exchange"):
        a = new("10000", rules)
        ok(a, Open("BTCUSDT", "short", D("0.1"), 1, "isolated"))  # wallet 6,000, fee 3
        a.apply(Price("BTCUSDT", D(30000)), 1)
        ok(a, AdjustMargin("p1", D(-3000)))  # keeps the initial margin at the mark (3,000)
        events = ok(a, SetLeverage("p1", 5))
        # re-sized to the new initial margin at entry, 0.1 × 60,000 / 5: not −1,800
        assert events[0].isolated_wallet == a.positions["p1"].isolated_wallet == D(1200), rules
        a.apply(Price("BTCUSDT", D(60000)), 2)
        assert total(a) == D(10000) - 3, rules  # the price is back: only the fee is gone (was 11,797)
        conserved(a)


def test_1b_a_leverage_round_trip_moves_margin_back_to_the_cent():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 3, "isolated"))  # 2,000
    ok(a, SetLeverage("p1", 7))
    assert a.positions["p1"].isolated_wallet == D("857.14285715")  # 6,000 / 7 rounded up
    ok(a, SetLeverage("p1", 3))
    assert a.positions["p1"].isolated_wallet == D(2000)  # not 2,000.00000001
    ok(a, AdjustMargin("p1", D(500)))
    ok(a, SetLeverage("p1", 6))
    assert a.positions["p1"].isolated_wallet == D(1500)  # margin you added stays


def test_2_unrealised_profit_cannot_be_withdrawn():
    a = new("1000")
    ok(a, Open("BTCUSDT", "long", D(1), 100, "cross"))  # fee 30: cross wallet 970
    a.apply(Price("BTCUSDT", D(70000)), 1)  # 10,000 unrealised profit
    r = rejected(a, Withdraw(D(5000)), "insufficient_available")  # 10,270 available; 970 in the wallet
    assert r.shortfall == D(4030) and "unrealised profit cannot be moved or withdrawn" in r.message
    assert a.available() > 5000 and a.withdrawable() == D(970)
    ok(a, Withdraw(D(970)))
    a.apply(Price("BTCUSDT", D(60000)), 2)  # the pool is liquidated; the wallet stops at zero
    assert a.cross_wallet == 0 and total(a) == D(1000) - 30 - 970 + a.ledger.realized_pnl
    conserved(a)


def test_3_cross_to_isolated_is_funded_from_the_available_balance():
    a = new("4030")
    ok(a, Open("BTCUSDT", "long", D(1), 20, "cross"))  # initial margin 3,000, fee 30
    a.apply(Price("BTCUSDT", D(58000)), 1)  # 2,000 down: nothing available
    assert a.available() == 0
    r = rejected(a, SetMode("p1", "isolated"), "insufficient_available")
    assert r.shortfall == D(3000) and "needs 3,000.00 USDT more available balance" in r.message
    # with the money there, the round trip is accepted both ways and changes no number
    b = new("10000")
    ok(b, Open("BTCUSDT", "long", D(1), 20, "cross"))
    b.apply(Price("BTCUSDT", D(58000)), 1)
    before = b.view()
    ok(b, SetMode("p1", "isolated"))
    ok(b, SetMode("p1", "cross"))
    assert b.view() == before


def test_4_raising_a_cross_leverage_is_never_refused_for_lack_of_available_balance():
    a = new("4030")
    ok(a, Open("BTCUSDT", "long", D(1), 20, "cross"))
    a.apply(Price("BTCUSDT", D(57000)), 1)
    assert a.available() == 0
    ok(a, SetLeverage("p1", 25))  # lowers the requirement
    r = rejected(a, SetLeverage("p1", 10), "insufficient_available")  # raises it: needs money
    assert r.shortfall > 0


def test_5_realised_pnl_is_exact_however_large_the_position():
    a = new("12000000", DOGEUSDT="0.15")
    ok(a, Open("DOGEUSDT", "long", D(100_000_000), 4, "cross"))
    a.apply(Price("DOGEUSDT", D("0.15001")), 1)
    ok(a, Open("DOGEUSDT", "long", D(200_000_000), 4, "cross", position="p1"))
    assert a.view().positions[0].entry_price == D("0.15000667")  # shown rounded, kept exact
    a.apply(Price("DOGEUSDT", D("0.16")), 2)
    b = a.copy()
    closed = ok(a, Close("p1"))[0]
    assert closed.realized_pnl == D(2998000)  # 300 M × 0.16 − (15,000,000 + 30,002,000)
    # in parts, the same to the last digit
    parts = [ok(b, Close("p1", D(q)))[0].realized_pnl for q in (100_000_000, 77_777_777, 122_222_223)]
    assert sum(parts) == D(2998000)


def test_6_hyperliquid_returns_an_isolated_liquidations_leftover():
    a = Account(load_profile("hyperliquid"), D(10000))
    a.apply(Price("BTCUSDT", D(60000)), 0)
    ok(a, Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))  # wallet 300, no liquidation fee
    cross = a.cross_wallet
    lp = a.liquidation_price("p1")
    liq = do(a, Price("BTCUSDT", lp.quantize(D(1), rounding="ROUND_FLOOR")))[0]
    left = liq.wallet_before + liq.realized_pnl
    assert liq.type == "liquidated" and left > 0 and liq.fee == 0
    assert a.cross_wallet == cross + left and a.insurance_fund == 0 and liq.returned == left
    conserved(a)


def test_6_bybit_values_initial_margin_at_entry():
    a = Account(load_profile("bybit"), D(10000))
    a.apply(Price("BTCUSDT", D(20000)), 0)
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    ok(a, Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    a.apply(Price("BTCUSDT", D(25000)), 1)
    cross, iso = a.view().positions
    assert cross.initial_margin == iso.initial_margin == D(200)  # entry value / leverage, not 250
    assert a.available() == a.cross_wallet + cross.unrealized_pnl - 200
    # removing margin keeps the initial margin at entry: 200 of the 200 + 500 uPnL may not go
    assert a.max_removable("p2") == 0
    ok(a, AdjustMargin("p2", D(50)))
    assert a.max_removable("p2") == D(50)


def test_7_a_position_above_the_last_brackets_cap_is_refused():
    a = new("1000000000", DOGEUSDT="0.25")
    r = rejected(a, Open("DOGEUSDT", "long", D(900_000_000), 1, "cross"), "position_too_large")
    assert "225,000,000.00 USDT" in r.message and "200,000,000.00 USDT" in r.message
    ok(a, Open("DOGEUSDT", "long", D(600_000_000), 1, "cross"))  # 150 M: below the cap
    rejected(a, Open("DOGEUSDT", "long", D(300_000_000), 1, "cross", position="p1"), "position_too_large")


def test_8_a_cross_hedge_shows_one_pool_price_for_both_legs():
    a = new("10000")
    ok(a, Open("BTCUSDT", "long", D(1), 20, "cross"))
    ok(a, Open("BTCUSDT", "short", D("0.5"), 20, "cross"))
    long_, short = a.view().positions
    assert long_.liquidation_price == short.liquidation_price  # was 40,576.92 and 3,371,775,820.00
    assert long_.liquidation_price.quantize(D("0.01")) == D("40576.92")
    # a flat hedge: the pool dies only where maintenance outgrows the wallet, far above
    b = new("10000")
    ok(b, Open("BTCUSDT", "long", D(1), 20, "cross"))
    ok(b, Open("BTCUSDT", "short", D(1), 20, "cross"))
    p = b.view().positions[0]
    assert p.liquidation_price > 2 * p.mark_price
    assert text.liquidation(p.liquidation_price, p.mark_price, D("0.1")) == "none within reach"


def test_10_views_hold_no_28_digit_quotients():
    a = new()
    ok(a, Open("BTCUSDT", "long", D("0.1"), 3, "cross"))  # initial margin 6,000.01 / 3
    ok(a, Open("ETHUSDT", "short", D(1), 7, "isolated"))
    a.apply(Price("BTCUSDT", D("60000.1")), 1)
    v = a.view()
    numbers = [x for x in v.to_dict().values() if isinstance(x, D)]
    numbers += [x for p in v.positions for x in p.to_dict().values() if isinstance(x, D)]
    long_ones = [x for x in numbers if x.as_tuple().exponent < -8]
    assert numbers and not long_ones, long_ones
    # 9,566.92857142 + 0.01 − 2,000.00333334 (0.1 × 60,000.1 / 3 rounded up): no 28-digit quotient
    assert v.available == a.available() == D("7566.93523808")


def test_10_events_carry_no_negative_zero():
    a = new()
    ok(a, Open("ETHUSDT", "short", D(1), 7, "isolated"))
    events = ok(a, Close("p1"))  # a short closed at its entry: realised 0, not −0
    for e in events:
        for value in e.to_dict().values():
            if isinstance(value, D):
                assert not (value.is_zero() and value.is_signed()), e
