"""The vectorised odds against the exact engine (issue 13, "How we will know").

For simulated paths of a book with cross and isolated positions on two symbols, each path's
one-minute marks are replayed through the engine itself (``Account.copy()`` then ``set_mark``,
the symbols of a minute in the book's order) and must liquidate exactly the positions the
vectorised evaluation says, on every path, in every twin; the equity at the horizon agrees to
float precision. Then the edges: paths that end exactly on a trigger or a pool root, or one float
beyond it.
"""

import math
from decimal import Decimal as D

import numpy as np
import pytest

from sandbox.engine import Account, Liquidated, Open, Price
from sandbox.profiles import load_profile
from sandbox.risk.command import twin_books
from sandbox.risk.models import GBM, Sim
from sandbox.risk.odds import evaluate, prices_from, run_odds
from sandbox.risk.thresholds import book, engine_price, float_at_or_above, float_at_or_below
from sandbox.session.model import SessionHeader
from sandbox.session.twins import VARIANTS, TwinSet

BOOK = [
    ("BTCUSDT", "long", "0.1", 20, "cross"),
    ("ETHUSDT", "short", "1.5", 20, "cross"),
    ("BTCUSDT", "short", "0.05", 25, "isolated"),
    ("ETHUSDT", "long", "1", 30, "isolated"),
    ("BTCUSDT", "long", "0.3", 20, "cross"),
]


def twins_with_book(profile="binance-usdm", balance="2500"):
    twins = TwinSet.from_header(SessionHeader.new(balance, profile=profile))
    twins.apply(0, Price("BTCUSDT", D(60000)))
    twins.apply(0, Price("ETHUSDT", D(3000)))
    for symbol, side, qty, leverage, mode in BOOK:
        said = twins.apply(0, Open(symbol, side, D(qty), leverage, mode))
        assert all(events[0].type == "opened" for events in said)
    return twins


def replay_path(account, symbols, prices, row):
    """The engine's answer for one path: liquidated ids and the equity at the end."""
    acc = account.copy()
    dead = set()
    steps = prices[symbols[0]].shape[1] - 1
    for k in range(1, steps + 1):
        for s in symbols:
            for e in acc.set_mark(k * 60_000, s, engine_price(prices[s][row, k])):
                if isinstance(e, Liquidated):
                    dead.update(e.positions)
    return dead, acc.totals()[3]


def vectorised(b, out, row):
    dead = {pid for pid, hit in out.lots.items() if hit[row]}
    if out.pool is not None and out.pool[row]:
        dead |= set(b.pool.ids)
    return dead


@pytest.mark.parametrize("profile", ["binance-usdm", "okx"])
def test_every_path_liquidates_what_the_engine_liquidates(profile):
    twins = twins_with_book(profile)
    books = twin_books(twins)
    symbols = ("BTCUSDT", "ETHUSDT")
    model = GBM(np.array([2.0, 2.4]), np.array([[1.0, 0.8], [0.8, 1.0]]), "--vol")
    rng = np.random.default_rng(5)
    marks = {"BTCUSDT": 60000.0, "ETHUSDT": 3000.0}
    prices = prices_from(marks, symbols, model.log_returns(rng, 200, 720))
    seen = {}
    for variant in VARIANTS:
        b, account = books[variant], twins.twin(variant).account
        out = evaluate(b, prices)
        for row in range(200):
            dead, equity = replay_path(account, symbols, prices, row)
            assert vectorised(b, out, row) == dead, (variant, row)
            assert math.isclose(out.equity[row], float(equity), rel_tol=1e-9, abs_tol=1e-6), (variant, row)
            for pid in dead:
                seen[variant, pid] = seen.get((variant, pid), 0) + 1
    # the paths exercise what they should: pools wiped and isolated lots liquidated, in each twin
    assert seen.get(("as_traded", "p1"), 0) >= 10 and seen.get(("as_traded", "p3"), 0) >= 10
    assert seen.get(("all_cross", "p3"), 0) >= 10
    assert seen.get(("all_isolated", "p1"), 0) >= 10


