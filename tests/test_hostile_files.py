"""Issue 9, items 1, 2 and 4: a file from someone else is untrusted. Numbers the engine cannot
hold, structures that break parsers, things that are not files and files that never end: each is
one sentence naming the file (and the line) and exit 2, through the command line as a person
runs it."""

import gzip
import io
import json
import os
import zipfile

import pytest
from cli_support import HEADER, cli, refused, session_file

from sandbox.market import MarketDataError, load_market_file
from sandbox.market.untrusted import MAX_LINE_BYTES
from sandbox.session.reader import SessionError, read_session

PRICE = {"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"}
OPEN = {
    "t": 0,
    "type": "open",
    "symbol": "BTCUSDT",
    "side": "long",
    "qty": "0.1",
    "leverage": 10,
    "mode": "cross",
}


def with_(event, **fields):
    return {**event, **fields}


# ---------------------------------------------------------------------- item 1: numbers
@pytest.mark.parametrize(
    "event, words",
    [
        (with_(PRICE, price="Infinity"), "a price must be a finite number"),
        (with_(PRICE, price="NaN"), "a price must be a finite number"),
        ('{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": NaN}', "needs a price (a number)"),
        ('{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": Infinity}', "needs a price (a number)"),
        (
            '{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": 1e400}',
            "a price must be at most 1,000,000,000",
        ),
        ('{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": 1e-400}', "a price must be ≥ 0.00000001"),
        (with_(PRICE, price="0"), "a price must be ≥ 0.00000001"),
        (with_(PRICE, price="-60000"), "a price must be ≥ 0.00000001"),
        (with_(PRICE, price="60000.1234567890123456789012345"), "a price has more than 8 decimals"),
        (with_(PRICE, price="1" * 30), "a price must be at most 1,000,000,000"),
        (with_(PRICE, price=[1]), "needs a price (a number)"),
        (with_(PRICE, symbol="X" * 41), "a symbol has at most 40 characters"),
        (with_(OPEN, qty="1e400"), "bad open event: field 'qty': a quantity must be at most 1,000,000,000"),
        (with_(OPEN, qty="Infinity"), "bad open event: field 'qty'"),
        (with_(OPEN, qty="0"), "bad open event: field 'qty': a quantity must be above 0"),
        (with_(OPEN, qty="0.000000001"), "bad open event: field 'qty': a quantity has more than 8 decimals"),
        (with_(OPEN, leverage=0), "bad open event: field 'leverage'"),
        (
            with_(OPEN, leverage=1001),
            "bad open event: field 'leverage': Input should be less than or equal to 1000",
        ),
        (
            '{"t": 0, "type": "open", "symbol": "BTCUSDT", "side": "long", "qty": "1", "leverage": 1e400, "mode": "cross"}',
            "field 'leverage'",
        ),
        ({"t": 0, "type": "deposit", "amount": "1e40"}, "an amount must be at most 1,000,000,000,000"),
        ({"t": 0, "type": "withdraw", "amount": "NaN"}, "bad withdraw event: field 'amount'"),
        (
            {"t": 0, "type": "adjust_margin", "position": "p1", "amount": "-1e40"},
            "an amount must be ≥ -1000000000000",
        ),
        (
            {"t": 0, "type": "set_mode", "position": "p1", "mode": "isolated", "margin": "1e13"},
            "field 'margin'",
        ),
        (
            {"t": 99999999999999999999, "type": "deposit", "amount": "1"},
            "t must be a whole number of milliseconds from 0 to",
        ),
        ({"t": -1, "type": "deposit", "amount": "1"}, "t must be a whole number of milliseconds"),
        ({"t": 1.5, "type": "deposit", "amount": "1"}, "t must be a whole number of milliseconds"),
        (
            '{"t": ' + "9" * 5000 + ', "type": "deposit", "amount": "1"}',
            "the line holds a number too long to read",
        ),
    ],
)
def test_a_number_the_engine_cannot_hold_is_one_sentence_with_its_line(tmp_path, capsys, event, words):
    path = session_file(tmp_path / "s.jsonl", PRICE, event)
    message = refused(cli(capsys, "replay", path))
    assert message.startswith(f"{path}:3: ") and words in message, message
    with pytest.raises(SessionError) as err:  # the window reads the same way
        read_session(path)
    assert err.value.line == 3


