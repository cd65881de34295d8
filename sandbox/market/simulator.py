"""A seeded multi-symbol market: calm hours, trends, sudden crashes, correlated coins.

Returns per step: ``r = drift + σ_t · (ρ·z_common + √(1−ρ²)·z_own) + jump``, with σ_t following a
GARCH(1,1)-like recursion (big moves beget big moves: volatility clustering), rare jumps, and a
scenario's scripted move at ``event_at_ms``.

Funding: every ``funding_interval_ms`` (8 h, as Binance settles) each symbol settles a funding rate
made the way Binance makes it, from the simulator's own premium: the premium index is how far the
price stands above its own one-hour moving average (×0.05: 1 % above it is a 0.05 % premium), the
rate the interval's average premium plus the interest rate 0.01 % clamped to ±0.05 % of it,
capped at ±0.3 % and rounded to 8 decimals. A rising market makes longs pay, a crash makes
shorts pay. The premium is computed from the path, with no random draws of its own, so adding
funding changed no price of any seed.

Same seed, same path on every machine: the only arithmetic is IEEE +, −, ×, ÷ and ``math.sqrt``
(all correctly rounded; ``x ** 0.5`` would go through the C library's ``pow``, which need not be),
normals come from 12 uniforms of Python's ``random.Random`` (a generator whose stream Python keeps
stable) rather than from log/sin/cos, whose last bit may differ between C libraries, and prices
are whole numbers of ticks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from random import Random

from ..engine.commands import Funding
from .ticks import PriceTick

FUNDING_INTERVAL_MS = 8 * 3_600_000
_INTEREST = 0.0001  # Binance's interest rate per 8 h: 0.03 % a day
_CLAMP, _CAP = 0.0005, 0.003
_PREMIUM_SCALE = 0.05
_AVERAGE_MS = 3_600_000  # the moving average the premium is measured against
_RATE_PLACES = Decimal("1e-8")
FundingItem = tuple[int, None, Funding]

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
        funding_interval_ms: int | None = FUNDING_INTERVAL_MS,
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
        self.funding_interval_ms = funding_interval_ms
        self._average = list(self._prices)
        self._alpha = min(step_ms / _AVERAGE_MS, 1.0)
        self._premium_sum = [0.0] * len(self._names)
        self._premium_steps = 0
        self._due: list[FundingItem] = []  # settlements not yet handed out

    def advance(self, until_ms: int) -> list[PriceTick]:
        """Every tick after the last one up to ``until_ms`` (a live window calls this per frame).
        Funding settlements on the way wait in ``take_funding()``."""
        out: list[PriceTick] = []
        while self.t + self.step_ms <= until_ms:
            self._step(out)
        return out

    def take_funding(self) -> list[FundingItem]:
        """The funding settlements reached so far and not yet taken, as session inputs
        ``(t, None, Funding)``; each comes after the prices of its time."""
        due, self._due = self._due, []
        return due

    def advance_events(self, until_ms: int) -> list[PriceTick | FundingItem]:
        """Prices and funding settlements up to ``until_ms``, in session order."""
        out: list[PriceTick | FundingItem] = []
        while self.t + self.step_ms <= until_ms:
            ticks: list[PriceTick] = []
            self._step(ticks)
            out += ticks
            out += self.take_funding()
        return out

    def events(self, duration_ms: int) -> Iterator[PriceTick | FundingItem]:
        """``ticks`` with the funding settlements among them, lazily."""
        end = self.t + duration_ms
        out: list[PriceTick] = []
        while self.t + self.step_ms <= end:
            self._step(out)
            yield from out
            out.clear()
            if self._due:
                yield from self.take_funding()

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
        if self.funding_interval_ms is not None:
            self._premiums()

    def _premiums(self) -> None:
        """Accumulate each symbol's premium index; settle at every multiple of the interval."""
        self._premium_steps += 1
        for k, price in enumerate(self._prices):
            average = self._average[k] + self._alpha * (price - self._average[k])
            self._average[k] = average
            self._premium_sum[k] += _PREMIUM_SCALE * (price / average - 1.0)
        assert self.funding_interval_ms is not None
        if self.t % self.funding_interval_ms:
            return
        for k, name in enumerate(self._names):
            premium = self._premium_sum[k] / self._premium_steps
            rate = premium + min(max(_INTEREST - premium, -_CLAMP), _CLAMP)
            rate = min(max(rate, -_CAP), _CAP)
            value = Decimal(rate).quantize(_RATE_PLACES, ROUND_HALF_EVEN).normalize()
            self._due.append((self.t, None, Funding(name, value)))
            self._premium_sum[k] = 0.0
        self._premium_steps = 0
