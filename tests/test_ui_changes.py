"""The bridge says what changed once per frame, in typed signals: positions added, removed and
changed (with the fields that moved), marks and account fields. Checked against an oracle that is
not the diff: the engine's views before and after, compared field by field as plain dicts."""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from sandbox.engine import AdjustMargin, Close, Open, Price, SetLeverage, SetMode
from sandbox.session.model import SessionHeader
from sandbox.session.timeline import Timeline
from sandbox.ui.bridge import SessionBridge


class Recorder:
    """Everything the bridge announced, frame by frame."""

    SIGNALS = (
        "positions_removed",
        "positions_added",
        "positions_changed",
        "marks_changed",
        "account_changed",
    )

    def __init__(self, bridge: SessionBridge):
        self.calls: list[tuple[str, object]] = []
        for name in (*self.SIGNALS, "reset", "jumped", "ticked"):
            getattr(bridge, name).connect(
                lambda *args, n=name: self.calls.append((n, args[0] if args else None))
            )

    def take(self) -> dict[str, object]:
        names = [n for n, _ in self.calls]
        assert len(names) == len(set(names)), f"a signal came twice in one frame: {names}"
        out = dict(self.calls)
        self.calls.clear()
        return out


def plain(view):
    """The oracle's picture of a view: account fields, and each position's fields, as dicts."""
    d = view.to_dict()
    positions = {p["id"]: p for p in d.pop("positions")}
    return d, positions


def expected(before, after):
    (acc0, pos0), (acc1, pos1) = plain(before), plain(after)
    changed = {
        pid: frozenset(k for k in p if p[k] != pos0[pid][k])
        for pid, p in pos1.items()
        if pid in pos0 and p != pos0[pid]
    }
    return {
        "added": tuple(pid for pid in pos1 if pid not in pos0),
        "removed": tuple(pid for pid in pos0 if pid not in pos1),
        "changed": changed,
        "account": frozenset(k for k in acc1 if acc1[k] != acc0[k]),
    }


def test_an_open_a_tick_and_a_close_say_exactly_what_changed(qtbot, bridge):
    seen = Recorder(bridge)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    frame = seen.take()
    assert frame["positions_added"] == ("p1",)
    assert "positions_changed" not in frame and "positions_removed" not in frame
    assert {"isolated_wallets", "cross_wallet", "available"} <= frame["account_changed"]
    assert "marks_changed" not in frame

    bridge.submit(Price("BTCUSDT", D(61000)))
    frame = seen.take()
    assert frame["marks_changed"] == frozenset({"BTCUSDT"})
    fields = frame["positions_changed"]["p1"]
    assert {"mark_price", "notional", "unrealized_pnl", "roe", "margin_ratio"} <= fields
    assert not fields & {"id", "symbol", "side", "mode", "entry_price", "leverage", "isolated_wallet"}
    assert "equity" in frame["account_changed"] and "cross_wallet" not in frame["account_changed"]

    bridge.submit(Price("ETHUSDT", D(3100)))  # no ETH position: only the mark
    frame = seen.take()
    assert frame["marks_changed"] == frozenset({"ETHUSDT"})
    assert "positions_changed" not in frame and "account_changed" not in frame

    bridge.submit(Close("p1"))
    frame = seen.take()
    assert frame["positions_removed"] == ("p1",) and "positions_added" not in frame


def test_many_inputs_in_one_frame_are_announced_once(qtbot, bridge):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "cross"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 10, "isolated"))
    seen = Recorder(bridge)
    before = bridge.view()
    ticks = [
        (1000 + i, "BTCUSDT" if i % 2 else "ETHUSDT", D(60000 + i) if i % 2 else D(3000 - i))
        for i in range(50)
    ]
    bridge.note_inputs(list(bridge.timeline.feed(ticks)))
    assert seen.calls == []  # nothing until the frame publishes
    bridge.publish()
    frame = seen.take()
    want = expected(before, bridge.view())
    assert frame["marks_changed"] == frozenset({"BTCUSDT", "ETHUSDT"})
    assert frame["positions_changed"] == want["changed"] and frame["account_changed"] == want["account"]
    bridge.publish()  # a frame with nothing new says nothing
    assert seen.take() == {}


