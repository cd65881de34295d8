"""The published worked examples of ../shared/reference/margin-math.md, to the cent, through the
Python API and through session files and the command line."""

import json
import subprocess
import sys
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from tables import BTC_2021, BTC_2024, ETH_2021, instrument, profile

from sandbox.engine import Account, Bracket, Instrument, MaintenanceBasis, MarginRules, Open, Price, Profile


def cents(x):
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def account(prof, balance, marks):
    a = Account(prof, D(balance))
    for symbol, price in marks.items():
        a.apply(Price(symbol, D(price)), 0)
    return a


def opened(a, *args):
    events = a.apply(Open(*args), 0)
    assert events[0].type == "opened", events
    return events[0].position


def test_binance_isolated_long_and_short_at_60000_20x():  # §1.4 (b)
    a = account(profile(instrument("BTCUSDT", BTC_2024)), "10000", {"BTCUSDT": "60000"})
    long_id = opened(a, "BTCUSDT", "long", D(1), 20, "isolated")
    short_id = opened(a, "BTCUSDT", "short", D(1), 20, "isolated")
    views = {p.id: p for p in a.view().positions}
    assert cents(views[long_id].liquidation_price) == D("57236.18")
    assert cents(views[short_id].liquidation_price) == D("62736.32")
    assert views[long_id].bankruptcy_price == D(57000) and views[short_id].bankruptcy_price == D(63000)


def test_binance_bracket_crossing_picks_the_bracket_at_the_liquidation_price():  # §1.4 (c)
    a = account(profile(instrument("BTCUSDT", BTC_2024)), "100000", {"BTCUSDT": "60500"})
    pid = opened(a, "BTCUSDT", "long", D(10), 10, "isolated")
    assert cents(a.liquidation_price(pid)) == D("54718.59")


def _binance_cross_example():
    prof = profile(instrument("BTCUSDT", BTC_2021, taker="0"), instrument("ETHUSDT", ETH_2021, taker="0"))
    a = account(prof, "1535443.01", {"BTCUSDT": "32481.98", "ETHUSDT": "1456.84"})
    btc = opened(a, "BTCUSDT", "long", D("109.488"), 10, "cross")
    eth = opened(a, "ETHUSDT", "long", D("3683.979"), 10, "cross")
    a.apply(Price("BTCUSDT", D("31967.27")), 1)
    a.apply(Price("ETHUSDT", D("1335.18")), 1)
    return a, btc, eth


def test_binance_two_position_cross_example():  # §1.4 (a)
    a, btc, eth = _binance_cross_example()
    view = a.view()
    by = {p.id: p for p in view.positions}
    assert cents(by[btc].maintenance_margin) == D("71200.81")
    assert cents(by[eth].maintenance_margin) == D("356512.51")
    assert cents(by[btc].liquidation_price) == D("26316.89")
    assert cents(by[eth].liquidation_price) == D("1153.26")
    assert (view.cross_margin_ratio * 100).quantize(D("0.01")) == D("41.49")


def test_dydx_isolated_short():  # §5: e = 1,000, short 3 ETH at 3,000, MMF 5 % → 3,174.60
    eth = Instrument(
        "ETHUSD", D("0.1"), D("0.001"), D(0), D(0), D(0), (Bracket(D(0), D(10) ** 12, 20, D("0.05")),)
    )
    a = account(Profile("dydx", "dYdX", {"ETHUSD": eth}), "10000", {"ETHUSD": "3000"})
    pid = opened(a, "ETHUSD", "short", D(3), 10, "isolated")
    a.apply(__import__("sandbox.engine", fromlist=["AdjustMargin"]).AdjustMargin(pid, D(100)), 0)
    assert a.positions[pid].isolated_wallet == D(1000)
    assert cents(a.liquidation_price(pid)) == D("3174.60")


