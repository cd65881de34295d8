"""Engine outputs of a headless replay, kept in order in bounded memory.

A recording rarely says much (a few fills, a liquidation), but a file can make the engine say
something on every line (ten million rejected commands): the report must still list them all, so
past ``keep`` of them they go, pickled a batch at a time, to an unnamed temporary file that the
system removes when it is closed. Only this process writes and reads it.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from ..engine import Event
from .outputs import OutputError


class EventSpool:
    """A list of events that can only grow and be read in order (``append``, ``extend``,
    ``len``, iteration)."""

    def __init__(self, keep: int = 20_000):
        self._keep = keep
        self._memory: list[Event] = []
        self._file: IO[bytes] | None = None
        self._batches = 0
        self._spilled = 0

    def append(self, event: Event) -> None:
        self._memory.append(event)
        if len(self._memory) >= self._keep:
            self._spill()

    def extend(self, events: Iterable[Event]) -> None:
        self._memory.extend(events)
        if len(self._memory) >= self._keep:
            self._spill()

    def _spill(self) -> None:
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="margin-sandbox-events-")  # noqa: SIM115 (see close)
            pickle.dump(self._memory, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as exc:  # a full temporary folder: one sentence, like any output
            raise OutputError(
                tempfile.gettempdir(), None, f"cannot keep the replay's events there ({exc.strerror or exc})"
            ) from None
        self._batches += 1
        self._spilled += len(self._memory)
        self._memory = []

    def __len__(self) -> int:
        return self._spilled + len(self._memory)

    def __iter__(self) -> Iterator[Event]:
        if self._file is not None:
            self._file.flush()
            self._file.seek(0)
            for _ in range(self._batches):
                yield from pickle.load(self._file)
            self._file.seek(0, 2)
        yield from self._memory

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
