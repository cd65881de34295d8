"""``margin-sandbox import DATA --funding FILE`` as a person runs it: real settlements merged at
their times, the rows outside the prices counted, and one sentence for anything wrong."""

import sys
from pathlib import Path

import pytest
from cli_support import cli, refused

from sandbox.session.reader import read_session

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")
MARK = DATA / "freqtrade_XRP_USDT_USDT-1h-mark.csv"
CSV = DATA / "freqtrade_XRP_USDT_USDT-8h-funding_rate.csv"
FEATHER = DATA / "freqtrade_XRP_USDT_USDT-8h-funding_rate.feather"
LEAN_PRICES = DATA / "lean_binance_cryptofuture_btcusd_20221213_trade.zip"
LEAN_RATES = DATA / "lean_binance_cryptofuture_btcusd_margin_interest.csv"


def funding_lines(path):
    return [(t, x.rate) for t, s, x in read_session(path).items() if s is None]


def test_freqtrade_funding_is_merged_at_the_settlement_times(capsys, tmp_path):
    out = tmp_path / "xrp.jsonl"
    result = cli(capsys, "import", MARK, "--funding", CSV, "-o", out)
    assert result.code == 0
    assert result.err == (
        f"{out}: 381 price events for XRPUSDT from 100 candles (ohlcv-csv) and 5 funding settlements from "
        f"{CSV.name} (freqtrade-funding; 86 outside the prices dropped: 0 before, 86 after)\n"
    )
    assert [t for t, _ in funding_lines(out)] == [
        237_600_017,
        266_400_007,
        295_200_011,
        324_000_000,
        352_800_000,
    ]
    assert read_session(out).header.meta["funding"] == {
        "source": CSV.name,
        "source_format": "freqtrade-funding",
        "rows": 91,
    }


def test_the_feather_twin_gives_the_same_session_when_pyarrow_is_there(capsys, tmp_path):
    pytest.importorskip("pyarrow")
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert cli(capsys, "import", MARK, "--funding", CSV, "-o", a).code == 0
    assert cli(capsys, "import", MARK, "--funding", FEATHER, "-o", b).code == 0
    assert funding_lines(a) == funding_lines(b)


def test_without_pyarrow_a_feather_file_is_one_sentence_naming_the_extra(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.feather", None)
    out = tmp_path / "x.jsonl"
    said = refused(cli(capsys, "import", MARK, "--funding", FEATHER, "-o", out))
    assert said.endswith(
        "needs pyarrow, the optional extra 'feather' (pip install 'margin-sandbox[feather]')"
    )
    assert not out.exists()


def test_lean_margin_interest_is_read_as_funding_with_a_note(capsys, tmp_path):
    out = tmp_path / "lean.jsonl"
    result = cli(capsys, "import", LEAN_PRICES, "--symbol", "BTCUSDT", "--funding", LEAN_RATES, "-o", out)
    assert result.code == 0 and "9 outside the prices dropped: 9 before, 0 after" in result.err
    assert [str(r) for _, r in funding_lines(out)] == ["-0.00004062", "-0.00001869", "-0.00002983"]
    assert "inverse" in read_session(out).header.meta["funding"]["note"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            "timestamp_ms,date,open\n1637193600017,2021-11-18T00:00:00Z,1.2\n",
            ":2: a funding rate must be at most 1",
        ),
        ("time,rate\n1,2\n", ":1: not a funding-rate file"),
        ("20221213 00:00:00,abc\n", ":1: rate 'abc' is not a number"),
        ("20221313 00:00:00,0.0001\n", ":1: time '20221313 00:00:00' is not a date"),
        ("", "the file is empty"),
    ],
)
def test_a_broken_funding_file_is_one_sentence_and_no_output(capsys, tmp_path, content, says):
    bad = tmp_path / "funding.csv"
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "x.jsonl"
    said = refused(cli(capsys, "import", MARK, "--funding", bad, "-o", out))
    assert says in said and not out.exists()


def test_the_output_may_not_be_the_funding_file(capsys, tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_bytes(CSV.read_bytes())
    said = refused(cli(capsys, "import", MARK, "--funding", rates, "-o", rates))
    assert "rates.csv" in said and rates.read_bytes() == CSV.read_bytes()