def test_a_seek_back_brings_positions_back_as_added_and_says_it_jumped(qtbot, bridge):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "long", D(1), 10, "cross"))
    bridge.submit(Close("p1"))
    seen = Recorder(bridge)
    bridge.timeline.step_back()
    bridge.note_inputs([], urgent=True)
    bridge.publish()
    frame = seen.take()
    assert frame["positions_added"] == ("p1",) and "jumped" in frame
    assert [p.id for p in bridge.positions()] == ["p1", "p2"]


def test_a_new_timeline_is_a_reset_and_the_next_frame_starts_from_it(qtbot, bridge):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    seen = Recorder(bridge)
    other = Timeline(SessionHeader.new("5000"))
    other.submit(Price("BTCUSDT", D(50000)))
    bridge.set_timeline(other)
    assert seen.take() == {"reset": None}
    bridge.publish()
    assert seen.take() == {}
    assert bridge.positions() == () and bridge.mark("BTCUSDT") == D(50000)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_what_is_announced_is_what_changed_over_a_random_session(qtbot, seed):
    """Random opens, switches, leverage and margin changes, closes and prices, a few per frame:
    after every frame the announced changes equal the oracle's, and following the signals alone
    rebuilds exactly the positions on screen."""
    rng = random.Random(seed)
    bridge = SessionBridge(Timeline(SessionHeader.new("100000")))
    bridge.submit(Price("BTCUSDT", D(60000)))
    bridge.submit(Price("ETHUSDT", D(3000)))
    seen = Recorder(bridge)
    shown = {p.id: p for p in bridge.positions()}
    marks = dict(bridge.marks())
    for _ in range(60):
        before = bridge.view()
        for _ in range(rng.randint(1, 4)):
            ids = [p.id for p in bridge.positions()]
            roll = rng.random()
            symbol = rng.choice(["BTCUSDT", "ETHUSDT"])
            if roll < 0.2 or not ids:
                qty = D("0.05") if symbol == "BTCUSDT" else D(1)
                command = Open(
                    symbol,
                    rng.choice(["long", "short"]),
                    qty,
                    rng.choice([5, 10, 20]),
                    rng.choice(["cross", "isolated"]),
                )
            elif roll < 0.3:
                command = SetMode(rng.choice(ids), rng.choice(["cross", "isolated"]))
            elif roll < 0.4:
                command = SetLeverage(rng.choice(ids), rng.choice([3, 10, 25]))
            elif roll < 0.45:
                command = AdjustMargin(rng.choice(ids), D(rng.choice([50, -20])))
            elif roll < 0.5:
                command = Close(rng.choice(ids))
            else:
                step = D(rng.randint(-300, 300)) if symbol == "BTCUSDT" else D(rng.randint(-30, 30))
                command = Price(symbol, max(bridge.mark(symbol) + step, D(100)))
            bridge.note_inputs(list(bridge.timeline.submit(command)))
        bridge.publish()
        frame = seen.take()
        after = bridge.view()
        want = expected(before, after)
        assert frame.get("positions_added", ()) == want["added"]
        assert set(frame.get("positions_removed", ())) == set(want["removed"])
        assert frame.get("positions_changed", {}) == want["changed"]
        assert frame.get("account_changed", frozenset()) == want["account"]
        moved = frozenset(s for s in bridge.marks() if bridge.marks()[s] != marks.get(s))
        assert frame.get("marks_changed", frozenset()) == moved
        marks = dict(bridge.marks())
        for pid in frame.get("positions_removed", ()):
            del shown[pid]
        for pid in (*frame.get("positions_added", ()), *frame.get("positions_changed", {})):
            shown[pid] = bridge.position(pid)
        assert shown == {p.id: p for p in after.positions}