@pytest.mark.parametrize("side, max_lev", [("long", 40), ("short", 40), ("long", 3), ("short", 50)])
def test_hyperliquid_formula(side, max_lev):  # §4: MM = N/(2·max_lev); LP = p − s·margin_avail/q/(1 − l·s)
    mmr = D(1) / (2 * max_lev)
    inst = Instrument("BTC", D(1), D("0.001"), D(0), D(0), D(0), (Bracket(D(0), D(10) ** 12, max_lev, mmr),))
    a = account(Profile("hl", "hl", {"BTC": inst}), "100000", {"BTC": "60000"})
    lev = max(2, max_lev // 2)  # a 1× long cannot be liquidated (shown "—")
    pid = opened(a, "BTC", side, D("0.5"), lev, "isolated")
    s = 1 if side == "long" else -1
    q, p, margin = D("0.5"), D(60000), D("0.5") * 60000 / lev
    available = margin - q * p * mmr  # isolated margin minus maintenance at the current price
    mmr_hl = 1 / (2 * D(max_lev))
    expected = p - s * available / q / (1 - mmr_hl * s)
    assert abs(a.liquidation_price(pid) - expected) < D("0.00000002")


def test_bybit_classic_values_maintenance_at_entry():  # §2.1: 20,000 at 50×, MMR 0.5 % → 19,700
    inst = Instrument(
        "BTCUSDT", D("0.5"), D("0.001"), D(0), D(0), D(0), (Bracket(D(0), D(2_000_000), 100, D("0.005")),)
    )
    rules = MarginRules(MaintenanceBasis.ENTRY)
    a = account(Profile("bybit", "Bybit", {"BTCUSDT": inst}, rules), "1000", {"BTCUSDT": "20000"})
    pid = opened(a, "BTCUSDT", "long", D(1), 50, "isolated")
    assert a.liquidation_price(pid) == D(19700)
    b = account(Profile("bybit", "Bybit", {"BTCUSDT": inst}, rules), "1000", {"BTCUSDT": "10000"})
    pid = opened(b, "BTCUSDT", "long", D(1), 50, "isolated")  # IM 200, MM 50: a 150 loss liquidates
    assert b.liquidation_price(pid) == D(9850) and b.view().positions[0].bankruptcy_price == D(9800)
    # Binance's structure on the same inputs gives 19,698.49 (margin-math §2.1)
    c = account(Profile("bn", "bn", {"BTCUSDT": inst}), "1000", {"BTCUSDT": "20000"})
    pid = opened(c, "BTCUSDT", "long", D(1), 50, "isolated")
    assert cents(c.liquidation_price(pid)) == D("19698.49")


def test_okx_gate_isolated_formula_with_the_fee_in_the_requirement():  # §3
    inst = Instrument(
        "BTC-USDT",
        D("0.1"),
        D("0.01"),
        D("0.0005"),
        D("0.0002"),
        D(0),
        (Bracket(D(0), D(10) ** 12, 100, D("0.004")),),
    )
    rules = MarginRules(fee_in_requirement=True)
    a = account(Profile("okx", "OKX", {"BTC-USDT": inst}, rules), "10000", {"BTC-USDT": "60000"})
    long_id = opened(a, "BTC-USDT", "long", D(1), 20, "isolated")
    short_id = opened(a, "BTC-USDT", "short", D(1), 20, "isolated")
    m, q, e, k = D(3000), D(1), D(60000), D("0.004") + D("0.0005")
    assert abs(a.liquidation_price(long_id) - (e - m / q) / (1 - k)) < D("0.00000002")
    assert abs(a.liquidation_price(short_id) - (e + m / q) / (1 + k)) < D("0.00000002")


# ---- the same examples through session files and the command line


def _session(tmp_path, name, instruments, balance, lines):
    header = {
        "format": "margin-sandbox-session",
        "version": 1,
        "profile": "binance-usdm",
        "balance": balance,
        "instruments": instruments,
    }
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(x) for x in [header, *lines]) + "\n")
    return path


def _brackets(table):
    return [
        {"notional_floor": str(f), "notional_cap": str(c), "max_leverage": lev, "mmr": m}
        for f, c, lev, m in table
    ]


def replay_json(path):
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "replay", str(path), "--json"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_isolated_examples_through_a_session_file(tmp_path):
    path = _session(
        tmp_path,
        "iso.jsonl",
        [{"symbol": "BTCUSDT", "brackets": _brackets(BTC_2024)}],
        "100000",
        [
            {"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"},
            {
                "t": 0,
                "type": "open",
                "symbol": "BTCUSDT",
                "side": "long",
                "qty": "1",
                "leverage": 20,
                "mode": "isolated",
            },
            {
                "t": 0,
                "type": "open",
                "symbol": "BTCUSDT",
                "side": "short",
                "qty": "1",
                "leverage": 20,
                "mode": "isolated",
            },
            {"t": 1, "type": "price", "symbol": "BTCUSDT", "price": "60500"},
            {
                "t": 1,
                "type": "open",
                "symbol": "BTCUSDT",
                "side": "long",
                "qty": "10",
                "leverage": 10,
                "mode": "isolated",
            },
        ],
    )
    positions = {p["id"]: p for p in replay_json(path)["account"]["positions"]}
    assert cents(D(positions["p1"]["liquidation_price"])) == D("57236.18")
    assert cents(D(positions["p2"]["liquidation_price"])) == D("62736.32")
    assert cents(D(positions["p3"]["liquidation_price"])) == D("54718.59")


def test_cross_example_through_a_session_file_and_until(tmp_path):
    path = _session(
        tmp_path,
        "cross.jsonl",
        [
            {"symbol": "BTCUSDT", "taker_fee": "0", "brackets": _brackets(BTC_2021)},
            {"symbol": "ETHUSDT", "taker_fee": "0", "brackets": _brackets(ETH_2021)},
        ],
        "1535443.01",
        [
            {"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "32481.98"},
            {"t": 0, "type": "price", "symbol": "ETHUSDT", "price": "1456.84"},
            {
                "t": 0,
                "type": "open",
                "symbol": "BTCUSDT",
                "side": "long",
                "qty": "109.488",
                "leverage": 10,
                "mode": "cross",
            },
            {
                "t": 0,
                "type": "open",
                "symbol": "ETHUSDT",
                "side": "long",
                "qty": "3683.979",
                "leverage": 10,
                "mode": "cross",
            },
            {"t": 1000, "type": "price", "symbol": "BTCUSDT", "price": "31967.27"},
            {"t": 1000, "type": "price", "symbol": "ETHUSDT", "price": 1335.18},
            {"t": 2000, "type": "price", "symbol": "BTCUSDT", "price": "26316.8"},
        ],
    )
    report = replay_json(path)
    assert [e["type"] for e in report["events"]] == ["opened", "opened", "liquidated"]
    liq = report["events"][2]
    assert liq["mode"] == "cross" and liq["positions"] == ["p1", "p2"]
    assert cents(D(liq["liquidation_price"])) == D("26316.89")
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "replay", str(path), "--json", "--until", "1500"],
        capture_output=True,
        text=True,
    )
    early = json.loads(out.stdout)
    assert early["t"] == 1500
    by = {p["id"]: p for p in early["account"]["positions"]}
    assert cents(D(by["p1"]["liquidation_price"])) == D("26316.89")
    assert cents(D(by["p2"]["liquidation_price"])) == D("1153.26")
    assert (D(early["account"]["cross_margin_ratio"]) * 100).quantize(D("0.01")) == D("41.49")
