"""Seeking in a 1,000,000-event session: 100 random moments, median and 95th percentile, and
stepping back one input, with twins off (one account) and on (the three twins of issue 12 move
with every seek). Goal: 95th percentile under 50 ms.
Run: python bench/bench_seek.py
"""

import random
import statistics
import tempfile
import time
from pathlib import Path

from common import write_big_session

from sandbox.session.reader import read_session
from sandbox.session.timeline import CHECKPOINT_EVERY, Timeline

EVENTS = 1_000_000


def measure(session, twins: bool) -> None:
    label = "twins on " if twins else "twins off"
    t0 = time.perf_counter()
    timeline = Timeline(session.header, inputs=session.inputs.copy(), twins=twins)
    timeline.seek_index(len(timeline))  # play it once: checkpoints are laid on the way
    print(
        f"{label}: first full pass (lays {len(timeline._checkpoints)} checkpoints, one every "
        f"{CHECKPOINT_EVERY} inputs): {time.perf_counter() - t0:.1f} s"
    )
    rng = random.Random(11)
    seeks = []
    for _ in range(100):
        target = rng.randrange(timeline.end_t + 1)
        t0 = time.perf_counter()
        timeline.seek(target)
        seeks.append((time.perf_counter() - t0) * 1000)
    steps = []
    for _ in range(100):
        t0 = time.perf_counter()
        timeline.step_back()
        steps.append((time.perf_counter() - t0) * 1000)
    seeks.sort()
    steps.sort()
    print(
        f"{label}: seek to 100 random moments: median {statistics.median(seeks):.1f} ms, "
        f"p95 {seeks[94]:.1f} ms, max {seeks[-1]:.1f} ms   (goal p95 < 50 ms)"
    )
    print(f"{label}: step back: median {statistics.median(steps):.1f} ms, p95 {steps[94]:.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        write_big_session(path, EVENTS)
        session = read_session(path)
    measure(session, twins=False)
    measure(session, twins=True)


if __name__ == "__main__":
    main()
