"""Every real market-data file in ../shared/data imports, with the facts its README states; the
bundled sample is the shared file, byte for byte."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal as D
from itertools import pairwise
from pathlib import Path

import pytest
from market_support import rows_of

from sandbox.market import MarketDataError, PriceTick, load_market_file

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FTX = DATA / "nautilus_ftx_btc-perp-20211231-20220201_1m.csv"
LEAN_TRADE = "lean_binance_cryptofuture_btcusd_20221213_trade"


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 1000


@pytest.fixture(scope="module")
def ftx():
    data = load_market_file(FTX)
    return rows_of(data), list(data.ticks())


# name, symbol, format, rows, first row (o, h, l, c), last close, lowest low, highest high
FILES = [
    (
        "nautilus_ftx_btc-perp-20211231-20220201_1m.csv",
        "BTCUSDT",
        "ohlcv-csv",
        45031,
        ("46319.0", "46385.0", "46319.0", "46377.0"),
        "38544.0",
        "32837.0",
        "48080.0",
    ),
    (
        "freqtrade_XRP_USDT_USDT-5m-futures.csv",
        "XRPUSDT",
        "ohlcv-csv",
        1999,
        ("1.1893", "1.1954", "1.1891", "1.1941"),
        "1.0713",
        "1.0145",
        "1.2214",
    ),
    (
        "freqtrade_XRP_USDT_USDT-1h-mark.csv",
        "XRPUSDT",
        "ohlcv-csv",
        100,
        ("1.20932", "1.21787", "1.20763", "1.21431"),
        "1.06051",
        "1.01557",
        "1.2198",
    ),
    (
        f"{LEAN_TRADE}.zip",
        "BTCUSDT",
        "lean-trade-bars",
        1439,
        ("17204", "17207.6", "17203.9", "17207.6"),
        "17779.7",
        "17078.9",
        "18227.8",
    ),
    (
        f"{LEAN_TRADE}.csv",
        "BTCUSDT",
        "lean-trade-bars",
        1439,
        ("17204", "17207.6", "17203.9", "17207.6"),
        "17779.7",
        "17078.9",
        "18227.8",
    ),
    # quote bars: mid of bid and ask, e.g. open (17203.9 + 17204) / 2
    (
        "lean_binance_cryptofuture_btcusd_20221213_quote.zip",
        "BTCUSDT",
        "lean-quote-bars",
        1104,
        ("17203.95", "17207.55", "17203.95", "17207.55"),
        "17779.65",
        "17082.45",
        "18082.75",
    ),
    (
        "nautilus_binance_spot_ADABTC-1m-2021-11-27.csv",
        "ADABTC",
        "binance-klines",
        10,
        ("0.00002853", "0.00002854", "0.00002851", "0.00002854"),
        "0.00002865",
        "0.00002849",
        "0.00002865",
    ),
]


@pytest.mark.parametrize(
    "name, symbol, fmt, rows, first, last_close, low, high", FILES, ids=[f[0] for f in FILES]
)
def test_every_price_file_imports_as_its_readme_says(name, symbol, fmt, rows, first, last_close, low, high):
    data = load_market_file(DATA / name)
    table = rows_of(data)
    assert (data.symbol, data.kind, data.format, len(table.times)) == (symbol, "candles", fmt, rows)
    assert tuple(table.texts[0]) == first and table.texts[-1][3] == last_close
    ticks = list(data.ticks())
    assert data.rows == rows
    assert ticks[0] == PriceTick(0, symbol, D(first[0]))
    assert ticks[-1].price == D(last_close)
    assert min(t.price for t in ticks) == D(low) and max(t.price for t in ticks) == D(high)
    assert all(type(t.t) is int and type(t.price) is D for t in ticks)
    assert all(a.t <= b.t and a.price != b.price for a, b in pairwise(ticks))


def test_origins_and_intervals():
    assert load_market_file(FTX).origin_ms == ms("2021-12-31 23:01")
    lean = load_market_file(DATA / f"{LEAN_TRADE}.zip")
    assert (lean.origin_ms, lean.interval_ms) == (ms("2022-12-13"), 60_000)
    xrp = load_market_file(DATA / "freqtrade_XRP_USDT_USDT-5m-futures.csv")
    assert (xrp.origin_ms, xrp.interval_ms) == (ms("2021-11-15"), 300_000)
    assert load_market_file(DATA / "freqtrade_XRP_USDT_USDT-1h-mark.csv").interval_ms == 3_600_000


def test_ftx_closes_and_crash_days_match_the_readme(ftx):
    rows, _ = ftx
    closes = [D(c) for c in rows.texts[:, 3]]
    assert (min(closes), max(closes)) == (D("33061.0"), D("47988.0"))
    day = (rows.times >= ms("2022-01-21")) & (rows.times < ms("2022-01-22"))
    assert max(D(h) for h in rows.texts[day, 1]) == D("41100.0")
    assert min(D(lo) for lo in rows.texts[day, 2]) == D("35399.0")
    worst = min(range(1, len(closes)), key=lambda i: closes[i] / closes[i - 1])
    assert rows.times[worst] == ms("2022-01-07 13:39")


def test_the_lean_day_moves_most_in_the_cpi_hour():
    data = load_market_file(DATA / f"{LEAN_TRADE}.zip")
    rows = rows_of(data)
    hourly = {}
    for t, (o, _, _, c) in zip(rows.times.tolist(), rows.texts, strict=True):
        hour = (t - data.origin_ms) // 3_600_000
        hourly.setdefault(hour, [D(o), D(c)])[1] = D(c)
    moves = {h: c / o - 1 for h, (o, c) in hourly.items()}
    assert max(moves, key=lambda h: abs(moves[h])) == 13 and round(moves[13], 3) == D("0.027")


def test_a_liquidation_price_is_hit_in_the_candle_whose_low_first_reaches_it(ftx):
    """The key acceptance test: the first tick at or below X comes from the first candle whose low
    is at or below X, whatever X, because every candle's low is one of its ticks."""
    rows, ticks = ftx
    lows = [D(x) for x in rows.texts[:, 2]]
    starts = (rows.times - rows.times[0]).tolist()
    for x in ("46300", "45000", "42000.5", "40000", "38000", "36000", "35399", "33000", "32837"):
        x = D(x)
        candle = next(i for i, low in enumerate(lows) if low <= x)
        tick = next(t for t in ticks if t.price <= x)
        assert starts[candle] < tick.t < starts[candle] + 60_000
        assert tick.price >= lows[candle]


