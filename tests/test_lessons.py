"""The three lessons of issue 12: each lesson's claim, asserted with the numbers its session
gives when replayed with twins; the texts say the numbers the person will see; the predictions'
answers are the engine's (the liquidation price every screen shows); the bundled sessions are
exactly what the recipe below makes of the real data in ../shared/data; bad lesson files are one
sentence.

Run ``python tests/test_lessons.py`` to write the sessions again from the data.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from sandbox.engine import Command, Open, Price, text
from sandbox.market.readers import load_market_file
from sandbox.session.lessons import MAX_LESSON_BYTES, LessonError, load_lesson, load_lessons
from sandbox.session.reader import read_session
from sandbox.session.sources import market_header
from sandbox.session.timeline import Timeline
from sandbox.session.twins import clock, replay

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LESSONS = ROOT / "resources" / "lessons"
FTX = "nautilus_ftx_btc-perp-20211231-20220201_1m.csv"
LEAN = "lean_binance_cryptofuture_btcusd_20221213_trade.csv"


# ---------------------------------------------------------------------- the recipe
@dataclass(frozen=True)
class Recipe:
    """A window of a real file's one-minute candles (``minutes`` > 1: merged into longer
    candles), through the importer's intrabar path, as BTCUSDT prices, with ``commands`` at
    their session times (after the prices of the same moment)."""

    data: str
    start: str  # UTC, inclusive
    stop: str  # UTC, exclusive
    minutes: int
    balance: str
    title: str
    description: str
    commands: tuple[tuple[int, Command], ...]


RECIPES = {
    "01-isolated-caps-the-loss.jsonl": Recipe(
        FTX,
        "2022-01-05 16:00",
        "2022-01-06 00:00",
        1,
        "4000",
        "Isolated caps the loss: the evening of 5 January 2022",
        "FTX BTC-PERP one-minute candles, 16:00 to midnight UTC: the evening the Fed's minutes "
        "came out and BTC fell from 46,600 to 42,500. A 1 BTC long at 20×, isolated, on a "
        "4,000 USDT account.",
        ((1000, Open("BTCUSDT", "long", D(1), 20, "isolated")),),
    ),
    "02-the-pool-and-its-price.jsonl": Recipe(
        FTX,
        "2022-01-20 16:00",
        "2022-01-22 00:00",
        5,
        "3300",
        "The pool lowers the chance, and what it costs: 20-21 January 2022",
        "FTX BTC-PERP, five-minute candles merged from one-minute ones, 20 January 16:00 to 22 "
        "January 00:00 UTC: a first fall from 43,500 to 40,550, then the crash to 35,400. A 0.5 "
        "BTC long at 25× in cross on a 3,300 USDT account.",
        ((1000, Open("BTCUSDT", "long", D("0.5"), 25, "cross")),),
    ),
    "03-hedges-suit-cross.jsonl": Recipe(
        LEAN,
        "2022-12-13 12:30",
        "2022-12-13 15:30",
        1,
        "2000",
        "Hedges suit cross: US inflation day, 13 December 2022",
        "Binance BTCUSD perpetual one-minute candles (LEAN), 12:30 to 15:30 UTC: the CPI "
        "figures at 13:30 sent BTC from 17,636 to 18,228 within the minute. A 0.5 BTC long and "
        "a 0.5 BTC short, both 25× isolated, on a 2,000 USDT account.",
        (
            (1000, Open("BTCUSDT", "long", D("0.5"), 25, "isolated")),
            (1000, Open("BTCUSDT", "short", D("0.5"), 25, "isolated")),
        ),
    ),
}


def _ms(utc: str) -> int:
    return int(datetime.fromisoformat(utc).replace(tzinfo=UTC).timestamp() * 1000)


def _minute_rows(recipe: Recipe):
    """(open time ms, open, high, low, close) of the data's one-minute candles in the window,
    prices as the file's own text."""
    start, stop = _ms(recipe.start), _ms(recipe.stop)
    with open(DATA / recipe.data, newline="") as f:
        rows = csv.reader(f)
        if recipe.data == FTX:
            next(rows)  # header; times are "2022-01-05 16:00:00.000000"
            timed = ((_ms(r[0][:16]), r[1:5]) for r in rows)
        else:  # LEAN: ms since midnight of the day in the file name
            day = _ms("2022-12-13 00:00")
            timed = ((day + int(r[0]), r[1:5]) for r in rows)
        for t, ohlc in timed:
            if start <= t < stop:
                yield t, *ohlc


def _candles(recipe: Recipe):
    """The window's candles, ``minutes`` long: first open, highest high, lowest low, last close."""
    step = recipe.minutes * 60_000
    out: list[list] = []
    for t, o, h, low, c in _minute_rows(recipe):
        k = t - t % step
        if out and out[-1][0] == k:
            last = out[-1]
            last[2] = max(last[2], h, key=D)
            last[3] = min(last[3], low, key=D)
            last[4] = c
        else:
            out.append([k, o, h, low, c])
    return out


