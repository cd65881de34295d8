"""Real market-data files from ../shared/data and hand-made variants of each format."""

import io
import itertools
import zipfile
from decimal import Decimal

import pytest
from conftest import SHARED

from sandbox.market import MarketDataError, load_market_file

DATA = SHARED / "data"


@pytest.mark.parametrize(
    "name, symbol, fmt, rows, first_open, last_close",
    [
        ("nautilus_ftx_btc-perp-20211231-20220201_1m.csv", "BTCUSDT", "ohlcv-csv", 45031, "46319.0", None),
        ("freqtrade_XRP_USDT_USDT-5m-futures.csv", "XRPUSDT", "ohlcv-csv", 1999, "1.1893", None),
        ("freqtrade_XRP_USDT_USDT-1h-mark.csv", "XRPUSDT", "ohlcv-csv", 100, "1.20932", None),
        (
            "lean_binance_cryptofuture_btcusd_20221213_trade.zip",
            "BTCUSDT",
            "lean-trade-bars",
            1439,
            "17204",
            None,
        ),
        (
            "lean_binance_cryptofuture_btcusd_20221213_trade.csv",
            "BTCUSDT",
            "lean-trade-bars",
            1439,
            "17204",
            None,
        ),
        (
            "lean_binance_cryptofuture_btcusd_20221213_quote.zip",
            "BTCUSDT",
            "lean-quote-bars",
            1104,
            "17203.95",
            None,
        ),
        (
            "nautilus_binance_spot_ADABTC-1m-2021-11-27.csv",
            "ADABTC",
            "binance-klines",
            10,
            "0.00002853",
            None,
        ),
    ],
)
def test_every_shared_price_file_imports(name, symbol, fmt, rows, first_open, last_close):
    data = load_market_file(DATA / name)
    assert (data.symbol, data.format, len(data)) == (symbol, fmt, rows)
    ticks = list(data.ticks())
    assert ticks[0].t == 0 and ticks[0].price == Decimal(first_open)
    assert all(a.t <= b.t for a, b in itertools.pairwise(ticks))
    assert all(isinstance(t.price, Decimal) for t in ticks)


def test_lean_dates_come_from_the_file_name():
    data = load_market_file(DATA / "lean_binance_cryptofuture_btcusd_20221213_trade.csv")
    assert data.origin_ms == 1670889600000  # 2022-12-13 00:00 UTC
    assert data.interval_ms == 60_000


def test_ftx_range_matches_its_readme():
    data = load_market_file(DATA / "nautilus_ftx_btc-perp-20211231-20220201_1m.csv")
    closes = [Decimal(r[3]) for r in data.rows]
    assert min(closes) == Decimal(33061) and max(closes) == Decimal(47988)
    assert data.interval_ms == 60_000


def test_intrabar_path_visits_open_nearer_extreme_other_extreme_close(tmp_path):
    f = tmp_path / "ETHUSDT-1m.csv"
    f.write_text(
        "time,open,high,low,close\n"
        "1700000000,100,101,90,95\n"  # open nearer the high: high first
        "1700000060,95,110,94,108\n"
    )  # open nearer the low: low first
    ticks = list(load_market_file(f).ticks())
    assert [(t.t, str(t.price)) for t in ticks] == [
        (0, "100"),
        (15000, "101"),
        (30000, "90"),
        (45000, "95"),
        (75000, "94"),
        (90000, "110"),
        (105000, "108"),
    ]


def test_binance_klines_without_header_in_microseconds_zipped(tmp_path):
    rows = "\n".join(
        f"{(1735689600000 + i * 60000) * 1000},{100 + i},{101 + i},{99 + i},{100.5 + i},5,"
        f"{(1735689659999 + i * 60000) * 1000},500,10,2,200,0"
        for i in range(3)
    )
    z = tmp_path / "SOLUSDT-1m-2025-01-01.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("SOLUSDT-1m-2025-01-01.csv", rows + "\n")
    data = load_market_file(z)
    assert (data.symbol, data.format, len(data), data.origin_ms) == (
        "SOLUSDT",
        "binance-klines",
        3,
        1735689600000,
    )


