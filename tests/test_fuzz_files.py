"""Issue 9, "How we will know": mutated session and market files through the real command line
(``replay`` plain, ``--json``, ``--compare`` and ``--twin``; ``import``; a few ``shot``): every
run ends with exit 0 or exit 2 and one line, never a traceback; and hostile inputs under a 2 GB
address-space limit and a 30-second timeout end with one line.

The mutator is seeded (``random.Random(case)``): a failing case is reproduced by its number.
"""

import gzip
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
import zipfile

import pytest
from cli_support import HEADER, cli
from conftest import ROOT

SESSIONS = sorted((ROOT / "resources" / "sessions").glob("*.jsonl"))
BUDGET_S = 40  # the whole fuzz run stops early rather than run past this
_started: list[float] = []  # when the first fuzz test began

EXTREMES = [
    "1e400",
    "-1e400",
    "1e-400",
    "NaN",
    "Infinity",
    "-Infinity",
    '"NaN"',
    '"Infinity"',
    '"1e400"',
    '"-0"',
    "0",
    "-1",
    "1" * 40,
    '"' + "9" * 30 + '.5"',
    "9" * 5000,
    '"1e-9"',
    "true",
    "null",
    "[]",
    "{}",
    '{"a": [1, {"b": 2}]}',
    "[" * 300 + "]" * 300,
    '"' + "X" * 100 + '"',
    "0.000000001",
    '"60000.123456789"',
    "1e15",
    "1e16",
    '"BTCUSDT"',
    '"p1"',
    '"cross"',
    '"isolated"',
    '"long"',
]
# Within every limit but at the edges of them: the engine must take these (or reject them) calmly.
EDGES = [
    '"999999999"',
    '"1000000000"',
    '"0.00000001"',
    '"0.00000002"',
    "1000",
    "1",
    '"999999999999"',
    '"1000000000000"',
    '"-999999999999"',
    '"123456789.12345678"',
    "999999999999999",
    '"p2"',
    '"p9"',
]
KEYS = ["t", "type", "symbol", "price", "qty", "leverage", "mode", "side", "position", "amount", "margin"]
TYPES = ["price", "open", "close", "set_mode", "adjust_margin", "set_leverage", "deposit", "withdraw", "note"]


def rich_session() -> list[str]:
    """A session using every event kind, the seed most mutations start from."""
    events = [
        {"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"},
        {"t": 0, "type": "price", "symbol": "ETHUSDT", "price": "3000"},
        {
            "t": 1,
            "type": "open",
            "symbol": "BTCUSDT",
            "side": "long",
            "qty": "0.1",
            "leverage": 20,
            "mode": "isolated",
        },
        {
            "t": 2,
            "type": "open",
            "symbol": "ETHUSDT",
            "side": "short",
            "qty": "1",
            "leverage": 10,
            "mode": "cross",
        },
        {"t": 3, "type": "adjust_margin", "position": "p1", "amount": "50"},
        {"t": 4, "type": "set_leverage", "position": "p2", "leverage": 5},
        {"t": 5, "type": "set_mode", "position": "p1", "mode": "cross"},
        {"t": 6, "type": "deposit", "amount": "100"},
        {"t": 7, "type": "withdraw", "amount": "10"},
        {"t": 8, "type": "note", "text": "a note"},
        {"t": 9, "type": "price", "symbol": "BTCUSDT", "price": "55000.5"},
        {"t": 10, "type": "close", "position": "p2", "qty": "0.5"},
        {"t": 11, "type": "price", "symbol": "BTCUSDT", "price": "40000"},
    ]
    return [json.dumps(HEADER)] + [json.dumps(e) for e in events]


