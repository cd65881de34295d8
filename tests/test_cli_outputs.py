"""Issue 9, items 3, 6, 7, 9 and 10: outputs never replace their input or follow a planted link,
every argument has bounds and a sentence, nothing is left behind, Ctrl-C is one line, a symbol is
checked once, and ``shot`` never opens a dialog."""

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_support import cli, refused
from conftest import ROOT, SHARED

SESSION = ROOT / "resources" / "sessions" / "crash-cross.jsonl"
LEAN = ROOT / "resources" / "data" / "lean_binance_cryptofuture_btcusd_20221213_trade.zip"
ADABTC = SHARED / "data" / "nautilus_binance_spot_ADABTC-1m-2021-11-27.csv"
FTX = SHARED / "data" / "nautilus_ftx_btc-perp-20211231-20220201_1m.csv"


def kline_csv(path: Path, rows: int = 50) -> Path:
    t = 1_700_000_000_000
    path.write_text(
        "".join(
            f"{t + i * 60_000},100,101,99,100.5,5,{t + i * 60_000 + 59_999},1,1,1,1,0\n" for i in range(rows)
        )
    )
    return path


def test_an_output_never_replaces_its_input(tmp_path, capsys):
    data = kline_csv(tmp_path / "BTCUSDT-1m.csv")
    before = data.read_bytes()
    assert "this is the input file" in refused(cli(capsys, "import", data, "-o", data))
    link = tmp_path / "link.csv"
    link.symlink_to(data)
    assert "this is the input file" in refused(cli(capsys, "import", data, "-o", link))
    os.link(data, tmp_path / "hard.csv")
    assert "this is the input file" in refused(cli(capsys, "import", data, "-o", tmp_path / "hard.csv"))
    session = tmp_path / "s.jsonl"
    session.write_bytes(SESSION.read_bytes())
    assert "this is the input file" in refused(cli(capsys, "shot", session, "-o", session))
    assert data.read_bytes() == before and session.read_bytes() == SESSION.read_bytes()


@pytest.mark.parametrize(
    "output, words",
    [
        ("", "-o: an output needs a file name"),
        (".", "this is a folder; name a file in it"),
        ("/dev/null", "not a regular file (a device or pipe)"),
        ("no/such/folder/out.jsonl", "the folder no/such/folder does not exist"),
    ],
)
def test_outputs_that_cannot_be_files_are_one_sentence(tmp_path, capsys, monkeypatch, output, words):
    monkeypatch.chdir(tmp_path)
    data = kline_csv(tmp_path / "BTCUSDT-1m.csv")
    for args in (["import", data], ["simulate", "--duration", "1s"], ["shot", SESSION]):
        assert words in refused(cli(capsys, *args, "-o", output))


def test_an_output_in_a_folder_that_cannot_be_written(tmp_path, capsys):
    if os.geteuid() == 0:  # root writes anywhere; /proc refuses even root
        target = "/proc/margin-sandbox-test.jsonl"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "out.jsonl")
    message = refused(cli(capsys, "simulate", "--duration", "1s", "-o", target))
    assert message.startswith(f"{target}: cannot create a file there")


def _limited_file_size(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_is_one_sentence_and_leaves_nothing(tmp_path):
    """A file-size limit makes writes fail as a full disk does (Python ignores SIGXFSZ)."""
    out = tmp_path / "big.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox", "simulate", "--duration", "1h", "-o", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=_limited_file_size(200_000),
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"margin-sandbox: {out}: cannot be written (File too large)")
    assert os.listdir(tmp_path) == []


def test_a_full_standard_output_is_one_sentence():
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "sandbox", "replay", str(SESSION), "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "margin-sandbox: standard output: cannot be written (No space left on device)\n"


