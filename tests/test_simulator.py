from decimal import Decimal

import pytest

from sandbox.market import DEFAULT_SYMBOLS, SCENARIOS, Simulator


def test_same_seed_same_path_and_pieces_equal_the_whole():
    whole = list(Simulator(seed=42, scenario="correlated-crash").ticks(600_000))
    again = list(Simulator(seed=42, scenario="correlated-crash").ticks(600_000))
    assert whole == again
    sim = Simulator(seed=42, scenario="correlated-crash")
    pieces = []
    for until in range(0, 600_001, 7_777):
        pieces += sim.advance(until)
    pieces += sim.advance(600_000)
    assert pieces == whole
    assert whole != list(Simulator(seed=43, scenario="correlated-crash").ticks(600_000))


def test_prices_are_whole_ticks_and_positive():
    for tick in Simulator(seed=1, scenario="calm").ticks(300_000):
        size = DEFAULT_SYMBOLS[tick.symbol][1]
        assert tick.price > 0 and tick.price % size == 0


def _path(scenario, symbol="BTCUSDT", duration=900_000, event=60_000):
    return [
        t.price
        for t in Simulator(seed=5, scenario=scenario, event_at_ms=event).ticks(duration)
        if t.symbol == symbol
    ]


def test_flash_crash_falls_about_15_percent_within_a_minute_and_half_recovers():
    sim = Simulator(seed=5, scenario="flash-crash", event_at_ms=60_000)
    btc = [(t.t, t.price) for t in sim.ticks(900_000) if t.symbol == "BTCUSDT"]
    before = next(p for t, p in btc if t >= 60_000)
    low = min(p for t, p in btc if t <= 125_000)
    assert Decimal("0.82") < low / before < Decimal("0.88")
    assert btc[-1][1] > low * Decimal("1.04")


def test_short_squeeze_jumps_and_correlated_crash_takes_every_symbol_down():
    btc = _path("short-squeeze")
    assert max(btc) / btc[0] > Decimal("1.15")
    for symbol in DEFAULT_SYMBOLS:
        path = _path("correlated-crash", symbol)
        assert min(path) / path[0] < Decimal("0.9")


def test_symbols_move_together():
    ticks = list(Simulator(seed=9, scenario="calm").ticks(3_600_000))
    last = {}
    moves = {s: [] for s in DEFAULT_SYMBOLS}
    for t in ticks:  # returns per step, aligned on the step time
        if t.symbol in last:
            moves[t.symbol].append((t.t, float(t.price / last[t.symbol]) - 1))
        last[t.symbol] = t.price
    a, b = dict(moves["BTCUSDT"]), dict(moves["ETHUSDT"])
    common = sorted(set(a) & set(b))
    xs, ys = [a[k] for k in common], [b[k] for k in common]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    assert cov > 0


def test_unknown_scenario_is_refused():
    assert set(SCENARIOS) >= {"calm", "trend", "flash-crash", "short-squeeze", "correlated-crash"}
    with pytest.raises(ValueError, match="unknown scenario"):
        Simulator(scenario="moon")
