"""Funding: real settlements from the XRP files, the wallet each profile pays from, the
liquidation price moving by exactly what the formula says, and a payment an isolated wallet cannot
cover (the research notes' F1–F5)."""

from decimal import ROUND_CEILING, ROUND_FLOOR
from decimal import Decimal as D
from pathlib import Path

import pytest

from sandbox.engine import Account, Funding, FundingSettled, Liquidated, Open, Price
from sandbox.market import Simulator, load_market_file
from sandbox.market.funding import load_funding_file
from sandbox.profiles import load_profile
from sandbox.session.reader import read_session
from sandbox.session.report import describe
from sandbox.session.runner import new_account
from sandbox.session.sources import FundingMerge, with_funding, write_funded_session

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")
MARK = DATA / "freqtrade_XRP_USDT_USDT-1h-mark.csv"
RATES = DATA / "freqtrade_XRP_USDT_USDT-8h-funding_rate.csv"
BINANCE = load_profile("binance-usdm")

# §2.6 of the notes: the settlement, its session time, and the mark: the open of the 1 h mark
# candle that starts at the settlement hour.
XRP = [
    (237_600_017, D("1.09503"), D("0.109503")),
    (266_400_007, D("1.10725"), D("0.110725")),
    (295_200_011, D("1.05591"), D("0.105591")),
    (324_000_000, D("1.04093"), D("0.104093")),
    (352_800_000, D("1.04239"), D("0.104239")),
]


def xrp_session(tmp_path):
    out = tmp_path / "xrp.jsonl"
    count, merge = write_funded_session(out, load_market_file(MARK), load_funding_file(RATES))
    assert (count, merge.merged, merge.before, merge.after) == (381, 5, 0, 86)
    return read_session(out)


def replay_with(session, command):
    """The session with ``command`` right after the first price, event by event."""
    account = new_account(session.header)
    seen = []
    for i, (t, symbol, x) in enumerate(session.items()):
        events = account.set_mark(t, symbol, x) if symbol is not None else account.apply(x, t)
        seen += [(t, account.marks.get("XRPUSDT"), e) for e in events]
        if i == 0:
            assert next(iter(account.apply(command, t))).type == "opened"
    return account, seen


@pytest.mark.parametrize("mode", ["isolated", "cross"])
def test_f1_the_xrp_settlements_pay_rate_times_qty_times_mark_from_the_right_wallet(tmp_path, mode):
    session = xrp_session(tmp_path)
    rates = {t: x.rate for t, s, x in session.items() if s is None}
    assert list(rates) == [t for t, _, _ in XRP]  # the rows after the last price were dropped
    account, seen = replay_with(session, Open("XRPUSDT", "long", D(1000), 5, mode))
    settled = [(t, mark, e) for t, mark, e in seen if isinstance(e, FundingSettled)]
    assert len(settled) == 5
    for (t, mark, e), (when, candle_open, pay) in zip(settled, XRP):
        assert (t, mark, e.mark) == (when, candle_open, candle_open)  # the price came first
        [payment] = e.payments
        assert payment.amount == rates[t] * 1000 * candle_open == pay
        assert (payment.isolated, payment.cross) == ((pay, 0) if mode == "isolated" else (0, pay))
    assert account.positions["p1"].funding == D("0.534151")
    assert account.ledger.funding == D("0.534151")
    assert account.ledger.balance() == account.total_wallet


def test_f1_a_short_receives_the_same_amounts(tmp_path):
    _, seen = replay_with(xrp_session(tmp_path), Open("XRPUSDT", "short", D(1000), 5, "isolated"))
    paid = [e.payments[0].amount for _, _, e in seen if isinstance(e, FundingSettled)]
    assert paid == [-pay for _, _, pay in XRP]
    assert describe(next(e for _, _, e in seen if isinstance(e, FundingSettled))).startswith(
        "funding XRPUSDT 0.0100 % at 1.10: p1 received 0.11"
    )


def test_f2_each_payment_moves_the_isolated_liquidation_price_by_exactly_pay_over_995(tmp_path):
    """binance-usdm XRPUSDT tier 1 (MMR 0.5 %): long 1000 at 1.20932, 5× → wallet 241.864 and
    LP = (W − 1209.32) / (−995); each payment raises it by pay / 995; after five, wallet
    241.329849 and LP 0.97285442311557788944…"""
    account, seen = replay_with(xrp_session(tmp_path), Open("XRPUSDT", "long", D(1000), 5, "isolated"))
    wallet = D("241.864")
    for _, _, e in seen:
        if isinstance(e, FundingSettled):
            wallet -= e.payments[0].amount
    assert account.positions["p1"].isolated_wallet == wallet == D("241.329849")
    exact = (wallet - D("1209.32")) / D(-995)
    assert account.liquidation_price("p1") == exact.quantize(D("1e-8"), ROUND_FLOOR)
    assert str(exact)[:14] == "0.972854423115"


def test_the_liquidation_price_moves_by_the_payment_over_the_formula_s_divisor_short():
    a = Account(BINANCE, D(1000))
    a.apply(Price("XRPUSDT", D("1.20932")), 0)
    a.apply(Open("XRPUSDT", "short", D(1000), 5, "isolated"), 0)
    before = a.liquidation_price("p1")
    a.apply(Funding("XRPUSDT", D("0.0001")), 1)  # a short receives 0.120932
    assert a.positions["p1"].isolated_wallet == D("241.864") + D("0.120932")
    exact = (a.positions["p1"].isolated_wallet + D("1209.32")) / D(1005)
    assert a.liquidation_price("p1") == exact.quantize(D("1e-8"), ROUND_CEILING) > before


