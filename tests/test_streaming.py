"""Issue 9, item 5: headless ``replay`` and ``import`` read their file as a stream (memory does not
grow with the file), and the window keeps a session's inputs in compact arrays that give back
exactly what was read. Also the liquidation display rule in the command line's summary (issue 8,
item 9) with the JSON report unchanged."""

import json
import subprocess
import sys
from decimal import Decimal as D
from unittest import mock

import numpy as np
import pytest
from cli_support import HEADER, cli, refused, session_file
from conftest import ROOT

from sandbox.engine import Open, Price, SetMode, text
from sandbox.market import load_market_file, table
from sandbox.session.inputs import Inputs
from sandbox.session.model import SessionHeader
from sandbox.session.reader import Session, SessionFile, read_session
from sandbox.session.report import report, report_json, summary
from sandbox.session.runner import run
from sandbox.session.spool import EventSpool
from sandbox.session.timeline import Timeline

SESSIONS = sorted((ROOT / "resources" / "sessions").glob("*.jsonl"))


def price(t, p, symbol="BTCUSDT"):
    return {"t": t, "type": "price", "symbol": symbol, "price": p}


# ---------------------------------------------------------------------- streaming
def test_replay_reads_no_further_than_it_needs(tmp_path, capsys):
    path = session_file(tmp_path / "s.jsonl", price(0, "60000"), price(1000, "61000"), price(2000, "oops"))
    assert (
        refused(cli(capsys, "replay", path))
        == f"{path}:4: a price event needs a price (a number), got 'oops'"
    )
    until = cli(capsys, "replay", path, "--until", "1500", "--json")  # line 4 is never read
    assert until.code == 0 and json.loads(until.out)["t"] == 1500
    items = SessionFile(path).items()
    assert next(items) == (0, "BTCUSDT", D(60000))  # handed out before the bad line is read


