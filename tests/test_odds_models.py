"""The price models: GBM has the moments it claims, ``sim`` moves like the built-in simulator at
one-minute steps, ``bootstrap`` replays whole blocks of the history and nothing else."""

import math
from decimal import Decimal as D

import numpy as np

from sandbox.engine import Price
from sandbox.market import Simulator
from sandbox.risk.history import annual_volatility, minute_returns, sampled_returns
from sandbox.risk.models import DT, GBM, Bootstrap, Sim


def test_gbm_is_driftless_with_the_volatility_asked():
    corr = np.array([[1.0, 0.6], [0.6, 1.0]])
    r = GBM(np.array([0.5, 1.5]), corr, "--vol").log_returns(np.random.default_rng(1), 4000, 250)
    flat = r.reshape(2, -1)
    assert np.allclose(flat.std(axis=1), [0.5 * math.sqrt(DT), 1.5 * math.sqrt(DT)], rtol=0.01)
    assert abs(np.corrcoef(flat)[0, 1] - 0.6) < 0.01
    growth = np.exp(r.sum(axis=2)).mean(axis=1)  # E[P_T / P_0] = 1
    assert np.allclose(growth, 1.0, atol=0.01)


def test_sim_moves_like_the_simulator_a_minute_at_a_time():
    sim = Simulator({"BTCUSDT": (D(64000), D("0.01")), "ETHUSDT": (D(3200), D("0.0001"))}, seed=11)
    series = {"BTCUSDT": ([0], [64000.0]), "ETHUSDT": ([0], [3200.0])}
    for tick in sim.ticks(12 * 3_600_000):
        series[tick.symbol][0].append(tick.t)
        series[tick.symbol][1].append(float(tick.price))
    real = sampled_returns({s: (np.array(t), np.array(p)) for s, (t, p) in series.items()}, list(series))
    model = Sim(2)
    drawn = model.log_returns(np.random.default_rng(3), 200, 1440).reshape(2, -1)
    # one-minute volatility: the simulator's sample (heavy-tailed, ±8 %) against the model's
    assert np.allclose(real.std(axis=0), drawn.std(axis=1).mean(), rtol=0.25)
    assert math.isclose(
        drawn.std(axis=1).mean() * math.sqrt(525_600), float(model.describe()["vol"]), rel_tol=0.03
    )
    # heavy tails from the jumps, and symbols that move together
    kurtosis = ((drawn - drawn.mean(axis=1, keepdims=True)) ** 4).mean(axis=1) / drawn.var(axis=1) ** 2
    assert np.all(kurtosis > 10)
    assert 0.1 < np.corrcoef(drawn)[0, 1] < 0.5 and 0.1 < np.corrcoef(real.T)[0, 1] < 0.5
    assert abs(np.exp(drawn.reshape(2, 200, 1440).sum(axis=2)).mean() - 1) < 0.02


def test_bootstrap_replays_blocks_of_the_history():
    history = np.column_stack([np.arange(100) * 1e-4, -np.arange(100) * 1e-4])
    r = Bootstrap(history, 30, "test").log_returns(np.random.default_rng(2), 50, 70)
    assert r.shape == (2, 50, 70)
    assert np.array_equal(r[1], -r[0])  # both symbols from the same minutes
    steps = np.round(np.diff(r[0], axis=1) * 1e4).astype(int)
    starts = np.round(r[0] * 1e4).astype(int)
    assert np.all((steps == 1) | (np.arange(1, 70) % 30 == 0))  # consecutive within a block
    assert starts.min() >= 0 and starts.max() <= 99


def test_one_minute_returns_of_a_session_and_their_volatility():
    times = list(range(0, 3_600_001, 1000))
    rng = np.random.default_rng(4)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.0001, len(times))))
    commands = [Price("BTCUSDT", D(f"{p:.6f}")) for p in prices]
    r = minute_returns(times, commands, ["BTCUSDT"])
    assert r.shape == (60, 1)
    assert np.isclose(r.sum(), math.log(float(commands[-1].price) / float(commands[0].price)))
    vol = annual_volatility(r)[0]
    assert 0.7 * 0.0001 * math.sqrt(60 * 525_600) < vol < 1.3 * 0.0001 * math.sqrt(60 * 525_600)
    assert minute_returns(times, commands, ["BTCUSDT"], until=30_000).shape == (0, 1)
