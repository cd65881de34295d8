"""The odds off the GUI thread: ``OddsRunner.start(request)`` runs ``risk.odds.run_odds`` in a
``QThread`` and reports progress, the result, a failure or a cancellation as signals on the GUI
thread.

A request carries its own copy of the twins (``TwinSet.copy()``, taken on the GUI thread when the
run is asked for), so the worker never reads an account the window is still moving; the price
histories are the timeline's arrays up to that moment, which nothing rewrites. The books, the
returns and the model are made in the worker, as ``margin-sandbox odds`` makes them, so the same
moment, horizon, model, paths and seed give the same numbers as the command line.

A new request cancels the one running (between two chunks of paths); only the latest run's
signals reach the panel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from ...risk.command import twin_books
from ...risk.history import sampled_returns
from ...risk.models import ModelError, model_for
from ...risk.odds import Cancelled, Odds, run_odds
from ...session.twins import TwinSet


@dataclass(frozen=True)
class OddsRequest:
    twins: TwinSet  # a copy the worker owns
    histories: dict[str, tuple[np.ndarray, np.ndarray]]  # symbol → (t ms, price) up to ``at``
    model: str  # gbm, sim or bootstrap
    vol: float | None  # gbm: annualised volatility; None: from the prices
    horizon_ms: int
    paths: int
    seed: int
    at: int
    fan_points: int
    source: str  # what the prices are, for the model's description


def compute(request: OddsRequest, progress: Callable[[float], bool | None] | None = None) -> Odds:
    """The odds of the request (in the calling thread): what ``margin-sandbox odds`` computes."""
    books = twin_books(request.twins)
    symbols = sorted({s for b in books.values() for s in b.symbols})
    returns = sampled_returns({s: request.histories[s] for s in symbols}, symbols)
    model = model_for(request.model, symbols, returns, request.vol, request.source)
    return run_odds(
        books,
        model,
        request.horizon_ms,
        request.paths,
        request.seed,
        request.at,
        request.fan_points,
        progress,
    )


class _Worker(QObject):
    progressed = Signal(int, float)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)

    @Slot(int, object, object)
    def run(self, run_id: int, request: OddsRequest, stop: threading.Event) -> None:
        if stop.is_set():
            self.cancelled.emit(run_id)
            return

        def progress(fraction: float) -> bool:
            self.progressed.emit(run_id, fraction)
            return not stop.is_set()

        try:
            odds = compute(request, progress)
        except Cancelled:
            self.cancelled.emit(run_id)
        except ModelError as exc:
            self.failed.emit(run_id, f"Not run: {exc}.")
        except Exception as exc:  # a bug must not take the thread (or the window) down
            self.failed.emit(run_id, f"The odds could not be computed ({type(exc).__name__}: {exc}).")
        else:
            self.finished.emit(run_id, odds)


class OddsRunner(QObject):
    """Runs one request at a time in a worker thread started on first use."""

    progressed = Signal(float)
    finished = Signal(object)  # Odds
    failed = Signal(str)
    cancelled = Signal()
    _start = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._run = 0
        self._stop: threading.Event | None = None
        self.running = False

    def start(self, request: OddsRequest) -> None:
        self.cancel()
        if self._thread is None:
            self._thread = QThread()
            self._thread.setObjectName("oddsWorker")
            self._worker = _Worker()
            self._worker.moveToThread(self._thread)
            self._start.connect(self._worker.run)
            self._worker.progressed.connect(self._progressed)
            self._worker.finished.connect(self._finished)
            self._worker.failed.connect(self._failed)
            self._worker.cancelled.connect(self._cancelled)
            self._thread.start()
        self._run += 1
        self._stop = threading.Event()
        self.running = True
        self._start.emit(self._run, request, self._stop)

    def cancel(self) -> None:
        """Stop the run under way after its current chunk (``cancelled`` follows)."""
        if self._stop is not None:
            self._stop.set()

    def shutdown(self) -> None:
        """Stop the worker thread (the window is closing)."""
        self.cancel()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
            self._worker = None
        self.running = False

    def _progressed(self, run_id: int, fraction: float) -> None:
        if run_id == self._run:
            self.progressed.emit(fraction)

    def _finished(self, run_id: int, odds: object) -> None:
        if run_id == self._run:
            self.running = False
            self.finished.emit(odds)

    def _failed(self, run_id: int, sentence: str) -> None:
        if run_id == self._run:
            self.running = False
            self.failed.emit(sentence)

    def _cancelled(self, run_id: int) -> None:
        if run_id == self._run:
            self.running = False
            self.cancelled.emit()