def test_binance_klines_with_header(tmp_path):
    f = tmp_path / "BTCUSDT-5m-2024-03-01.csv"
    f.write_text(
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
        "taker_buy_quote_volume,ignore\n"
        "1709251200000,61000.1,61100,60900,61050,1,1709251499999,1,1,1,1,0\n"
    )
    assert load_market_file(f).format == "binance-klines"


def test_aggtrades_collapse_trades_of_one_millisecond(tmp_path):
    f = tmp_path / "BTCUSDT-aggTrades-2024-03-01.csv"
    f.write_text(
        "1,61000.0,0.1,1,1,1709251200000,true,true\n"
        "2,61001.0,0.1,2,2,1709251200000,false,true\n"
        "3,61002.5,0.1,3,3,1709251200500,true,true\n"
    )
    data = load_market_file(f)
    assert data.kind == "trades"
    assert [(t.t, str(t.price)) for t in data.ticks()] == [(0, "61001.0"), (500, "61002.5")]


def test_tradingview_export_with_iso_dates(tmp_path):
    f = tmp_path / "export.csv"
    f.write_text(
        "time,open,high,low,close,Volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n"
        "2024-01-01T01:00:00Z,1.5,2,1,1.2,10\n"
    )
    data = load_market_file(f, symbol="XRPUSDT")
    assert data.origin_ms == 1704067200000 and data.interval_ms == 3_600_000


@pytest.mark.parametrize(
    "body, line, words",
    [
        (
            "time,open,high,low,close\n1700000000,100,101,90,95\n1700000060,1O0,110,94,108\n",
            3,
            "not a number",
        ),
        ("time,open,high,low,close\n1700000000,100,90,101,95\n", 2, "high 90 is below low 101"),
        (
            "time,open,high,low,close\n1700000060,100,101,90,95\n1700000000,100,101,90,95\n",
            3,
            "does not come after",
        ),
        ("time,open,high,low,close\n2022-13-45,100,101,90,95\n", 2, "neither a number nor a date"),
        ("date,price\n2024-01-01,5\n", 1, "lacks open, high, low, close"),
        ("1,2,3\n", 1, "unrecognised layout"),
        ("time,open,high,low,close\n", 1, "no data rows"),
    ],
)
def test_bad_files_get_one_sentence_with_the_line(tmp_path, body, line, words):
    f = tmp_path / "BTCUSDT-1m-x.csv"
    f.write_text(body)
    with pytest.raises(MarketDataError) as err:
        load_market_file(f)
    assert err.value.line == line and words in err.value.message
    assert str(err.value).startswith(f"{f}:{line}: ")


def test_other_bad_inputs(tmp_path):
    empty = tmp_path / "BTCUSDT-1m.csv"
    empty.write_text("\n\n")
    with pytest.raises(MarketDataError, match="empty"):
        load_market_file(empty)
    cut = tmp_path / "BTCUSDT-1m-2024.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", (DATA / "nautilus_binance_spot_ADABTC-1m-2021-11-27.csv").read_text())
    cut.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(MarketDataError, match="damaged or cut short"):
        load_market_file(cut)
    with pytest.raises(MarketDataError, match="feather"):
        load_market_file(DATA / "freqtrade_XRP_USDT_USDT-5m-futures.feather")
    with pytest.raises(MarketDataError, match="funding-rate"):
        load_market_file(DATA / "freqtrade_XRP_USDT_USDT-8h-funding_rate.csv")
    nameless = tmp_path / "prices.csv"
    nameless.write_text("time,open,high,low,close\n1700000000,1,2,0.5,1\n")
    with pytest.raises(MarketDataError, match="pass --symbol"):
        load_market_file(nameless)


def test_a_wick_to_a_price_ticks_at_that_price_inside_its_candle():
    """For any threshold, the first tick at or below it belongs to the first candle whose low
    reaches it: a liquidation price touched by a wick fires in that candle."""
    data = load_market_file(DATA / "nautilus_ftx_btc-perp-20211231-20220201_1m.csv")
    ticks = list(data.ticks())
    for threshold in (Decimal(45000), Decimal(40000), Decimal(35000), Decimal(33000)):
        candle = next(i for i, r in enumerate(data.rows) if Decimal(r[2]) <= threshold)
        tick = next(t for t in ticks if t.price <= threshold)
        assert (
            (data.times[candle] - data.origin_ms) <= tick.t < (data.times[candle] - data.origin_ms) + 60_000
        )
