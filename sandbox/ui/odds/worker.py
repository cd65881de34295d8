"""The odds off the GUI thread, in a child process (see ``job.py`` for why a process): the
window's side of it.

``OddsRunner.start(request)`` sends a request to the child (started on first use with the same
Python, and kept for the next runs) and reports progress, the result, a failure or a cancellation
as signals on the GUI thread, from ``QProcess``'s own notifications: the GUI thread never waits
for the child. A new request cancels the one running (between two chunks of paths); only the
latest run's answers reach the panel.

The request is made on the GUI thread from the moment on screen, as ``margin-sandbox odds`` makes
it (``make_request``): each twin's book (``twin_books``: the engine's thresholds, a few ms to tens
of ms), the one-minute returns of the timeline's prices up to now and the model. So the same
moment, horizon, model, paths and seed give the same numbers as the command line, and a model
that cannot be made (too few returns for ``gbm``) is said at once, without the child.
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from ...risk.command import twin_books
from ...risk.history import sampled_returns
from ...risk.models import PathModel, model_for
from ...risk.thresholds import Book
from ...session.twins import TwinSet
from .job import COMMAND, HEADER, THREADS, frame

# The folder that holds the ``sandbox`` package: the child imports it from there too.
PACKAGE_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class OddsRequest:
    books: dict[str, Book]
    model: PathModel
    horizon_ms: int
    paths: int
    seed: int
    at: int
    fan_points: int

    def payload(self) -> tuple[Any, ...]:
        return (self.books, self.model, self.horizon_ms, self.paths, self.seed, self.at, self.fan_points)


def make_request(
    twins: TwinSet,
    histories: dict[str, tuple[np.ndarray, np.ndarray]],
    model: str,
    vol: float | None,
    horizon_ms: int,
    paths: int,
    seed: int,
    at: int,
    fan_points: int,
    source: str = "the session",
) -> OddsRequest:
    """The books, returns and model of the moment (raises ``ModelError`` with a sentence)."""
    books = twin_books(twins)
    symbols = sorted({s for b in books.values() for s in b.symbols})
    returns = sampled_returns({s: histories[s] for s in symbols}, symbols)
    return OddsRequest(
        books, model_for(model, symbols, returns, vol, source), horizon_ms, paths, seed, at, fan_points
    )


class OddsRunner(QObject):
    """One child process, one request at a time, the latest one's answers as signals."""

    progressed = Signal(float)
    finished = Signal(object)  # job.Result
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._process: QProcess | None = None
        self._buffer = bytearray()
        self._run = 0
        self.running = False

    def start(self, request: OddsRequest) -> None:
        self.cancel()
        process = self._child()
        self._run += 1
        self.running = True
        process.write(frame(("run", self._run, request.payload())))

    def cancel(self) -> None:
        """Stop the run under way after its current chunk (``cancelled`` follows)."""
        if self.running and self._process is not None:
            self._process.write(frame(("cancel", self._run, None)))

    def shutdown(self) -> None:
        """End the child (the window is closing): at once, whatever it was doing."""
        process, self._process = self._process, None
        self.running = False
        if process is not None:
            process.finished.disconnect(self._ended)
            process.kill()
            process.waitForFinished(3000)

    # ------------------------------------------------------------------ the child
    def _child(self) -> QProcess:
        if self._process is not None:
            return self._process
        process = QProcess(self)
        process.setObjectName("oddsProcess")
        env = QProcessEnvironment.systemEnvironment()
        path = env.value("PYTHONPATH")
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (str(PACKAGE_ROOT), path) if p))
        for name, value in THREADS.items():  # BLAS threads that spin would take the window's core
            env.insert(name, value)
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._ended)
        process.errorOccurred.connect(self._error)
        self._buffer.clear()
        process.start(sys.executable, ["-c", COMMAND])
        self._process = process
        return process

    def _read(self) -> None:
        process = self._process
        if process is None:
            return
        self._buffer += bytes(process.readAllStandardOutput().data())
        while len(self._buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self._buffer)
            if len(self._buffer) < HEADER.size + size:
                return
            body = bytes(self._buffer[HEADER.size : HEADER.size + size])
            del self._buffer[: HEADER.size + size]
            self._answer(*_load(body))

    def _answer(self, kind: str, run_id: int, payload: Any) -> None:
        if run_id != self._run:
            return  # an older run's: a newer one has been asked for
        if kind == "progress":
            self.progressed.emit(float(payload))
            return
        self.running = False
        if kind == "finished":
            self.finished.emit(payload)
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(str(payload))

    def _ended(self, *_: object) -> None:
        """The child ended by itself (it should not): say so if a run was waiting for it."""
        process, self._process = self._process, None
        if process is not None:
            detail = bytes(process.readAllStandardError().data()).decode("utf-8", "replace").strip()
            process.deleteLater()
            if self.running:
                self.running = False
                last = detail.splitlines()[-1] if detail else f"exit status {process.exitCode()}"
                self.failed.emit(f"The odds could not be computed: their process ended ({last}).")

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._process = None
            if self.running:
                self.running = False
                self.failed.emit(f"The odds could not be computed: {sys.executable} did not start.")


def _load(body: bytes) -> tuple[str, int, Any]:
    message: tuple[str, int, Any] = pickle.loads(body)  # our own child's answer
    return message
