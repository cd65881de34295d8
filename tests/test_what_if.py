"""What-if branches that keep the market (issue 12), told with the bundled crash.

crash-isolated.jsonl: 0.5 BTC long at 60,000, 10× isolated, then BTC falls to 38,000; the
position dies at 0:08 and takes its 3,000 USDT. crash-cross.jsonl is the same with the position
in cross: the whole wallet defends it until 0:18 (40,100, shown as 40,190.76 before).
"""

from decimal import Decimal as D
from pathlib import Path

from sandbox.engine import Close, Liquidated, Open, Price, SetMode
from sandbox.session.model import SessionHeader
from sandbox.session.reader import read_session
from sandbox.session.recorder import Recorder
from sandbox.session.report import account_dict
from sandbox.session.runner import run
from sandbox.session.timeline import Timeline
from sandbox.session.twins import replay

SESSIONS = Path(__file__).resolve().parents[1] / "resources" / "sessions"
CRASH = str(SESSIONS / "crash-isolated.jsonl")


def crash():
    return Timeline.from_session(read_session(CRASH))


def liquidations(events):
    return [e for e in events if isinstance(e, Liquidated)]


def seen(tl):
    """What the window shows of a timeline: its point, clock, events and account."""
    return tl.index, tl.t, len(tl), [(i, e.to_dict()) for i, e in tl.events], account_dict(tl.account)


def test_switching_to_cross_mid_crash_plays_the_rest_of_the_crash():
    tl = crash()
    tl.seek(5_000)  # BTC at 56,000: the isolated position is still alive
    length, end, at_switch = len(tl), tl.end_t, seen(tl)

    said = tl.submit(SetMode("p1", "cross"))

    assert [e.type for e in said] == ["mode_changed"]
    # the same 20 seconds of market, plus the switch: nothing of the crash is dropped
    assert tl.end_t == end == 20_000 and len(tl) == length + 1 and not tl.at_end
    assert tl.parent == {"file": CRASH, "t": 5_000, "index": 6} == tl.header.meta["parent"]
    d = tl.departure
    assert (d.t, d.command, d.market_kept, d.dropped, d.kept) == (5_000, SetMode("p1", "cross"), True, 0, 0)
    assert d.sentence() == "What if at 0:05 you had switched p1 to cross: the recorded prices play on."

    tl.seek_index(len(tl))  # play the rest
    cross = run(read_session(SESSIONS / "crash-cross.jsonl"))
    assert liquidations(e for _, e in tl.events) == liquidations(cross.events)  # 0:18, at 40,100
    (liq,) = liquidations(e for _, e in tl.events)
    assert (liq.t, liq.price, liq.wallet_before, liq.wallet_after) == (18_000, D(40100), D(9985), 0)
    assert tl.account.view() == cross.account.view()

    # back to the original: the moment of the switch, exactly as it was left
    assert seen(tl.original) == at_switch
    tl.original.seek_index(len(tl.original))
    (died,) = liquidations(e for _, e in tl.original.events)
    assert (died.t, died.mode, died.wallet_before) == (8_000, "isolated", D(3000))


def test_what_if_leaves_the_original_where_it_is():
    tl = crash()
    tl.seek(5_000)
    before = seen(tl)
    branch = tl.what_if(SetMode("p1", "cross"))
    assert seen(tl) == before and branch.original is tl and branch is not tl
    assert branch.index == tl.index + 1 and branch.account.positions["p1"].mode == "cross"
    assert tl.account.positions["p1"].mode == "isolated"


def test_the_twins_of_a_what_if_are_those_of_its_own_inputs():
    tl = crash()
    tl.seek(5_000)
    tl.submit(SetMode("p1", "cross"))
    tl.seek_index(len(tl))
    again = replay(read_session(SESSIONS / "crash-cross.jsonl")).twins
    # the recorded account switched to cross, so as traded now dies with the pool at 0:18 …
    assert tl.twins.twin("as_traded").figures() == again.twin("all_cross").figures()
    # … while the twins, which ignore switches, are those of the original crash
    original = replay(read_session(CRASH)).twins
    for v in ("all_cross", "all_isolated"):
        assert tl.twins.twin(v).figures() == original.twin(v).figures()


def test_trade_from_here_can_keep_the_market():
    tl = crash()
    tl.seek(5_000)
    plain = tl.branch()
    assert plain.at_end and len(plain) == tl.index  # as before: the branch ends here
    market = tl.branch(keep_market=True)
    assert len(market) == len(tl) and market.end_t == tl.end_t and market.index == tl.index
    assert market.departure.sentence() == "Trading from 0:05 on the recorded prices."
    market.seek_index(len(market))  # nothing was changed, so the crash happens as recorded
    assert [e.t for e in liquidations(e for _, e in market.events)] == [8_000]


