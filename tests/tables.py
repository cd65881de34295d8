"""Bracket tables published in ../shared/reference/margin-math.md, for the worked examples.

Each table is (floor, cap, max_leverage, mmr); maintenance amounts are derived, as the exchange
does, and the examples check them against the published ones.
"""

from decimal import Decimal as D

from sandbox.engine import Bracket, Instrument, MarginRules, Profile
from sandbox.engine.instrument import derived_maintenance_amounts

# margin-math §1.5, BTCUSDT, 2024-10 snapshot (first six tiers are all the examples need).
BTC_2024 = [
    (0, 50_000, 125, "0.004"),
    (50_000, 600_000, 100, "0.005"),
    (600_000, 3_000_000, 75, "0.0065"),
    (3_000_000, 12_000_000, 50, "0.01"),
    (12_000_000, 70_000_000, 25, "0.02"),
    (70_000_000, 100_000_000, 20, "0.025"),
]
# margin-math §1.5, 2020/21 tables used by Binance's cross example (max leverage not published:
# 125 is a stand-in that the examples never reach).
BTC_2021 = [
    (0, 50_000, 125, "0.004"),
    (50_000, 250_000, 125, "0.005"),
    (250_000, 1_000_000, 125, "0.01"),
    (1_000_000, 10_000_000, 125, "0.025"),
    (10_000_000, 20_000_000, 125, "0.05"),
    (20_000_000, 50_000_000, 125, "0.10"),
    (50_000_000, 100_000_000, 125, "0.125"),
]
ETH_2021 = [
    (0, 10_000, 125, "0.005"),
    (10_000, 100_000, 125, "0.0065"),
    (100_000, 500_000, 125, "0.01"),
    (500_000, 1_000_000, 125, "0.02"),
    (1_000_000, 2_000_000, 125, "0.05"),
    (2_000_000, 5_000_000, 125, "0.10"),
    (5_000_000, 10_000_000, 125, "0.125"),
    (10_000_000, 20_000_000, 125, "0.15"),
]


def brackets(table):
    plain = [Bracket(D(f), D(c), lev, D(m)) for f, c, lev, m in table]
    cums = derived_maintenance_amounts(plain)
    return tuple(Bracket(b.floor, b.cap, b.max_leverage, b.mmr, cum) for b, cum in zip(plain, cums))


def instrument(symbol, table, tick="0.01", step="0.001", taker="0.0005", liq="0.0125"):
    return Instrument(symbol, D(tick), D(step), D(taker), D("0.0002"), D(liq), brackets(table))


def profile(*instruments, margin=None, name="test"):
    return Profile(name, name, {i.symbol: i for i in instruments}, margin or MarginRules())
