"""Importing a 1,000,000-row Binance kline CSV: rows and ticks per second, against merely reading
the same file with csv.reader in the same run (the ratio is what to compare between machines).
The file is streamed a chunk of rows at a time: ``load_market_file`` reads and checks the first
chunk, ``ticks()`` the rest; "import" is both, "to a session file" adds writing the lines.
Run: python bench/bench_import.py (peak memory at several sizes: bench/bench_memory.py)
"""

import collections
import csv
import random
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (puts the project on the path)

from sandbox.market import load_market_file
from sandbox.session.sources import write_market_session

ROWS = 1_000_000


def write_klines(path: Path) -> None:
    """A random walk in data.binance.vision's 12-column layout, no header, open time in ms."""
    rng = random.Random(1)
    price = 60000.0
    t = 1_700_000_000_000
    with open(path, "w", encoding="utf-8") as out:
        for _ in range(ROWS):
            o = price
            c = o * (1 + rng.uniform(-0.001, 0.001))
            h = max(o, c) * (1 + rng.uniform(0, 0.0005))
            lo = min(o, c) * (1 - rng.uniform(0, 0.0005))
            out.write(f"{t},{o:.1f},{h:.1f},{lo:.1f},{c:.1f},12.5,{t + 59999},750000,100,6,360000,0\n")
            price, t = c, t + 60_000


def timed(work):
    t0 = time.perf_counter()
    result = work()
    return result, time.perf_counter() - t0


def csv_only(path: Path) -> None:
    with open(path, newline="") as f:
        collections.deque(csv.reader(f), maxlen=0)


def load_and_tick(path: Path) -> tuple[float, int]:
    def work() -> int:
        data = load_market_file(path)
        # every tick made and handed over; the count rides along in C, not in a Python loop
        return collections.deque(enumerate(data.ticks(), 1), maxlen=1)[0][0]

    ticks, t_import = timed(work)
    return t_import, ticks


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "BTCUSDT-1m-2023-11-14.csv"
        write_klines(path)
        _, t_csv = timed(lambda: csv_only(path))
        t_import, ticks = load_and_tick(path)
        count, t_cli = timed(lambda: write_market_session(Path(tmp) / "out.jsonl", load_market_file(path)))
    print(f"rows: {ROWS:,}  ticks (intrabar path): {ticks:,}  session lines: {count:,}")
    print(f"csv.reader only:                {t_csv:6.2f} s  {ROWS / t_csv:>12,.0f} rows/s")
    print(
        f"import (read, check, ticks):    {t_import:6.2f} s  {ROWS / t_import:>12,.0f} rows/s  "
        f"{ticks / t_import:>12,.0f} ticks/s  ({t_import / t_csv:.1f}× csv.reader)"
    )
    print(f"margin-sandbox import (to a session file): {t_cli:6.2f} s  {ROWS / t_cli:>10,.0f} rows/s")


if __name__ == "__main__":
    main()
