"""``margin-sandbox odds`` as a person runs it: the contract's JSON, the same bytes for the same
seed, a readable table, the three models, and one clear sentence (exit status 2) for bad input."""

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from sandbox.cli import main
from sandbox.market import Simulator
from sandbox.session.jsonlines import dumps
from sandbox.session.model import SessionHeader

ROOT = Path(__file__).resolve().parents[1]
HEDGE = ROOT / "resources" / "sessions" / "hedge-cross-vs-isolated.jsonl"
REAL_DAY = ROOT / "resources" / "data" / "lean_binance_cryptofuture_btcusd_20221213_trade.zip"
HOUR = 3_600_000


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Two hours of the simulated market on BTC and ETH; a hedge and two isolated lots opened
    after the first hour, so there is an hour of prices to estimate from."""
    path = tmp_path_factory.mktemp("odds") / "book.jsonl"
    sim = Simulator({"BTCUSDT": (D(64000), D("0.1")), "ETHUSDT": (D(3200), D("0.01"))}, seed=4, step_ms=1000)
    lines = [dumps(SessionHeader.new("5000").to_dict())]
    lines += [
        dumps({"t": 0, "type": "price", "symbol": s, "price": str(p)})
        for s, p in (("BTCUSDT", 64000), ("ETHUSDT", 3200))
    ]
    opened = False
    for tick in sim.ticks(2 * HOUR):
        if not opened and tick.t >= HOUR:
            opened = True
            for symbol, side, qty, leverage, mode in (
                ("BTCUSDT", "long", "0.1", 20, "cross"),
                ("ETHUSDT", "short", "2", 20, "cross"),
                ("BTCUSDT", "short", "0.05", 50, "isolated"),
                ("ETHUSDT", "long", "1", 40, "isolated"),
            ):
                lines.append(
                    dumps(
                        {
                            "t": tick.t,
                            "type": "open",
                            "symbol": symbol,
                            "side": side,
                            "qty": qty,
                            "leverage": leverage,
                            "mode": mode,
                        }
                    )
                )
        lines.append(dumps({"t": tick.t, "type": "price", "symbol": tick.symbol, "price": tick.price}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def odds_json(capsys, *args):
    code, out, err = run(capsys, "odds", *args, "--json")
    assert code == 0, err
    return out


def test_the_contract_s_json(capsys, session):
    report = json.loads(odds_json(capsys, session, "--paths", "2000", "--horizon", "8h"))
    assert [k for k in report if k in ("at", "horizon_ms", "paths", "model", "seed", "variants")] == [
        "at",
        "horizon_ms",
        "paths",
        "model",
        "seed",
        "variants",
    ]
    assert (report["horizon_ms"], report["paths"], report["model"], report["seed"]) == (
        8 * HOUR,
        2000,
        "gbm",
        1,
    )
    assert report["at"] == 2 * HOUR and report["steps"] == 480 and report["interval"] == "wilson"
    assert list(report["variants"]) == ["as_traded", "all_cross", "all_isolated"]
    for v in report["variants"].values():
        assert set(v["positions"]) == {"p1", "p2", "p3", "p4"}
        p = float(v["p_any_liquidation"])
        lo, hi = (float(x) for x in v["ci95"])
        assert 0 <= lo <= p <= hi <= 1 and len(v["p_any_liquidation"]) == 6
        assert {"5", "50", "95"} <= set(v["equity_percentiles"])
        assert float(v["expected_loss"]) >= 0
        for pos in v["positions"].values():
            assert float(pos["ci95"][0]) <= float(pos["p_liquidated"]) <= float(pos["ci95"][1])
    # all cross has no isolated lot, all isolated no pool; a cross lot dies with its pool
    cross, isolated = report["variants"]["all_cross"], report["variants"]["all_isolated"]
    assert cross["cross_pool"]["positions"] == ["p1", "p2", "p3", "p4"]
    assert all(
        pos["p_liquidated"] == cross["cross_pool"]["p_liquidated"] for pos in cross["positions"].values()
    )
    assert "cross_pool" not in isolated


def test_the_same_seed_gives_the_same_bytes(capsys, session):
    args = (session, "--paths", "1500", "--horizon", "4h", "--seed", "7")
    first = odds_json(capsys, *args)
    assert odds_json(capsys, *args) == first
    assert odds_json(capsys, session, "--paths", "1500", "--horizon", "4h", "--seed", "8") != first


@pytest.mark.parametrize("model", ["sim", "bootstrap"])
def test_the_other_models(capsys, session, model):
    report = json.loads(odds_json(capsys, session, "--model", model, "--paths", "500", "--horizon", "2h"))
    assert report["model"] == model
    assert report["parameters"]
    assert (
        odds_json(capsys, session, "--model", model, "--paths", "500", "--horizon", "2h")
        == json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    )


def test_bootstrap_from_a_real_day(capsys):
    # the hedge example's book, moved by Binance BTCUSD's one-minute returns on CPI day
    code, out, err = run(
        capsys, "odds", HEDGE, "--model", "bootstrap", "--returns", REAL_DAY, "--paths", "300", "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["parameters"]["minutes"] >= 1000
    assert float(report["variants"]["all_cross"]["p_any_liquidation"]) == 0  # the hedge nets out


def test_a_readable_table(capsys):
    code, out, _ = run(capsys, "odds", HEDGE, "--at", "3000", "--vol", "80%", "--paths", "2000")
    assert code == 0
    lines = out.splitlines()
    header = next(line for line in lines if "as traded" in line)
    assert header.index("as traded") < header.index("all cross") < header.index("all isolated")
    for label in (
        "any liquidation",
        "p4 BTCUSDT short 20×",
        "cross pool",
        "expected loss",
        "equity at horizon, 50 %",
    ):
        assert any(line.startswith(label) for line in lines), label
    assert "Wilson" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--horizon", "2 days"), "a horizon looks like"),
        (("--horizon", "31d"), "from 1m to 30d"),
        (("--paths", "0"), "paths must be from 1"),
        (("--vol", "-1"), "volatility must be above 0"),
        (("--model", "sim", "--vol", "0.5"), "--vol applies to --model gbm only"),
        (("--returns", "x.csv"), "--returns applies to --model bootstrap only"),
        (("--paths", "1000000", "--horizon", "30d"), "path-steps"),
    ],
)
def test_bad_options_are_usage_errors(capsys, args, says):
    with pytest.raises(SystemExit) as stop:
        main(["odds", str(HEDGE), *args])
    assert stop.value.code == 2
    assert says in capsys.readouterr().err


def test_bad_files_are_one_sentence(capsys, tmp_path):
    code, out, err = run(capsys, "odds", HEDGE)  # twenty seconds of prices: no volatility to estimate
    assert code == 2 and not out
    assert err.count("\n") == 1 and "give --vol" in err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"format": "margin-sandbox-session", "version": 1}\n{"t": 0\n')
    code, _, err = run(capsys, "odds", broken, "--vol", "1")
    assert code == 2 and err.startswith(f"margin-sandbox: {broken}") and err.count("\n") == 1
    code, _, err = run(capsys, "odds", tmp_path / "missing.jsonl", "--vol", "1")
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "odds", HEDGE, "--model", "bootstrap")
    assert code == 2 and "bootstrap needs at least" in err
