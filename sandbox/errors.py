"""The one shape of a bad-input error: a file, a line where known, and one sentence."""

from __future__ import annotations

from pathlib import Path


class FileProblem(Exception):
    """Printed as ``path:line: message`` (or ``path: message``): what the command line shows and
    the window puts in its notice."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        super().__init__(message)
        self.path = str(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"
