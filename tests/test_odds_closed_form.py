"""The odds against the closed form (issue 13, "How we will know").

One isolated long or short under driftless GBM (log-price drift −σ²/2) is liquidated when its
log-price, a Brownian motion with drift, first reaches the engine's liquidation price. For
continuous monitoring the probability within T is the first-passage formula (Harrison, *Brownian
Motion and Stochastic Flow Systems*, §1.8; Shreve, *Stochastic Calculus for Finance II*, 7.2):
for a barrier ``b = ln(L/P₀) < 0`` and drift ``μ``,
``P = Φ((b − μT)/σ√T) + e^{2μb/σ²} Φ((b + μT)/σ√T)``, mirrored for a barrier above. The odds look
at one-minute marks only, which Broadie, Glasserman & Kou (1997) correct for by moving the barrier
away from the start by ``e^{β σ √Δt}``, β = −ζ(½)/√(2π) ≈ 0.5826.

24 cases span leverage 2–100×, σ 20–150 % and horizons 1 h–7 d, chosen so that most
probabilities are far from 0 and 1 (where the test has teeth). Each estimate must lie within three
standard errors ``√(p(1−p)/N)`` of the formula. Runtime: each case is held to at most 6 million
path-steps (``N = min(20,000, 6e6 / steps)``: 20,000 paths at 1 h–4 h, 595 at 7 d), about two
seconds for all of them.
"""

import math
from decimal import Decimal as D

import numpy as np
import pytest

from sandbox.engine import Account, Open, Price
from sandbox.profiles import load_profile
from sandbox.risk.models import DT, GBM
from sandbox.risk.odds import run_odds
from sandbox.risk.thresholds import book

PROFILE = load_profile("binance-usdm")
BG_BETA = 0.5826
MARK = 60000.0
HOURS = {"1h": 1, "4h": 4, "8h": 8, "1d": 24, "2d": 48, "3d": 72, "7d": 168}
CASES = [
    (2, "long", 1.5, "7d"),
    (2, "short", 1.5, "7d"),
    (3, "long", 1.5, "7d"),
    (3, "short", 1.5, "7d"),
    (5, "long", 1.5, "7d"),
    (5, "short", 1.0, "3d"),
    (8, "long", 1.2, "2d"),
    (10, "long", 1.0, "3d"),
    (10, "short", 0.8, "1d"),
    (10, "long", 1.5, "3d"),
    (15, "long", 0.6, "3d"),
    (20, "long", 0.5, "3d"),
    (20, "short", 0.8, "1d"),
    (20, "long", 1.0, "4h"),
    (25, "short", 1.2, "1d"),
    (40, "short", 1.5, "1h"),
    (50, "long", 0.3, "1d"),
    (50, "short", 0.5, "8h"),
    (50, "long", 0.8, "1d"),
    (75, "long", 0.5, "4h"),
    (100, "long", 0.2, "4h"),
    (100, "short", 0.3, "4h"),
    (100, "long", 1.5, "1h"),
    (100, "short", 0.8, "1h"),
]


def phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def touch_probability(start, barrier, sigma, years, long):
    """First passage of ``ln P`` (drift −σ²/2) to ``ln barrier`` within ``years``, with the
    Broadie–Glasserman shift for one-minute monitoring."""
    mu = -0.5 * sigma * sigma
    s = sigma * math.sqrt(years)
    shift = BG_BETA * sigma * math.sqrt(DT)
    if long:
        b = math.log(barrier / start) - shift
        return phi((b - mu * years) / s) + math.exp(2 * mu * b / sigma**2) * phi((b + mu * years) / s)
    b = math.log(barrier / start) + shift
    return phi((-b + mu * years) / s) + math.exp(2 * mu * b / sigma**2) * phi((-b - mu * years) / s)


@pytest.mark.parametrize(
    ("k", "case"), list(enumerate(CASES)), ids=[f"{c[0]}x-{c[1]}-{c[2]}-{c[3]}" for c in CASES]
)
def test_one_isolated_position_matches_first_passage(k, case):
    leverage, side, sigma, horizon = case
    account = Account(PROFILE, D(100000))
    account.apply(Price("BTCUSDT", D(MARK)), 0)
    assert account.apply(Open("BTCUSDT", side, D("0.1"), leverage, "isolated"), 0)[0].type == "opened"
    b = book(account)
    (lot,) = b.isolated
    assert lot.root is not None
    horizon_ms = HOURS[horizon] * 3_600_000
    steps = horizon_ms // 60_000
    paths = min(20_000, 6_000_000 // steps)
    odds = run_odds({"x": b}, GBM(np.array([sigma]), np.eye(1), "--vol"), horizon_ms, paths, seed=1000 + k)
    estimate = odds.variants["x"].p_position(lot.id)
    p = touch_probability(MARK, float(lot.root), sigma, HOURS[horizon] / (24 * 365), side == "long")
    se = math.sqrt(p * (1 - p) / paths)
    assert abs(estimate - p) <= 3 * se, (estimate, p, se)


def test_the_cases_cover_what_the_issue_asks():
    assert len(CASES) >= 20
    assert {c[0] for c in CASES} >= {2, 100} and min(c[0] for c in CASES) == 2
    assert min(c[2] for c in CASES) == 0.2 and max(c[2] for c in CASES) == 1.5
    assert {c[3] for c in CASES} >= {"1h", "7d"}
    assert {c[1] for c in CASES} == {"long", "short"}
