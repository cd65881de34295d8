"""Each supported layout and its variants, hand-made: header or not, ms or µs, zip or gzip, ISO
dates in their spellings, symbols from file names, exact decimal prices."""

import gzip
import zipfile
from decimal import Decimal as D

import pytest
from market_support import row_count

from sandbox.market import load_market_file
from sandbox.market.symbols import symbol_from_names

T0 = 1_735_689_600_000  # 2025-01-01 00:00 UTC
KLINE_HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore\n"
)


def klines(unit: int = 1, rows: int = 3) -> str:
    return "".join(
        f"{(T0 + i * 60_000) * unit},{100 + i}.5,{102 + i},{99 + i},{101 + i}.25,5,"
        f"{(T0 + i * 60_000 + 59_999) * unit},500,10,2,200,0\n"
        for i in range(rows)
    )


def write(path, text: str, how: str = "plain"):
    if how == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(path.with_suffix(".csv").name, text)
    elif how == "gzip":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("unit", [1, 1000], ids=["ms", "µs"])
@pytest.mark.parametrize("header", [False, True], ids=["no-header", "header"])
@pytest.mark.parametrize(
    "how, suffix", [("plain", ".csv"), ("zip", ".zip"), ("gzip", ".csv.gz")], ids=["csv", "zip", "gzip"]
)
def test_binance_klines_every_way_they_come(tmp_path, unit, header, how, suffix):
    path = write(
        tmp_path / f"SOLUSDT-1m-2025-01-01{suffix}", (KLINE_HEADER if header else "") + klines(unit), how
    )
    data = load_market_file(path)
    assert (data.symbol, data.kind, data.format, row_count(data)) == (
        "SOLUSDT",
        "candles",
        "binance-klines",
        3,
    )
    assert (data.origin_ms, data.interval_ms) == (T0, 60_000)
    assert [t.price for t in data.ticks()][:4] == [D("100.5"), D(99), D(102), D("101.25")]


def test_mark_price_klines_read_like_klines(tmp_path):
    """data.binance.vision markPriceKlines: the same 12 columns, volumes zero."""
    path = tmp_path / "BTCUSDT-1m-2024-03-01.csv"
    path.write_text(
        "1709251200000,61000.10,61100.00,60900.00,61050.00,0,1709251259999,0,60,0,0,0\n"
        "1709251260000,61050.00,61060.00,61000.00,61010.00,0,1709251319999,0,60,0,0,0\n"
    )
    data = load_market_file(path)
    assert data.format == "binance-klines" and row_count(data) == 2
    assert next(data.ticks()).price == D("61000.10")


@pytest.mark.parametrize(
    "header",
    ["", "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n"],
    ids=["no-header", "header"],
)
def test_aggtrades_one_tick_per_millisecond_at_its_last_price(tmp_path, header):
    body = (
        "1,61000.0,0.1,1,1,1709251200000,true\n"
        "2,61001.0,0.1,2,2,1709251200000,false\n"  # same ms: the last price stands
        "3,61001.0,0.2,3,3,1709251200007,False\n"  # same price again: no new tick
        "4,61002.5,0.1,4,4,1709251200500,True\n"
    )
    path = write(tmp_path / "BTCUSDT-aggTrades-2024-03-01.zip", header + body, "zip")
    data = load_market_file(path)
    assert (data.kind, data.format, row_count(data), data.origin_ms) == (
        "trades",
        "binance-aggtrades",
        4,  # the file's rows; its ticks are one per millisecond
        1709251200000,
    )
    assert [(t.t, t.price) for t in data.ticks()] == [(0, D("61001.0")), (500, D("61002.5"))]


def test_aggtrades_with_best_match_column_and_microseconds(tmp_path):
    path = tmp_path / "ETHUSDT-aggTrades-2025-01-01.csv"
    path.write_text(
        f"1,3300.01,1,1,1,{T0 * 1000 + 5},true,true\n2,3300.02,1,2,2,{T0 * 1000 + 2500},false,true\n"
    )
    assert [(t.t, t.price) for t in load_market_file(path).ticks()] == [(0, D("3300.01")), (2, D("3300.02"))]


@pytest.mark.parametrize(
    "time0, time1",
    [
        ("1704067200", "1704070800"),  # epoch seconds
        ("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"),
        ("2024-01-01T01:00:00+01:00", "2024-01-01T02:00:00+01:00"),  # an offset is honoured
        ("2024-01-01 00:00:00", "2024-01-01 01:00:00"),
        ("2024-01-01 00:00:00.000000", "2024-01-01 01:00:00.000000"),
        ("2024-01-01T00:00:00.000Z", "2024-01-01T01:00:00.000Z"),
    ],
)
def test_tradingview_exports_with_any_time_spelling(tmp_path, time0, time1):
    path = tmp_path / "BINANCE_XRPUSDT.P, 60.csv"
    path.write_text(
        f"time,open,high,low,close,Volume,Volume MA\n{time0},1,2,0.5,1.5,10,9\n{time1},1.5,2,1,1.2,10,9\n"
    )
    data = load_market_file(path)
    assert (data.symbol, data.format, data.origin_ms) == ("XRPUSDT", "tradingview", 1704067200000)
    assert data.interval_ms == 3_600_000


