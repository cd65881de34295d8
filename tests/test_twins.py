"""Twins through the command line and the API the window drives (issue 12, "How we will know")."""

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from sandbox.cli import main
from sandbox.engine import AdjustMargin, Close, Open, Price, SetMode
from sandbox.session.reader import read_session
from sandbox.session.runner import run
from sandbox.session.timeline import Timeline
from sandbox.session.twins import (
    VARIANTS,
    TwinSet,
    clock,
    other_mode_liquidation_price,
    replay,
    rewrite,
    verdict,
)

SESSIONS = Path(__file__).resolve().parents[1] / "resources" / "sessions"


def cli(capsys, *args):
    assert main(list(args)) == 0
    return capsys.readouterr().out


def twin_json(capsys, name, *extra):
    return json.loads(cli(capsys, "replay", str(SESSIONS / name), "--twin", "--json", *extra))


def test_crash_isolated_as_traded_loses_the_margin_and_all_cross_the_whole_wallet(capsys):
    report = twin_json(capsys, "crash-isolated.jsonl")
    twins = report["twins"]
    assert list(twins) == list(VARIANTS)
    assert all(
        list(t)
        == [
            "total_wallet",
            "equity",
            "realized_pnl",
            "liquidations",
            "first_liquidation_t",
            "positions_liquidated",
            "max_drawdown",
        ]
        for t in twins.values()
    )
    # 0.5 BTC at 60,000, 10× isolated: 3,000 USDT of margin and a 15 USDT opening fee
    opened = next(e for e in report["events"] if e["type"] == "opened")
    assert (D(opened["margin"]), D(opened["fee"])) == (D(3000), D(15))
    liquidated = next(e for e in report["events"] if e["type"] == "liquidated")
    assert D(liquidated["wallet_before"]) == 3000
    at = twins["as_traded"]
    assert D(at["total_wallet"]) == D(10000) - 15 - 3000 == D(at["equity"])
    assert (at["liquidations"], at["positions_liquidated"], at["first_liquidation_t"]) == (1, ["p1"], 8000)
    assert D(at["max_drawdown"]) == 3015
    # the same position in cross: the whole wallet defends it and goes with it
    cross = twins["all_cross"]
    assert D(cross["total_wallet"]) == 0 == D(cross["equity"])
    assert (cross["liquidations"], cross["positions_liquidated"]) == (1, ["p1"])
    assert cross["first_liquidation_t"] > at["first_liquidation_t"]
    assert D(cross["max_drawdown"]) == 10000
    assert twins["all_isolated"] == at  # already isolated: the same account
    # decimals are strings, like the rest of the report; the plain report is unchanged
    assert isinstance(at["equity"], str)
    plain = json.loads(cli(capsys, "replay", str(SESSIONS / "crash-isolated.jsonl"), "--json"))
    del report["twins"]
    assert report == plain


def test_crash_cross_twins_mirror_crash_isolated(capsys):
    cross = twin_json(capsys, "crash-cross.jsonl")["twins"]
    isolated = twin_json(capsys, "crash-isolated.jsonl")["twins"]
    assert cross["all_cross"] == isolated["all_cross"] == cross["as_traded"]
    assert cross["all_isolated"] == isolated["as_traded"]


def test_the_hedge_survives_all_cross_and_dies_all_isolated(capsys):
    twins = twin_json(capsys, "hedge-cross-vs-isolated.jsonl")["twins"]
    assert twins["all_cross"]["liquidations"] == 0
    assert twins["all_cross"]["positions_liquidated"] == []
    assert twins["all_cross"]["first_liquidation_t"] is None
    # both shorts are isolated there, and both die as BTC rises 8 %
    assert twins["all_isolated"]["liquidations"] >= 1
    assert twins["all_isolated"]["positions_liquidated"] == ["p2", "p4"]
    assert twins["as_traded"]["positions_liquidated"] == ["p4"]
    # every twin paid the same four opening fees (0.1 BTC at 60,000 × 0.05 % = 3 USDT each)
    assert D(twins["all_cross"]["total_wallet"]) == D(10000) - 4 * 3
    assert D(twins["all_isolated"]["total_wallet"]) == D(10000) - 4 * 3 - 2 * 300


def test_repeated_output_is_byte_identical(capsys):
    for name in ("crash-isolated.jsonl", "hedge-cross-vs-isolated.jsonl"):
        for extra in ((), ("--json",)):
            args = ("replay", str(SESSIONS / name), "--twin", *extra)
            assert cli(capsys, *args) == cli(capsys, *args)


def test_plain_text_puts_the_three_side_by_side(capsys):
    out = cli(capsys, "replay", str(SESSIONS / "hedge-cross-vs-isolated.jsonl"), "--twin")
    header = next(line for line in out.splitlines() if "as traded" in line and "all cross" in line)
    assert header.index("as traded") < header.index("all cross") < header.index("all isolated")
    assert "all cross: survived, -12.00 USDT" in out
    assert "all isolated: p2 liquidated at 0:05, lost its 300.00 USDT" in out
    assert "max drawdown" in out


def test_until_stops_every_twin_there(capsys):
    twins = twin_json(capsys, "crash-isolated.jsonl", "--until", "5000")["twins"]
    assert all(t["liquidations"] == 0 for t in twins.values())
    assert D(twins["all_cross"]["equity"]) == D(twins["as_traded"]["equity"]) == D(7985)


