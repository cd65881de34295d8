"""Liquidation odds: how often each position and the cross pool die within a horizon, over many
simulated one-minute paths, for several books (the twins) on the same paths.

A position counts as liquidated on a path when the engine's rules would liquidate it at one of the
path's one-minute marks, with a minute's marks reaching the engine one symbol at a time in the
book's symbol order (as the price events of a session would), the pool checked after each. After a
pool wipe nothing cross remains and the cross wallet keeps what the wipe left; isolated positions
keep their own triggers throughout. ``tests/test_odds_engine.py`` replays paths through the engine
and finds the same liquidations on every path.

Work goes in chunks of paths so that no array holds more than ``CHUNK_ELEMENTS`` floats
(path × step); a chunk's arrays (prices, pool headroom, the model's draws) then stay below
``(3·symbols + 6) × 8 × CHUNK_ELEMENTS`` bytes, about 60 MB for three symbols, however many
paths are asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .history import MINUTE_MS
from .models import PathModel
from .thresholds import Book, Pool, engine_price

CHUNK_ELEMENTS = 1 << 19
Z95 = 1.959963984540054  # the 97.5 % point of the standard normal
PERCENTILES = (5, 25, 50, 75, 95)


class Cancelled(Exception):
    """The progress callback asked to stop."""


def wilson(hits: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (95 % by default): unlike the normal
    approximation it stays inside [0, 1] and is not empty when no path (or every path) hits."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(slots=True)
class Outcome:
    """What one book did on one chunk of paths (every array has one entry per path)."""

    lots: dict[str, np.ndarray]  # isolated id → liquidated
    pool: np.ndarray | None  # the pool was wiped
    pool_minute: np.ndarray | None  # minute of the wipe (1…steps), 0 where it lived
    equity: np.ndarray  # at the horizon
    loss: np.ndarray  # wallet money taken by liquidations
    fan: np.ndarray | None = None  # equity at the fan's minutes, (paths, points)


def prices_from(
    marks: Mapping[str, float], symbols: Sequence[str], returns: np.ndarray
) -> dict[str, np.ndarray]:
    """Each symbol's marks, ``(paths, steps + 1)``, column 0 being the current mark."""
    out = {}
    for s, symbol in enumerate(symbols):
        r = returns[s]
        paths, steps = r.shape
        p = np.empty((paths, steps + 1))
        p[:, 0] = 0.0
        np.cumsum(r, axis=1, out=p[:, 1:])
        np.exp(p, out=p)
        p *= marks[symbol]
        p[:, 0] = marks[symbol]
        out[symbol] = p
    return out


def _state_prices(
    pool: Pool, prices: Mapping[str, np.ndarray], rows: np.ndarray, minute: np.ndarray, j: np.ndarray
) -> dict[str, np.ndarray]:
    """Marks at sub-step ``j`` of ``minute`` (1-based) on paths ``rows``: symbols up to ``j`` in
    pool order have moved, the others not yet."""
    out = {}
    for i, s in enumerate(pool.symbols):
        moved = j >= i
        col = np.where(moved, minute, minute - 1)
        out[s] = prices[s][rows, col]
    return out


def _scan(pool: Pool, prices: Mapping[str, np.ndarray], row: int, tol: float, start: int) -> tuple[int, int]:
    """One path, state by state from sub-step index ``start`` (minute·k + j, 0-based), deciding
    every doubtful state exactly: the first (minute, sub-step) where the pool goes, or (0, 0)."""
    syms = pool.symbols
    k = len(syms)
    steps = prices[syms[0]].shape[1] - 1
    for index in range(start, steps * k):
        minute, j = divmod(index, k)
        minute += 1
        cols = {s: minute if i <= j else minute - 1 for i, s in enumerate(syms)}
        state = {s: prices[s][row : row + 1, c] for s, c in cols.items()}
        value = float(pool.wallet) + sum(float(pool.legs[s](v)[0]) for s, v in state.items())
        doubtful = abs(value) <= tol or any(bool(pool.legs[s].near_bound(v)[0]) for s, v in state.items())
        if doubtful:
            # column 0 is the current mark: the engine holds it as the decimal it is
            exact = {s: pool.marks[s] if c == 0 else engine_price(state[s][0]) for s, c in cols.items()}
            if pool.exact(exact) <= 0:
                return minute, j
        elif value <= 0:
            return minute, j
    return 0, 0


