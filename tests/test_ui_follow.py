"""Expensive work that follows the account (previews, the comparison) runs from a timer, never in
the frame that moved the prices, and waits longer the more it costs."""

from __future__ import annotations

from PySide6.QtCore import QObject

from sandbox.ui import follow
from sandbox.ui.follow import Follower


def test_work_runs_later_once_and_costlier_work_waits_longer(qtbot, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(follow.time, "perf_counter", lambda: clock[0])
    calls = []

    def work():
        calls.append(clock[0])
        clock[0] += 0.1  # 100 ms of work, on the fake clock

    parent = QObject()
    f = Follower(work, every_ms=250, share=0.1, parent=parent)
    for _ in range(5):  # five frames moved prices
        f()
    assert calls == []  # not inside any of them
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=2000)
    assert f.timeout_ms == 1000  # 100 ms at a tenth of the time: once a second at most
    f.cancel()
    qtbot.wait(300)
    assert len(calls) == 1


def test_cheap_work_keeps_the_shortest_interval(qtbot):
    parent = QObject()
    calls = []
    f = Follower(lambda: calls.append(1), every_ms=50, share=0.1, parent=parent)
    f()
    qtbot.waitUntil(lambda: calls == [1], timeout=2000)
    assert f.timeout_ms == 50