def test_f3_bybit_s_published_funding_execution():
    """bybit-exchange/docs v5 execution sample: 0.011 BTC at mark 28,399.90, rate −0.00203714: the
    short pays 0.636400295146, which Bybit prints as 0.6364003 (7 dp) and the engine books as
    0.63640030 (8 dp)."""
    a = Account(load_profile("bybit"), D(1000))
    a.apply(Price("BTCUSDT", D("28399.9")), 0)
    a.apply(Open("BTCUSDT", "short", D("0.011"), 10, "cross"), 0)
    [e] = a.apply(Funding("BTCUSDT", D("-0.00203714")), 1)
    assert e.payments[0].amount == D("0.63640030")
    assert D("0.011") * D("28399.90") * D("0.00203714") == D("0.636400295146")


def test_bybit_takes_isolated_funding_from_the_available_balance_first():
    a = Account(load_profile("bybit"), D(700))
    a.apply(Price("BTCUSDT", D(60000)), 0)
    a.apply(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"), 0)  # 600 isolated, fee 3.30
    free = a.withdrawable()
    [e] = a.apply(Funding("BTCUSDT", D("0.01")), 1)  # pays 60
    assert (e.payments[0].cross, e.payments[0].isolated) == (D(60), 0) and free == D("96.7")
    [e] = a.apply(Funding("BTCUSDT", D("0.01")), 2)  # 36.70 left in the cross wallet
    assert (e.payments[0].cross, e.payments[0].isolated) == (D("36.7"), D("23.3"))
    assert a.cross_wallet == 0 and a.positions["p1"].isolated_wallet == D("576.7")
    assert a.ledger.balance() == a.total_wallet


def test_f4_a_payment_the_isolated_margin_cannot_cover_liquidates_at_the_funding():
    """binance-usdm BTCUSDT, long 1 BTC at 60,000, 20× (3,000), mark 57,300 (equity 300 > MM
    229.2). Funding 0.2 % pays 114.60: wallet 2,885.40, equity 185.40 ≤ 229.20: liquidated at
    the funding, at 57,300: realised −2,700, fee min(716.25, 185.40) = 185.40 to the fund; the
    cross wallet untouched. Its liquidation price was 57,228.92 and became 57,343.98."""
    a = Account(BINANCE, D(4000))
    a.apply(Price("BTCUSDT", D(60000)), 0)
    a.apply(Open("BTCUSDT", "long", D(1), 20, "isolated"), 0)
    a.apply(Price("BTCUSDT", D(57300)), 1)
    trial = a.copy()
    trial.apply(Price("BTCUSDT", D(57500)), 1)  # where the paid position still stands
    trial.positions["p1"].isolated_wallet -= D("114.6")
    trial._refresh_symbol("BTCUSDT")
    assert trial.liquidation_price("p1") == D("57343.97590361")
    cross = a.cross_wallet
    settled, liquidated = a.apply(Funding("BTCUSDT", D("0.002")), 2)
    assert isinstance(settled, FundingSettled) and settled.payments[0].amount == D("114.6")
    assert isinstance(liquidated, Liquidated)
    assert (liquidated.price, liquidated.realized_pnl, liquidated.fee) == (D(57300), D(-2700), D("185.4"))
    assert liquidated.liquidation_price == D("57228.91566265") and liquidated.wallet_before == D("2885.4")
    assert a.cross_wallet == cross and a.insurance_fund == D("185.4") and not a.positions
    assert a.ledger.balance() == a.total_wallet


def test_a_payment_an_isolated_wallet_cannot_hold_liquidates_even_in_profit():
    a = Account(BINANCE, D(1000))
    a.apply(Price("BTCUSDT", D(60000)), 0)
    a.apply(Open("BTCUSDT", "short", D("0.01"), 100, "isolated"), 0)  # 6 USDT of margin
    a.apply(Price("BTCUSDT", D(59000)), 1)  # 10 USDT in profit
    events = list(a.apply(Funding("BTCUSDT", D("-0.02")), 2))  # the short pays 11.80
    assert [e.type for e in events] == ["funding", "liquidated"]
    assert a.cross_wallet >= 0 and a.ledger.balance() == a.total_wallet


def test_funding_rows_outside_the_prices_are_dropped_and_equal_times_come_after_the_price():
    ticks = load_market_file(MARK).ticks()
    funding = load_funding_file(RATES)
    merge = FundingMerge()
    items = list(with_funding(ticks, funding, 1636956000000, "XRPUSDT", merge))
    at = [i for i, (t, s, _) in enumerate(items) if s is None]
    for i in at:
        assert items[i - 1][1] == "XRPUSDT" and items[i - 1][0] <= items[i][0]
    assert [items[i][0] for i in at] == [t for t, _, _ in XRP] and merge.after == 86


def test_the_simulator_settles_funding_every_8_hours_the_same_for_a_seed_and_leaves_prices_alone():
    a = list(Simulator(seed=5, step_ms=60_000).events(17 * 3_600_000))
    b = list(Simulator(seed=5, step_ms=60_000).events(17 * 3_600_000))
    assert a == b
    settled = [x for x in a if x[1] is None]
    assert [(t, f.symbol) for t, _, f in settled] == [
        (t, s) for t in (28_800_000, 57_600_000) for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT")
    ]
    assert all(-D("0.003") <= f.rate <= D("0.003") for _, _, f in settled)
    plain = list(Simulator(seed=5, step_ms=60_000, funding_interval_ms=None).ticks(17 * 3_600_000))
    assert [x for x in a if x[1] is not None] == plain
