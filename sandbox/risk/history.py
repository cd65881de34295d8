"""One-minute prices of the past: what ``gbm`` estimates its volatility from and what
``bootstrap`` resamples. Only prices up to the moment of the odds are used (no look-ahead)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..engine import Command, Price

MINUTE_MS = 60_000
MINUTES_PER_YEAR = 365 * 24 * 60  # crypto trades every day of the year


def minute_returns(
    times: Sequence[int], commands: Sequence[Command], symbols: Iterable[str], until: int | None = None
) -> np.ndarray:
    """Log returns of each symbol's mark sampled every minute from the first moment all of them
    have a price, shape ``(minutes, len(symbols))`` (in the order given). The mark at a minute is
    the last price at or before it."""
    names = list(symbols)
    series: dict[str, tuple[list[int], list[float]]] = {s: ([], []) for s in names}
    for t, c in zip(times, commands):
        if until is not None and t > until:
            break
        if type(c) is Price and c.symbol in series:
            ts, ps = series[c.symbol]
            ts.append(t)
            ps.append(float(c.price))
    return sampled_returns({s: (np.asarray(ts), np.asarray(ps)) for s, (ts, ps) in series.items()}, names)


def sampled_returns(series: dict[str, tuple[np.ndarray, np.ndarray]], names: list[str]) -> np.ndarray:
    """As ``minute_returns``, from per-symbol arrays (t in ms, price)."""
    if not names or any(len(series[s][0]) == 0 for s in names):
        return np.empty((0, len(names)))
    start = max(int(series[s][0][0]) for s in names)
    end = min(int(series[s][0][-1]) for s in names)
    if end - start < MINUTE_MS:
        return np.empty((0, len(names)))
    grid = np.arange(start, end + 1, MINUTE_MS)
    cols = []
    for s in names:
        ts, ps = series[s]
        idx = np.searchsorted(ts, grid, side="right") - 1
        cols.append(np.diff(np.log(ps[idx])))
    return np.column_stack(cols)


def annual_volatility(returns: np.ndarray) -> np.ndarray:
    """Annualised volatility of one-minute log returns (sample standard deviation)."""
    out: np.ndarray = np.std(returns, axis=0, ddof=1) * np.sqrt(MINUTES_PER_YEAR)
    return out


def correlation(returns: np.ndarray) -> np.ndarray:
    """Sample correlation of the columns (identity where a column does not move)."""
    k = returns.shape[1]
    if k == 1 or len(returns) < 3:
        return np.eye(k)
    sd = np.std(returns, axis=0)
    corr = np.eye(k)
    moving = sd > 0
    if moving.sum() > 1:
        sub = np.corrcoef(returns[:, moving], rowvar=False)
        corr[np.ix_(moving, moving)] = sub
    return corr
