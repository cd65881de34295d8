"""The Cross vs isolated panel and the twins' lines on the charts, read as a person reads them.

The oracle is the command line: at every moment of a replay the panel shows what
``margin-sandbox replay FILE --twin --json --until T`` prints (a streamed replay of the file, not
the window's timeline); for a live session, what it prints for the window's own recording. The
ghost line of the isolated crash is checked against the crash recorded in cross.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

from cli_support import cli
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from ui_support import frames

from sandbox.engine import Open, text
from sandbox.session.reader import read_session
from sandbox.session.runner import run
from sandbox.session.twins import VARIANTS, clock

SESSIONS = Path(__file__).resolve().parents[1] / "resources" / "sessions"
CRASH = SESSIONS / "crash-isolated.jsonl"


def cli_twins(capsys, path, until):
    out = cli(capsys, "replay", path, "--twin", "--json", "--until", until)
    assert out.code == 0, out.err
    return json.loads(out.out)["twins"]


def assert_shows(panel, twins):
    """The panel's cells say what the JSON says, written as every screen writes money."""
    shown = panel.figures()
    for variant in VARIANTS:
        want, got = twins[variant], shown[variant]
        for key in ("total_wallet", "equity", "realized_pnl", "max_drawdown"):
            assert got[key] == text.money(D(want[key])), (variant, key)
        if want["liquidations"] == 0:
            assert got["liquidations"] == "none"
        else:
            count, _, rest = got["liquidations"].partition(" · ")
            assert int(count) == want["liquidations"], variant
            assert f"at {clock(want['first_liquidation_t'])}" in rest.split(";")[0]
            for pid in want["positions_liquidated"]:
                assert pid in rest


def show_twins(w):
    w.show_twins()
    assert w.twins_panel.isVisible()
    return w.twins_panel


def test_every_step_of_a_replay_shows_what_replay_twin_json_prints(make_window, capsys):
    for name in ("crash-isolated.jsonl", "hedge-cross-vs-isolated.jsonl"):
        w = make_window(live=False)
        assert w.open_path(str(SESSIONS / name))
        panel = show_twins(w)
        seen = 0
        tl = w.bridge.timeline
        while not w.loop.at_end():
            QTest.keyClick(w, Qt.Key.Key_Right)  # one input forward, as a person steps
            if tl.at_end or tl.times[tl.index] > tl.t:  # every input of this moment applied
                assert_shows(panel, cli_twins(capsys, SESSIONS / name, w.bridge.now()))
                seen += 1
        assert seen >= 12
        verdicts = panel.verdict_texts()
        if name.startswith("crash"):
            assert verdicts["as_traded"] == (
                "as traded: p1 liquidated at 0:08, lost its 3,000.00 USDT; -3,015.00 USDT in all"
            )
            assert verdicts["all_cross"].startswith("all cross: cross pool (p1) liquidated at 0:18")
        else:
            assert verdicts["all_cross"].startswith("all cross: survived")
        # and back: rewinding shows the earlier figures again
        QTest.keyClick(w, Qt.Key.Key_Home)
        assert_shows(panel, cli_twins(capsys, SESSIONS / name, w.bridge.now()))


def test_a_live_session_shows_what_its_own_recording_replays_to(make_window, qtbot, capsys):
    w = make_window()
    panel = show_twins(w)
    frames(w, 10)
    b = w.bridge
    b.submit(Open("BTCUSDT", "long", D("0.05"), 20, "isolated"))
    b.submit(Open("ETHUSDT", "short", D(1), 10, "cross"))
    frames(w, 30)
    qtbot.mouseClick(w.price_sliders.rows["BTCUSDT"].buttons[-1], Qt.MouseButton.LeftButton)
    frames(w, 30)
    recording = w.session.recorder.path
    assert_shows(panel, cli_twins(capsys, recording, b.now()))


def test_ghost_line_of_the_isolated_crash_is_where_the_cross_crash_dies(make_window, qtbot):
    w = make_window(live=False)
    w.open_path(str(CRASH))
    w.loop.seek(5000, now=True)
    ghosts = w.ghost_lines.item.ghosts
    # the same lot in cross, as the crash recorded in cross has it at that moment
    cross = run(read_session(SESSIONS / "crash-cross.jsonl"), until=5000).account
    p = cross.positions["p1"]
    tick = p.instrument.tick_size
    mark = cross.marks["BTCUSDT"]
    shown = text.liquidation(cross.liquidation_price("p1"), mark, tick)
    assert shown == "40,190.70"
    assert [(g.position, g.mode, g.text) for g in ghosts] == [("p1", "cross", f"p1 if cross: {shown}")]
    assert ghosts[0].value == float(text.liquidation_at_tick(cross.liquidation_price("p1"), mark, tick))
    # out of view (28 % below the mark): tagged at the bottom edge
    assert w.ghost_lines.item.edge_tags() == ["▼ p1 if cross: 40,190.70"]
    # switched off from the panel, and the choice is kept
    panel = show_twins(w)
    qtbot.mouseClick(panel.ghosts_box, Qt.MouseButton.LeftButton)
    assert not w.ghost_lines.item.isVisible() and w.ghost_lines.item.ghosts == []
    assert w.settings.value("view/ghost_lines") == "false"
    qtbot.mouseClick(panel.ghosts_box, Qt.MouseButton.LeftButton)
    assert w.ghost_lines.item.ghosts and w.ghost_lines.item.isVisible()
    # after the liquidation there is no lot, so no ghost
    w.loop.seek(9000, now=True)
    assert w.ghost_lines.item.ghosts == []


def test_twin_equity_lines_follow_the_timeline_and_switch_on_and_off(make_window, qtbot):
    w = make_window(live=False)
    w.open_path(str(CRASH))
    w.loop.seek(20_000, now=True)
    lines = w.twin_lines.curves
    assert not lines["all_cross"].isVisible()  # off until asked for: they rescale the chart
    panel = show_twins(w)
    qtbot.mouseClick(panel.lines_box, Qt.MouseButton.LeftButton)
    assert w.settings.value("view/twin_lines") == "true"
    tl = w.bridge.timeline
    t, _traded, cross, isolated = tl.twin_history()
    x, y = lines["all_cross"].getData()
    assert list(x) == list(t / 1000) and list(y) == list(cross)
    assert y[-1] == float(tl.twins.twin("all_cross").equity) == 0.0  # the cross wallet is gone
    assert list(lines["all_isolated"].getData()[1]) == list(isolated)
    chart = w.account_chart
    chart.refresh_range()
    low = chart.view_box.viewRange()[1][0]
    assert low <= 0  # the wiped-out cross twin is in view
    qtbot.mouseClick(panel.lines_box, Qt.MouseButton.LeftButton)
    assert not lines["all_cross"].isVisible()
    assert chart.view_box.viewRange()[1][0] > 1000  # the account's own lines fill the chart again
    qtbot.mouseClick(panel.lines_box, Qt.MouseButton.LeftButton)
    assert lines["all_cross"].isVisible() and chart.view_box.viewRange()[1][0] <= 0
