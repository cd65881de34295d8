"""Growing numpy buffers for the window's charts, truncatable when the timeline rewinds.

Every row remembers the input index that produced it, so rewinding to input ``i`` keeps exactly
the rows of inputs before ``i``; appends are amortised O(1) (capacity doubles), and reading gives
views, not copies, so a chart's ``setData`` per frame allocates nothing here.
"""

from __future__ import annotations

import numpy as np


class Series:
    """Columns of float64 (plus the time in ms and the input index) that grow together."""

    __slots__ = ("_cols", "_index", "_t", "n")

    def __init__(self, columns: int, capacity: int = 1024):
        self._index = np.empty(capacity, np.int64)
        self._t = np.empty(capacity, np.int64)
        self._cols = np.empty((columns, capacity), np.float64)
        self.n = 0

    def append(self, index: int, t: int, *values: float) -> None:
        n = self.n
        if n == len(self._t):
            self._grow()
        self._index[n] = index
        self._t[n] = t
        self._cols[:, n] = values
        self.n = n + 1

    def extend(self, index: np.ndarray, t: np.ndarray, values: np.ndarray) -> None:
        """Rows at once (a one-column series): what a batch of price inputs adds."""
        k = len(index)
        while self.n + k > len(self._t):
            self._grow()
        end = self.n + k
        self._index[self.n : end] = index
        self._t[self.n : end] = t
        self._cols[0, self.n : end] = values
        self.n = end

    def _grow(self) -> None:
        cap = 2 * len(self._t)
        self._index = np.resize(self._index, cap)
        self._t = np.resize(self._t, cap)
        cols = np.empty((self._cols.shape[0], cap), np.float64)
        cols[:, : self.n] = self._cols[:, : self.n]
        self._cols = cols

    def rows_before(self, index: int) -> int:
        """How many rows inputs before ``index`` produced."""
        if not self.n or self._index[self.n - 1] < index:
            return self.n
        return int(np.searchsorted(self._index[: self.n], index, side="left"))

    def truncate(self, index: int) -> None:
        """Keep the rows produced by inputs before ``index``."""
        self.n = self.rows_before(index)

    def copy(self, index: int) -> Series:
        """A new series holding the rows of inputs before ``index`` (a branch's inheritance)."""
        n = self.rows_before(index)
        other = Series(self._cols.shape[0], max(n, 16))
        other._index[:n] = self._index[:n]
        other._t[:n] = self._t[:n]
        other._cols[:, :n] = self._cols[:, :n]
        other.n = n
        return other

    @property
    def last_t(self) -> int | None:
        return int(self._t[self.n - 1]) if self.n else None

    def t(self) -> np.ndarray:
        return self._t[: self.n]

    def column(self, i: int) -> np.ndarray:
        return self._cols[i, : self.n]