def pool_wipes(pool: Pool, prices: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per path: the minute (1…steps) and sub-step of the first state where the pool's
    headroom is ≤ 0, minute 0 where it never is."""
    syms = pool.symbols
    tops = {s: float(np.max(prices[s])) for s in syms}
    tol = pool.tolerance(tops)
    h = {s: pool.legs[s](prices[s]) for s in syms}
    full = np.full(h[syms[0]].shape, float(pool.wallet))
    for s in syms:
        full += h[s]
    # the lowest headroom among a minute's sub-steps, and whether any state needs an exact look
    worst = full[:, 1:].copy()
    if len(syms) > 1:
        g = full[:, :-1].copy()
        for s in syms[:-1]:
            g += h[s][:, 1:]
            g -= h[s][:, :-1]
            np.minimum(worst, g, out=worst)
    flagged = worst <= tol
    for s in syms:
        leg = pool.legs[s]
        if leg.jumps:
            near = leg.near_bound(prices[s])
            flagged |= near[:, 1:] | near[:, :-1]
    paths = flagged.shape[0]
    minute = np.zeros(paths, dtype=np.int64)
    sub = np.zeros(paths, dtype=np.int64)
    rows = np.flatnonzero(flagged.any(axis=1))
    if len(rows) == 0:
        return minute, sub
    m = flagged[rows].argmax(axis=1) + 1  # 1-based minute of the first flagged state
    # the first sub-step at that minute whose headroom is within the tolerance of zero or below
    value = full[rows, m - 1].copy()
    j = np.zeros(len(rows), dtype=np.int64)
    found = np.zeros(len(rows), dtype=bool)
    for i, s in enumerate(syms):
        if i < len(syms) - 1:
            value += h[s][rows, m] - h[s][rows, m - 1]
        else:
            value = full[rows, m]
        first = ~found & (value <= tol)
        j[first] = i
        found |= first
    state = _state_prices(pool, prices, rows, m, j)
    vals = float(pool.wallet) + sum(pool.legs[s](state[s]) for s in syms)
    # Sure where clearly below zero; where it is near zero, or a price sits on a bound where the
    # headroom jumps, the path is walked state by state from that minute with exact checks.
    jumpy = any(pool.legs[s].jumps for s in syms)
    sure = found & (vals <= -tol) if not jumpy else np.zeros(len(rows), dtype=bool)
    minute[rows[sure]] = m[sure]
    sub[rows[sure]] = j[sure]
    for r, mm, jj in zip(rows[~sure], m[~sure], j[~sure]):
        start = (int(mm) - 1) * len(syms) + (0 if jumpy else int(jj))
        minute[r], sub[r] = _scan(pool, prices, int(r), tol, start)
    return minute, sub


def evaluate(book: Book, prices: Mapping[str, np.ndarray], fan_cols: Sequence[int] = ()) -> Outcome:
    """One book on a chunk of paths: liquidations, equity at the end, money lost."""
    any_path = next(iter(prices.values()))
    paths = any_path.shape[0]
    last = {s: p[:, -1] for s, p in prices.items()}
    pool = book.pool
    cash = 0.0 if pool is not None else float(book.cross_wallet)  # a pool carries its wallet
    equity = np.full(paths, cash)
    loss = np.zeros(paths)
    fan = np.full((paths, len(fan_cols)), cash) if fan_cols else None
    low: dict[str, np.ndarray] = {}
    high: dict[str, np.ndarray] = {}
    cols = np.asarray(fan_cols)
    lows_at: dict[str, np.ndarray] = {}
    highs_at: dict[str, np.ndarray] = {}
    for s in {lot.symbol for lot in book.isolated}:
        p = prices[s]
        low[s], high[s] = p.min(axis=1), p.max(axis=1)
        if fan is not None:
            starts = np.concatenate(([0, 1], cols[1:-1] + 1)) if len(cols) > 1 else np.array([0])
            lows_at[s] = np.minimum.accumulate(np.minimum.reduceat(p, starts, axis=1), axis=1)
            highs_at[s] = np.maximum.accumulate(np.maximum.reduceat(p, starts, axis=1), axis=1)
    lots = {}
    for lot in book.isolated:
        hit = lot.hit(low[lot.symbol], high[lot.symbol])
        lots[lot.id] = hit
        equity += np.where(hit, 0.0, lot.equity(last[lot.symbol]))
        loss += np.where(hit, float(lot.wallet), 0.0)
        if fan is not None:
            dead = lot.hit(lows_at[lot.symbol], highs_at[lot.symbol])
            fan += np.where(dead, 0.0, lot.equity(prices[lot.symbol][:, cols]))
    pool_hit = pool_minute = None
    if pool is not None:
        pool_minute, sub = pool_wipes(pool, prices)
        pool_hit = pool_minute > 0
        wallet = float(pool.wallet)
        alive = wallet + pool.upnl(last)
        left = np.zeros(paths)
        rows = np.flatnonzero(pool_hit)
        if len(rows):
            left[rows] = pool.left_after(_state_prices(pool, prices, rows, pool_minute[rows], sub[rows]))
        equity += np.where(pool_hit, left, alive)
        loss += np.where(pool_hit, wallet - left, 0.0)
        if fan is not None:
            at = {s: prices[s][:, cols] for s in pool.symbols}
            gone = pool_hit[:, None] & (pool_minute[:, None] <= cols[None, :])
            fan += np.where(gone, left[:, None], wallet + pool.upnl(at))
    return Outcome(lots, pool_hit, pool_minute, equity, loss, fan)


@dataclass(slots=True)
class VariantOdds:
    """The odds of one book, accumulated over every chunk."""

    book: Book
    paths: int = 0
    any_hits: int = 0
    lot_hits: dict[str, int] = field(default_factory=dict)
    pool_hits: int = 0
    loss_sum: float = 0.0
    equity: list[np.ndarray] = field(default_factory=list)
    fan: list[np.ndarray] = field(default_factory=list)

    def add(self, out: Outcome) -> None:
        n = len(out.equity)
        self.paths += n
        any_hit = np.zeros(n, dtype=bool)
        for pid, hit in out.lots.items():
            self.lot_hits[pid] = self.lot_hits.get(pid, 0) + int(hit.sum())
            any_hit |= hit
        if out.pool is not None:
            self.pool_hits += int(out.pool.sum())
            any_hit |= out.pool
        self.any_hits += int(any_hit.sum())
        self.loss_sum += float(out.loss.sum())
        self.equity.append(out.equity)
        if out.fan is not None:
            self.fan.append(out.fan)

    # ------------------------------------------------------------------ figures
    def p_any(self) -> float:
        return self.any_hits / self.paths

    def p_position(self, pid: str) -> float:
        """A cross position dies with the pool; an isolated one by its own trigger."""
        return self.hits(pid) / self.paths

    def hits(self, pid: str) -> int:
        if pid in self.lot_hits:
            return self.lot_hits[pid]
        return self.pool_hits

    def expected_loss(self) -> float:
        return self.loss_sum / self.paths

    def percentiles(self, qs: Sequence[float] = PERCENTILES) -> list[float]:
        return [float(v) for v in np.percentile(np.concatenate(self.equity), qs)]

    def fan_percentiles(self, qs: Sequence[float] = PERCENTILES) -> np.ndarray:
        """``(len(qs), points)`` equity percentiles at the fan's minutes."""
        out: np.ndarray = np.percentile(np.concatenate(self.fan), qs, axis=0)
        return out


@dataclass(slots=True)
class Odds:
    """Everything ``odds`` reports, for every variant (see ``report.py`` for the JSON)."""

    at: int
    horizon_ms: int
    steps: int
    paths: int
    model: PathModel
    seed: int
    symbols: tuple[str, ...]
    variants: dict[str, VariantOdds]
    fan_minutes: tuple[int, ...] = ()


def steps_for(horizon_ms: int) -> int:
    """One-minute steps covering the horizon (a part minute counts as a whole one)."""
    return max(1, -(-horizon_ms // MINUTE_MS))


def chunk_paths(steps: int) -> int:
    """Paths per chunk: as many as keep a (paths × steps + 1) array within ``CHUNK_ELEMENTS``."""
    return max(1, CHUNK_ELEMENTS // (steps + 1))


def run_odds(
    books: Mapping[str, Book],
    model: PathModel,
    horizon_ms: int,
    paths: int,
    seed: int,
    at: int = 0,
    fan_points: int = 0,
    progress: Callable[[float], bool | None] | None = None,
) -> Odds:
    """Simulate ``paths`` paths of ``model`` once and evaluate every book on them.

    Books given as the same object (twins that share an account) are evaluated once.
    ``progress(fraction)`` is called after every chunk; returning False raises ``Cancelled``
    (a window's worker thread can stop between chunks). ``fan_points`` > 0 also keeps the equity
    at that many evenly spaced minutes (``paths × points`` floats more).
    """
    if paths < 1:
        raise ValueError("paths must be at least 1")
    symbols = tuple(sorted({s for b in books.values() for s in b.symbols}))
    marks: dict[str, float] = {}
    for b in books.values():
        for s in b.symbols:
            marks.setdefault(s, float(b.marks[s]))
    steps = steps_for(horizon_ms)
    fan_cols: tuple[int, ...] = ()
    if fan_points > 0:
        fan_cols = tuple(sorted({round(i * steps / fan_points) for i in range(fan_points + 1)}))
    distinct = {id(b): VariantOdds(b) for b in books.values()}
    rng = np.random.default_rng(seed)
    per_chunk = chunk_paths(steps)
    done = 0
    while done < paths:
        n = min(per_chunk, paths - done)
        if symbols:
            prices = prices_from(marks, symbols, model.log_returns(rng, n, steps))
        else:
            prices = {}
        for acc in distinct.values():
            if symbols:
                acc.add(evaluate(acc.book, prices, fan_cols))
            else:
                flat = np.full(n, float(acc.book.equity))
                acc.add(
                    Outcome({}, None, None, flat, np.zeros(n), np.repeat(flat[:, None], len(fan_cols), 1))
                )
        done += n
        if progress is not None and progress(done / paths) is False:
            raise Cancelled
    variants = {name: distinct[id(b)] for name, b in books.items()}
    return Odds(at, horizon_ms, steps, paths, model, seed, symbols, variants, fan_cols)