@pytest.mark.parametrize(
    "header, row",
    [
        ("timestamp,open,high,low,close,volume", "2024-01-01 00:00:00.250000,10,11,9,10.5,1"),
        ("Date,Open,High,Low,Close,Adj Close,Volume", "2024-01-01,10,11,9,10.5,10.5,1"),
        (
            "timestamp_ms,date,open,high,low,close,volume",
            "1704067200000,2024-01-01T00:00:00.000Z,10,11,9,10.5,",
        ),
        ("open_time;open;high;low;close", "1704067200000;10;11;9;10.5"),
        ("datetime\topen\thigh\tlow\tclose", "2024-01-01T00:00:00\t10\t11\t9\t10.5"),
        ('"unix","open","high","low","close"', '"1704067200000000","10","11","9","10.5"'),
    ],
)
def test_generic_ohlcv_headers(tmp_path, header, row):
    data = load_market_file(write(tmp_path / "x.csv", f"{header}\n{row}\n"), symbol="btcusdt")
    assert (data.symbol, data.format, row_count(data)) == ("BTCUSDT", "ohlcv-csv", 1)
    assert data.origin_ms // 1000 == 1704067200
    assert [t.price for t in data.ticks()] == [D(10), D(9), D(11), D("10.5")]


def test_headerless_ohlcv_rows_and_blank_lines_and_crlf(tmp_path):
    path = tmp_path / "BTCUSDT-1m.csv"
    path.write_bytes(b"\r\n1704067200,10,11,9,10.5,3\r\n\r\n1704067260,10.5,12,10,11,3\r\n")
    data = load_market_file(path)
    assert (data.format, row_count(data), data.interval_ms) == ("ohlcv-csv", 2, 60_000)


def test_lean_bars_take_their_date_from_the_name_inside_or_outside_the_zip(tmp_path):
    rows = "0,17204,17207.6,17203.9,17207.6,4242\n60000,17207.5,17219.8,17207.5,17219.8,17069\n"
    inner = tmp_path / "20221213_trade.zip"  # LEAN's own layout: btcusd/20221213_trade.zip
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("20221213_btcusd_minute_trade.csv", rows)
    data = load_market_file(inner)
    assert (data.symbol, data.format, data.origin_ms) == ("BTCUSDT", "lean-trade-bars", 1670889600000)
    assert load_market_file(write(tmp_path / "ethusdt_20230102_trade.csv", rows)).origin_ms == 1672617600000


def test_prices_are_the_files_digits_exactly_to_eight_decimals(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        "time,open,high,low,close\n"
        # 17 significant digits: floats cannot tell these apart, decimals can
        "1700000000,123456789.12345679,123456789.12345680,123456789.12345677,123456789.12345678\n"
        # more than 8 decimals (float noise, as freqtrade writes): rounded half to even
        "1700000060,0.1,0.30000000000000004,0.1,0.299999995\n"
        "1700000120,0.3,0.300000025,0.3,0.3\n"
    )
    prices = [t.price for t in load_market_file(path, "XRPUSDT").ticks()]
    # The first candle's open is nearer its high (1e-8 away) than its low (2e-8 away).
    assert [str(p) for p in prices] == [
        "123456789.12345679",
        "123456789.12345680",
        "123456789.12345677",
        "123456789.12345678",
        "0.1",
        "0.3",  # 0.30000000000000004, then 0.299999995 rounds up to it: no new tick
        "0.30000002",  # 0.300000025: a tie, to the even digit
        "0.3",
    ]


@pytest.mark.parametrize(
    "name, symbol",
    [
        ("BTCUSDT-1m-2024-01-01.zip", "BTCUSDT"),
        ("BTCUSDT-aggTrades-2024-01-01.csv", "BTCUSDT"),
        ("ETHUSDT-5m-2025-06.zip", "ETHUSDT"),
        ("BTCUSD_PERP-1m-2024-01-01.zip", "BTCUSDT"),
        ("freqtrade_XRP_USDT_USDT-5m-futures.csv", "XRPUSDT"),
        ("BTC_USDT-1h.csv", "BTCUSDT"),
        ("BINANCE_SOLUSDT.P, 15 (1).csv", "SOLUSDT"),
        ("nautilus_ftx_btc-perp-20211231-20220201_1m.csv", "BTCUSDT"),
        ("ETH-PERP.csv", "ETHUSDT"),
        ("lean_binance_cryptofuture_btcusd_20221213_trade.zip", "BTCUSDT"),
        ("20221213_btcusd_minute_quote_perp.csv", "BTCUSDT"),
        ("prices.csv", None),
    ],
)
def test_symbols_from_file_names(name, symbol):
    assert symbol_from_names(name) == symbol


def test_the_symbol_argument_wins_over_the_name(tmp_path):
    path = write(tmp_path / "BTCUSDT-1m-2025-01-01.csv", klines())
    assert load_market_file(path, " ethusdt ").symbol == "ETHUSDT"
