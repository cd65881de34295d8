"""Bad input gets one MarketDataError naming the file, the first bad line and what is wrong; never a
traceback of some other kind, whatever the bytes."""

import io
import math
import zipfile
from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.market import MarketData, MarketDataError, load_market_file

KLINE = "{t},100,101,99,100.5,5,{end},500,10,2,200,0\n"
HEAD = "time,open,high,low,close\n"


def kline(i: int) -> str:
    t = 1_735_689_600_000 + i * 60_000
    return KLINE.format(t=t, end=t + 59_999)


@pytest.mark.parametrize(
    "body, line, message",
    [
        (HEAD, 1, "the file has a header but no data rows"),
        ("1,2,3\n", 1, "unrecognised layout: 3 columns and no header"),
        (kline(0) + "1735689660000,1,2\n", 2, "expected 5+ columns of a Binance kline, found 3"),
        (HEAD + "1700000000,100,101,90,95\n1700000060,1O0,110,94,108\n", 3, "price '1O0' is not a number"),
        (HEAD + "1700000000,100,101,90,95\n1700000060,100,101,90,\n", 3, "price '' is not a number"),
        (HEAD + "1700000000,100,90,101,95\n", 2, "high 90 is below low 101"),
        (HEAD + "1700000000,100,101,0,95\n", 2, "prices must be above zero (low is 0)"),
        (HEAD + "1700000000,100,101,-5,95\n", 2, "prices must be above zero (low is -5)"),
        (HEAD + "1700000000,102,101,90,95\n", 2, "open 102 or close 95 lies outside low 90 … high 101"),
        (HEAD + "1700000000,100,inf,90,95\n", 2, "price 'inf' is not a number"),
        (HEAD + "1700000000,nan,101,90,95\n", 2, "price 'nan' is not a number"),
        (
            HEAD + "1700000060,100,101,90,95\n1700000000,100,101,90,95\n",
            3,
            "time 1700000000 does not come after the row before",
        ),
        (HEAD + "1700000000,100,101,90,95\n1700000000,100,101,90,95\n", 3, "does not come after"),
        (HEAD + "2022-13-45,100,101,90,95\n", 2, "timestamp '2022-13-45' is neither a number nor a date"),
        (HEAD + "-1700000000,100,101,90,95\n", 2, "timestamp '-1700000000' is before 1970"),
        ("date,price\n2024-01-01,5\n", 1, "the header lacks open, high, low, close (found 'date, price')"),
        ("stamp,open,high,low,close\n1,2,3,1,2\n", 1, "the header lacks a time column"),
        (
            "1,61000.0,0.1,1,1,1709251200000,true\n2,abc,0.1,2,2,1709251200001,true\n",
            2,
            "price 'abc' is not a number above zero",
        ),
        (
            "1,61000.0,0.1,1,1,1709251200009,true\n2,61000.0,0.1,2,2,1709251200001,true\n",
            2,
            "time 1709251200001 is before the trade above it",
        ),
        # a header repeated where files were pasted together
        (HEAD + "1700000000,100,101,90,95\n" + HEAD, 3, "timestamp 'time' is neither a number nor a date"),
        # blank lines and a quoted field over two lines still give the right line
        (HEAD + '\n1700000000,100,101,90,95\n\n1700000060,"10\n0",101,90,95\n', 6, "is not a number"),
    ],
)
def test_bad_rows_name_their_line(tmp_path, body, line, message):
    path = tmp_path / "BTCUSDT-1m-2025-01-01.csv"
    path.write_text(body)
    with pytest.raises(MarketDataError) as err:
        load_market_file(path)
    assert (err.value.line, err.value.path) == (line, str(path))
    assert message in err.value.message
    assert str(err.value) == f"{path}:{line}: {err.value.message}"


@pytest.mark.parametrize(
    "rows, line",
    [
        # the first problem in the file is the one reported, whichever check finds it
        (
            [
                "1700000000,100,101,90,95",
                "1700000060,x,101,90,95",
                "1700000120,100",
                "1700000180,100,101,90,95",
            ],
            3,
        ),
        (
            [
                "1700000000,100,101,90,95",
                "1700000060,100,101,90,95",
                "1700000000,100,101,90,95",
                "1700000180,100,90,101,95",
            ],
            4,
        ),
        (["1700000000,100,101,90,95", "1700000060,100,90,101,95", "bad,100,101,90,95"], 3),
        (["1700000000,100,101,90,95", "bad,100,101,90,95", "1700000000,100,90,101,95"], 3),
    ],
)
def test_the_first_problem_in_the_file_is_reported(tmp_path, rows, line):
    path = tmp_path / "BTCUSDT-1m.csv"
    path.write_text(HEAD + "\n".join(rows) + "\n")
    with pytest.raises(MarketDataError) as err:
        load_market_file(path)
    assert err.value.line == line


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


