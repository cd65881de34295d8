"""A timeline carries its twins through everything a person does: at every moment
``timeline.twins`` is what ``twins.replay`` of the session so far gives, to the last digit, and
the account, the events and the chart histories are what a fresh replay of the same inputs gives.

The moves are drawn at random: seeks (by input and by time), steps both ways, playing on,
commands at the end and before it (a what-if branch in place), prices set by hand (a branch
that replaces what followed), market ticks, "trade from here" with and without the market,
``what_if`` branches, and going back to the original. The oracle is the headless replay of the
inputs the timeline holds up to its current point, which never looks at a checkpoint.
"""

from dataclasses import replace
from decimal import Decimal as D
from random import Random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_twins_property import SCRIPTS, session_of

from sandbox.engine import AdjustMargin, Close, Deposit, Open, Price, SetLeverage, SetMode, Withdraw
from sandbox.session.reader import Session
from sandbox.session.report import account_dict
from sandbox.session.runner import run
from sandbox.session.timeline import Timeline
from sandbox.session.twins import VARIANTS, replay


def so_far(tl):
    n = tl.index
    return Session("so far", tl.header, tl.times[:n], tl.commands[:n])


def snapshot(tl):
    """Everything a person sees of a timeline at its current point."""
    twins = {v: (tw.figures(), account_dict(tw.account)) for v, tw in tl.twins.twins.items()}
    return (
        tl.index,
        tl.t,
        len(tl),
        account_dict(tl.account),
        [(i, e.to_dict()) for i, e in tl.events],
        twins,
        [a.tolist() for a in tl.account_history()],
        [a.tolist() for a in tl.twin_history()],
    )


def agree(tl):
    session = so_far(tl)
    plain = run(session)
    assert account_dict(tl.account) == account_dict(plain.account)
    assert tl.account.ledger == plain.account.ledger
    assert [e.to_dict() for _, e in tl.events] == [e.to_dict() for e in plain.events]
    twins = replay(session).twins
    for v in VARIANTS:
        mine, theirs = tl.twins.twin(v), twins.twin(v)
        assert mine.figures() == theirs.figures(), v
        assert account_dict(mine.account) == account_dict(theirs.account), v
        assert mine.account.ledger == theirs.account.ledger, v
    assert tl.twin_liquidation_times() == {v: [e.t for e in tw.liquidations] for v, tw in twins.twins.items()}
    # the chart histories are those of a fresh timeline played once to the same input
    fresh = Timeline(tl.header, tl.times, tl.commands, checkpoint_every=1000)
    fresh.seek_index(tl.index)
    for mine, theirs in zip(tl.account_history(), fresh.account_history(), strict=True):
        assert mine.tolist() == theirs.tolist()
    for mine, theirs in zip(tl.twin_history(), fresh.twin_history(), strict=True):
        assert mine.tolist() == theirs.tolist()
    # the as-traded line is the account chart's equity, at the same moments
    assert tl.twin_history()[1].tolist() == tl.account_history()[4].tolist()


def user_command(rng, tl):
    ids = sorted(tl.account.positions) or ["p1"]
    pid = rng.choice([*ids, "p9"])
    kind = rng.choice(["open", "open", "close", "set_mode", "adjust", "leverage", "deposit", "withdraw"])
    if kind == "open":
        symbol = rng.choice(["BTCUSDT", "ETHUSDT"])
        qty = D(rng.randint(5, 60)) / 1000 * (1 if symbol == "BTCUSDT" else 20)
        return Open(
            symbol,
            rng.choice(["long", "short"]),
            qty,
            rng.choice([5, 10, 20]),
            rng.choice(["cross", "isolated"]),
        )
    if kind == "close":
        return Close(pid)
    if kind == "set_mode":
        return SetMode(pid, rng.choice(["cross", "isolated"]))
    if kind == "adjust":
        return AdjustMargin(pid, D(rng.choice([-100, 50, 300])))
    if kind == "leverage":
        return SetLeverage(pid, rng.choice([2, 10, 25]))
    if kind == "deposit":
        return Deposit(D(rng.randint(1, 2000)))
    return Withdraw(D(rng.randint(1, 2000)))


def moved_price(rng, tl):
    symbol = rng.choice(["BTCUSDT", "ETHUSDT"])
    mark = tl.account.marks.get(symbol, D(60000) if symbol == "BTCUSDT" else D(3000))
    return symbol, (mark * D(1 + rng.choice([-8, -3, 2, 5]) / 100)).quantize(D("0.1"))


