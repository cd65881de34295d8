"""What-if branches in the window (issue 12), driven like a person: a switch clicked during the
replay of the isolated crash makes a branch that keeps the recorded market, a notice says so and
offers "Back to the original", which puts everything back as it was; "Trade from here" does the
same; the later recorded commands can be kept; each branch is recorded on its own and the
original recording is never touched.

The oracles are the command line (``replay --twin --json`` of the branch's own recording at that
moment) and the same crash recorded in cross (``crash-cross.jsonl``).
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

from cli_support import cli
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_ui_twins import assert_shows, cli_twins
from ui_support import drag_slider, frames

from sandbox.engine import Liquidated, Open
from sandbox.session.reader import read_session
from sandbox.session.runner import run
from sandbox.session.twins import clock

SESSIONS = Path(__file__).resolve().parents[1] / "resources" / "sessions"
CRASH = SESSIONS / "crash-isolated.jsonl"
LEFT = Qt.MouseButton.LeftButton


def step_to(w, t):
    while w.bridge.now() < t:
        QTest.keyClick(w, Qt.Key.Key_Right)


def play_to_end(w, qtbot):
    w.loop.set_speed(None)
    w.loop.set_playing(True)
    w.loop.start()
    qtbot.waitUntil(w.loop.at_end, timeout=20000)
    w.loop.stop()


def what_is_shown(w):
    """What a person sees of the moment: the clock, the rows, the log, the chart lines, the
    account chart, the twins."""
    table = w.positions
    rows = [(table.model.position(r).id, table.model.position(r).mode) for r in range(table.model.rowCount())]
    chart = w.price_chart
    levels = [(lv.position, lv.kind, lv.value, lv.text) for lv in chart.levels.levels]
    account = tuple(tuple(w.account_chart.buf.col(i)) for i in range(5))
    return (
        w.bridge.now(),
        w.bridge.timeline.index,
        w.replay_bar.time.text(),
        rows,
        [s for _, s in w.event_log.entries],
        levels,
        account,
        w.twins_panel.figures(),
    )


def test_toggling_a_row_mid_crash_plays_the_rest_of_it_in_a_branch(make_window, qtbot, capsys):
    before = CRASH.read_bytes()
    w = make_window(live=False)
    assert w.open_path(str(CRASH))
    w.show_twins()
    b = w.bridge
    original = b.timeline
    end, length = original.end_t, len(original)
    step_to(w, 5000)  # BTC at 56,000: the isolated long is alive
    shown_before = what_is_shown(w)
    assert not w.branch_notice.isVisible()

    QTest.mouseClick(
        w.positions.view.viewport(),
        LEFT,
        Qt.KeyboardModifier.NoModifier,
        w.positions.target_point("p1", "toggle"),
    )

    tl = b.timeline
    assert b.view().positions[0].mode == "cross"
    assert tl.end_t == end and len(tl) == length + 1 and not w.loop.at_end()  # the crash is still ahead
    notice = w.branch_notice
    assert notice.isVisible()
    assert (
        notice.sentence.text() == "What if at 0:05 you had switched p1 to cross: the recorded prices play on."
    )
    assert not notice.keep.isVisible()  # the recording holds no later commands of yours
    assert w.replay_bar.mode.text().endswith(" · branch")
    recording = w.session.recorder.path  # the branch is recorded on its own
    assert Path(recording).parent == w.session.recordings_dir

    play_to_end(w, qtbot)
    # the rest of the crash played: the cross position dies where the cross crash dies
    cross = run(read_session(SESSIONS / "crash-cross.jsonl"))
    (want,) = [e for e in cross.events if isinstance(e, Liquidated)]
    (got,) = b.liquidations()
    assert (got.t, got.price, got.mode, got.wallet_before) == (
        want.t,
        want.price,
        want.mode,
        want.wallet_before,
    )
    # the twins panel says what replaying the branch's recording says at that moment
    assert_shows(w.twins_panel, cli_twins(capsys, recording, b.now()))
    report = json.loads(cli(capsys, "replay", recording, "--json").out)
    assert report["t"] == b.now() and not report["account"]["positions"]

    # back to the original: everything as it was at the switch
    qtbot.mouseClick(notice.back, LEFT)
    assert b.timeline is tl.original and b.timeline.departure is None
    assert what_is_shown(w) == shown_before
    assert not notice.isVisible() and "branch" not in w.replay_bar.mode.text()
    assert w.session.source_path == str(CRASH)
    assert_shows(w.twins_panel, cli_twins(capsys, CRASH, 5000))
    # and on from there, the recorded crash: the isolated position dies at 0:08
    play_to_end(w, qtbot)
    assert [(e.t, e.mode) for e in b.liquidations()] == [(8000, "isolated")]
    assert CRASH.read_bytes() == before  # the original recording is untouched


def later_commands_file(tmp_path):
    """The crash with a later command of the recording's own: margin added to p1 at 0:06."""
    lines = CRASH.read_text(encoding="utf-8").splitlines()
    add = json.dumps({"t": 6000, "type": "adjust_margin", "position": "p1", "amount": "500"})
    at = next(i for i, line in enumerate(lines) if '"t": 7000' in line)
    path = tmp_path / "crash-with-margin.jsonl"
    path.write_text("\n".join([*lines[:at], add, *lines[at:]]) + "\n", encoding="utf-8")
    return path