# The child reports its own high-water mark: VmHWM belongs to the process image, so the memory of
# the test process it was forked from does not count (as it would in ru_maxrss).
PEAK = (
    "import atexit, sys\n"
    "def peak():\n"
    "    status = open('/proc/self/status').read()\n"
    "    print(status.split('VmHWM:')[1].split()[0], file=sys.__stderr__)\n"
    "atexit.register(peak)\n"
    "from sandbox.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _peak_rss_mb(*args) -> float:
    """Peak resident memory of ``margin-sandbox ARGS`` in a child process."""
    proc = subprocess.run(
        [sys.executable, "-c", PEAK, *map(str, args)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return int(proc.stderr.split()[-1]) / 1024


def test_memory_does_not_grow_with_the_file(tmp_path):
    """A file eight times longer replays and imports in the same memory (it took 4 to 20 times
    the file's size)."""
    rng = np.random.default_rng(1)
    for n, name in ((50_000, "small"), (400_000, "large")):
        walk = 60000 + np.cumsum(rng.integers(-5, 6, n)) / 10
        with open(tmp_path / f"{name}.jsonl", "w") as out:
            out.write(json.dumps(HEADER) + "\n")
            out.writelines(
                f'{{"t": {i}, "type": "price", "symbol": "BTCUSDT", "price": "{p:.1f}"}}\n'
                for i, p in enumerate(walk)
            )
        t0 = 1_700_000_000_000
        with open(tmp_path / f"BTCUSDT-1m-{name}.csv", "w") as out:
            out.writelines(
                f"{t0 + i * 60_000},{p:.1f},{p + 1:.1f},{p - 1:.1f},{p:.1f}\n" for i, p in enumerate(walk)
            )
    small = _peak_rss_mb("replay", tmp_path / "small.jsonl", "--json")
    large = _peak_rss_mb("replay", tmp_path / "large.jsonl", "--json")
    assert large - small < 25, (small, large)
    small = _peak_rss_mb("import", tmp_path / "BTCUSDT-1m-small.csv", "-o", tmp_path / "a.jsonl")
    large = _peak_rss_mb("import", tmp_path / "BTCUSDT-1m-large.csv", "-o", tmp_path / "b.jsonl")
    assert large - small < 25, (small, large)


def test_a_problem_further_on_in_a_market_file_names_its_line(tmp_path, capsys):
    rows = [f"{1_700_000_000 + 60 * i},100,101,99,100" for i in range(40)]
    rows[33] = f"{1_700_000_000 + 60 * 31},100,101,99,100"  # goes back, in the fifth chunk of eight
    path = tmp_path / "BTCUSDT-1m.csv"
    path.write_text("time,open,high,low,close\n" + "\n".join(rows) + "\n")
    with mock.patch.object(table, "CHUNK_ROWS", 8):
        data = load_market_file(path)  # the first chunk is fine
        message = refused(cli(capsys, "import", path, "-o", tmp_path / "out.jsonl"))
    assert message == f"{path}:35: time {1_700_000_000 + 60 * 31} does not come after the row before"
    assert data.interval_ms == 60_000 and not (tmp_path / "out.jsonl").exists()


def test_a_row_that_goes_back_across_a_chunk_boundary_is_found(tmp_path):
    rows = [f"{1_700_000_000 + 60 * i},100,101,99,100" for i in range(10)]
    rows[4] = rows[2]  # the first row of the second chunk of four repeats an earlier time
    path = tmp_path / "BTCUSDT-1m.csv"
    path.write_text("\n".join(rows) + "\n")
    with mock.patch.object(table, "CHUNK_ROWS", 4), pytest.raises(Exception) as err:
        list(load_market_file(path).ticks())
    assert err.value.line == 5


# ---------------------------------------------------------------------- compact inputs
def test_the_window_keeps_every_price_exactly_as_written(tmp_path):
    written = [
        "60000",
        "60000.0",
        "60000.10000000",
        "6E+4",
        "0.00000001",
        "1E-8",
        "999999999.99999999",
        "17203.95",
    ]
    path = session_file(tmp_path / "s.jsonl", *(price(i, p) for i, p in enumerate(written)))
    session = read_session(path)
    assert [c.price.as_tuple() for c in session.commands] == [D(p).as_tuple() for p in written]
    timeline = Timeline.from_session(session)
    timeline.save(str(tmp_path / "again.jsonl"))
    saved = [json.loads(line)["price"] for line in (tmp_path / "again.jsonl").read_text().splitlines()[1:]]
    assert saved == [f"{D(p):f}" for p in written]  # as every recording writes them: no exponent


def test_inputs_cost_about_21_bytes_a_price():
    inputs = Inputs()
    inputs.extend((i, "BTCUSDT", D(60000 + i % 1000) / 10) for i in range(100_000))
    inputs.append(5, Open("BTCUSDT", "long", D("0.1"), 10, "cross"))
    arrays = (inputs._t, inputs._sym, inputs._coef, inputs._exp)
    assert sum(a.itemsize for a in arrays) == 21 and len(inputs) == 100_001
    assert inputs.command(100_000) == Open("BTCUSDT", "long", D("0.1"), 10, "cross")
    assert inputs.command(1234) == Price("BTCUSDT", D("6023.4"))
    copy = inputs.copy(10)
    copy.append(99, SetMode("p1", "isolated"))
    assert len(copy) == 11 and len(inputs) == 100_001  # copies are independent
    inputs.truncate(3)
    assert list(inputs.items()) == [
        (0, "BTCUSDT", D("6000.0")),
        (1, "BTCUSDT", D("6000.1")),
        (2, "BTCUSDT", D("6000.2")),
    ]


def test_the_timeline_reads_like_lists_it_once_had():
    tl = Timeline(SessionHeader.new("10000"))
    tl.feed([(0, "BTCUSDT", D(60000)), (5, "ETHUSDT", D(3000))])
    tl.submit(Open("BTCUSDT", "long", D("0.1"), 10, "cross"), 7)
    assert list(tl.times) == [0, 5, 7] and type(tl.times[0]) is int and tl.times[1:] == [5, 7]
    assert tl.times.array.dtype == np.int64
    assert list(tl.commands) == [
        Price("BTCUSDT", D(60000)),
        Price("ETHUSDT", D(3000)),
        Open("BTCUSDT", "long", D("0.1"), 10, "cross"),
    ]
    assert tl.commands[-1].type == "open" and len(tl.commands[1:]) == 2
    again = Timeline(tl.header, tl.times, tl.commands)  # what the window does to switch profile
    again.seek_index(len(again))
    assert report_json(again.account, again.t, [e for _, e in again.events]) == report_json(
        tl.account, tl.t, [e for _, e in tl.events]
    )
    tl.seek(10**30)  # any time: the end
    tl.seek(-5)
    assert tl.index == 1 and tl.t == 0  # the state after time 0
    tl.play_until(10**30)
    assert tl.at_end


def test_a_session_built_from_lists_still_works():
    """Other code (and tests) make sessions from lists of times and commands."""
    commands = [
        Price("BTCUSDT", D(60000)),
        Open("BTCUSDT", "long", D(1), 10, "isolated"),
        Price("BTCUSDT", D(50000)),
    ]
    session = Session("mem", SessionHeader.new("10000"), [0, 1, 2], commands)
    assert list(session.commands) == commands and session.end == 2 and len(session) == 3
    assert [e.type for e in run(session).events] == ["opened", "liquidated"]


# ---------------------------------------------------------------------- reports
@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.name)
def test_the_streamed_report_is_the_json_of_the_report_byte_for_byte(path):
    spilled = run(SessionFile(path), events=EventSpool(keep=1))  # every event through the disk
    listed = run(read_session(path))
    expected = (
        json.dumps(report(listed.account, listed.t, listed.events), indent=2, ensure_ascii=False) + "\n"
    )
    assert report_json(spilled.account, spilled.t, spilled.events) == expected


def test_the_summary_shows_liquidation_prices_by_the_one_rule_and_the_json_keeps_1e_8(capsys):
    hedge = ROOT / "resources" / "sessions" / "hedge-cross-vs-isolated.jsonl"
    result = run(read_session(hedge))
    text_out = summary(result.account, result.t, result.events)
    for view in result.account.view().positions:
        tick = result.account.profile.instruments[view.symbol].tick_size
        shown = text.liquidation(view.liquidation_price, view.mark_price, tick)
        assert f"  {view.id:<5} " in text_out and f"liq. {shown}" in text_out
    assert "liq. none within reach" in text_out and "liq. 57,228.90" in text_out
    js = json.loads(cli(capsys, "replay", hedge, "--json").out)
    p3 = next(p for p in js["account"]["positions"] if p["id"] == "p3")
    assert D(p3["liquidation_price"]).as_tuple().exponent == -8  # the contract's 1e-8, not the tick