def market_seeds() -> list[tuple[str, str]]:
    t = 1_700_000_000_000
    klines = "".join(
        f"{t + i * 60_000},{100 + i},{102 + i},{99 + i},{101 + i},5,{t + i * 60_000 + 59_999},1,1,1,1,0\n"
        for i in range(30)
    )
    trades = "".join(
        f"{i},{61000 + i % 7}.5,0.1,{i},{i},{t + i * 3},{'true' if i % 2 else 'false'}\n" for i in range(30)
    )
    ohlcv = "time,open,high,low,close,Volume\n" + "".join(
        f"2024-01-01T00:{i:02d}:00Z,{10 + i},{12 + i},{9 + i},{11 + i},3\n" for i in range(30)
    )
    lean = "".join(f"{i * 60_000},{17200 + i},{17210 + i},{17190 + i},{17205 + i},42\n" for i in range(30))
    return [
        ("BTCUSDT-1m-2024-01-01.csv", klines),
        ("BTCUSDT-aggTrades-2024-01-01.csv", trades),
        ("BINANCE_ETHUSDT.P, 1.csv", ohlcv),
        ("btcusd_20221213_trade.csv", lean),
    ]


def mutate_lines(rng: random.Random, lines: list[str]) -> list[str]:
    lines = list(lines)
    for _ in range(rng.choice((1, 1, 2, 3))):
        i = rng.randrange(len(lines))
        kind = rng.choice((0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 7))
        if kind == 0 and lines[i].startswith("{"):  # a field gets an extreme value
            try:
                obj = json.loads(lines[i])
            except ValueError:
                continue
            key = rng.choice(KEYS + list(obj))
            rest = json.dumps({k: v for k, v in obj.items() if k != key})[1:-1]
            value = rng.choice(EDGES if rng.random() < 0.5 else EXTREMES)
            lines[i] = "{" + (rest + ", " if rest else "") + f'"{key}": {value}' + "}"
        elif kind == 1:  # type becomes anything
            lines[i] = lines[i].replace(f'"type": "{rng.choice(TYPES)}"', f'"type": {rng.choice(EXTREMES)}')
        elif kind == 2:
            del lines[i]
            if not lines:
                lines = [""]
        elif kind == 3:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 4:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == 5:  # a cut line
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif kind == 6:  # a number in the line replaced
            lines[i] = _replace_number(rng, lines[i])
        else:  # random characters
            s = lines[i]
            k = rng.randrange(len(s) + 1)
            lines[i] = (
                s[:k]
                + "".join(
                    rng.choice('{}[]",:0123456789.eE-+ \\ntuflsa\x00\u2028é')
                    for _ in range(rng.randint(1, 6))
                )
                + s[k:]
            )
    return lines


def _replace_number(rng: random.Random, line: str) -> str:
    numbers = list(re.finditer(r"-?\d+(\.\d+)?", line))
    if not numbers:
        return line
    m = rng.choice(numbers)
    return line[: m.start()] + rng.choice(EDGES + EXTREMES).strip('"') + line[m.end() :]


