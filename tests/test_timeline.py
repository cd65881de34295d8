"""The timeline: seek equals a headless replay, stepping is exact, branches keep their prefix,
recordings survive a crash."""

import os
import signal
import subprocess
import sys
import textwrap
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.engine import AdjustMargin, Open, Price, SetMode
from sandbox.market import Simulator
from sandbox.session.model import SessionHeader
from sandbox.session.reader import Session, read_session
from sandbox.session.recorder import Recorder
from sandbox.session.report import report_json
from sandbox.session.runner import run
from sandbox.session.timeline import Timeline


def crash_day(checkpoint_every=50):
    """A flash crash on a live timeline: one isolated and one cross long, both liquidated."""
    tl = Timeline(SessionHeader.new("10000"), checkpoint_every=checkpoint_every)
    sim = Simulator(seed=3, scenario="flash-crash", event_at_ms=30_000)
    tl.feed(sim.advance(1_000))
    tl.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    tl.submit(Open("BTCUSDT", "long", D("0.1"), 50, "cross"))
    tl.submit(Open("ETHUSDT", "short", D(1), 10, "cross"))
    tl.feed(sim.advance(120_000))
    return tl


def state(tl):
    return report_json(tl.account, tl.t, [e for _, e in tl.events])


def as_session(tl):
    return Session("mem", tl.header, list(tl.times), list(tl.commands))


def test_the_crash_liquidates_and_the_times_are_marked():
    tl = crash_day()
    kinds = [(e.type, e.mode) for _, e in tl.events if e.type == "liquidated"]
    assert ("liquidated", "isolated") in kinds
    assert tl.liquidation_times() == [e.t for _, e in tl.events if e.type == "liquidated"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=125_000), min_size=1, max_size=6))
def test_seek_gives_what_a_replay_to_that_time_gives(targets):
    tl = crash_day()
    session = as_session(tl)
    for target in targets:
        tl.seek(target)
        result = run(session, until=target)
        assert state(tl) == report_json(result.account, target, result.events)


def test_step_back_then_forward_returns_to_the_identical_state():
    tl = crash_day()
    tl.seek_index(len(tl) // 2)
    before = state(tl)
    for _ in range(120):
        tl.step_back()
    for _ in range(120):
        tl.step_forward()
    assert state(tl) == before


def test_stepping_back_before_a_liquidation_brings_the_position_back():
    tl = crash_day()
    index = next(i for i, e in tl.events if e.type == "liquidated" and e.mode == "isolated")
    tl.seek_index(index)
    assert "p1" in tl.account.positions
    tl.step_forward()
    assert "p1" not in tl.account.positions


def test_branching_keeps_the_prefix_names_the_parent_and_leaves_the_original():
    tl = crash_day()
    tl.path = "crash.jsonl"
    tl.seek(20_000)
    child = tl.branch()
    assert list(child.times) == list(tl.times[: tl.index]) and child.header.meta["parent"] == {
        "file": "crash.jsonl",
        "t": 20_000,
        "index": tl.index,
    }
    child.submit(SetMode("p1", "cross"))
    assert len(tl) > len(child) and tl.account.positions["p1"].mode == "isolated"


def test_trading_after_a_rewind_keeps_the_market_and_the_original():
    tl = crash_day()
    end_t, n = tl.end_t, len(tl)
    tl.seek(20_000)
    kept, before = tl.index, state(tl)
    tl.submit(AdjustMargin("p1", D(100)))
    assert tl.parent["index"] == kept and tl.departure.market_kept
    assert tl.end_t == end_t and len(tl) == n + 1 and tl.index == kept + 1
    tl.seek_index(len(tl))
    assert state(tl) == report_json(*_run_all(tl))
    assert state(tl.original) == before


def test_a_price_set_after_a_rewind_replaces_what_followed():
    tl = crash_day()
    tl.seek(20_000)
    kept = tl.index
    tl.submit(Price("BTCUSDT", D(59000)))
    assert len(tl) == kept + 1 and tl.parent["index"] == kept and not tl.departure.market_kept
    assert state(tl) == report_json(*_run_all(tl))
    assert len(tl.original) > len(tl) and tl.original.index == kept


def _run_all(tl):
    r = run(as_session(tl))
    return r.account, tl.t, r.events


def test_held_symbols_ignore_the_market():
    tl = Timeline(SessionHeader.new("10000"))
    tl.hold("BTCUSDT")
    tl.feed([(0, "BTCUSDT", D(60000)), (0, "ETHUSDT", D(3000))])
    assert "BTCUSDT" not in tl.account.marks
    tl.submit(Price("BTCUSDT", D(59000)))  # the user's own drag still counts
    tl.release("BTCUSDT")
    tl.feed([(10, "BTCUSDT", D(59100))])
    assert tl.account.marks["BTCUSDT"] == D(59100)


def test_histories_follow_the_current_point():
    tl = crash_day()
    t_all, _p_all = tl.price_history("BTCUSDT")
    tl.seek(10_000)
    t_now, _ = tl.price_history("BTCUSDT")
    assert len(t_now) < len(t_all) and t_now[-1] <= 10_000
    tl.seek_index(len(tl))
    assert len(tl.price_history("BTCUSDT")[0]) == len(t_all)
    times, total, *_ = tl.account_history()
    assert len(times) == len(total) > 0


def test_save_and_read_back_replays_identically(tmp_path):
    tl = crash_day()
    for name in ("s.jsonl", "s.jsonl.gz"):
        tl.save(tmp_path / name)
        again = Timeline.from_session(read_session(tmp_path / name))
        again.seek_index(len(again))
        assert state(again) == state(tl)


def test_recording_survives_a_killed_process(tmp_path):
    path = tmp_path / "rec.jsonl"
    code = textwrap.dedent(f"""
        import os, signal, sys
        from decimal import Decimal as D
        from sandbox.engine import Price
        from sandbox.session.model import SessionHeader
        from sandbox.session.recorder import Recorder
        rec = Recorder({str(path)!r}, SessionHeader.new("10000"))
        for i in range(500):
            rec.record(i, Price("BTCUSDT", D(60000 + i)))
        rec._out.write('{{"t": 500, "type": "price", "sym')  # half a line, then the crash
        rec._out.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    session = read_session(path)
    assert len(session) == 500 and session.commands[-1].price == D(60499)
    assert "last line is incomplete" in session.warnings[0]


def test_recorder_writes_what_the_timeline_does(tmp_path):
    tl = Timeline(SessionHeader.new("10000"))
    rec = Recorder(tmp_path / "r.jsonl", tl.header)
    tl.attach_recorder(rec)
    tl.feed([(0, "BTCUSDT", D(60000))])
    tl.submit(Open("BTCUSDT", "long", D("0.01"), 10, "cross"))
    rec.close()
    replayed = Timeline.from_session(read_session(tmp_path / "r.jsonl"))
    replayed.seek_index(len(replayed))
    assert state(replayed) == state(tl)
    assert os.path.getsize(tmp_path / "r.jsonl") > 0