def test_a_planted_symlink_is_never_followed(tmp_path, capsys):
    """``shot`` once wrote to a fixed ``.NAME.part.png`` and followed a link planted there."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    for name in (".shot.png.part.png", ".shot.png.part", f".shot.png.{os.getpid()}.x.part"):
        (tmp_path / name).symlink_to(victim)
    assert cli(capsys, "shot", SESSION, "-o", tmp_path / "shot.png", "--size", "640x400").code == 0
    assert victim.read_text() == "keep me"
    assert (tmp_path / "shot.png").read_bytes().startswith(b"\x89PNG")


def test_outputs_get_the_usual_permissions(tmp_path, capsys):
    data = kline_csv(tmp_path / "BTCUSDT-1m.csv")
    old = os.umask(0o022)
    try:
        assert cli(capsys, "import", data, "-o", tmp_path / "a.jsonl").code == 0
        assert cli(capsys, "simulate", "--duration", "1s", "-o", tmp_path / "b.jsonl.gz").code == 0
        os.umask(0o077)
        assert cli(capsys, "import", data, "-o", tmp_path / "c.jsonl").code == 0
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.glob("*.jsonl*")}
    assert modes == {"a.jsonl": 0o644, "b.jsonl.gz": 0o644, "c.jsonl": 0o600}


def test_stale_part_files_of_killed_runs_are_cleaned(tmp_path, capsys):
    data = kline_csv(tmp_path / "BTCUSDT-1m.csv")
    dead = tmp_path / ".out.jsonl.999999999.abc123.part"  # no such process
    alive = tmp_path / f".out.jsonl.{os.getppid()}.abc123.part"  # a running process: not ours to touch
    other = tmp_path / ".other.jsonl.999999999.abc123.part"  # another target's
    for p in (dead, alive, other):
        p.write_text("half a file")
    assert cli(capsys, "import", data, "-o", tmp_path / "out.jsonl").code == 0
    assert not dead.exists() and alive.exists() and other.exists()


def test_a_killed_import_leaves_only_a_part_file_that_the_next_run_removes(tmp_path):
    big = kline_csv(tmp_path / "BTCUSDT-1m.csv", rows=300_000)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "import", str(big), "-o", str(out)])
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.jsonl.*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    assert not out.exists() and len(list(tmp_path.glob(".out.jsonl.*.part"))) == 1
    small = kline_csv(tmp_path / "ETHUSDT-1m.csv", rows=5)
    assert (
        subprocess.run([sys.executable, "-m", "sandbox", "import", str(small), "-o", str(out)]).returncode
        == 0
    )
    assert out.exists() and not list(tmp_path.glob(".out.jsonl.*.part"))


def test_ctrl_c_is_one_line_and_exit_130(tmp_path):
    big = kline_csv(tmp_path / "BTCUSDT-1m.csv", rows=300_000)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "import", str(big), "-o", str(out)],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.jsonl.*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err == "margin-sandbox: interrupted\n"
    assert os.listdir(tmp_path) == ["BTCUSDT-1m.csv"]  # no output, no .part


@pytest.mark.parametrize(
    "args, words",
    [
        (["replay", SESSION, "--compare", ",,,"], "--compare: name one profile or more"),
        (["replay", SESSION, "--compare", "binance-usdm,nope"], "--compare: unknown profile 'nope'"),
        (
            ["replay", SESSION, "--profile", "/etc/ld.so.conf"],
            "--profile: '/etc/ld.so.conf' is not a profile name",
        ),
        (["replay", SESSION, "--until", "-1"], "argument --until: a time must be a whole number from 0 to"),
        (["replay", SESSION, "--until", "9" * 20], "argument --until: a time must be a whole number"),
        (["shot", SESSION, "-o", "x.png", "--at", "9" * 20], "argument --at: a time must be a whole number"),
        (
            ["shot", SESSION, "-o", "x.png", "--size", "60000x60000"],
            "--size 60000x60000 is outside 320x240 … 7680x4320",
        ),
        (["shot", SESSION, "-o", "x.png", "--size", "100x100"], "--size 100x100 is outside"),
        (["shot", SESSION, "-o", "x.png", "--size", "big"], "argument --size: a size looks like 1600x1000"),
        (["simulate", "-o", "x.jsonl", "--duration", "99999999999999999999d"], "at most 7d"),
        (["simulate", "-o", "x.jsonl", "--duration", "0s"], "more than zero"),
        (["simulate", "-o", "x.jsonl", "--seed", "9" * 40], "argument --seed: a seed must be a whole number"),
        (["simulate", "-o", "x.jsonl", "--symbols", ",,,"], "--symbols: name one symbol or more"),
        (["simulate", "-o", "x.jsonl", "--symbols", "X" * 10_000], "cannot be simulated"),
        (["simulate", "-o", "x.jsonl", "--scenario", "moon"], "--scenario: unknown scenario 'moon'"),
        (["replay", FTX, "--symbol", "X" * 10_000], "argument --symbol: 'XXXXXXXX"),
        (["import", FTX, "-o", "x.jsonl", "--symbol", "BTC USDT"], "is not a symbol"),
        (["replay"], "the following arguments are required: FILE"),
        (["replay", SESSION, "--nope"], "unrecognized arguments: --nope"),
    ],
)
def test_every_argument_is_bounded_with_one_line(tmp_path, capsys, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    message = refused(cli(capsys, *args))
    assert words in message and len(message) < 400, message
    assert os.listdir(tmp_path) == []


def test_a_symbol_that_is_no_instrument_is_refused_once_up_front(capsys):
    """A 10,000-character --symbol once made every FTX tick a rejection repeating it (7 GB)."""
    message = refused(cli(capsys, "replay", FTX, "--symbol", "ZZZUSDT"))
    assert message == (
        f"{FTX}: ZZZUSDT is not an instrument of the binance-usdm profile; pass --symbol with the "
        "instrument these prices are (BTCUSDT, ETHUSDT, SOLUSDT, XRPUSDT, BNBUSDT, DOGEUSDT, ADAUSDT, LINKUSDT)"
    )


def test_shot_never_opens_a_dialog(tmp_path, capsys):
    """The ADABTC sample once hung ``shot`` on a modal "pick the symbol" dialog."""
    message = refused(cli(capsys, "shot", ADABTC, "-o", tmp_path / "a.png"))
    assert "ADABTC is not an instrument" in message and "pass --symbol" in message
    nameless = tmp_path / "prices.csv"
    nameless.write_text("time,open,high,low,close\n1700000000,1,2,0.5,1\n1700000060,1,2,0.5,1.5\n")
    assert "pass --symbol" in refused(cli(capsys, "shot", nameless, "-o", tmp_path / "b.png"))
    assert (
        cli(capsys, "shot", ADABTC, "-o", tmp_path / "a.png", "--symbol", "ADAUSDT", "--size", "640x400").code
        == 0
    )
    assert (tmp_path / "a.png").read_bytes().startswith(b"\x89PNG")
    assert (
        cli(capsys, "shot", LEAN, "-o", tmp_path / "c.png", "--at", "9" * 15, "--size", "640x400").code == 0
    )
