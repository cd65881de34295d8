"""What the window will call: the fan of equity percentiles, progress and cancel, bounded
chunks, and the interval."""

import subprocess
import sys
from decimal import Decimal as D

import numpy as np
import pytest

from sandbox.engine import Open, Price
from sandbox.risk.command import twin_books
from sandbox.risk.models import GBM
from sandbox.risk.odds import CHUNK_ELEMENTS, Cancelled, chunk_paths, run_odds, wilson
from sandbox.session.model import SessionHeader
from sandbox.session.twins import TwinSet


@pytest.fixture
def books():
    twins = TwinSet.from_header(SessionHeader.new("3000"))
    twins.apply(0, Price("BTCUSDT", D(60000)))
    twins.apply(0, Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    twins.apply(0, Open("BTCUSDT", "short", D("0.05"), 10, "cross"))
    return twin_books(twins)


MODEL = GBM(np.array([1.0]), np.eye(1), "--vol")


def test_the_fan_starts_at_equity_now_and_ends_at_the_horizon_percentiles(books):
    odds = run_odds(books, MODEL, 86_400_000, 3000, seed=2, fan_points=4)
    assert odds.fan_minutes == (0, 360, 720, 1080, 1440)
    for v in odds.variants.values():
        fan = v.fan_percentiles()
        assert fan.shape == (5, 5)
        assert np.allclose(fan[:, 0], float(v.book.equity))
        assert np.allclose(fan[:, -1], v.percentiles())
        assert np.all(np.diff(fan, axis=0) >= 0)  # 5 % ≤ 25 % ≤ … at every minute


def test_progress_is_reported_per_chunk_and_can_cancel(books):
    seen = []
    run_odds(books, MODEL, 86_400_000, 2000, seed=1, progress=seen.append)
    per_chunk = chunk_paths(1440)
    assert seen == [min(1.0, (k + 1) * per_chunk / 2000) for k in range(len(seen))] and seen[-1] == 1.0

    calls = []

    def stop(fraction):
        calls.append(fraction)
        return False

    with pytest.raises(Cancelled):
        run_odds(books, MODEL, 86_400_000, 2000, seed=1, progress=stop)
    assert len(calls) == 1


@pytest.mark.parametrize("steps", [1, 60, 1440, 43_200])
def test_chunks_stay_within_the_bound(steps):
    assert chunk_paths(steps) * (steps + 1) <= CHUNK_ELEMENTS or chunk_paths(steps) == 1


def test_wilson_interval_against_published_values():
    # Newcombe (1998), Table I: 0/10 → 0–0.2775, 5/10 → 0.2366–0.7634 (95 %)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)


def test_twins_sharing_an_account_are_simulated_once(books):
    assert books["as_traded"] is not books["all_cross"]
    odds = run_odds({"a": books["all_cross"], "b": books["all_cross"]}, MODEL, 3_600_000, 500, seed=1)
    assert odds.variants["a"] is odds.variants["b"]


def test_risk_loads_no_qt():
    code = (
        "import sys, importlib, pkgutil, sandbox.risk\n"
        "for m in pkgutil.iter_modules(sandbox.risk.__path__):\n"
        "    importlib.import_module('sandbox.risk.' + m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt', 'shiboken6')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
