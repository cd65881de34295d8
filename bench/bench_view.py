"""Engine: ``Account.view()`` after one price tick, incremental beside a full recomputation.

The window asks for the whole view once a frame (60 Hz); issue 10's goal is ≤ 1 ms with 100
positions (8 symbols, cross and isolated mixed: ``common.account_with_positions``). "full" is the
same view computed with nothing kept (a fresh view cache: every position, the pool and every
liquidation price); "cold" is ``copy().view()``, which also rebuilds every curve.
Run: python bench/bench_view.py
"""

from __future__ import annotations

import statistics
import time

from common import account_with_positions, price_path

from sandbox.engine.view_cache import ViewCache

TICKS = 2_000


def per_tick(n: int, how: str) -> list[float]:
    """Milliseconds each ``view()`` took right after one tick, ``how`` = incremental/full/cold."""
    account = account_with_positions(n)
    path = price_path(TICKS if how != "cold" else TICKS // 10)
    account.view()
    out = []
    clock = time.perf_counter
    for t, (symbol, price) in enumerate(path):
        account.set_mark(t, symbol, price)
        if how == "full":
            account._views = ViewCache()
        t0 = clock()
        if how == "cold":
            account.copy().view()
        else:
            account.view()
        out.append((clock() - t0) * 1000)
        assert len(account.positions) == n, "a benchmark tick liquidated something"
    return out


def main() -> None:
    print("Account.view() right after one tick (8 symbols, every tick moves one of them)")
    print(f"{'positions':>10} {'how':>12} {'median ms':>10} {'p95 ms':>8}")
    for n in (100, 1000):
        medians = {}
        for how in ("incremental", "full", "cold"):
            times = sorted(per_tick(n, how))
            medians[how] = statistics.median(times)
            p95 = times[int(len(times) * 0.95)]
            print(f"{n:>10} {how:>12} {medians[how]:>10.3f} {p95:>8.3f}")
        print(
            f"{n:>10} full ÷ incremental = {medians['full'] / medians['incremental']:.1f}, "
            f"cold ÷ incremental = {medians['cold'] / medians['incremental']:.1f}"
        )
    print("goal: incremental ≤ 1 ms with 100 positions")


if __name__ == "__main__":
    main()