def build(name: str, out: Path) -> None:
    recipe = RECIPES[name]
    with tempfile.TemporaryDirectory() as tmp:
        candles = Path(tmp) / "candles.csv"
        with open(candles, "w", newline="") as f:
            f.write("timestamp,open,high,low,close\n")
            f.writelines(",".join(map(str, row)) + "\n" for row in _candles(recipe))
        data = load_market_file(candles, "BTCUSDT")
        ticks = list(data.ticks())
        header = market_header(data, D(recipe.balance))
    meta = dict(header.meta)
    meta.update(
        title=recipe.title,
        description=recipe.description,
        source=recipe.data,
        candles=f"{recipe.minutes}-minute candles"
        + (" merged from one-minute ones" if recipe.minutes > 1 else ""),
        lesson=name.removesuffix(".jsonl") + ".json",
    )
    meta.pop("source_format")
    times: list[int] = []
    commands: list[Command] = []
    pending = list(recipe.commands)
    for t, symbol, price in ticks:
        while pending and pending[0][0] < t:
            at, command = pending.pop(0)
            times.append(at)
            commands.append(command)
        times.append(t)
        commands.append(Price(symbol, price))
    timeline = Timeline(header.model_copy(update={"meta": meta}), times, commands, twins=False)
    timeline.save(str(out))


@pytest.mark.skipif(not (DATA / FTX).exists(), reason="needs ../shared/data")
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_each_session_is_the_recipe_applied_to_real_data(name, tmp_path):
    build(name, tmp_path / name)
    assert (tmp_path / name).read_bytes() == (LESSONS / name).read_bytes()


# ---------------------------------------------------------------------- the lessons
def lesson(n):
    return next(x for x in load_lessons(LESSONS) if x.path.name.startswith(f"{n:02}-"))


def at(name, t):
    """The lesson's session replayed to ``t``: the three twins (None: to the end)."""
    return replay(read_session(LESSONS / name), until=t).twins


def says(step_text, *shown):
    for s in shown:
        assert s in step_text, f"{s!r} not in {step_text!r}"


def liquidation_shown(twins, variant, pid):
    account = twins.twin(variant).account
    p = account.positions[pid]
    return text.liquidation(account.liquidation_price(pid), account.marks[p.symbol], p.instrument.tick_size)


def prices_until(name, t):
    tl = Timeline.from_session(read_session(LESSONS / name), twins=False)
    tl.seek(t)
    return tl.price_history("BTCUSDT")[1]


def test_the_three_lessons_load_in_order_each_asking_before_it_plays():
    lessons = load_lessons(LESSONS)
    assert [x.path.name for x in lessons] == [
        "01-isolated-caps-the-loss.json",
        "02-the-pool-and-its-price.json",
        "03-hedges-suit-cross.json",
    ]
    for x in lessons:
        assert x.session_path.name == x.file.session and 300 <= len(x.session()) <= 5000
        assert len(x.answers) == len(x.steps) and any(a is not None for a in x.answers)
        first_ask = next(i for i, a in enumerate(x.answers) if a is not None)
        assert x.answers[first_ask].kind == "liquidation_price"  # a marker to drag, first
        moments = [s.t for s in x.steps if s.t is not None]
        assert moments == sorted(moments)  # the lesson plays forward
        for answer in x.answers:
            if answer is not None:
                assert answer.shown in answer.reveal and "{" not in answer.reveal


