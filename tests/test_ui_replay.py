"""Replaying a recorded session: open, play, step back before a liquidation, scrub, branch, and
render a screenshot."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from ui_support import D, drag_slider, frames, write_demo_session

from sandbox.engine import Liquidated, Open, Price, text


@pytest.fixture
def session_file(tmp_path):
    return write_demo_session(tmp_path / "eth-falls.jsonl")


def play_to_end(w, qtbot):
    w.loop.set_speed(None)  # max
    w.loop.set_playing(True)
    w.loop.start()
    qtbot.waitUntil(w.loop.at_end, timeout=20000)
    w.loop.stop()


def test_open_play_and_step_back_before_the_liquidation(make_window, qtbot, session_file):
    w = make_window()
    assert w.open_path(str(session_file))
    b = w.bridge
    assert w.replay_bar.mode.text() == "REPLAY"
    assert not w.loop.playing and not w.loop.ticker_on
    ids = {p.id for p in b.view().positions}
    assert len(ids) == 2  # both positions of t=0 are on screen, ready to play
    eth = next(p.id for p in b.view().positions if p.symbol == "ETHUSDT")

    play_to_end(w, qtbot)
    assert eth not in {p.id for p in b.view().positions}
    liqs = b.liquidations()
    assert [e.mode for e in liqs] == ["isolated"] and isinstance(liqs[0], Liquidated)
    assert w.replay_bar.slider.marks  # the liquidation is marked on the timeline
    assert any(kind == "liquidation" for kind, _ in w.notices.recent)

    # Step back with the arrow key until just before the liquidation: the position is back.
    liq_t = liqs[0].t
    with qtbot.assertNotEmitted(b.events):
        while b.now() >= liq_t:
            QTest.keyClick(w, Qt.Key.Key_Left)
    view = b.view()
    back = next(p for p in view.positions if p.id == eth)
    assert back.liquidation_price is not None and back.mark_price > back.liquidation_price
    assert b.liquidations() == []
    assert w.price_chart.markers.scatter.data.size == 0
    w.price_chart.set_symbol("ETHUSDT")
    tick = b.instrument("ETHUSDT").tick_size
    at = text.liquidation_at_tick(back.liquidation_price, back.mark_price, tick)
    assert w.price_chart.levels_for(eth)["liq"].value == float(at)
    # …and forward again: the same liquidation, at the same price.
    while b.now() < liq_t:
        QTest.keyClick(w, Qt.Key.Key_Right)
    assert b.liquidations()[0].price == liqs[0].price


def test_scrubbing_the_timeline_rewinds_the_account(make_window, qtbot, session_file):
    w = make_window()
    w.open_path(str(session_file))
    play_to_end(w, qtbot)
    b = w.bridge
    end = b.now()
    slider = w.replay_bar.slider
    drag_slider(slider, -slider.width(), steps=15)
    assert b.now() < end / 4
    assert len(b.view().positions) == 2
    assert not w.loop.playing


def test_trade_from_here_branches_and_keeps_the_original(make_window, qtbot, session_file):
    w = make_window()
    w.open_path(str(session_file))
    b = w.bridge
    original = b.timeline
    for _ in range(10):
        QTest.keyClick(w, Qt.Key.Key_Right)
    t = b.now()
    qtbot.mouseClick(w.replay_bar.branch_button, Qt.MouseButton.LeftButton)
    branch = b.timeline
    assert branch is not original and branch.parent["index"] == original.index
    # issue 12: the branch keeps the recorded market (the rest of the recording plays on in it)
    assert branch.t == t and not w.loop.at_end() and branch.end_t == original.end_t
    assert w.replay_bar.mode.text().endswith(" · branch")
    b.submit(Price("ETHUSDT", D("2990")))
    assert len(original) > len(branch)  # the rest of the recording is still there
    # The branch is recorded from its first input (its inheritance included).
    recorder = branch.recorder
    assert recorder is not None and recorder.lines == len(branch) + 1


def test_trading_while_replaying_branches(make_window, session_file):
    w = make_window()
    w.open_path(str(session_file))
    b = w.bridge
    for _ in range(6):
        w.loop.step_forward()
    end = b.timeline.end_t
    events = b.submit(Open("BTCUSDT", "long", D("0.01"), 5, "cross"))
    assert events and events[0].type == "opened"
    assert any(p.id == events[0].position for p in b.view().positions)
    # a what-if branch (issue 12): the recorded market plays on, the original is kept
    assert not w.loop.at_end() and b.timeline.end_t == end
    assert b.timeline.departure.market_kept and b.timeline.original is not None


def test_save_recording_round_trips(make_window, tmp_path):
    w = make_window()
    frames(w, 20)
    w.bridge.submit(Open("BTCUSDT", "long", D("0.01"), 10, "isolated"))
    frames(w, 20)
    out = tmp_path / "mine.jsonl"
    assert w.save_recording(str(out))
    n = len(w.bridge.timeline)
    assert w.open_path(str(out))
    w.bridge.timeline.seek_index(len(w.bridge.timeline))
    assert len(w.bridge.timeline) == n


def test_shot_renders_a_png_of_the_right_size(tmp_path, qapp, session_file, settings_dir):
    from sandbox.ui.shot import ShotError, render_shot

    out = tmp_path / "shot.png"
    render_shot(str(session_file), str(out), at_ms=40_000, size=(1280, 800))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    with pytest.raises(ShotError):
        render_shot(str(tmp_path / "missing.jsonl"), str(out))


def test_market_data_asks_for_the_instrument_it_cannot_tell(make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    csv = tmp_path / "prices.csv"
    csv.write_text(
        "time,open,high,low,close\n"
        "2024-01-01T00:00:00Z,100,101,99,100.5\n2024-01-01T00:01:00Z,100.5,102,100,101\n"
        "2024-01-01T00:02:00Z,101,101.5,97,98\n",
        encoding="utf-8",
    )
    asked = []
    monkeypatch.setattr(
        QInputDialog, "getItem", staticmethod(lambda *a, **k: (asked.append(a[2]) or "SOLUSDT", True))
    )
    w = make_window()
    assert w.open_path(str(csv))
    assert asked and "symbol" in asked[0]
    b = w.bridge
    assert b.chart_symbols() == ["SOLUSDT"]
    w.loop.set_speed(None)
    w.loop.set_playing(True)
    w.loop.advance(0.1)
    _t, p = b.price_history("SOLUSDT")
    assert p.min() == 97.0 and p.max() == 102.0  # the intrabar path reaches the wicks
    assert w.replay_bar.mode.text() == "PAUSED" or w.loop.at_end()


def test_a_click_on_the_timeline_seeks_there(make_window, qtbot, session_file):
    """Click = go to that moment (not a page step); a drag from the click goes on from there."""
    w = make_window()
    assert w.open_path(str(session_file))
    slider = w.replay_bar.slider
    t0, t1 = w.replay_bar._range
    x = slider.width() // 4
    y = slider.height() // 2
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    wanted = w.replay_bar.time_at(slider.value_at(x))
    assert (
        abs(wanted - (t0 + (t1 - t0) / 4)) < (t1 - t0) * 0.05
    )  # a quarter of the way, give or take the handle
    assert w.bridge.now() == w.bridge.timeline.t and abs(w.bridge.now() - wanted) <= 1000
    assert not w.loop.playing
    # press at three quarters and drag back to the middle: the timeline follows, from there
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(3 * x, y))
    assert w.bridge.now() > t0 + (t1 - t0) * 0.6
    QTest.mouseMove(slider, QPoint(2 * x, y))
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(2 * x, y))
    assert abs(w.bridge.now() - (t0 + (t1 - t0) / 2)) < (t1 - t0) * 0.08
