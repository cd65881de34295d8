"""Engine: price events per second with 1, 10, 100 and 1,000 open positions.

Goal (issue "Margin engine"): ≥ 100,000 events/s with 10 positions, and the rate with 1,000
positions at least half the rate with 1 (a tick only compares against kept thresholds).
Run: python bench/bench_engine.py
"""

from common import account_with_positions, best_of, price_path

from sandbox.engine import Price

TICKS = 200_000


def main() -> None:
    rates = {}
    print("every tick moves a symbol that holds positions (with 1 position: BTCUSDT only)")
    print(f"{'positions':>10} {'set_mark ev/s':>15} {'apply ev/s':>12}")
    for n in (1, 10, 100, 1000):
        account = account_with_positions(n)
        path = price_path(TICKS, symbols=sorted({p.symbol for p in account.positions.values()}))
        set_mark = account.set_mark

        def ticks(path=path, set_mark=set_mark) -> None:
            for t, (symbol, price) in enumerate(path):
                set_mark(t, symbol, price)

        commands = [Price(s, p) for s, p in path[:50_000]]
        apply = account.apply

        def applied(commands=commands, apply=apply) -> None:
            for t, c in enumerate(commands):
                apply(c, t)

        rate = TICKS / best_of(ticks)
        rate_apply = len(commands) / best_of(applied)
        rates[n] = rate
        assert len(account.positions) == n, "a benchmark tick liquidated something"
        print(f"{n:>10} {rate:>15,.0f} {rate_apply:>12,.0f}")
    print(f"rate(1000) / rate(1) = {rates[1000] / rates[1]:.2f}   (goal ≥ 0.5)")
    print(f"rate with 10 positions = {rates[10]:,.0f} events/s   (goal ≥ 100,000)")


if __name__ == "__main__":
    main()
