"""Shared set-up for the benchmarks: a profile, a session with open positions, timing helpers."""

from __future__ import annotations

import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.engine import Account, Open, Price
from sandbox.market import START_PRICES
from sandbox.profiles import load_profile

SYMBOLS = list(START_PRICES)  # the 8 symbols of binance-usdm


def best_of(fn, repeat: int = 3) -> float:
    """Fastest wall time of ``repeat`` runs (the least disturbed by the rest of the machine)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def account_with_positions(n: int, seed: int = 7) -> Account:
    """``n`` modest positions over 8 symbols, cross and isolated mixed, long and short."""
    profile = load_profile("binance-usdm")
    account = Account(profile, Decimal(10_000_000))
    rng = random.Random(seed)
    for symbol in SYMBOLS:
        account.apply(Price(symbol, START_PRICES[symbol]), 0)
    for i in range(n):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        inst = profile.instruments[symbol]
        notional = Decimal(rng.randrange(200, 2000))
        qty = (notional / START_PRICES[symbol]).quantize(inst.qty_step) or inst.qty_step
        events = account.apply(
            Open(
                symbol,
                rng.choice(["long", "short"]),
                qty,
                rng.choice([3, 5, 10]),
                "cross" if i % 2 else "isolated",
            ),
            0,
        )
        assert events and events[0].type == "opened", events
    return account


def price_path(count: int, seed: int = 3, symbols: list[str] | None = None) -> list[tuple[str, Decimal]]:
    """Ticks that wander within ±2 % of the start prices (nothing liquidates), cycling over
    ``symbols`` (all 8 by default)."""
    profile = load_profile("binance-usdm")
    rng = random.Random(seed)
    symbols = symbols or SYMBOLS
    out = []
    for i in range(count):
        symbol = symbols[i % len(symbols)]
        tick = profile.instruments[symbol].tick_size
        start = START_PRICES[symbol]
        out.append((symbol, (start * Decimal(1 + rng.uniform(-0.02, 0.02))).quantize(tick)))
    return out


def write_big_session(path: Path, events: int = 1_000_000, seed: int = 5) -> None:
    """A session like a long recording: 8 symbols ticking every 100 ms, ten positions opened
    early (cross and isolated, long and short), nothing liquidated."""
    from sandbox.session.jsonlines import dumps
    from sandbox.session.model import SessionHeader

    rng = random.Random(seed)
    profile = load_profile("binance-usdm")
    prices = {s: float(START_PRICES[s]) for s in SYMBOLS}
    with open(path, "w", encoding="utf-8") as out:
        out.write(dumps(SessionHeader.new("100000").to_dict()) + "\n")
        out.writelines(
            dumps({"t": 0, "type": "price", "symbol": s, "price": str(START_PRICES[s])}) + "\n"
            for s in SYMBOLS
        )
        for i in range(10):
            s = SYMBOLS[i % 8]
            qty = (Decimal(1000) / START_PRICES[s]).quantize(profile.instruments[s].qty_step)
            out.write(
                dumps(
                    {
                        "t": 0,
                        "type": "open",
                        "symbol": s,
                        "side": "long" if i % 3 else "short",
                        "qty": str(qty),
                        "leverage": 5,
                        "mode": "cross" if i % 2 else "isolated",
                    }
                )
                + "\n"
            )
        written = 18
        t = 0
        while written < events:
            t += 100
            for s in SYMBOLS:
                prices[s] *= 1 + rng.uniform(-0.0002, 0.0002)
                tick = profile.instruments[s].tick_size
                out.write(
                    f'{{"t": {t}, "type": "price", "symbol": "{s}", "price": "{Decimal(prices[s]).quantize(tick)}"}}\n'
                )
                written += 1