def test_what_each_twin_receives():
    open_iso = Open("BTCUSDT", "long", D(1), 10, "isolated")
    assert rewrite("as_traded", open_iso) is open_iso
    assert rewrite("all_cross", open_iso) == Open("BTCUSDT", "long", D(1), 10, "cross")
    assert rewrite("all_isolated", open_iso) is open_iso
    switch = SetMode("p1", "isolated", D(50))
    assert rewrite("all_cross", switch) is None and rewrite("all_isolated", switch) is None
    add = AdjustMargin("p1", D(10))
    assert rewrite("all_cross", add) is None and rewrite("all_isolated", add) is add
    close = Close("p1")
    assert all(rewrite(v, close) is close for v in VARIANTS)


def test_as_traded_ends_where_a_plain_replay_ends():
    session = read_session(SESSIONS / "hedge-cross-vs-isolated.jsonl")
    twins = replay(session).twins
    plain = run(session).account
    assert twins.twin("as_traded").account.view() == plain.view()


def test_a_copy_is_a_checkpoint_nothing_reaches_back_through():
    session = read_session(SESSIONS / "hedge-cross-vs-isolated.jsonl")
    twins = TwinSet.from_header(session.header)
    pairs = list(zip(session.times, session.commands))
    for t, c in pairs[:5]:
        twins.apply(t, c)
    saved = twins.copy()
    before = {v: tw.figures() for v, tw in saved.twins.items()}
    for t, c in pairs[5:]:
        twins.apply(t, c)
    assert {v: tw.figures() for v, tw in saved.twins.items()} == before
    for t, c in pairs[5:]:
        saved.apply(t, c)
    assert {v: tw.figures() for v, tw in saved.twins.items()} == {
        v: tw.figures() for v, tw in twins.twins.items()
    }


def test_twins_share_an_account_only_while_nothing_tells_them_apart():
    session = read_session(SESSIONS / "crash-cross.jsonl")
    twins = TwinSet.from_header(session.header)
    twins.apply(0, Price("BTCUSDT", D(60000)))
    assert len({id(tw) for tw in twins.twins.values()}) == 1  # nothing open yet
    twins.apply(1000, Open("BTCUSDT", "long", D("0.5"), 10, "cross"))
    shared = twins.twins
    assert shared["as_traded"] is shared["all_cross"] and shared["all_isolated"] is not shared["all_cross"]
    twins.apply(2000, SetMode("p1", "isolated"))  # only the recorded account switches
    assert len({id(tw) for tw in twins.twins.values()}) == 3
    assert twins.twin("as_traded").account.positions["p1"].isolated
    assert not twins.twin("all_cross").account.positions["p1"].isolated


def test_a_timeline_carries_the_twins_through_seek_step_back_and_branch():
    session = read_session(SESSIONS / "hedge-cross-vs-isolated.jsonl")
    times, commands = list(session.times), list(session.commands)
    tl = Timeline(session.header, times, commands, checkpoint_every=3)

    def fresh(index, times=times, commands=commands):
        twins = TwinSet.from_header(session.header)
        for t, c in zip(times[:index], commands[:index]):
            twins.apply(t, c)
        return {v: tw.figures() for v, tw in twins.twins.items()}

    for index in (len(commands), 2, 9, 0, 7, 8, 3, len(commands)):
        tl.seek_index(index)
        assert {v: tw.figures() for v, tw in tl.twins.twins.items()} == fresh(index)
    # the price set at input 6 replaces what followed, in place; the original is kept
    tl.seek_index(6)
    before = fresh(len(commands))
    tl.submit(Price("BTCUSDT", D(50000)), 6000)
    assert {v: tw.figures() for v, tw in tl.twins.twins.items()} == fresh(
        7, [*times[:6], 6000], [*commands[:6], Price("BTCUSDT", D(50000))]
    )
    tl.original.seek_index(len(commands))
    assert {v: tw.figures() for v, tw in tl.original.twins.twins.items()} == before


@pytest.mark.parametrize(
    ("ms", "shown"), [(0, "0:00"), (41_000, "0:41"), (725_500, "12:05"), (3_723_000, "1:02:03")]
)
def test_clock(ms, shown):
    assert clock(ms) == shown


def test_verdicts_in_plain_words():
    session = read_session(SESSIONS / "crash-isolated.jsonl")
    twins = replay(session).twins
    assert verdict("as_traded", twins.twin("as_traded")) == (
        "as traded: p1 liquidated at 0:08, lost its 3,000.00 USDT; -3,015.00 USDT in all"
    )
    assert verdict("all_cross", twins.twin("all_cross")).startswith(
        "all cross: cross pool (p1) liquidated at 0:18, wallet lost 9,985.00 USDT"
    )


def test_the_other_mode_s_liquidation_price_for_a_ghost_line():
    session = read_session(SESSIONS / "crash-isolated.jsonl")
    twins = TwinSet.from_header(session.header)
    for t, c in list(zip(session.times, session.commands))[:2]:  # the price, the open
        twins.apply(t, c)
    mode, price = other_mode_liquidation_price(twins, "p1")
    cross = run(read_session(SESSIONS / "crash-cross.jsonl"), until=1000).account
    assert (mode, price) == ("cross", cross.liquidation_price("p1"))
    assert other_mode_liquidation_price(twins, "p9") is None


def test_an_opening_input_of_any_kind_gets_the_twin_s_mode():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class OpeningOrder:  # the shape an opening order would have
        symbol: str
        mode: str
        price: D

    order = OpeningOrder("BTCUSDT", "isolated", D(50000))
    assert rewrite("all_cross", order) == OpeningOrder("BTCUSDT", "cross", D(50000))
    assert rewrite("all_isolated", order) is order


def test_twin_and_compare_do_not_mix(capsys):
    assert main(["replay", str(SESSIONS / "crash-isolated.jsonl"), "--twin", "--compare", "okx"]) == 2
    assert "cannot be combined" in capsys.readouterr().err
