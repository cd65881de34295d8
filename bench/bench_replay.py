"""Headless replay of a 1,000,000-event session against merely parsing its lines.

Goal (issue "Markets and sessions"): replay costs at most twice the parse. Three timings in the
same run: json.loads of every line (the baseline), read_session (parse + validate into
commands), and read_session + run (everything `margin-sandbox replay` does).
Run: python bench/bench_replay.py
"""

import json
import tempfile
import time
from pathlib import Path

from common import write_big_session

from sandbox.session.reader import read_session
from sandbox.session.runner import run

EVENTS = 1_000_000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        write_big_session(path, EVENTS)

        def parse() -> None:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    json.loads(line)

        t0 = time.perf_counter()
        parse()
        t_parse = time.perf_counter() - t0
        t0 = time.perf_counter()
        session = read_session(path)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = run(session)
        t_run = time.perf_counter() - t0
        n = len(session) + 1
        print(f"events: {n:,} ({len(result.account.positions)} positions open at the end)")
        print(f"parse only (plain json.loads):   {t_parse:6.2f} s  {n / t_parse:>12,.0f} events/s")
        print(f"read_session:              {t_read:6.2f} s  {n / t_read:>12,.0f} events/s")
        print(f"engine run (after read):   {t_run:6.2f} s  {n / t_run:>12,.0f} events/s")
        total = t_read + t_run
        print(f"replay = read + run:       {total:6.2f} s  {n / total:>12,.0f} events/s")
        print(f"replay / parse = {total / t_parse:.2f}   (goal ≤ 2)")


if __name__ == "__main__":
    main()