@pytest.mark.parametrize(
    "name, content, line, message",
    [
        ("BTCUSDT-1m.csv", b"", None, "the file is empty"),
        ("BTCUSDT-1m.csv", b"\n \n\r\n", None, "the file is empty"),
        (
            "BTCUSDT-1m.zip",
            _zip({"a.csv": "".join(map(kline, range(400)))})[:1000],
            None,
            "the zip is damaged or cut short",
        ),
        ("BTCUSDT-1m.zip", b"0,1,2,3,4\n", None, "the zip is damaged or cut short"),
        (
            "BTCUSDT-1m.zip",
            _zip({"a.csv": kline(0), "b.csv": kline(1)}),
            None,
            "the zip holds 2 files; expected one CSV",
        ),
        ("BTCUSDT-1m.zip", _zip({}), None, "the zip holds 0 files"),
        (
            "BTCUSDT-1m.csv",
            (HEAD + "1700000000,100,101,90,95\n").encode() + b"\xff\xfe,1\n",
            3,
            "not UTF-8 text",
        ),
        ("BTCUSDT-1m.csv", b"\x89PNG\r\n\x1a\n\x00\x00", 1, "not UTF-8 text"),
        ("BTCUSDT-1m.csv", b"PAR1\x15\x04", None, "Parquet files are not read; export the data as CSV"),
        ("BTCUSDT-1m.csv", b"ARROW1\x00\x00", None, "Feather files are not read"),
        ("BTCUSDT-1m.csv.gz", b"\x1f\x8b\x08\x00garbage", None, "the gzip file is damaged or cut short"),
        ("btcusd_trade.csv", b"0,1,2,1,2,5\n60000,1,2,1,2,5\n", 1, "the file name has no date"),
        (
            "btcusd_20221213_trade.csv",
            b"0,1,2,1,2,5\n60000.5,1,2,1,2,5\n",
            2,
            "time '60000.5' is not a whole number of milliseconds within a day",
        ),
        (
            "BTCUSDT-1m.csv",
            ('time,open,high,low,close\n"' + "9" * 200_000 + '",1,2,1,2\n').encode(),
            2,
            "not readable as CSV",
        ),
        (
            "prices.csv",
            (HEAD + "1700000000,100,101,90,95\n").encode(),
            None,
            "cannot tell the symbol from the file name; pass --symbol",
        ),
    ],
)
def test_bad_files(tmp_path, name, content, line, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MarketDataError) as err:
        load_market_file(path)
    assert err.value.line == line and message in err.value.message


def test_missing_file_and_directory(tmp_path):
    for path, words in ((tmp_path / "nope.csv", "no such file"), (tmp_path, "this is a folder, not a file")):
        with pytest.raises(MarketDataError, match=words):
            load_market_file(path)


def _loads_or_refuses(path, symbol="BTCUSDT"):
    try:
        data = load_market_file(path, symbol)
    except MarketDataError as exc:
        assert exc.message and "\n" not in exc.message
        return None
    assert isinstance(data, MarketData)
    try:
        ticks = list(data.ticks())
    except MarketDataError as exc:  # found further on in the file
        assert exc.message and "\n" not in exc.message
        return None
    assert data.rows > 0
    assert all(t.price > 0 and t.t >= 0 for t in ticks)
    return data


CSVISH = st.text(alphabet='0123456789,.-:;\n "eETZtrufalsnipx+_', max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=CSVISH,
    header=st.sampled_from(
        ["", HEAD, "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n"]
    ),
)
def test_any_text_loads_or_is_refused_with_a_sentence(tmp_path, body, header):
    path = tmp_path / "f.csv"
    path.write_text(header + body)
    _loads_or_refuses(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=3)), max_size=4),
    zipped=st.booleans(),
)
def test_a_damaged_kline_file_loads_or_is_refused_with_a_sentence(tmp_path, edits, zipped):
    raw = bytearray("".join(kline(i) for i in range(20)).encode())
    for at, new in edits:
        at %= len(raw)
        raw[at : at + len(new)] = new
    raw = _zip({"BTCUSDT-1m-2025-01-01.csv": raw.decode("latin-1")}) if zipped else bytes(raw)
    path = tmp_path / ("BTCUSDT-1m-2025-01-01.zip" if zipped else "BTCUSDT-1m-2025-01-01.csv")
    path.write_bytes(raw)
    _loads_or_refuses(path)


@given(st.text(alphabet="0123456789.eE+-_ \t", max_size=25))
def test_what_parses_as_a_float_parses_as_the_same_decimal(text):
    """The readers check prices as floats and make ticks from Decimals of the same text: every
    text a float accepts, Decimal accepts, with the same value as near as a float can say."""
    try:
        value = float(text)
    except ValueError:
        return
    try:
        number = Decimal(text)
    except InvalidOperation:
        pytest.fail(f"float accepts {text!r} but Decimal does not")
    assert math.isnan(value) or float(number) == value