def demo():
    """Two opens that name no lot, a close of the second by its assigned id, prices between."""
    header = SessionHeader.new("10000", meta={"title": "demo"})
    price = [Price("BTCUSDT", D(p)) for p in (60000, 60500, 61000, 60800, 60200, 59900)]
    times = [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]
    commands = [
        price[0],
        Open("BTCUSDT", "long", D("0.1"), 10, "cross"),  # p1
        price[1],
        price[2],
        Open("BTCUSDT", "short", D("0.1"), 10, "isolated"),  # p2
        price[3],
        Close("p2"),
        price[4],
    ]
    return Timeline(header, times, commands)


def test_later_commands_are_dropped_unless_kept():
    tl = demo()
    tl.seek(2_500)
    dropped = tl.what_if(Open("BTCUSDT", "long", D("0.05"), 5, "isolated"))
    assert dropped.departure.dropped == 2 and dropped.departure.kept == 0
    assert len(dropped) == len(tl) - 2 + 1
    assert dropped.departure.sentence().endswith(
        "the recorded prices play on; 2 later commands of yours left out."
    )
    dropped.seek_index(len(dropped))
    assert sorted(dropped.account.positions) == ["p1", "p2"]  # the new lot took the next id, p2

    kept = tl.what_if(Open("BTCUSDT", "long", D("0.05"), 5, "isolated"), keep_commands=True)
    assert kept.departure.kept == 2 and kept.departure.dropped == 0 and len(kept) == len(tl) + 1
    kept.seek_index(len(kept))
    # The recorded short is still p2 and the recorded "close p2" closes it, not the new lot,
    # which was named p3 so that no kept command could mean it.
    assert sorted(kept.account.positions) == ["p1", "p3"]
    closed = [e for _, e in kept.events if e.type == "closed"]
    assert [(e.position, e.side) for e in closed] == [("p2", "short")]


def test_kept_commands_are_pinned_the_same_whether_the_future_was_played_or_not():
    played = demo()
    played.seek_index(len(played))
    played.seek(2_500)
    fresh = demo()
    fresh.seek(2_500)
    new = Open("BTCUSDT", "long", D("0.05"), 5, "isolated")
    a = played.what_if(new, keep_commands=True)
    b = fresh.what_if(new, keep_commands=True)
    assert list(a.commands) == list(b.commands)
    assert Open("BTCUSDT", "short", D("0.1"), 10, "isolated", "p2") in list(a.commands)


def test_a_command_that_no_longer_makes_sense_is_rejected_as_in_a_replay():
    tl = demo()
    tl.seek(4_500)  # p2 is open
    branch = tl.what_if(Close("p2"), keep_commands=True)
    branch.seek_index(len(branch))
    rejected = [e for _, e in branch.events if e.type == "rejected"]
    assert [(e.code, e.position) for e in rejected] == [("unknown_position", "p2")]


def test_a_recorded_what_if_replays_to_the_branch_and_the_original_file_is_untouched(tmp_path):
    # a live session, recorded as it happens
    live = Timeline(SessionHeader.new("10000", meta={"title": "live"}))
    recording = tmp_path / "live.jsonl"
    live.attach_recorder(Recorder(recording, live.header))
    session = read_session(CRASH)
    for t, c in zip(session.times, session.commands):
        if type(c) is Price:
            live.feed([(t, c.symbol, c.price)])
        else:
            live.submit(c, t)
    original_bytes = recording.read_bytes()
    # rewind, switch, and record the branch anew
    live.seek(5_000)
    live.submit(SetMode("p1", "cross"))
    assert live.recorder is None and live.original.recorder is not None
    branch_file = tmp_path / "branch.jsonl"
    rec = Recorder(branch_file, live.header)
    live.attach_recorder(rec)
    live.seek_index(len(live))
    live.submit(Price("BTCUSDT", D(37000)))  # at the end: appended, and recorded
    rec.close()
    live.original.recorder.close()
    assert recording.read_bytes() == original_bytes

    again = Timeline.from_session(read_session(branch_file))
    assert again.header.meta["parent"] == live.parent and again.header.meta["branch"]["market_kept"]
    assert list(again.times) == list(live.times) and list(again.commands) == list(live.commands)
    again.seek_index(len(again))
    assert seen(again)[2:] == seen(live)[2:]
    for v in ("as_traded", "all_cross", "all_isolated"):
        assert again.twins.twin(v).figures() == live.twins.twin(v).figures()


def test_the_original_stops_recording_once_its_recording_is_closed(tmp_path):
    tl = Timeline(SessionHeader.new("10000"))
    rec = Recorder(tmp_path / "r.jsonl", tl.header)
    tl.attach_recorder(rec)
    tl.feed([(0, "BTCUSDT", D(60000))])
    rec.close()  # the window closed it (it showed another timeline)
    assert tl.recorder is None  # so the window, coming back, starts a new one
    tl.feed([(10, "BTCUSDT", D(60100))])  # and an input meanwhile is no error
    assert len(read_session(tmp_path / "r.jsonl")) == 1
