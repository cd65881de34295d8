"""Headless replay of a 1,000,000-event session against merely parsing its lines.

Goal (issue "Markets and sessions"): replay costs at most twice the parse. Timings in the same
run: json.loads of every line (the baseline); ``margin-sandbox replay`` as it runs (the file
streamed through the checks into the engine, one line at a time); and ``read_session``, which
loads every input into the window's compact arrays.
Run: python bench/bench_replay.py
"""

import json
import tempfile
import time
from pathlib import Path

from common import write_big_session

from sandbox.session.reader import SessionFile, read_session
from sandbox.session.runner import run
from sandbox.session.spool import EventSpool

EVENTS = 1_000_000


def timed(work):
    t0 = time.perf_counter()
    result = work()
    return result, time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        write_big_session(path, EVENTS)

        def parse() -> None:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    json.loads(line)

        _, t_parse = timed(parse)
        result, t_replay = timed(lambda: run(SessionFile(path), events=EventSpool()))
        session, t_read = timed(lambda: read_session(path))
        n = len(session) + 1
        print(f"events: {n:,} ({len(result.account.positions)} positions open at the end)")
        print(f"parse only (plain json.loads):       {t_parse:6.2f} s  {n / t_parse:>12,.0f} events/s")
        print(f"replay (streamed: read, check, run): {t_replay:6.2f} s  {n / t_replay:>12,.0f} events/s")
        print(f"read_session (into compact arrays):  {t_read:6.2f} s  {n / t_read:>12,.0f} events/s")
        print(f"replay / parse = {t_replay / t_parse:.2f}   (goal ≤ 2)")


if __name__ == "__main__":
    main()
