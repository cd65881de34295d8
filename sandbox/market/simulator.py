"""A seeded multi-symbol market: calm hours, trends, sudden crashes, correlated coins.

Returns per step: ``r = drift + σ_t · (ρ·z_common + √(1−ρ²)·z_own) + jump``, with σ_t following a
GARCH(1,1)-like recursion (big moves beget big moves: volatility clustering), rare jumps, and a
scenario's scripted move at ``event_at_ms``.

Same seed, same path on every machine: the only arithmetic is IEEE +, −, ×, ÷ and ``math.sqrt``
(all correctly rounded; ``x ** 0.5`` would go through the C library's ``pow``, which need not be),
normals come from 12 uniforms of Python's ``random.Random`` (a generator whose stream Python keeps
stable) rather than from log/sin/cos, whose last bit may differ between C libraries, and prices
are whole numbers of ticks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from random import Random

from .ticks import PriceTick

DEFAULT_SYMBOLS: dict[str, tuple[Decimal, Decimal]] = {
    "BTCUSDT": (Decimal("64000.0"), Decimal("0.1")),
    "ETHUSDT": (Decimal("3200.00"), Decimal("0.01")),
    "SOLUSDT": (Decimal("150.00"), Decimal("0.01")),
}

# Round, realistic starting prices for the symbols of the default profile (late 2024 levels).
START_PRICES: dict[str, Decimal] = {
    "BTCUSDT": Decimal(64000),
    "ETHUSDT": Decimal(3200),
    "SOLUSDT": Decimal(150),
    "XRPUSDT": Decimal("0.6"),
    "BNBUSDT": Decimal(580),
    "DOGEUSDT": Decimal("0.12"),
    "ADAUSDT": Decimal("0.45"),
    "LINKUSDT": Decimal(14),
}

SCENARIOS: dict[str, str] = {
    "calm": "quiet market: small moves, volatility clustering, a rare jump",
    "trend": "a steady climb of about 6 % an hour, with the usual noise",
    "flash-crash": "calm, then the first symbol falls 15 % within a minute and half recovers",
    "short-squeeze": "calm, then the first symbol jumps 20 % in 90 seconds and fades",
    "correlated-crash": "calm, then every symbol falls together (12–20 %) over three minutes",
}

# Per-step (250 ms) volatility around 0.01 %: about 0.16 % a minute, 1.2 % an hour.
_BASE_SIGMA = 1.0e-4
_OMEGA_SHARE, _ALPHA, _BETA = 0.04, 0.08, 0.88  # long-run variance share, reaction, persistence
_JUMP_PROB, _JUMP_SIZE = 1 / 4000, 0.004
_RHO = 0.7  # correlation of each coin with the common factor
_OWN = math.sqrt(1.0 - _RHO * _RHO)  # weight of each coin's own shock: unit variance in all


def _normal(rng: Random) -> float:
    """An approximately standard normal draw (Irwin–Hall, 12 uniforms): no libm involved."""
    r = rng.random
    return (r() + r() + r() + r() + r() + r() + r() + r() + r() + r() + r() + r()) - 6.0


def _scripted(scenario: str, k: int, t_ms: int, event_ms: int, step_ms: int) -> float:
    """The scenario's own return for symbol number ``k`` at time ``t_ms`` (one step)."""
    if scenario == "trend":
        return 0.06 * step_ms / 3_600_000
    if t_ms < event_ms:
        return 0.0
    since = t_ms - event_ms
    if scenario == "flash-crash" and k == 0:
        if since < 60_000:
            return -0.15 * step_ms / 60_000 * 1.08  # compounding: ends about 15 % lower
        if since < 360_000:
            return 0.07 * step_ms / 300_000
    elif scenario == "short-squeeze" and k == 0:
        if since < 90_000:
            return 0.20 * step_ms / 90_000 * 0.92
        if since < 600_000:
            return -0.08 * step_ms / 510_000
    elif scenario == "correlated-crash" and since < 180_000:
        depth = 0.12 + 0.04 * (k % 3)  # 12 %, 16 %, 20 %
        return -depth * step_ms / 180_000 * 1.07
    return 0.0


class Simulator:
    """Prices for ``symbols`` ({symbol: (start price, tick size)}) every ``step_ms``.

    The path begins at the start prices at time 0 (the caller has them); ticks come from the first
    step on, only for symbols whose price moved by a tick or more. A scenario's scripted move
    starts at ``event_at_ms``: a minute in by default, so a live window sees it a minute after
    choosing it; ``margin-sandbox simulate`` puts it 60 % into the duration. ``ticks()`` and
    ``advance()`` draw from one stream, so any mix of the two gives the same path."""

    def __init__(
        self,
        symbols: dict[str, tuple[Decimal, Decimal]] | None = None,
        seed: int = 0,
        scenario: str = "calm",
        step_ms: int = 250,
        event_at_ms: int = 60_000,
    ):
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
        if step_ms <= 0:
            raise ValueError("step_ms must be positive")
        self.symbols = dict(symbols or DEFAULT_SYMBOLS)
        for name, (start, tick) in self.symbols.items():
            if not (start > 0 and tick > 0):
                raise ValueError(f"{name}: the start price and the tick size must be above zero")
        self.scenario = scenario
        self.step_ms = step_ms
        self.event_at_ms = event_at_ms
        self._rng = Random(seed)
        self._ticks = [float(tick) for _, tick in self.symbols.values()]
        self._tick_sizes = [tick for _, tick in self.symbols.values()]
        self._names = list(self.symbols)
        self._prices = [float(start) for start, _ in self.symbols.values()]
        self._last: list[int | None] = [None] * len(self._names)
        self._var = [_BASE_SIGMA * _BASE_SIGMA] * len(self._names)
        self._ret = [0.0] * len(self._names)
        self.t = 0  # time of the last step taken

    def advance(self, until_ms: int) -> list[PriceTick]:
        """Every tick after the last one up to ``until_ms`` (a live window calls this per frame)."""
        out: list[PriceTick] = []
        while self.t + self.step_ms <= until_ms:
            self._step(out)
        return out

    def ticks(self, duration_ms: int) -> Iterator[PriceTick]:
        """The path from where it stands for ``duration_ms`` more, lazily."""
        end = self.t + duration_ms
        out: list[PriceTick] = []
        while self.t + self.step_ms <= end:
            self._step(out)
            yield from out
            out.clear()

    def _step(self, out: list[PriceTick]) -> None:
        self.t += self.step_ms
        rng = self._rng
        common = _normal(rng)
        long_run = _BASE_SIGMA * _BASE_SIGMA
        for k, name in enumerate(self._names):
            var = _OMEGA_SHARE * long_run + _ALPHA * self._ret[k] * self._ret[k] + _BETA * self._var[k]
            self._var[k] = var
            shock = math.sqrt(var) * (_RHO * common + _OWN * _normal(rng))
            if rng.random() < _JUMP_PROB:
                shock += _JUMP_SIZE * _normal(rng)
            r = shock + _scripted(self.scenario, k, self.t, self.event_at_ms, self.step_ms)
            self._ret[k] = shock
            price = self._prices[k] * (1.0 + r)
            steps = max(round(price / self._ticks[k]), 1)
            self._prices[k] = price
            if steps != self._last[k]:
                self._last[k] = steps
                out.append(PriceTick(self.t, name, steps * self._tick_sizes[k]))
