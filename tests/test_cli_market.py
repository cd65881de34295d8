"""simulate, import and replay of real data through the command line, and one crash day under
four exchange profiles."""

import json
import subprocess
import sys
from decimal import Decimal as D

import pytest
from conftest import SHARED
from market_support import rows_of

from sandbox.cli import main
from sandbox.engine import Open
from sandbox.market import load_market_file
from sandbox.session.compare import compare
from sandbox.session.inputs import Inputs
from sandbox.session.reader import Session, read_session
from sandbox.session.sources import market_header

FTX = SHARED / "data" / "nautilus_ftx_btc-perp-20211231-20220201_1m.csv"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "sandbox", *map(str, args)], capture_output=True, text=True)


def test_simulate_is_byte_identical_for_a_seed(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    for out, seed in ((a, 7), (b, 7), (c, 8)):
        assert (
            main(
                [
                    "simulate",
                    "-o",
                    str(out),
                    "--seed",
                    str(seed),
                    "--duration",
                    "5m",
                    "--scenario",
                    "flash-crash",
                    "--symbols",
                    "BTCUSDT,ETHUSDT",
                ]
            )
            == 0
        )
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    session = read_session(a)
    assert session.end <= 300_000 and {cmd.symbol for cmd in session.commands} == {"BTCUSDT", "ETHUSDT"}


def test_simulate_bad_arguments_exit_2(tmp_path):
    out = cli("simulate", "-o", tmp_path / "x.jsonl", "--symbols", "FOOUSDT")
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "FOOUSDT" in out.stderr
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize(
    "name",
    [
        "lean_binance_cryptofuture_btcusd_20221213_trade.zip",
        "freqtrade_XRP_USDT_USDT-5m-futures.csv",
        "nautilus_binance_spot_ADABTC-1m-2021-11-27.csv",
    ],
)
def test_import_then_replay(tmp_path, name):
    out = tmp_path / "s.jsonl.gz"
    args = ["import", SHARED / "data" / name, "-o", out]
    if "ADABTC" in name:
        args += ["--symbol", "ADAUSDT"]
    assert cli(*args).returncode == 0
    session = read_session(out)
    assert len(session) > 0 and session.header.meta["origin_ms"] > 1_600_000_000_000
    report = json.loads(cli("replay", out, "--json").stdout)
    assert report["t"] == session.end and report["account"]["total_wallet"] == "10000"


def test_replay_reads_market_files_directly():
    out = cli("replay", SHARED / "data" / "lean_binance_cryptofuture_btcusd_20221213_trade.zip", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["t"] == 86_370_000


def test_import_of_a_bad_file_is_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "BTCUSDT-1m-bad.csv"
    bad.write_text("time,open,high,low,close\n1700000000,100,90,101,95\n")
    out = cli("import", bad, "-o", tmp_path / "out.jsonl")
    assert out.returncode == 2 and out.stderr == f"margin-sandbox: {bad}:2: high 90 is below low 101\n"
    assert not (tmp_path / "out.jsonl").exists()


def _ftx_with_long(leverage=20, mode="isolated"):
    """The FTX file's ticks with a long opened right after the first."""
    data = load_market_file(FTX)
    ticks = data.ticks()
    inputs = Inputs()
    inputs.extend([next(ticks), (0, None, Open("BTCUSDT", "long", D("0.1"), leverage, mode))])
    inputs.extend(ticks)
    return data, Session(data.path, market_header(data), inputs=inputs)


def test_a_20x_isolated_long_on_ftx_dies_in_the_candle_whose_low_reaches_its_price():
    data, session = _ftx_with_long()
    cmp = compare(session, ["binance-usdm"])
    outcome = cmp.outcomes[1]["binance-usdm"]
    lp = outcome.liquidation_price
    rows = rows_of(data)
    candle = next(i for i, row in enumerate(rows.texts) if D(row[2]) <= lp)
    start = rows.times[candle] - data.origin_ms
    assert start <= outcome.liquidated_at < start + 60_000
    assert outcome.liquidated_price <= lp


def test_one_crash_day_under_four_profiles_differs_as_the_formulas_say():
    """Entry 46,319, 0.1 BTC, 20×: isolated wallet 231.595. Binance and OKX value maintenance at
    the liquidation price, Bybit at entry, Hyperliquid at half the initial margin at max leverage."""
    data, session = _ftx_with_long()
    names = ["binance-usdm", "bybit", "okx", "hyperliquid"]
    cmp = compare(session, names)
    by = {n: cmp.outcomes[1][n] for n in names}
    e, q, w = D("46319.0"), D("0.1"), D("231.595")
    expected = {
        "binance-usdm": (q * e - w - 0) / (q * (1 - D("0.004"))),  # bracket 1: 0.4 %, cum 0
        "bybit": e - (w - q * e * D("0.005")) / q,  # tier 1: 0.5 % of the entry value
        "okx": (e - w / q) / (1 - (D("0.004") + D("0.0005"))),  # tier 1 mmr + taker fee
        "hyperliquid": (q * e - w) / (q * (1 - D(1) / 80)),  # 40× max → mmr 1/80
    }
    for name in names:
        assert abs(by[name].liquidation_price - expected[name]) < D("0.01"), name
        # each profile liquidates at the first tick at or below its own price
        first = next(t for t in data.ticks() if t.price <= by[name].liquidation_price)
        assert by[name].liquidated_at == first.t, name
    order = sorted(names, key=lambda n: by[n].liquidation_price)
    assert order == ["binance-usdm", "okx", "bybit", "hyperliquid"]


def test_compare_on_the_command_line(tmp_path):
    _, session = _ftx_with_long()
    path = tmp_path / "ftx.jsonl"
    from sandbox.session.jsonlines import write_session
    from sandbox.session.model import event_dict

    write_session(
        path,
        session.header.to_dict(),
        [event_dict(int(t), c) for t, c in zip(session.times[:20000], session.commands[:20000])],
    )
    out = cli("replay", path, "--compare", "binance-usdm,bybit,okx,hyperliquid")
    assert out.returncode == 0, out.stderr
    assert "p1 BTCUSDT long" in out.stdout and "liquidated t=" in out.stdout
    js = json.loads(cli("replay", path, "--compare", "binance-usdm,bybit", "--json").stdout)
    assert (
        js["profiles"] == ["binance-usdm", "bybit"] and js["positions"][0]["profiles"]["bybit"]["id"] == "p1"
    )
    bad = cli("replay", path, "--compare", "binance-usdm,nope")
    assert bad.returncode == 2 and "unknown profile 'nope'" in bad.stderr