def test_every_candle_reaches_exactly_its_low_and_its_high(ftx):
    rows, ticks = ftx
    starts = (rows.times - rows.times[0]).tolist()
    i, price = 0, None
    for start, (_, high, low, _) in zip(starts, rows.texts, strict=True):
        seen = [] if i < len(ticks) and ticks[i].t == start else [price]  # an open equal to the last price
        while i < len(ticks) and ticks[i].t < start + 60_000:
            price = ticks[i].price
            seen.append(price)
            i += 1
        assert (min(seen), max(seen)) == (D(low), D(high))


@pytest.mark.parametrize(
    "name, words",
    [
        ("freqtrade_XRP_USDT_USDT-5m-futures.feather", "Feather files are not read"),
        ("freqtrade_XRP_USDT_USDT-8h-funding_rate.csv", "funding-rate file"),
        ("lean_binance_cryptofuture_btcusd_margin_interest.csv", "unrecognised layout: 2 columns"),
    ],
)
def test_files_that_are_not_prices_say_so(name, words):
    with pytest.raises(MarketDataError, match=words):
        load_market_file(DATA / name)


def test_the_bundled_sample_is_the_shared_file_and_says_where_it_comes_from():
    bundled = ROOT / "resources" / "data" / f"{LEAN_TRADE}.zip"
    assert bundled.read_bytes() == (DATA / bundled.name).read_bytes()
    digest = hashlib.sha256(bundled.read_bytes()).hexdigest()
    readme = (bundled.parent / "README.md").read_text(encoding="utf-8")
    assert digest in readme and "Apache-2.0" in readme and "QuantConnect/Lean" in readme
    assert len(rows_of(load_market_file(bundled)).times) == 1439