@pytest.mark.parametrize(
    "header, words",
    [
        ({"balance": "1e40"}, "field 'balance': the balance must be at most 1,000,000,000,000"),
        ({"balance": "Infinity"}, "field 'balance'"),
        ({"balance": "-1"}, "field 'balance': the balance must be ≥ 0"),
        ({"profile": "/etc/ld.so.conf"}, "is not a profile name (such as binance-usdm)"),
        ({"profile": "binance-usdm.json"}, "is not a profile name"),
        ({"profile": "../profiles/okx"}, "is not a profile name"),
        ({"profile": "nope"}, "unknown profile 'nope'"),
        (
            {"instruments": [{"symbol": "BTCUSDT", "tick_size": "1e-50"}]},
            "BTCUSDT: tick_size must lie within",
        ),
        ({"instruments": [{"symbol": "BTCUSDT", "qty_step": "1e40"}]}, "BTCUSDT: qty_step must lie within"),
        ({"instruments": [{"symbol": "BTCUSDT", "taker_fee": "5"}]}, "taker_fee must lie within"),
        (
            {
                "instruments": [
                    {
                        "symbol": "BTCUSDT",
                        "brackets": [
                            {"notional_floor": "0", "notional_cap": "1e40", "max_leverage": 10, "mmr": "0.01"}
                        ],
                    }
                ]
            },
            "bracket 1 notional_cap must lie within",
        ),
        (
            {
                "instruments": [
                    {
                        "symbol": "BTCUSDT",
                        "brackets": [
                            {
                                "notional_floor": "0",
                                "notional_cap": "5",
                                "max_leverage": 100000,
                                "mmr": "0.01",
                            }
                        ],
                    }
                ]
            },
            "bracket 1 max_leverage must be at most 1000",
        ),
    ],
)
def test_a_header_the_engine_cannot_use_is_refused_at_line_one(tmp_path, capsys, header, words):
    path = session_file(tmp_path / "s.jsonl", PRICE, header={**HEADER, **header})
    message = refused(cli(capsys, "replay", path))
    assert message.startswith(f"{path}:1: bad header: ") and words in message, message


def test_a_profile_is_never_read_from_a_path_a_file_names(tmp_path, capsys):
    """Issue 9 item 8: a shared session cannot make the app open /etc/ld.so.conf or a pipe."""
    fifo = tmp_path / "profile.json"
    os.mkfifo(fifo)
    path = session_file(tmp_path / "s.jsonl", PRICE, header={**HEADER, "profile": str(fifo)})
    assert "is not a profile name" in refused(cli(capsys, "replay", path))
    assert "is not a profile name" in refused(
        cli(capsys, "replay", tmp_path / "s.jsonl", "--profile", "/etc/ld.so.conf")
    )


@pytest.mark.parametrize(
    "row, words",
    [
        ("1700000000,2000000000,2000000001,1999999999,2000000000", "is above 1,000,000,000"),
        ("1700000000,0.000000004,0.000000004,0.000000004,0.000000004", "is below 0.00000001"),
        ("1700000000,1e400,1e400,1e400,1e400", "is above 1,000,000,000"),
        ("1700000000,Infinity,Infinity,1,1", "is not a number"),
    ],
)
def test_a_market_price_the_engine_cannot_hold_is_a_bad_line(tmp_path, capsys, row, words):
    path = tmp_path / "BTCUSDT-1m.csv"
    path.write_text(f"time,open,high,low,close\n1699999940,1,1,1,1\n{row}\n")
    message = refused(cli(capsys, "import", path, "-o", tmp_path / "out.jsonl"))
    assert message.startswith(f"{path}:3: ") and words in message, message
    assert not (tmp_path / "out.jsonl").exists()


def test_market_prices_with_more_than_eight_decimals_are_rounded_half_to_even(tmp_path):
    path = tmp_path / "BTCUSDT-1m.csv"
    path.write_text("time,open,high,low,close\n1700000000,0.000000015,0.000000025,0.000000015,0.000000025\n")
    assert [str(t.price) for t in load_market_file(path).ticks()] == ["2E-8"]


# ---------------------------------------------------------------------- item 2: structure
@pytest.mark.parametrize(
    "line, words",
    [
        ('{"t": 0, "type": {"a": 1}}', "unknown event type {'a': 1}"),
        ('{"t": 0, "type": [1, 2]}', "unknown event type [1, 2]"),
        ('{"t": 0, "type": 7}', "unknown event type 7"),
        ('{"t": 0, "type": null}', "unknown event type None"),
        ('{"t": 0}', "unknown event type None"),
        ("[1, 2, 3]", "an event must be a JSON object"),
        ('"price"', "an event must be a JSON object"),
        (
            '{"t": 0, "type": "open", "x": ' + "[" * 5000 + "]" * 5000 + "}",
            "nests objects or lists too deep to read",
        ),
        (
            '{"t": 0, "type": "open", "x": ' + "[" * 100 + "]" * 100 + "}",
            "nests objects or lists more than 32 deep",
        ),
        ('{"t": 0, "type": "price", "symbol": {"a": 1}, "price": "1"}', "a price event needs a symbol"),
        (
            '{"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "1"} trailing',
            "the line is not valid JSON",
        ),
        (
            '{"t": 0, "type": "note", "text": "ignored"}\n{"t": 0, "type": "nope"}',
            "unknown event type 'nope'",
        ),
    ],
)
def test_structures_that_broke_the_reader_are_sentences(tmp_path, capsys, line, words):
    path = session_file(tmp_path / "s.jsonl", line)
    message = refused(cli(capsys, "replay", path))
    assert message.startswith(f"{path}:") and words in message, message


