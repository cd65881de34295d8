"""Price models for the odds: one-minute log returns of every symbol on many paths at once.

Each model draws ``(symbols, paths, steps)`` log returns from a numpy ``Generator`` in one go per
chunk (no per-path Python). All three are driftless in price (``E[P_t] = P_0``) except
``bootstrap``, which replays the history's own moves, drift included.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..market import simulator as _sim
from .history import MINUTE_MS, MINUTES_PER_YEAR, annual_volatility, correlation

DT = 1.0 / MINUTES_PER_YEAR  # one minute in years
MIN_RETURNS = 10  # one-minute returns needed to estimate a volatility
BLOCK_MINUTES = 30  # bootstrap blocks
MIN_BOOTSTRAP = 2 * BLOCK_MINUTES
MODELS = ("gbm", "sim", "bootstrap")


class ModelError(ValueError):
    """Why a model cannot be made from the history at hand, in one sentence."""


class PathModel(Protocol):
    @property
    def name(self) -> str:
        """``gbm``, ``sim`` or ``bootstrap``."""
        ...

    def log_returns(self, rng: np.random.Generator, paths: int, steps: int) -> np.ndarray:
        """``(symbols, paths, steps)`` one-minute log returns."""
        ...

    def describe(self) -> dict[str, Any]:
        """The parameters, for the report."""
        ...


def _mix(z: np.ndarray, corr: np.ndarray) -> None:
    """Correlate independent normals in place: ``z[s] ← Σ_{t≤s} L[s,t]·z[t]`` (Cholesky of
    ``corr``), from the last symbol down so every ``z[t]`` it reads is still untouched."""
    if np.array_equal(corr, np.eye(len(corr))):
        return
    w, v = np.linalg.eigh(corr)  # a sample correlation may be singular: clip it to positive
    fixed = (v * np.maximum(w, 1e-12)) @ v.T
    d = np.sqrt(np.diag(fixed))
    chol = np.linalg.cholesky(fixed / np.outer(d, d))
    for s in range(len(corr) - 1, -1, -1):
        z[s] *= chol[s, s]
        for t in range(s):
            z[s] += chol[s, t] * z[t]


@dataclass(frozen=True)
class GBM:
    """Driftless geometric Brownian motion: log-price drift −σ²/2 per year, σ annualised per
    symbol, symbols correlated by ``corr``."""

    vols: np.ndarray
    corr: np.ndarray
    source: str  # "--vol" or where the estimate came from
    name: str = "gbm"

    def log_returns(self, rng: np.random.Generator, paths: int, steps: int) -> np.ndarray:
        z = rng.standard_normal((len(self.vols), paths, steps))
        _mix(z, self.corr)
        for s, vol in enumerate(self.vols):
            z[s] *= vol * math.sqrt(DT)
            z[s] -= 0.5 * vol * vol * DT
        return z

    def describe(self) -> dict[str, Any]:
        return {"vol_source": self.source}


def _default_step_ms() -> int:
    default = inspect.signature(_sim.Simulator).parameters["step_ms"].default
    return int(default)


@dataclass(frozen=True)
class Sim:
    """The built-in simulator's market (``sandbox/market/simulator.py``) at one-minute steps.

    The simulator moves every ``step_ms`` (250 ms) by ``σ_t·(ρ·z_common + √(1−ρ²)·z_own)`` plus a
    rare jump, with ``σ_t²`` a GARCH(1,1)-like recursion. Over a minute (240 steps) that is:

    - a diffusion with the long-run variance ``240 × ω·σ₀²/(1−α−β)`` (about 0.16 % a minute,
      112 % a year), correlated through the common factor (ρ² = 0.49 between symbols);
    - jumps: Poisson with ``240 × jump probability`` a minute, each ``N(0, jump size²)``, per
      symbol; and after each jump the burst of variance the recursion answers it with,
      ``α/(1−α−β) × J²`` in all, within seconds.

    The recursion forgets a shock within seconds (``(α+β)^240 ≈ 6e-5`` per minute), so at
    one-minute steps volatility clustering shows only as that burst after a jump. The log return
    is compensated so the price stays driftless, as the simulator's returns have mean zero. The
    scenarios' scripted moves (crashes, squeezes) are not part of the model. With the jumps the
    volatility is about 0.23 % a minute (167 % a year), as the simulator's own one-minute returns
    show.
    """

    symbols: int
    name: str = "sim"
    step_ms: int = field(default_factory=_default_step_ms)

    def _per_minute(self) -> tuple[float, float, float, float, float]:
        steps = MINUTE_MS / self.step_ms
        persistence = _sim._ALPHA + _sim._BETA
        long_run = _sim._OMEGA_SHARE * _sim._BASE_SIGMA**2 / (1.0 - persistence)
        burst = _sim._ALPHA / (1.0 - persistence)
        return steps * long_run, steps * _sim._JUMP_PROB, _sim._JUMP_SIZE, burst, _sim._RHO

    def log_returns(self, rng: np.random.Generator, paths: int, steps: int) -> np.ndarray:
        var, rate, size, burst, rho = self._per_minute()
        sd = math.sqrt(var)
        own = math.sqrt(1.0 - rho * rho)
        common = rng.standard_normal((paths, steps))
        common *= rho * sd
        out = rng.standard_normal((self.symbols, paths, steps))
        compensator = 0.5 * var + rate * (math.exp(0.5 * size * size) - 1.0)
        for s in range(self.symbols):
            r = out[s]
            r *= own * sd
            r += common
            r -= compensator
            count = rng.poisson(rate, (paths, steps))
            where = np.flatnonzero(count)
            if len(where):
                n = count.ravel()[where]
                # the sum of n jumps and the sum of their squares, drawn jump by jump
                total = np.zeros(len(where))
                squares = np.zeros(len(where))
                for k in range(int(n.max())):
                    live = n > k
                    j = size * rng.standard_normal(int(live.sum()))
                    total[live] += j
                    squares[live] += j * j
                extra = burst * squares
                flat = r.reshape(-1)
                flat[where] += total + np.sqrt(extra) * rng.standard_normal(len(where)) - 0.5 * extra
        return out

    def describe(self) -> dict[str, Any]:
        var, rate, size, burst, rho = self._per_minute()
        total = var + rate * (1.0 + burst) * size * size  # a jump and its burst add (1 + burst)·J²
        return {
            "vol": f"{math.sqrt(total * MINUTES_PER_YEAR):.4f}",
            "diffusion_vol": f"{math.sqrt(var * MINUTES_PER_YEAR):.4f}",
            "jumps_per_minute": f"{rate:.4f}",
            "jump_size": f"{size}",
            "diffusion_correlation": f"{rho * rho:.4f}",
        }


@dataclass(frozen=True)
class Bootstrap:
    """Block-resampled one-minute log returns of a price history (every symbol from the same
    minutes, so their co-movement is kept). Blocks of ``block`` minutes keep short-range
    dependence such as volatility bursts."""

    returns: np.ndarray  # (minutes, symbols)
    block: int
    source: str
    name: str = "bootstrap"

    def log_returns(self, rng: np.random.Generator, paths: int, steps: int) -> np.ndarray:
        minutes, symbols = self.returns.shape
        blocks = -(-steps // self.block)
        starts = rng.integers(0, minutes - self.block + 1, size=(paths, blocks))
        idx = (starts[:, :, None] + np.arange(self.block)).reshape(paths, -1)[:, :steps]
        out = np.empty((symbols, paths, steps))
        for s in range(symbols):
            np.take(self.returns[:, s], idx, out=out[s])
        return out

    def describe(self) -> dict[str, Any]:
        return {"block_minutes": self.block, "minutes": len(self.returns), "source": self.source}


def model_for(
    kind: str, symbols: list[str], returns: np.ndarray, vol: float | None = None, source: str = "the session"
) -> PathModel:
    """The model ``odds`` and the window use, for ``symbols`` (the order of the paths).

    ``returns`` are one-minute log returns of the past, ``(minutes, len(symbols))`` (from
    ``history.minute_returns``, up to the moment of the book): ``gbm`` estimates its volatilities
    and correlation from them unless ``vol`` is given (then only the correlation, when there are
    enough), ``bootstrap`` resamples them, ``sim`` needs none.
    """
    if kind == "sim":
        return Sim(len(symbols))
    if kind == "bootstrap":
        if not symbols:
            return Bootstrap(np.zeros((MIN_BOOTSTRAP, 0)), BLOCK_MINUTES, source)
        if len(returns) < MIN_BOOTSTRAP:
            raise ModelError(
                f"only {len(returns)} one-minute returns to resample; bootstrap needs at least {MIN_BOOTSTRAP}"
            )
        return Bootstrap(returns, BLOCK_MINUTES, source)
    if kind != "gbm":
        raise ModelError(f"unknown model {kind!r}; choose from {', '.join(MODELS)}")
    if not symbols:
        return GBM(np.empty(0), np.eye(0), "no positions")
    enough = len(returns) >= MIN_RETURNS
    if vol is not None:
        return GBM(
            np.full(len(symbols), vol), correlation(returns) if enough else np.eye(len(symbols)), "--vol"
        )
    if not enough:
        raise ModelError(
            f"only {len(returns)} one-minute returns of {', '.join(symbols)}; at least {MIN_RETURNS} "
            f"are needed to estimate the volatility: give --vol"
        )
    vols = annual_volatility(returns)
    if not np.all(vols > 0):
        flat = ", ".join(s for s, v in zip(symbols, vols) if not v > 0)
        raise ModelError(f"{flat} did not move: give --vol")
    return GBM(vols, correlation(returns), f"{len(returns)} one-minute returns of {source}")
