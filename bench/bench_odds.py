"""Liquidation odds and the hedge map: their cost against plain numpy of the same size.

Goals (issue 13): 10,000 paths × 1,440 one-minute steps × 10 positions on 3 symbols in ≤ 2 s on
the 2-core machine, reported as a ratio to a plain numpy random walk of the same size (normal
draws and a cumulative sum, in the same chunks) measured in the same run; a 200 × 200 hedge map
in ≤ 100 ms. The book: ten positions on BTC, ETH and SOL, cross and isolated mixed, so the three
twins (as traded, all cross, all isolated) are three different books on the same paths.
Run: python bench/bench_odds.py
"""

from decimal import Decimal as D

import numpy as np
from common import best_of

from sandbox.engine import Open, Price
from sandbox.risk.command import twin_books
from sandbox.risk.hedge_map import hedge_map
from sandbox.risk.models import GBM
from sandbox.risk.odds import chunk_paths, run_odds
from sandbox.session.model import SessionHeader
from sandbox.session.twins import TwinSet

PATHS, STEPS, HORIZON_MS = 10_000, 1_440, 86_400_000
MARKS = {"BTCUSDT": 60000, "ETHUSDT": 3000, "SOLUSDT": 150}
BOOK = [
    ("BTCUSDT", "long", "0.1", 20, "cross"),
    ("BTCUSDT", "short", "0.05", 10, "isolated"),
    ("ETHUSDT", "short", "2", 20, "cross"),
    ("ETHUSDT", "long", "1", 50, "isolated"),
    ("SOLUSDT", "long", "20", 10, "cross"),
    ("SOLUSDT", "short", "10", 25, "isolated"),
    ("BTCUSDT", "long", "0.02", 100, "isolated"),
    ("ETHUSDT", "long", "0.5", 5, "cross"),
    ("SOLUSDT", "long", "5", 75, "isolated"),
    ("BTCUSDT", "short", "0.03", 3, "cross"),
]


def main() -> None:
    twins = TwinSet.from_header(SessionHeader.new("20000"))
    for symbol, price in MARKS.items():
        twins.apply(0, Price(symbol, D(price)))
    for symbol, side, qty, leverage, mode in BOOK:
        said = twins.apply(0, Open(symbol, side, D(qty), leverage, mode))
        assert all(events[0].type == "opened" for events in said)
    books = twin_books(twins)
    corr = np.full((3, 3), 0.5) + 0.5 * np.eye(3)
    model = GBM(np.array([0.8, 0.9, 1.2]), corr, "--vol")
    per_chunk = chunk_paths(STEPS)

    def walk() -> None:
        rng = np.random.default_rng(1)
        done = 0
        while done < PATHS:
            n = min(per_chunk, PATHS - done)
            np.cumsum(rng.standard_normal((3, n, STEPS)), axis=2)
            done += n

    t_walk = best_of(walk)
    t_one = best_of(lambda: run_odds({"as_traded": books["as_traded"]}, model, HORIZON_MS, PATHS, 1))
    t_three = best_of(lambda: run_odds(books, model, HORIZON_MS, PATHS, 1))
    odds = run_odds(books, model, HORIZON_MS, PATHS, 1)
    print(f"{PATHS:,} paths × {STEPS:,} one-minute steps × 10 positions on 3 symbols; best of 3")
    print(f"plain numpy random walk (normals + cumsum):  {t_walk:5.2f} s")
    print(f"odds, as traded only:                        {t_one:5.2f} s   ratio {t_one / t_walk:.2f}")
    print(
        f"odds, the three twins on the same paths:     {t_three:5.2f} s   ratio {t_three / t_walk:.2f}   (goal ≤ 2 s)"
    )
    print(
        "  p(any liquidation): " + ", ".join(f"{name} {v.p_any():.3f}" for name, v in odds.variants.items())
    )
    t_map_one = best_of(lambda: hedge_map({"as_traded": books["as_traded"]}, "BTCUSDT", "ETHUSDT"), 5)
    t_map = best_of(lambda: hedge_map(books, "BTCUSDT", "ETHUSDT"), 5)
    print(
        f"hedge map 200 × 200, as traded: {t_map_one * 1000:.1f} ms; the three twins: {t_map * 1000:.1f} ms   (goal ≤ 100 ms)"
    )


if __name__ == "__main__":
    main()
