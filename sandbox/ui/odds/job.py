"""The odds in a process of their own: ``serve`` (the child's whole program, ``COMMAND``) runs
``run_odds`` for the window, one request after another; no Qt is loaded here.

Why a process and not a thread: ``run_odds`` makes tens of thousands of small numpy calls per run
(per chunk of paths, per lot, per book); in a thread each of them has to win the interpreter lock
back from the GUI thread, which holds it for most of every frame. Measured with the window under
load (bench/bench_gui_panels.py), a 1 s run then took minutes and the frame rate halved. In a
process of its own the run keeps its own core and the window keeps its frames.

The protocol, over the child's stdin and stdout: frames of an 8-byte big-endian length and a
pickle (trusted: the window writes them, to its own child). The window sends
``("run", run_id, (books, model, horizon_ms, paths, seed, at, fan_points))`` and
``("cancel", run_id, None)``; the child answers ``("progress", run_id, fraction)`` after every
chunk, then one of ``("finished", run_id, Result)``, ``("cancelled", run_id, None)`` or
``("failed", run_id, sentence)``. End of stdin ends the child.
"""

from __future__ import annotations

import pickle
import queue
import struct
import threading
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from ...risk.odds import Cancelled, Odds, run_odds
from ...risk.report import variant_dict

HEADER = struct.Struct(">Q")
NICENESS = 19
# What the child runs (``-c``, not ``-m``: pickled classes must keep this module's name). It lowers
# its priority first, before numpy starts any thread (Linux gives each thread its own niceness,
# inherited when it is made): on a machine with fewer free cores than busy processes the window's
# frames come first and the odds take longer. The window also gives it one BLAS thread (THREADS).
COMMAND = (
    f"import os, sys; os.nice({NICENESS}) if hasattr(os, 'nice') else None; "
    "from sandbox.ui.odds.job import serve; serve(sys.stdin.buffer, sys.stdout.buffer)"
)
THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class Result:
    """A finished run, light enough to send back: the report's figures per variant
    (``variant_dict``, what ``odds --json`` prints), the fan's percentiles per variant, and the
    ``Odds`` without its per-path arrays (the hits, books, model and moment stay)."""

    odds: Odds
    figures: dict[str, dict[str, Any]]
    fans: dict[str, np.ndarray]


def result_of(odds: Odds) -> Result:
    figures = {name: variant_dict(v) for name, v in odds.variants.items()}
    fans = {name: v.fan_percentiles() for name, v in odds.variants.items() if v.fan}
    for v in odds.variants.values():
        v.equity = []
        v.fan = []
    return Result(odds, figures, fans)


def frame(message: tuple[str, int, Any]) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


def read_frame(stream: IO[bytes]) -> tuple[str, int, Any] | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    message: tuple[str, int, Any] = pickle.loads(body)
    return message


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """Answer requests until stdin ends (a reader thread takes cancellations as they come)."""
    runs: queue.Queue[tuple[int, Any] | None] = queue.Queue()
    stops: dict[int, threading.Event] = {}
    lock = threading.Lock()

    def stop_of(run_id: int) -> threading.Event:
        with lock:
            return stops.setdefault(run_id, threading.Event())

    def read() -> None:
        while (message := read_frame(stdin)) is not None:
            kind, run_id, payload = message
            if kind == "cancel":
                stop_of(run_id).set()
            elif kind == "run":
                runs.put((run_id, payload))
        runs.put(None)

    def send(message: tuple[str, int, Any]) -> None:
        stdout.write(frame(message))
        stdout.flush()

    threading.Thread(target=read, name="odds-requests", daemon=True).start()
    while (item := runs.get()) is not None:
        run_id, (books, model, horizon_ms, paths, seed, at, fan_points) = item
        stop = stop_of(run_id)

        def progress(fraction: float, run_id: int = run_id, stop: threading.Event = stop) -> bool:
            send(("progress", run_id, fraction))
            return not stop.is_set()

        try:
            if stop.is_set():
                raise Cancelled
            odds = run_odds(books, model, horizon_ms, paths, seed, at, fan_points, progress)
        except Cancelled:
            send(("cancelled", run_id, None))
        except Exception as exc:  # a bug: said in a sentence, and the child serves on
            send(("failed", run_id, f"The odds could not be computed ({type(exc).__name__}: {exc})."))
        else:
            send(("finished", run_id, result_of(odds)))
        with lock:
            stops.pop(run_id, None)
