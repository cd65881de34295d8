"""Growable numpy columns: charts keep their own copies of the series in pre-allocated buffers
(doubling when full) and hand ``setData`` slices of them, so a frame appends a few points instead
of rebuilding arrays."""

from __future__ import annotations

import numpy as np


class GrowBuffer:
    """``ncols`` float64 columns with room to grow; ``col(i)`` is a view of the filled part."""

    __slots__ = ("_cols", "n")

    def __init__(self, ncols: int, capacity: int = 4096):
        self._cols = [np.empty(capacity, dtype=np.float64) for _ in range(ncols)]
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def capacity(self) -> int:
        return len(self._cols[0])

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        cap = self.capacity
        if need <= cap:
            return
        while cap < need:
            cap *= 2
        for i, old in enumerate(self._cols):
            new = np.empty(cap, dtype=np.float64)
            new[: self.n] = old[: self.n]
            self._cols[i] = new

    def extend(self, *columns) -> None:
        k = len(columns[0])
        if k == 0:
            return
        self._reserve(k)
        for col, values in zip(self._cols, columns):
            col[self.n : self.n + k] = values
        self.n += k

    def sync(self, t_ms: np.ndarray, *columns: np.ndarray, fresh: bool = False) -> str:
        """Follow a series that grows at its end (the timeline's views): append what is new, or
        take it all again when ``fresh`` or when it no longer continues what is held (a rewind,
        a branch). Column 0 holds ``t_ms`` in seconds. Returns "same", "grew" or "reloaded"."""
        n_old, n = self.n, len(t_ms)
        reload = fresh or n < n_old or (n_old and self.last(0) != t_ms[n_old - 1] / 1000.0)
        if reload:
            self.clear()
            n_old = 0
        if n > n_old:
            self.extend(t_ms[n_old:] / 1000.0, *(c[n_old:] for c in columns))
        return "reloaded" if reload else ("grew" if n > n_old else "same")

    def clear(self) -> None:
        self.n = 0

    def col(self, i: int) -> np.ndarray:
        return self._cols[i][: self.n]

    def last(self, i: int) -> float:
        return float(self._cols[i][self.n - 1])