def test_lesson_1_isolated_loses_exactly_its_margin_and_the_rest_lives_on():
    name = "01-isolated-caps-the-loss.jsonl"
    one = lesson(1)
    opened = at(name, 1000)
    traded = opened.twin("as_traded").account
    p1 = traded.positions["p1"]
    margin, wallet = p1.isolated_wallet, traded.cross_wallet
    fee = D(4000) - margin - wallet
    assert (margin, fee) == (D("2331.55"), D("23.3155"))  # 46,631 / 20, and 0.05 % of it
    end = at(name, None)
    tw = end.twin("as_traded")
    (liq,) = tw.liquidations
    assert (liq.mode, liq.positions, liq.wallet_before, liq.wallet_after) == ("isolated", ("p1",), margin, 0)
    assert tw.result == -(margin + fee)  # exactly the margin and the fee
    assert tw.account.cross_wallet == wallet  # the rest of the account is untouched
    cross = end.twin("all_cross")
    assert cross.result == -4000 and cross.account.total_wallet == 0  # all cross: the whole pool
    assert cross.liquidations[0].t > liq.t and end.twin("all_isolated").figures() == tw.figures()

    # the prediction's answer is the price every screen shows, and the crash fires there
    answer = one.answers[1]
    assert answer.shown == liquidation_shown(opened, "as_traded", "p1") == "44,477.30"
    assert (answer.symbol, answer.t) == ("BTCUSDT", 1000)
    before = prices_until(name, liq.t - 1)
    assert before.min() > answer.value >= liq.price
    assert one.answers[3].value == 4000 and one.answers[3].shown == "4,000.00 USDT"

    # the numbers the person reads are the engine's
    steps = one.steps
    says(steps[0].text, "46,631", "4,000", "2,331.55", "23.32", "1,645.13")
    assert text.money(wallet) == "1,645.13" and text.money(fee) == "23.32"
    says(steps[2].text, "19:47", "44,360", "2,331.55", "1,645.13", "2,354.87")
    assert (clock(liq.t), liq.price) == ("3:47:30", D(44360))  # 16:00 + 3:47 = 19:47 UTC
    assert text.money(-tw.result) == "2,354.87"
    says(one.answers[3].reveal, "3,976.68", "44,477.30", "42,825.60", "22:33")
    assert text.money(cross.liquidations[0].wallet_before) == "3,976.68"
    assert liquidation_shown(opened, "all_cross", "p1") == "42,825.60"
    assert clock(cross.liquidations[0].t) == "6:33:30"  # 22:33 UTC
    says(steps[4].text, "−2,354.87", "1,645.13", "−4,000.00")
    assert steps[4].t == read_session(LESSONS / name).times[-1]


def test_lesson_2_the_pool_outlives_the_first_fall_and_takes_everything_in_the_second():
    name = "02-the-pool-and-its-price.jsonl"
    two = lesson(2)
    opened = at(name, 1000)
    end = at(name, None)
    isolated, cross = end.twin("all_isolated"), end.twin("as_traded")
    (died,) = isolated.liquidations
    (failed,) = cross.liquidations
    margin = D("866.36")  # 0.5 × 43,318 / 25
    assert (died.mode, died.wallet_before) == ("isolated", margin)
    assert failed.mode == "cross" and failed.t > died.t  # the pool lowered its chance …
    assert cross.result == -3300 and cross.account.total_wallet == 0  # … and took it all
    assert -isolated.result == margin + D("10.8295") < -cross.result
    assert end.twin("all_cross").figures() == cross.figures()  # traded in cross already

    iso_answer, cross_answer, survives = two.answers[1], two.answers[2], two.answers[4]
    assert iso_answer.shown == liquidation_shown(opened, "all_isolated", "p1") == "41,752.20"
    assert cross_answer.shown == liquidation_shown(opened, "as_traded", "p1") == "36,887.20"
    assert prices_until(name, died.t - 1).min() > iso_answer.value >= died.price
    between = prices_until(name, failed.t - 1)
    assert between.min() == 37351 > cross_answer.value >= failed.price  # it lived through 37,351
    assert survives.value is False and survives.shown == f"liquidated at {clock(failed.t)}"

    steps = two.steps
    says(steps[0].text, "43,318", "3,300", "10.83", "3,289.17")
    says(steps[1].text, "866.36")
    says(iso_answer.reveal, "3.6 %")
    assert round((1 - iso_answer.value / D(43318)) * 100, 1) == D("3.6")
    says(cross_answer.reveal, "14.8 %", "4,865")
    assert round((1 - cross_answer.value / D(43318)) * 100, 1) == D("14.8")
    assert iso_answer.value - cross_answer.value == 4865
    says(steps[3].text, "21:42", "41,400", "866.36")
    assert (clock(died.t), died.price, steps[3].t) == ("5:42:30", D(41400), died.t)  # 16:00 + 5:42
    says(survives.reveal, "21:47", "36,887.20")
    says(steps[5].text, "21:47", "36,569", "3,289.17")
    assert (clock(failed.t), failed.price, steps[5].t) == ("29:47:30", D(36569), failed.t)
    assert text.money(failed.wallet_before) == "3,289.17"
    says(steps[6].text, "−877.19", "2,422.81", "−3,300.00", "37,351")
    assert (
        text.money(isolated.result) == "-877.19" and text.money(isolated.account.total_wallet) == "2,422.81"
    )


