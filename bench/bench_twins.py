"""Twins: the per-tick cost of three accounts (as traded, all cross, all isolated) against one.

Goal (issue 12): at most 3.5× one account. Both are measured in the same run over the same
session: ten positions on eight symbols, cross and isolated mixed (so the three twins differ and
none can share an account), eight symbols ticking every 100 ms, nothing liquidated.
- replay: ``runner.run`` (one account) against ``twins.replay`` (three twins with equity and
  drawdown kept on every tick);
- apply: a loop of ``Account.apply`` against a loop of ``TwinSet.apply``;
- timeline: a ``Timeline`` played through once (what the window does: events, chart samples and
  checkpoints laid on the way) with twins off against twins on.
A session traded in one mode only lets two twins share an account; its ratio is printed too.
Run: python bench/bench_twins.py
"""

import tempfile
from pathlib import Path

from common import best_of, write_big_session

from sandbox.engine import Open
from sandbox.session.reader import Session, read_session
from sandbox.session.runner import new_account, run
from sandbox.session.timeline import Timeline
from sandbox.session.twins import TwinSet, replay

EVENTS = 200_000


def through_timeline(session) -> tuple[float, float]:
    def play(twins: bool) -> None:
        timeline = Timeline(session.header, inputs=session.inputs.copy(), twins=twins)
        timeline.seek_index(len(timeline))

    return best_of(lambda: play(False)), best_of(lambda: play(True))


def ratios(session) -> tuple[float, float, float, float]:
    one = best_of(lambda: run(session))
    three = best_of(lambda: replay(session))
    pairs = list(zip(session.times, session.commands))

    def one_apply() -> None:
        account = new_account(session.header)
        apply = account.apply
        for t, c in pairs:
            apply(c, t)

    def twins_apply() -> None:
        twins = TwinSet.from_header(session.header)
        apply = twins.apply
        for t, c in pairs:
            apply(t, c)

    one_a = best_of(one_apply)
    three_a = best_of(twins_apply)
    return one, three, one_a, three_a


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        write_big_session(path, EVENTS)
        session = read_session(path)
    n = len(session)
    result = replay(session)
    distinct = len({id(tw) for tw in result.twins.twins.values()})
    assert distinct == 3 and not any(tw.liquidations for tw in result.twins.twins.values())
    one, three, one_a, three_a = ratios(session)
    print(f"{n:,} inputs, 10 positions (cross and isolated mixed) on 8 symbols; best of 3")
    print(
        f"replay   one account {one:6.2f} s ({n / one:>9,.0f}/s)   twins {three:6.2f} s ({n / three:>9,.0f}/s)"
    )
    print(
        f"apply    one account {one_a:6.2f} s ({n / one_a:>9,.0f}/s)   twins {three_a:6.2f} s ({n / three_a:>9,.0f}/s)"
    )
    off, on = through_timeline(session)
    print(f"timeline twins off   {off:6.2f} s ({n / off:>9,.0f}/s)   on    {on:6.2f} s ({n / on:>9,.0f}/s)")
    print(
        f"twins / one account: replay {three / one:.2f}, apply {three_a / one_a:.2f}, "
        f"timeline {on / off:.2f}   (goal ≤ 3.5)"
    )

    cross_only = [
        c if not isinstance(c, Open) else Open(c.symbol, c.side, c.qty, c.leverage, "cross", c.position)
        for c in session.commands
    ]
    session = Session(session.path, session.header, list(session.times), cross_only)
    one, three, _, _ = ratios(session)
    off, on = through_timeline(session)
    print(
        f"the same session traded all in cross (two twins share an account): replay {three / one:.2f}, "
        f"timeline {on / off:.2f}"
    )


if __name__ == "__main__":
    main()
