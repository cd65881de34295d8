"""Engine: price events per second with 1, 10, 100 and 1,000 open positions, without and with
100 resting orders.

Goals: ≥ 100,000 events/s with 10 positions, and the rate with 1,000 positions at least half the
rate with 1 (issue "Margin engine": a tick only compares against kept thresholds); with 100
resting orders ≥ 1,000,000 events/s (issue 14: orders are kept as sorted trigger prices per
symbol, so a tick that crosses none costs a dictionary look-up and two comparisons more). The
orders rest 6 % away from the start prices and the path wanders ±2 %, so none fills.
Run: python bench/bench_engine.py
"""

from decimal import Decimal

from common import SYMBOLS, account_with_positions, best_of, price_path

from sandbox.engine import Account, Order, Price
from sandbox.market import START_PRICES

TICKS = 200_000
ORDERS = 100


def with_orders(account: Account, n: int) -> Account:
    """``n`` resting orders over the 8 symbols: stop-losses and take-profits of open positions,
    and opening limits and stops on both sides."""
    positions = list(account.positions.values())
    for i in range(n):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        tick = account.profile.instruments[symbol].tick_size
        start = START_PRICES[symbol]
        low, high = ((start * Decimal(f)).quantize(tick) for f in ("0.94", "1.06"))
        mine = [p for p in positions if p.symbol == symbol]
        if i % 2 and mine:
            p = mine[i % len(mine)]
            price = low if (p.sign > 0) == (i % 4 == 1) else high
            kind = "stop" if (p.sign > 0) == (price == low) else "take_profit"
            order = Order(kind, price, position=p.id)
        else:
            side = "long" if i % 3 else "short"
            kind = "limit" if i % 4 else "stop"
            price = low if (side == "long") == (kind == "limit") else high
            qty = (Decimal(300) / start).quantize(account.profile.instruments[symbol].qty_step) or Decimal(1)
            order = Order(kind, price, symbol, side, qty, 5, "cross" if i % 5 else "isolated")
        events = account.apply(order, 0)
        assert events and events[0].type == "order_placed", events
    return account


def rate_of(account: Account, path: list[tuple[str, Decimal]]) -> float:
    set_mark = account.set_mark

    def ticks() -> None:
        for t, (symbol, price) in enumerate(path):
            set_mark(t, symbol, price)

    return len(path) / best_of(ticks)


def main() -> None:
    rates = {}
    rates_orders = {}
    print("every tick moves a symbol that holds positions (with 1 position: BTCUSDT only)")
    print(f"{'positions':>10} {'set_mark ev/s':>15} {'+100 orders':>12} {'ratio':>6} {'apply ev/s':>12}")
    for n in (1, 10, 100, 1000):
        account = account_with_positions(n)
        path = price_path(TICKS, symbols=sorted({p.symbol for p in account.positions.values()}))
        rate = rate_of(account, path)
        ordered = with_orders(account_with_positions(n), ORDERS)
        rate_orders = rate_of(ordered, path)
        assert len(ordered.orders) == ORDERS, "a benchmark tick filled an order"
        commands = [Price(s, p) for s, p in path[:50_000]]
        apply = account.apply

        def applied(commands=commands, apply=apply) -> None:
            for t, c in enumerate(commands):
                apply(c, t)

        rate_apply = len(commands) / best_of(applied)
        rates[n] = rate
        rates_orders[n] = rate_orders
        assert len(account.positions) == n, "a benchmark tick liquidated something"
        print(f"{n:>10} {rate:>15,.0f} {rate_orders:>12,.0f} {rate_orders / rate:>6.2f} {rate_apply:>12,.0f}")
    print(f"rate(1000) / rate(1) = {rates[1000] / rates[1]:.2f}   (goal ≥ 0.5)")
    print(f"rate with 10 positions = {rates[10]:,.0f} events/s   (goal ≥ 100,000)")
    print(
        f"rate with 100 positions and {ORDERS} orders = {rates_orders[100]:,.0f} events/s   (goal ≥ 1,000,000)"
    )


if __name__ == "__main__":
    main()