def test_a_deeply_nested_header_is_refused_before_anything_reads_it(tmp_path, capsys):
    deep: dict = {}
    for _ in range(200):
        deep = {"a": deep}
    path = session_file(tmp_path / "s.jsonl", PRICE, header={**HEADER, "meta": deep})
    assert "more than 32 deep" in refused(cli(capsys, "replay", path))
    path.write_text('{"format": "margin-sandbox-session", "meta": ' + "[" * 3000 + "]" * 3000 + "}\n")
    assert "the header nests objects or lists too deep to read" in refused(cli(capsys, "replay", path))


# ---------------------------------------------------------------------- item 4: size and time
@pytest.mark.parametrize("command", ["replay", "import", "shot"])
def test_what_is_not_a_regular_file_is_refused_before_a_byte_is_read(tmp_path, capsys, command):
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    out = ["-o", tmp_path / "out.png"] if command != "replay" else []
    for path, words in (
        ("/dev/zero", "not a regular file (a pipe, socket or device)"),
        (fifo, "not a regular file"),
        (tmp_path, "this is a folder, not a file"),
        (tmp_path / "missing.jsonl", "no such file"),
    ):
        message = refused(cli(capsys, command, path, *out))
        assert message.startswith(f"{path}: ") and words in message, message


def test_a_line_longer_than_the_limit_is_refused_with_its_number(tmp_path, capsys):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(HEADER) + "\n" + json.dumps(PRICE) + "\n" + "x" * (MAX_LINE_BYTES + 10) + "\n")
    assert (
        refused(cli(capsys, "replay", path)) == f"{path}:3: the line is longer than 1 MiB, the most allowed"
    )
    csv = tmp_path / "BTCUSDT-1m.csv"
    csv.write_text("time,open,high,low,close\n" + "1" * (3 * MAX_LINE_BYTES))
    assert refused(cli(capsys, "import", csv, "-o", tmp_path / "o.jsonl")).startswith(
        f"{csv}:2: the line is longer than 1 MiB"
    )


def _gzip(path, chunk: bytes, times: int):
    with gzip.open(path, "wb", compresslevel=9) as f:
        for _ in range(times):
            f.write(chunk)
    return path


def test_decompression_bombs_stop_early(tmp_path, capsys):
    zeros = _gzip(tmp_path / "zeros.jsonl.gz", b"\0" * (1 << 20), 64)  # 64 MiB of NUL, no line break
    assert "the line is longer than 1 MiB" in refused(cli(capsys, "replay", zeros))
    breaks = _gzip(tmp_path / "breaks.csv.gz", b"\n" * (1 << 20), 512)  # 512 MiB of blank lines
    message = refused(cli(capsys, "import", breaks, "-o", tmp_path / "o.jsonl", "--symbol", "BTCUSDT"))
    assert "refused as a likely decompression bomb" in message
    header_then_breaks = tmp_path / "s.jsonl.gz"
    with gzip.open(header_then_breaks, "wb") as f:
        f.write((json.dumps(HEADER) + "\n").encode())
        for _ in range(512):
            f.write(b"\n" * (1 << 20))
    assert "refused as a likely decompression bomb" in refused(cli(capsys, "replay", header_then_breaks))
    bomb = tmp_path / "BTCUSDT-1m.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("BTCUSDT-1m.csv", "w") as member:
        for _ in range(64):
            member.write(b"0" * (1 << 20))
    assert "the line is longer than 1 MiB" in refused(cli(capsys, "import", bomb, "-o", tmp_path / "o.jsonl"))
    assert not (tmp_path / "o.jsonl").exists()


def test_a_gzipped_recording_cut_short_loads_what_it_has_with_a_warning(tmp_path, capsys):
    whole = io.BytesIO()
    with gzip.GzipFile(fileobj=whole, mode="wb") as f:
        f.write((json.dumps(HEADER) + "\n").encode())
        for i in range(2000):
            f.write((json.dumps({**PRICE, "t": i, "price": str(60000 + i)}) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole.getvalue()[: len(whole.getvalue()) * 2 // 3])
    result = cli(capsys, "replay", path, "--json")
    assert result.code == 0 and result.err.startswith("warning: ") and "ends early" in result.err
    assert 0 < json.loads(result.out)["t"] < 1999


def test_the_readers_raise_only_their_own_error_for_anything_a_file_does(tmp_path):
    path = tmp_path / "BTCUSDT-1m.csv"
    for content in (b"\x1f\x8b" + os.urandom(200), b"PK\x03\x04" + os.urandom(200), os.urandom(3000)):
        path.write_bytes(content)
        with pytest.raises(MarketDataError):
            load_market_file(path)
        with pytest.raises(SessionError):
            read_session(path)
