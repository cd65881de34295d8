"""The hedge map as pixels and lines: which positions die at each grid point, as colours, and the
edge of each variant's liquidation region, as line segments. Pure numpy, no Qt: the panel draws
what this returns, and the tests read the same colours back.

Each distinct set of liquidated positions in the shown variant gets its own colour (``Legend``),
smaller sets first, so "p2 alone" and "p2 and p4" read apart; a point where nothing dies is
transparent. With more sets than colours the shade says only how many die.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...risk.hedge_map import VariantMap

# Distinct on dark and light backgrounds; alpha leaves the trail and the contours readable.
COLOURS = (
    "#f6465d",
    "#ff9f43",
    "#c792ea",
    "#4c9aff",
    "#e3b341",
    "#2ebd85",
    "#ff6ec7",
    "#9ecbff",
    "#d19a66",
    "#7ee787",
)
ALPHA = 150
MAX_BITS = 62  # positions a combination code can tell apart


def rgba(hex_: str, alpha: int = ALPHA) -> tuple[int, int, int, int]:
    return int(hex_[1:3], 16), int(hex_[3:5], 16), int(hex_[5:7], 16), alpha


@dataclass(frozen=True, slots=True)
class Legend:
    """What each colour of the picture means: a set of liquidated positions (by colour), or,
    when there are too many sets (``by_count``), how many positions die."""

    colours: dict[frozenset[str], tuple[int, int, int, int]]
    by_count: dict[int, tuple[int, int, int, int]]

    def meaning(self, colour: tuple[int, int, int, int]) -> frozenset[str] | int | None:
        """The set (or the count) a colour stands for; None for a colour of no cell."""
        if colour[3] == 0:
            return frozenset()
        for combo, c in self.colours.items():
            if c == colour:
                return combo
        for n, c in self.by_count.items():
            if c == colour:
                return n
        return None


def combos(vm: VariantMap) -> tuple[np.ndarray, list[str]]:
    """A code per grid point (bit j set: position ``ids[j]`` dies there) and the ids, in the
    map's order. The pool's lots share one mask, so they always die together."""
    ids = list(vm.lots)
    shape = vm.any.shape
    codes = np.zeros(shape, dtype=np.int64)
    for j, pid in enumerate(ids[:MAX_BITS]):
        codes |= vm.lots[pid].astype(np.int64) << j
    return codes, ids


def picture(vm: VariantMap) -> tuple[np.ndarray, Legend]:
    """RGBA pixels, rows along y (the map's own order), and their legend."""
    codes, ids = combos(vm)
    out = np.zeros((*codes.shape, 4), dtype=np.uint8)
    present = [int(c) for c in np.unique(codes) if c]
    sets = {c: frozenset(pid for j, pid in enumerate(ids[:MAX_BITS]) if c >> j & 1) for c in present}
    colours: dict[frozenset[str], tuple[int, int, int, int]] = {}
    by_count: dict[int, tuple[int, int, int, int]] = {}
    if len(present) <= len(COLOURS) and len(ids) <= MAX_BITS:
        ranked = sorted(present, key=lambda c: (len(sets[c]), sorted(sets[c])))
        for k, code in enumerate(ranked):
            colour = rgba(COLOURS[k])
            colours[sets[code]] = colour
            out[codes == code] = colour
    else:
        count = np.zeros(codes.shape, dtype=np.int64)
        for pid in ids:
            count += vm.lots[pid]
        most = max(int(count.max()), 1)
        for n in range(1, most + 1):
            colour = rgba(COLOURS[0], 60 + round(180 * n / most))
            by_count[n] = colour
            out[count == n] = colour
    return out, Legend(colours, by_count)


def edges(mask: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The boundary of ``mask`` (rows along y) as segments between cells: x and y of each
    segment's two ends, one after the other (for a line drawn with ``connect="pairs"``)."""
    dx = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else 1.0
    dy = (ys[-1] - ys[0]) / (len(ys) - 1) if len(ys) > 1 else 1.0
    px, py = [], []
    r, c = np.nonzero(mask[:, 1:] != mask[:, :-1])  # between columns c and c+1: a vertical edge
    if len(r):
        x = (xs[c] + xs[c + 1]) / 2
        px.append(np.column_stack((x, x)).ravel())
        py.append(np.column_stack((ys[r] - dy / 2, ys[r] + dy / 2)).ravel())
    r, c = np.nonzero(mask[1:, :] != mask[:-1, :])  # between rows r and r+1: a horizontal edge
    if len(r):
        y = (ys[r] + ys[r + 1]) / 2
        px.append(np.column_stack((xs[c] - dx / 2, xs[c] + dx / 2)).ravel())
        py.append(np.column_stack((y, y)).ravel())
    if not px:
        return np.empty(0), np.empty(0)
    return np.concatenate(px), np.concatenate(py)


def trail(
    x_hist: tuple[np.ndarray, np.ndarray], y_hist: tuple[np.ndarray, np.ndarray], most: int = 4000
) -> tuple[np.ndarray, np.ndarray]:
    """The two prices' joint path: each one's last price at ``most`` moments evenly spread from
    the first moment both have a price to the latest (and at that latest moment), so a long
    session costs two binary searches of ``most`` points, not a merge of every tick."""
    (tx, px), (ty, py) = x_hist, y_hist
    if not len(tx) or not len(ty):
        return np.empty(0), np.empty(0)
    start, end = max(tx[0], ty[0]), max(tx[-1], ty[-1])
    t = np.unique(np.append(np.linspace(start, end, most), end))
    ix = np.searchsorted(tx, t, side="right") - 1
    iy = np.searchsorted(ty, t, side="right") - 1
    return px[ix], py[iy]
