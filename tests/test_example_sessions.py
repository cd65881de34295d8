"""The example sessions shipped in resources/sessions tell the story their description promises."""

import json
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

SESSIONS = Path(__file__).resolve().parents[1] / "resources" / "sessions"


def report(name):
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "replay", str(SESSIONS / name), "--json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def liquidations(r):
    return [e for e in r["events"] if e["type"] == "liquidated"]


def test_isolated_crash_loses_only_the_positions_margin():
    r = report("crash-isolated.jsonl")
    [liq] = liquidations(r)
    assert liq["mode"] == "isolated" and D(liq["wallet_before"]) == D(3000)
    assert D(liq["liquidation_price"]).quantize(D("0.01")) == D("54216.87")
    assert D(r["account"]["total_wallet"]) == D(10000) - 15 - 3000  # fee and the margin, nothing more


def test_cross_crash_survives_longer_and_then_loses_everything():
    iso, cross = report("crash-isolated.jsonl"), report("crash-cross.jsonl")
    [liq] = liquidations(cross)
    assert liq["mode"] == "cross" and liq["t"] > liquidations(iso)[0]["t"]
    assert D(liq["liquidation_price"]) < D(40200) and D(cross["account"]["total_wallet"]) == 0


def test_cross_hedge_survives_the_move_that_kills_its_isolated_twin():
    r = report("hedge-cross-vs-isolated.jsonl")
    [liq] = liquidations(r)
    assert liq["positions"] == ["p4"] and liq["mode"] == "isolated"
    alive = {p["id"]: p for p in r["account"]["positions"]}
    assert set(alive) == {"p1", "p2", "p3"}
    assert D(alive["p1"]["unrealized_pnl"]) + D(alive["p2"]["unrealized_pnl"]) == 0


@pytest.mark.parametrize("path", sorted(SESSIONS.glob("*.jsonl")), ids=lambda p: p.name)
def test_every_example_says_what_to_watch(path):
    header = json.loads(path.read_text().splitlines()[0])
    assert header["meta"]["title"] and len(header["meta"]["description"]) > 40


def test_the_summary_names_a_rejected_command_in_words(tmp_path, capsys):
    """The command line says what the window says: "Margin mode switch of p9 rejected: …", never
    the file format's "rejected set_mode"."""
    from cli_support import cli, session_file

    path = session_file(
        tmp_path / "s.jsonl",
        {"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"},
        {"t": 1, "type": "set_mode", "position": "p9", "mode": "isolated"},
        {"t": 2, "type": "withdraw", "amount": "20000"},
    )
    out = cli(capsys, "replay", path).out
    assert "Margin mode switch of p9 rejected: there is no open position p9" in out
    assert "Withdrawal rejected:" in out and "rejected set_mode" not in out
