"""A CSV file's rows as columns of text, a chunk of rows at a time, and data rows back to lines.

Rows stream from the file's text (``files.csv_text``: decoded a block at a time, never held
whole) through ``csv.reader`` and ``operator.itemgetter`` into one numpy object array per chunk,
with no Python code run per row: the fastest way the standard library offers, in memory that
does not grow with the file. Line numbers are counted only when a message needs one (by reading
the file again), so a good file never pays for them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import partial
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from types import TracebackType

import numpy as np

from .errors import MarketDataError, Problem
from .files import csv_text

CHUNK_ROWS = 1 << 14  # rows read, checked and turned into ticks at a time
_LINES = partial(io.StringIO, newline="")  # a block's lines, kept whole as open(newline="") does


def _line_breaks(text: str) -> int:
    """Lines ended in ``text``, counted as ``open(newline="")`` and the csv module count them."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class Table:
    """The non-blank rows of one CSV file; ``header`` tells whether the first is names.

    Blocks of nothing but blank lines are counted and skipped before the csv module sees them
    (a file of a billion line breaks reads at the speed of ``str.isspace``), so a line number
    is the csv reader's plus ``_skipped``."""

    def __init__(self, path: Path):
        self.path = path
        self._stream, text = csv_text(path)
        self.name = self._stream.name
        self.header = False
        self._skipped = 0
        try:
            first, rest = self._first_text(text)
        except BaseException:
            self.close()
            raise
        # comma, unless the first line has none but a semicolon or tab
        line = first.split("\n", 1)[0].split("\r", 1)[0]
        self.delimiter = next((s for s in ",;\t" if s in line), ",")
        lines = chain.from_iterable(map(_LINES, chain((first,), self._not_blank(rest))))
        self._reader = csv.reader(lines, delimiter=self.delimiter)
        self._rows: Iterator[list[str]] = filter(None, self._reader)  # a blank line reads as []
        self._first: list[str] | None = None
        self.first_line: int | None = None  # where the first row ends

    def _first_text(self, text: Iterator[str]) -> tuple[str, Iterator[str]]:
        """The text from the first line with anything but white space in it, and the blocks
        after it (blank lines before it are counted, not kept)."""
        for block in text:
            stripped = block.lstrip()
            if not stripped:
                self._skipped += _line_breaks(block)
                continue
            head = block[: len(block) - len(stripped)]
            cut = max(head.rfind("\n"), head.rfind("\r")) + 1
            self._skipped += _line_breaks(block[:cut])
            return block[cut:], text
        return "", text

    def _not_blank(self, text: Iterator[str]) -> Iterator[str]:
        for block in text:
            if block.isspace():
                self._skipped += _line_breaks(block)
            else:
                yield block

    @property
    def _line_num(self) -> int:
        return self._reader.line_num + self._skipped

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def first_row(self) -> tuple[int, list[str]] | None:
        """The first row with anything but spaces in it, and its line number (None if none)."""
        with self._csv_errors():
            for row in self._rows:
                if any(map(str.strip, row)):
                    self._first, self.first_line = row, self._line_num
                    return self.first_line, row
        return None

    def chunks(self, picks: tuple[int, ...], what: str) -> Iterator[tuple[np.ndarray, Problem | None]]:
        """Columns ``picks`` of the data rows as text, ``CHUNK_ROWS`` rows at a time, one array row
        per data row. A row too short for them is a problem (its index counts from the chunk's
        first row) and the data stop above it."""
        rows = self._data_rows()
        width, pick = len(picks), itemgetter(*picks)
        start = 0
        while True:
            with self._csv_errors():
                try:
                    cells = np.fromiter(
                        chain.from_iterable(map(pick, islice(rows, CHUNK_ROWS))), dtype=object
                    )
                except IndexError:
                    yield self._until_short(start, picks, what)
                    return
            if not len(cells):
                return
            cells = cells.reshape(-1, width)
            yield cells, None
            start += len(cells)

    def _data_rows(self) -> Iterator[list[str]]:
        if self.header or self._first is None:
            return self._rows
        return chain((self._first,), self._rows)

    def _again(self) -> Table:
        """The same file from its start, read the same way."""
        again = Table(self.path)
        again.first_row()
        again.header = self.header
        return again

    def _until_short(self, start: int, picks: tuple[int, ...], what: str) -> tuple[np.ndarray, Problem]:
        """The chunk from data row ``start`` up to the first row too short for ``picks``."""
        need, pick = max(picks) + 1, itemgetter(*picks)
        picked: list[object] = []
        with self._again() as again:
            for index, row in enumerate(islice(again._data_rows(), start, None)):
                if len(row) < need:
                    cells = np.array(picked, dtype=object).reshape(-1, len(picks))
                    return cells, Problem(index, f"expected {need}+ columns {what}, found {len(row)}")
                picked.append(pick(row))
        raise MarketDataError(self.path, None, "the file changed while it was read")

    def line_of(self, index: int) -> int:
        """The line where data row ``index`` ends (1-based)."""
        with self._again() as again:
            for n, _ in enumerate(again._data_rows()):
                if n == index:
                    return again._line_num
        raise MarketDataError(self.path, None, "the file changed while it was read")

    def _csv_errors(self) -> _CsvErrors:
        return _CsvErrors(self)


class _CsvErrors:
    """What the csv module refuses (an over-long field, say) as a MarketDataError."""

    def __init__(self, table: Table):
        self.table = table

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(exc, csv.Error):
            line = self.table._line_num or None
            raise MarketDataError(self.table.path, line, f"not readable as CSV ({exc})") from None
