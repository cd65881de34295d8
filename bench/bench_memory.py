"""Peak memory of headless ``replay`` and ``import`` at 1×, 4× and 16× a 1,000,000-event file,
beside their throughput. Goal (issue 9): flat, under 300 MB, whatever the size.

Each run is a child process that reports its own high-water mark (VmHWM from /proc, which belongs
to the process image: the memory of this script, from which it was forked, does not count).
The files are written to a temporary folder (the 16× ones are about 1.2 and 1.4 GB) and removed.
Run: python bench/bench_memory.py [--sizes 1,4,16]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_import import ROWS, write_klines
from common import write_big_session

EVENTS = 1_000_000
PEAK = (
    "import atexit, sys\n"
    "def peak():\n"
    "    status = open('/proc/self/status').read()\n"
    "    print('VmHWM', status.split('VmHWM:')[1].split()[0], file=sys.__stderr__)\n"
    "atexit.register(peak)\n"
    "from sandbox.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def measure(*args: object) -> tuple[float, float]:
    """(seconds, peak MB) of ``margin-sandbox ARGS``."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", PEAK, *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    kb = int(proc.stderr.split("VmHWM")[-1].split()[0])
    return seconds, kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,4,16")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        session = folder / "source.jsonl"
        write_big_session(session, EVENTS)
        klines = folder / "BTCUSDT-1m-source.csv"
        write_klines(klines)
        span_ms = last_time(session) + 100
        for k in sizes:
            big_session = folder / f"session-{k}x.jsonl"
            big_klines = folder / f"BTCUSDT-1m-{k}x.csv"
            write_session_copies(session, big_session, k, span_ms)
            write_kline_copies(klines, big_klines, k)
            seconds, peak = measure("replay", big_session, "--json")
            rows.append(("replay", k, EVENTS * k, seconds, peak, big_session.stat().st_size))
            seconds, peak = measure("import", big_klines, "-o", folder / "out.jsonl")
            rows.append(("import", k, ROWS * k, seconds, peak, big_klines.stat().st_size))
            for path in (big_session, big_klines, folder / "out.jsonl"):
                path.unlink(missing_ok=True)
    print(
        f"{'command':<8} {'size':>5} {'file':>9} {'events/rows':>12} {'time':>8} {'per second':>12} {'peak RSS':>9}"
    )
    for command, k, n, seconds, peak, size in rows:
        print(
            f"{command:<8} {k:>4}× {size / 2**20:>6,.0f} MB {n:>12,} {seconds:>7.1f}s {n / seconds:>12,.0f} {peak:>6.0f} MB"
        )
    print("(whole-command wall time, interpreter start-up included; peak goal: flat, under 300 MB)")


def last_time(session: Path) -> int:
    with open(session, "rb") as f:
        f.seek(-4096, 2)
        return json.loads(f.read().splitlines()[-1])["t"]


def write_session_copies(source: Path, target: Path, times: int, span_ms: int) -> None:
    """The session ``times`` times over, each copy ``span_ms`` after the one before (its
    positions opened once, in the first)."""
    with open(source) as f, open(target, "w") as out:
        out.write(f.readline())
        body = f.readlines()
        for k in range(times):
            shift = k * span_ms
            for line in body:
                if '"type": "price"' in line:  # '{"t": 1234, "type": "price", ...'
                    head, rest = line.split(",", 1)
                    out.write(f'{{"t": {int(head[6:]) + shift},{rest}')
                elif k == 0:
                    out.write(line)


def write_kline_copies(source: Path, target: Path, times: int) -> None:
    """The klines ``times`` times over, each copy after the one before (open and close times)."""
    with open(source) as f, open(target, "w") as out:
        body = f.readlines()
        for k in range(times):
            shift = k * ROWS * 60_000
            for line in body:
                cells = line.split(",")
                cells[0] = str(int(cells[0]) + shift)
                cells[6] = str(int(cells[6]) + shift)
                out.write(",".join(cells))


if __name__ == "__main__":
    main()