def test_later_recorded_commands_can_be_kept(make_window, qtbot, tmp_path):
    path = later_commands_file(tmp_path)
    w = make_window(live=False)
    w.open_path(str(path))
    b = w.bridge
    step_to(w, 5000)
    b.submit(Open("BTCUSDT", "short", D("0.1"), 5, "cross"))  # a what-if order
    notice = w.branch_notice
    assert notice.sentence.text().endswith("the recorded prices play on; 1 later command of yours left out.")
    assert notice.keep.isVisible() and not notice.keep.isChecked()
    first = b.timeline
    first_recording = w.session.recorder.path

    qtbot.mouseClick(notice.keep, LEFT)

    tl = b.timeline
    assert tl is not first and tl.original is first.original and b.now() == 5000
    assert (
        tl.departure.kept == 1 and "1 later command of yours re-applied as recorded" in notice.sentence.text()
    )
    assert w.session.recorder.path != first_recording and Path(first_recording).exists()
    play_to_end(w, qtbot)
    assert any(getattr(e, "type", "") == "margin_adjusted" for _, e in tl.events)
    # trading again in the branch: making it again would lose that, so the switch is off
    step = w.bridge.timeline
    assert step.at_end
    b.submit(Open("BTCUSDT", "long", D("0.01"), 5, "cross"))
    assert not notice.keep.isEnabled()


def test_trade_from_here_keeps_the_market_and_the_live_recording(make_window, qtbot):
    w = make_window()  # live, recorded
    frames(w, 40)
    b = w.bridge
    b.submit(Open("BTCUSDT", "long", D("0.01"), 10, "isolated"))
    frames(w, 40)
    live = b.timeline
    live_recording = w.session.recorder
    lines = live_recording.lines
    drag_slider(w.replay_bar.slider, -w.replay_bar.slider.width() // 3, steps=8)
    assert not w.loop.at_end()
    at, end = b.now(), live.end_t
    shown = what_is_shown(w)

    qtbot.mouseClick(w.replay_bar.branch_button, LEFT)

    branch = b.timeline
    assert branch is not live and branch.original is live and branch.end_t == end and b.now() == at
    assert w.branch_notice.isVisible()
    assert w.branch_notice.sentence.text() == f"Trading from {clock(at)} on the recorded prices."
    assert not live_recording.closed  # kept open: the user may go back
    assert w.session.recorder is not live_recording and w.session.recorder.lines == len(branch) + 1

    QTest.keySequence(w, "Ctrl+Shift+B")  # back to the original

    assert b.timeline is live and what_is_shown(w) == shown
    assert w.session.recorder is live_recording and not live_recording.closed
    assert live_recording.lines == lines  # nothing of the branch went into it
