"""CSV bytes (UTF-8, already checked) to columns of text, and data rows back to line numbers.

Rows stream from the bytes (decoded as they are read, never held as one big string) through
``csv.reader`` and ``operator.itemgetter`` straight into one numpy object array, with no Python
code run per row: the fastest way the standard library offers. Line numbers are counted only when
a message needs one, so a good file never pays for them.
"""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from pathlib import Path

import numpy as np

from .errors import MarketDataError, Problem


class Table:
    """The non-blank rows of one CSV file, ``header`` telling whether the first is names."""

    def __init__(self, raw: bytes, path: Path):
        self.raw = raw
        self.path = path
        self.header = False
        self.delimiter = ","
        for line in self._lines():
            if line.strip():  # comma, unless the first line has none but a semicolon or tab
                self.delimiter = next((s for s in ",;\t" if s in line), ",")
                break

    def _lines(self):
        return io.TextIOWrapper(io.BytesIO(self.raw), encoding="utf-8-sig", newline="")

    def _rows(self):
        reader = csv.reader(self._lines(), delimiter=self.delimiter)
        return reader, filter(None, reader)  # a blank line reads as []

    def first_row(self) -> tuple[int, list[str]] | None:
        """The first non-blank row and its line number (None for a file with none)."""
        reader, rows = self._rows()
        with self._csv_errors(reader):
            row = next(rows, None)
        if row is None or not (any(map(str.strip, row)) or self.raw.strip()):  # spaces only
            return None
        return reader.line_num, row

    def columns(self, picks: tuple[int, ...], what: str) -> tuple[np.ndarray, Problem | None]:
        """Columns ``picks`` of every data row as text, one array row per data row. A row too
        short for them is the problem, and the data stop above it (the checks of the rows above
        may still find an earlier one)."""
        reader, rows = self._rows()
        with self._csv_errors(reader):
            if self.header:
                next(rows, None)
            try:
                cells = np.fromiter(chain.from_iterable(map(itemgetter(*picks), rows)), dtype=object)
                return cells.reshape(-1, len(picks)), None
            except IndexError:
                return self._until_short(picks, what)

    def _until_short(self, picks: tuple[int, ...], what: str) -> tuple[np.ndarray, Problem | None]:
        _, rows = self._rows()
        if self.header:
            next(rows)
        need, pick, picked = max(picks) + 1, itemgetter(*picks), []
        for index, row in enumerate(rows):
            if len(row) < need:
                cells = np.array(picked, dtype=object).reshape(-1, len(picks))
                return cells, Problem(index, f"expected {need}+ columns {what}, found {len(row)}")
            picked.append(pick(row))
        return np.array(picked, dtype=object).reshape(-1, len(picks)), None

    def line_of(self, index: int) -> int:
        """The line where data row ``index`` ends (1-based)."""
        reader, rows = self._rows()
        skip = index + (1 if self.header else 0)
        for n, _ in enumerate(rows):
            if n == skip:
                return reader.line_num
        raise IndexError(index)

    @contextmanager
    def _csv_errors(self, reader):
        """What the csv module refuses (an over-long field, say) as a MarketDataError."""
        try:
            yield
        except csv.Error as exc:
            raise MarketDataError(
                self.path, reader.line_num or None, f"not readable as CSV ({exc})"
            ) from None
