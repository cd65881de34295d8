"""Recording a session as it happens: every input is one line, written and flushed at once.

Each line goes to the operating system as soon as it is recorded (``flush``), so killing the app
loses at most the line being written; the reader reports a cut last line and loads the rest.
``fsync`` (surviving a power cut, not just a crash of the app) is left to ``close`` and to
``sync()``, which the window calls when idle: forcing it per line would cost a disk round trip on
every price tick. Recordings are plain JSON Lines: a gzip stream cannot be appended line by line
safely, so ``.gz`` is for saved copies (``Timeline.save``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from ..engine import Command
from .inputs import Item
from .jsonlines import dumps, is_gzip, item_line
from .model import SessionHeader


class Recorder:
    def __init__(self, path: str | Path, header: SessionHeader):
        if is_gzip(path):
            raise ValueError(
                f"{path}: a live recording is written line by line and cannot be "
                f"gzip-compressed; record to .jsonl and save a .gz copy afterwards"
            )
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._out: IO[str] | None = open(self.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 (kept open while recording)
        self.lines = 0
        self._write(dumps(header.to_dict()))

    def _write(self, line: str) -> None:
        if self._out is None:
            raise ValueError(f"{self.path}: the recording is closed")
        self._out.write(line + "\n")
        self._out.flush()
        self.lines += 1

    def record(self, t: int, command: Command) -> None:
        self._write(item_line(t, None, command))

    def record_items(self, items: Iterable[Item]) -> None:
        """Several inputs (a frame's worth of ticks, or a branch's inheritance) as items
        (``inputs.Item``), written a batch at a time and flushed once."""
        if self._out is None:
            raise ValueError(f"{self.path}: the recording is closed")
        out, count, batch = self._out, 0, []
        for item in items:
            batch.append(item_line(*item) + "\n")
            if len(batch) == 4096:
                out.write("".join(batch))
                count += len(batch)
                batch.clear()
        out.write("".join(batch))
        count += len(batch)
        if count:
            out.flush()
            self.lines += count

    def sync(self) -> None:
        if self._out is not None:
            self._out.flush()
            os.fsync(self._out.fileno())

    def close(self) -> None:
        if self._out is not None:
            self.sync()
            self._out.close()
            self._out = None

    @property
    def closed(self) -> bool:
        return self._out is None