def test_lesson_3_the_hedge_survives_in_cross_where_the_isolated_short_dies():
    name = "03-hedges-suit-cross.jsonl"
    three = lesson(3)
    opened = at(name, 1000)
    end = at(name, None)
    cross, isolated = end.twin("all_cross"), end.twin("all_isolated")
    assert cross.liquidations == [] and cross.result == -D("8.7116")  # the two opening fees
    (died,) = isolated.liquidations
    margin = D("348.464")  # 0.5 × 17,423.2 / 25
    assert (died.positions, died.side, died.wallet_before, died.wallet_after) == (("p2",), "short", margin, 0)
    assert set(isolated.account.positions) == {"p1"}  # the long lives on, alone
    assert end.twin("as_traded").figures() == isolated.figures()
    assert cross.result > isolated.result
    # in cross the pair has no liquidation price worth the name
    assert liquidation_shown(opened, "all_cross", "p2") == text.NONE_WITHIN_REACH

    answer, survives = three.answers[1], three.answers[3]
    assert answer.shown == liquidation_shown(opened, "as_traded", "p2") == "18,048.00"
    assert prices_until(name, died.t - 1).max() < answer.value <= died.price == D("18227.8")
    assert survives.value is True and survives.shown == "survives"

    steps = three.steps
    says(steps[0].text, "17,423.2", "348.46")
    says(answer.reveal, "3.6 %", "348.46")
    assert round((answer.value / D("17423.2") - 1) * 100, 1) == D("3.6")
    says(steps[2].text, "13:30", "18,227.8", "348.46")
    assert (clock(died.t), steps[2].t) == ("1:00:30", died.t)  # 12:30 + 1:00
    says(steps[4].text, "−186.08", "−8.71")
    assert text.money(isolated.result) == "-186.08" and text.money(cross.result) == "-8.71"


def test_every_lesson_says_its_claim_in_one_sentence():
    for x in load_lessons(LESSONS):
        assert x.claim.endswith(".") and x.claim.count(". ") == 0
        assert all(len(s.text) <= 320 for s in x.steps)  # short steps


# ---------------------------------------------------------------------- bad lesson files
GOOD = {
    "format": "margin-sandbox-lesson",
    "version": 1,
    "title": "T",
    "claim": "C.",
    "session": "s.jsonl",
    "steps": [{"text": "Where?", "t": 1000, "predict": {"kind": "liquidation_price", "position": "p1"}}],
}


def write(tmp_path, body, name="l.json"):
    (tmp_path / "s.jsonl").write_bytes((LESSONS / "01-isolated-caps-the-loss.jsonl").read_bytes())
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


def test_a_good_lesson_outside_the_bundle_loads(tmp_path):
    loaded = load_lesson(write(tmp_path, GOOD))
    assert loaded.answers[0].shown == "44,477.30"
    assert loaded.answers[0].reveal == "The engine says 44,477.30."


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"session": "../../etc/passwd"}, "never a path"),
        ({"session": "/abs/s.jsonl"}, "never a path"),
        ({"session": "missing.jsonl"}, "its session"),
        ({"format": "something-else"}, "not a lesson file"),
        ({"steps": []}, "field 'steps'"),
        ({"title": None}, "field 'title'"),
        ({"extra": 1}, "field 'extra'"),
        ({"steps": [{"text": "x", "predict": {"kind": "liquidation_price", "position": "p1"}}]}, "says when"),
        (
            {"steps": [{"text": "x", "t": 1000, "predict": {"kind": "liquidation_price"}}]},
            "names its position",
        ),
        ({"steps": [{"text": "x", "t": 1000, "predict": {"kind": "guess"}}]}, "field 'steps.0.predict.kind'"),
        (
            {"steps": [{"text": "x", "t": 0, "predict": {"kind": "liquidation_price", "position": "p1"}}]},
            "step 1: p1 is not open",
        ),
        (
            {"steps": [{"text": "x", "predict": {"kind": "loss", "reveal": "{answer} {0}"}}]},
            "no other braces",
        ),
        ({"steps": [{"text": "x", "t": -5}]}, "field 'steps.0.t'"),
    ],
)
def test_a_broken_lesson_is_one_sentence(tmp_path, change, said):
    body = {**GOOD, **change}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(LessonError) as caught:
        load_lesson(write(tmp_path, body))
    assert said in str(caught.value) and str(caught.value).startswith(str(tmp_path / "l.json"))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("{not json", "not valid JSON"),
        ("[" * 100 + "]" * 100, "nests"),
        ("[1, 2]", "not a lesson file"),
        (" " * (MAX_LESSON_BYTES + 1), "at most 256 KiB"),
        (b"\xff\xfe{}", "not UTF-8 text"),
    ],
)
def test_a_hostile_lesson_file_is_one_sentence(tmp_path, body, said):
    with pytest.raises(LessonError) as caught:
        load_lesson(write(tmp_path, body))
    assert said in str(caught.value)


def test_a_lesson_path_that_is_a_folder_or_missing_is_one_sentence(tmp_path):
    with pytest.raises(LessonError, match="folder"):
        load_lesson(tmp_path)
    with pytest.raises(LessonError, match="no such file"):
        load_lesson(tmp_path / "nope.json")


if __name__ == "__main__":
    for name in RECIPES:
        build(name, LESSONS / name)
        print("wrote", LESSONS / name)
