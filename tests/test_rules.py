"""Each rule of ../shared/reference/engine-rules.md as a readable case (binance-usdm profile)."""

from decimal import Decimal as D

from sandbox.engine import Account, AdjustMargin, Close, Deposit, Open, Price, SetLeverage, SetMode, Withdraw
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
