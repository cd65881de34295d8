"""The hedge map against the engine: at random grid points, the positions the map marks as
liquidated are the ones the engine liquidates when both marks stand there.

To put the engine at a joint point without passing through a half-moved state (one mark moved,
the other not), the oracle writes both marks into a copy's ``marks``, copies it again (a copy
rebuilds every cache from the marks, liquidating nothing), then sends each of the two prices as
a tick: the engine checks everything it must at that point and fires what it would.
"""

from decimal import Decimal as D

import numpy as np
import pytest

from sandbox.engine import Liquidated, Open, Price
from sandbox.risk.command import twin_books
from sandbox.risk.hedge_map import DEFAULT_POINTS, hedge_map, map_symbols, variant_map
from sandbox.risk.thresholds import engine_price, float_at_or_below
from sandbox.session.model import SessionHeader
from sandbox.session.twins import VARIANTS, TwinSet

BOOK = [
    ("BTCUSDT", "long", "0.2", 20, "cross"),
    ("ETHUSDT", "short", "3", 20, "cross"),
    ("BTCUSDT", "short", "0.05", 25, "isolated"),
    ("ETHUSDT", "long", "1", 30, "isolated"),
    ("SOLUSDT", "long", "10", 10, "cross"),
]


def twins_with_book(profile):
    twins = TwinSet.from_header(SessionHeader.new("3000", profile=profile))
    for symbol, price in (("BTCUSDT", 60000), ("ETHUSDT", 3000), ("SOLUSDT", 150)):
        twins.apply(0, Price(symbol, D(price)))
    for symbol, side, qty, leverage, mode in BOOK:
        said = twins.apply(0, Open(symbol, side, D(qty), leverage, mode))
        assert all(events[0].type == "opened" for events in said), said
    return twins


def engine_at(account, x_symbol, x, y_symbol, y):
    trial = account.copy()
    trial.marks[x_symbol] = engine_price(x)
    trial.marks[y_symbol] = engine_price(y)
    trial = trial.copy()
    dead = set()
    for symbol in (x_symbol, y_symbol):
        for e in trial.set_mark(1, symbol, trial.marks[symbol]):
            if isinstance(e, Liquidated):
                dead.update(e.positions)
    return dead


@pytest.mark.parametrize("profile", ["binance-usdm", "okx"])
def test_a_thousand_random_points_agree_with_the_engine(profile):
    twins = twins_with_book(profile)
    books = twin_books(twins)
    assert map_symbols(books) == ("BTCUSDT", "ETHUSDT")
    m = hedge_map(books, "BTCUSDT", "ETHUSDT")
    assert m.xs.shape == m.ys.shape == (DEFAULT_POINTS,)
    assert (m.xs[0], m.xs[-1]) == pytest.approx((42000.0, 78000.0))
    rng = np.random.default_rng(3)
    rows, cols = rng.integers(0, DEFAULT_POINTS, 1000), rng.integers(0, DEFAULT_POINTS, 1000)
    region = {v: 0 for v in VARIANTS}
    for variant in VARIANTS:
        vm, account = m.variants[variant], twins.twin(variant).account
        assert set(vm.lots) == set(account.positions)
        for r, c in zip(rows, cols):
            on_map = {pid for pid, mask in vm.lots.items() if mask[r, c]}
            assert on_map == engine_at(account, "BTCUSDT", m.xs[c], "ETHUSDT", m.ys[r]), (variant, r, c)
            assert bool(vm.any[r, c]) == bool(on_map)
            region[variant] += bool(on_map)
    # the grid holds survival and death in every variant, and the pool's boundary runs through it
    assert all(0 < n < 1000 for n in region.values())
    for variant in ("as_traded", "all_cross"):
        h = m.variants[variant].pool_headroom
        assert h is not None and h.min() < 0 < h.max()
    assert m.variants["all_isolated"].pool is None


def test_exactly_on_the_pool_s_boundary():
    # points a float apart around where the pool's headroom crosses zero along the x axis
    twins = twins_with_book("binance-usdm")
    books = twin_books(twins)
    account = twins.twin("all_cross").account
    root = account.cross_root("BTCUSDT", True)
    at = float_at_or_below(root)
    xs = np.array([at, np.nextafter(at, np.inf)])
    ys = np.array([3000.0])
    vm = variant_map(books["all_cross"], "BTCUSDT", "ETHUSDT", xs, ys)
    assert list(vm.pool[0]) == [True, False]
    assert [bool(engine_at(account, "BTCUSDT", x, "ETHUSDT", 3000.0)) for x in xs] == [True, False]


def test_twins_that_share_an_account_share_a_map():
    twins = TwinSet.from_header(SessionHeader.new("3000"))
    for symbol, price in (("BTCUSDT", 60000), ("ETHUSDT", 3000)):
        twins.apply(0, Price(symbol, D(price)))
    twins.apply(0, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    twins.apply(0, Open("ETHUSDT", "short", D(1), 10, "cross"))
    m = hedge_map(twin_books(twins), "BTCUSDT", "ETHUSDT", points=50, span=0.5)
    assert m.variants["as_traded"] is m.variants["all_cross"]
    assert m.variants["all_isolated"] is not m.variants["all_cross"]
    assert m.variants["as_traded"].any.shape == (50, 50)