def wrap(rng: random.Random, name: str, data: bytes) -> tuple[str, bytes]:
    """Sometimes compressed, sometimes compressed and cut, sometimes bytes flipped."""
    k = rng.randrange(10)
    if k == 0:
        return name + ".gz", gzip.compress(data)
    if k == 1:
        packed = gzip.compress(data)
        return name + ".gz", packed[: rng.randrange(len(packed) + 1)]
    if k == 2 and name.endswith(".csv"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(name, data)
        packed = buf.getvalue()
        return name[:-4] + ".zip", packed if rng.random() < 0.5 else packed[: rng.randrange(len(packed) + 1)]
    if k == 3:
        raw = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            if raw:
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        return name, bytes(raw)
    return name, data


def check(result, case: int) -> None:
    """Exit 0 (warnings allowed), or exit 2 with exactly one line; never a traceback."""
    assert "Traceback" not in result.err, (case, result.err)
    if result.code == 0:
        assert all(line.startswith("warning: ") or ": " in line for line in result.err.splitlines()), (
            case,
            result.err,
        )
        return
    assert result.code == 2, (case, result.code, result.err)
    assert result.err.startswith("margin-sandbox: ") and result.err.count("\n") == 1, (case, result.err)


def in_budget() -> bool:
    if not _started:
        _started.append(time.monotonic())
    return time.monotonic() - _started[0] < BUDGET_S


@pytest.mark.parametrize("block", range(6))
def test_mutated_sessions_replay_or_are_one_sentence(tmp_path, capsys, block):
    seeds = [rich_session()] + [p.read_text().splitlines() for p in SESSIONS]
    for case in range(block * 50, block * 50 + 50):
        if not in_budget():
            pytest.skip("fuzz time budget spent")
        rng = random.Random(case)
        lines = mutate_lines(rng, rng.choice(seeds))
        name, data = wrap(
            rng, f"s{case}.jsonl", ("\n".join(lines) + ("\n" if rng.random() < 0.9 else "")).encode()
        )
        path = tmp_path / name
        path.write_bytes(data)
        check(cli(capsys, "replay", path, *(["--json"] if case % 2 else [])), case)
        if case % 7 == 0:
            until = str(rng.randrange(12))
            check(cli(capsys, "replay", path, "--compare", "binance-usdm,okx", "--until", until), case)
        if case % 5 == 0:
            check(cli(capsys, "replay", path, "--twin"), case)


@pytest.mark.parametrize("block", range(4))
def test_mutated_market_files_import_or_are_one_sentence(tmp_path, capsys, block):
    seeds = market_seeds()
    for case in range(block * 50, block * 50 + 50):
        if not in_budget():
            pytest.skip("fuzz time budget spent")
        rng = random.Random(10_000 + case)
        name, text = rng.choice(seeds)
        lines = text.splitlines()
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            cells = lines[i].split(",")
            j = rng.randrange(len(cells))
            cells[j] = rng.choice([*EXTREMES, *EDGES, "", "1O0", "-5", "2022-13-45", cells[j] * 3, '"a\nb"'])
            lines[i] = ",".join(cells) if rng.random() < 0.8 else lines[i][: rng.randrange(len(lines[i]) + 1)]
        name, data = wrap(rng, name, ("\n".join(lines) + "\n").encode())
        path = tmp_path / name
        path.write_bytes(data)
        out = tmp_path / f"out{case}.jsonl"
        result = cli(capsys, "import", path, "-o", out)
        check(result, case)
        assert out.exists() == (result.code == 0), case
        if result.code == 0:
            check(cli(capsys, "replay", out, "--json"), case)
        check(cli(capsys, "replay", path, "--symbol", "BTCUSDT"), case)


def test_a_few_mutated_sessions_as_pictures(tmp_path, capsys):
    """``shot`` reads through the window: a mutated file is a picture or a sentence too."""
    for case in range(8):
        rng = random.Random(50_000 + case)
        lines = mutate_lines(rng, rich_session())
        path = tmp_path / f"s{case}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        check(cli(capsys, "shot", path, "-o", tmp_path / f"s{case}.png", "--size", "640x400"), case)


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """/dev/zero, a named pipe, and a 1 GB gzip of zeros (about 1 MB on disk)."""
    folder = tmp_path_factory.mktemp("hostile")
    fifo = folder / "pipe.jsonl"
    os.mkfifo(fifo)
    zeros = folder / "zeros.jsonl.gz"
    with gzip.open(zeros, "wb", compresslevel=9) as f:
        block = b"\0" * (1 << 20)
        for _ in range(1024):
            f.write(block)
    return folder, ["/dev/zero", str(fifo), str(zeros)]


@pytest.mark.parametrize("command", ["replay", "import", "shot"])
def test_hostile_inputs_under_2_gb_and_30_s_end_with_one_line(hostile, command):
    folder, paths = hostile
    for path in paths:
        out = ["-o", str(folder / "out.png")] if command != "replay" else []
        proc = subprocess.run(
            [sys.executable, "-m", "sandbox", command, path, *out],
            capture_output=True,
            text=True,
            timeout=30,
            preexec_fn=_limits,
        )
        assert proc.returncode == 2, (command, path, proc.stderr)
        assert proc.stderr.startswith(f"margin-sandbox: {path}") and proc.stderr.count("\n") == 1, proc.stderr
        assert not (folder / "out.png").exists()
