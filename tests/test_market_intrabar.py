"""The intrabar path: open → nearer extreme → other extreme → close at 0, ¼, ½, ¾ of the
interval, repeats dropped; checked against a plain-Decimal statement of the rule on random
candles, and on the cases that matter for liquidations."""

import tempfile
from decimal import Decimal as D
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.market import PriceTick, load_market_file, table

T0 = 1_700_000_000_000
HEAD = "time,open,high,low,close\n"


def load(tmp_path, rows, name="ETHUSDT-1m.csv"):
    path = tmp_path / name
    path.write_text(HEAD + "".join(f"{t},{o},{h},{lo},{c}\n" for t, o, h, lo, c in rows))
    return load_market_file(path)


def expected(rows, interval):
    """The rule, in Decimals, one candle at a time."""
    ticks, last = [], None
    for i, (t, o, h, lo, c) in enumerate(rows):
        o_, h_, l_ = D(o), D(h), D(lo)
        near, far = (lo, h) if o_ - l_ <= h_ - o_ else (h, lo)
        span = min(interval, rows[i + 1][0] - t) if i + 1 < len(rows) else interval
        for k, price in enumerate((o, near, far, c)):
            if last is None or D(price) != last:
                last = D(price)
                ticks.append((t - rows[0][0] + span * k // 4, str(D(price))))
    return ticks


def test_open_then_the_nearer_extreme_then_the_other_then_the_close(tmp_path):
    data = load(
        tmp_path,
        [
            (T0, "100", "101", "90", "95"),  # open nearer the high: high first
            (T0 + 60_000, "95", "110", "94", "108"),  # open nearer the low: low first
            (T0 + 120_000, "108", "110", "106", "109"),  # as near to both: the low first
            (T0 + 180_000, "109", "109", "109", "109"),  # a flat candle repeats the close: no tick
        ],
    )
    assert [(t.t, str(t.price)) for t in data.ticks()] == [
        (0, "100"),
        (15_000, "101"),
        (30_000, "90"),
        (45_000, "95"),
        (75_000, "94"),
        (90_000, "110"),
        (105_000, "108"),
        (135_000, "106"),
        (150_000, "110"),
        (165_000, "109"),
    ]


def test_the_interval_is_the_usual_gap_and_a_short_gap_squeezes_the_path(tmp_path):
    data = load(
        tmp_path,
        [
            (T0, "10", "12", "9", "11"),
            (T0 + 60_000, "11.5", "13", "10", "12"),
            (T0 + 80_000, "12", "14", "11", "13"),
            (T0 + 140_000, "13", "15", "12", "14"),
            (T0 + 200_000, "14", "16", "13", "15"),
        ],
    )
    assert data.interval_ms == 60_000
    times = [t.t for t in data.ticks()]
    assert times == sorted(times)
    assert [t for t in times if 60_000 <= t < 80_000] == [60_000, 65_000, 70_000, 75_000]


def test_a_lone_candle_is_taken_to_be_a_minute(tmp_path):
    data = load(tmp_path, [(T0, "10", "12", "9", "11")])
    assert [t.t for t in data.ticks()] == [0, 15_000, 30_000, 45_000]


def test_ticks_are_price_ticks_at_session_time(tmp_path):
    tick = next(load(tmp_path, [(T0 + 5, "10", "12", "9", "11")]).ticks())
    assert tick == PriceTick(0, "ETHUSDT", D(10)) and type(tick) is PriceTick


decimal_price = st.builds(
    lambda units, places: str(D(units).scaleb(-places)), st.integers(1, 10**9), st.integers(0, 8)
)


@st.composite
def candles(draw):
    n = draw(st.integers(1, 25))
    gap = draw(st.sampled_from([1_000, 60_000, 300_000]))
    t, rows = T0, []
    for _ in range(n):
        prices = sorted(draw(st.lists(decimal_price, min_size=4, max_size=4)), key=D)
        lo, h = prices[0], prices[3]
        o, c = draw(st.permutations([prices[1], prices[2]]))
        rows.append((t, o, h, lo, c))
        t += draw(st.sampled_from([gap, gap, gap, 2 * gap, gap // 2 or 1]))
    return rows


@settings(max_examples=200, deadline=None)
@given(rows=candles(), chunk=st.sampled_from([1, 2, 3, 1 << 16]))
def test_the_path_follows_the_rule_on_any_candles(rows, chunk):
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(table, "CHUNK_ROWS", chunk):
        data = load(Path(tmp), rows)
        got = [(t.t, str(t.price)) for t in data.ticks()]
    assert got == expected(rows, data.interval_ms)


@settings(max_examples=200, deadline=None)
@given(rows=candles(), x=decimal_price)
def test_the_first_tick_at_or_below_any_price_is_in_the_first_candle_whose_low_reaches_it(rows, x):
    with tempfile.TemporaryDirectory() as tmp:
        ticks = list(load(Path(tmp), rows).ticks())
    first_candle = next((i for i, r in enumerate(rows) if D(r[3]) <= D(x)), None)
    first_tick = next((t for t in ticks if t.price <= D(x)), None)
    if first_candle is None:
        assert first_tick is None
    else:
        start = rows[first_candle][0] - T0
        end = rows[first_candle + 1][0] - T0 if first_candle + 1 < len(rows) else float("inf")
        assert start <= first_tick.t < end


def test_trades_repeat_no_price_even_across_chunks(tmp_path):
    path = tmp_path / "BTCUSDT-aggTrades-2024-01-01.csv"
    prices = ["5", "5.0", "6", "6", "5.00", "7"]
    path.write_text("".join(f"{i},{p},1,{i},{i},{T0 + i},true\n" for i, p in enumerate(prices)))
    with mock.patch.object(table, "CHUNK_ROWS", 2):
        got = [(t.t, str(t.price)) for t in load_market_file(path).ticks()]
    assert got == [(0, "5"), (2, "6"), (4, "5.00"), (5, "7")]