def test_the_sim_model_too():
    twins = twins_with_book()
    books = twin_books(twins)
    symbols = ("BTCUSDT", "ETHUSDT")
    rng = np.random.default_rng(9)
    prices = prices_from({"BTCUSDT": 60000.0, "ETHUSDT": 3000.0}, symbols, Sim(2).log_returns(rng, 60, 1440))
    for variant in ("as_traded", "all_cross"):
        out = evaluate(books[variant], prices)
        for row in range(60):
            dead, _ = replay_path(twins.twin(variant).account, symbols, prices, row)
            assert vectorised(books[variant], out, row) == dead


def one_symbol_book(mode, side="long", leverage=20):
    account = Account(load_profile("binance-usdm"), D(1000))
    account.apply(Price("BTCUSDT", D(60000)), 0)
    assert account.apply(Open("BTCUSDT", side, D("0.1"), leverage, mode), 0)[0].type == "opened"
    return account


def path_to(price):
    return {"BTCUSDT": np.array([[60000.0, price]])}


@pytest.mark.parametrize("side", ["long", "short"])
def test_a_trigger_is_the_engine_s_to_the_last_float(side):
    account = one_symbol_book("isolated", side)
    b = book(account)
    (lot,) = b.isolated
    long = side == "long"
    assert lot.trigger == (float_at_or_below(lot.root) if long else float_at_or_above(lot.root))
    beyond = lot.trigger
    short_of = math.nextafter(beyond, math.inf if long else -math.inf)
    for price, fires in ((beyond, True), (short_of, False)):
        out = evaluate(b, path_to(price))
        dead, _ = replay_path(account, ("BTCUSDT",), path_to(price), 0)
        assert bool(out.lots[lot.id][0]) is fires
        assert (lot.id in dead) is fires


def test_the_pool_is_settled_exactly_at_its_root():
    account = one_symbol_book("cross", "long", 50)
    b = book(account)
    root = account.cross_root("BTCUSDT", True)
    at = float_at_or_below(root)
    for price, fires in ((at, True), (math.nextafter(at, math.inf), False)):
        out = evaluate(b, path_to(price))
        dead, _ = replay_path(account, ("BTCUSDT",), path_to(price), 0)
        assert bool(out.pool[0]) is fires
        assert ("p1" in dead) is fires


def test_a_pool_on_two_symbols_is_checked_after_each_symbol_s_mark():
    # BTC falls and ETH rises within the same minute: the long and the short of the pool net out
    # once both marks are in, but the engine sees BTC's mark first, alone, and that kills the pool.
    twins = TwinSet.from_header(SessionHeader.new("2000"))
    twins.apply(0, Price("BTCUSDT", D(60000)))
    twins.apply(0, Price("ETHUSDT", D(3000)))
    for open_ in (Open("BTCUSDT", "long", D("0.2"), 20, "cross"), Open("ETHUSDT", "long", D(4), 20, "cross")):
        assert twins.apply(0, open_)[0][0].type == "opened"
    account = twins.twin("as_traded").account
    b = book(account)
    root = float(account.cross_root("BTCUSDT", True))
    prices = {"BTCUSDT": np.array([[60000.0, root * 0.99]]), "ETHUSDT": np.array([[3000.0, 3600.0]])}
    assert b.pool.exact({"BTCUSDT": engine_price(root * 0.99), "ETHUSDT": D(3600)}) > 0  # jointly fine
    out = evaluate(b, prices)
    dead, _ = replay_path(account, ("BTCUSDT", "ETHUSDT"), prices, 0)
    assert dead == {"p1", "p2"} and bool(out.pool[0])


def test_a_book_without_positions_never_liquidates():
    account = Account(load_profile("binance-usdm"), D(1000))
    b = book(account)
    odds = run_odds({"x": b}, GBM(np.empty(0), np.eye(0), "none"), 3_600_000, 100, 1)
    v = odds.variants["x"]
    assert v.any_hits == 0 and v.expected_loss() == 0 and v.percentiles() == [1000.0] * 5