def keeps_market(branch):
    """After the user's command the branch holds the original's later prices (and, if kept, its
    later commands, an unnamed open pinned to the id it had), nothing else."""
    original, i, kept = branch.original, branch.parent["index"], branch.departure.kept
    expected = [(t, c) for t, c in zip(original.times[i:], original.commands[i:]) if type(c) is Price or kept]
    got = list(zip(branch.times[i + 1 :], branch.commands[i + 1 :]))
    unpinned = [(t, replace(c, position=None) if isinstance(c, Open) else c) for t, c in got]
    assert got == expected or unpinned == [
        (t, replace(c, position=None) if isinstance(c, Open) else c) for t, c in expected
    ]
    assert branch.departure.market_kept
    assert branch.departure.dropped + kept == sum(type(c) is not Price for c in original.commands[i:])
    assert branch.times[i] == branch.departure.t == original.t


def wander(seed, session):
    """Random moves over a timeline of ``session``; checks after every one."""
    rng = Random(seed)
    tl = Timeline(session.header, session.times, session.commands, checkpoint_every=rng.choice([2, 3, 5]))
    left: list[tuple[Timeline, tuple]] = []  # originals left behind, with what they showed
    agree(tl)
    for _ in range(14):
        move = rng.choice(
            [
                "seek",
                "seek_t",
                "back",
                "forward",
                "play",
                "submit",
                "submit",
                "price",
                "feed",
                "branch",
                "what_if",
                "original",
            ]
        )
        if move == "seek":
            tl.seek_index(rng.randint(0, len(tl)))
        elif move == "seek_t":
            tl.seek(rng.randint(0, tl.end_t + 500))
        elif move == "back":
            for _ in range(rng.randint(1, 4)):
                tl.step_back()
        elif move == "forward":
            for _ in range(rng.randint(1, 4)):
                tl.step_forward()
        elif move == "play":
            tl.play_until(tl.t + rng.randint(0, 5000))
        elif move in ("submit", "price"):
            before = snapshot(tl)
            at_end = tl.at_end
            n = len(tl)
            if move == "submit":
                tl.submit(user_command(rng, tl), keep_commands=rng.random() < 0.5)
            else:
                tl.submit(Price(*moved_price(rng, tl)))
            if at_end:
                assert len(tl) == n + 1 and tl.at_end
            else:  # a branch in place: the original is kept exactly as it was
                assert snapshot(tl.original) == before
                left.append((tl.original, before))
                if move == "submit":
                    keeps_market(tl)
        elif move == "feed":
            symbol, price = moved_price(rng, tl)
            tl.feed([(tl.t + rng.randint(0, 900), symbol, price)])
        elif move == "branch":
            before = snapshot(tl)
            child = tl.branch(keep_market=rng.random() < 0.5, keep_commands=rng.random() < 0.5)
            assert snapshot(tl) == before and child.original is tl
            assert child.parent == {
                "file": tl.path or tl.header.meta.get("title"),
                "t": tl.t,
                "index": tl.index,
            }
            left.append((tl, before))
            tl = child
        elif move == "what_if":
            before = snapshot(tl)
            child = tl.what_if(user_command(rng, tl), keep_commands=rng.random() < 0.5)
            assert snapshot(tl) == before and child.original is tl
            keeps_market(child)
            left.append((tl, before))
            tl = child
        elif left:  # back to an original: exactly what it showed when it was left
            tl, before = left.pop()
            assert snapshot(tl) == before
        agree(tl)


@settings(
    max_examples=45,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.integers(0, 2**32 - 1), SCRIPTS)
def test_the_twins_follow_every_move_of_the_timeline(seed, script):
    wander(seed, session_of(script))


def test_twins_off_costs_nothing_and_changes_nothing():
    session = session_of(
        [("open", "BTCUSDT", "long", D("0.5"), 10, "cross", None), ("move", "BTCUSDT", -0.2)]
    )
    with_twins = Timeline(session.header, session.times, session.commands)
    without = Timeline(session.header, session.times, session.commands, twins=False)
    for tl in (with_twins, without):
        tl.seek_index(len(tl))
    assert without.twins is None and with_twins.twins is not None
    assert account_dict(without.account) == account_dict(with_twins.account)
    assert [e.to_dict() for _, e in without.events] == [e.to_dict() for _, e in with_twins.events]
    assert all(len(a) == 0 for a in without.twin_history())
    assert without.twin_liquidation_times() == {v: [] for v in VARIANTS}
    assert with_twins.twin_liquidation_times()["all_cross"] == [
        e.t for _, e in with_twins.events if e.type == "liquidated"
    ]
