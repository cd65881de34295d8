"""Running the command line in-process the way a person would, and what its answers must look
like: exit 0, or exit 2 with exactly one line on stderr and no traceback."""

import json
from dataclasses import dataclass
from pathlib import Path

from sandbox.cli import main

HEADER = {
    "format": "margin-sandbox-session",
    "version": 1,
    "profile": "binance-usdm",
    "rules": "sandbox",
    "balance": "10000",
}


@dataclass
class Result:
    code: int
    out: str
    err: str


def cli(capsys, *args) -> Result:
    """``margin-sandbox ARGS`` in this process (argparse's exits included)."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse: --help, or a bad argument
        code = exc.code if isinstance(exc.code, int) else 2
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def refused(result: Result) -> str:
    """The one sentence of an exit-2 answer (asserting that is what it was)."""
    assert result.code == 2, (result.code, result.err)
    assert result.err.startswith("margin-sandbox: ") and result.err.endswith("\n"), result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    return result.err[len("margin-sandbox: ") : -1]


def session_file(path: Path, *events, header=None) -> Path:
    """A session file: the header, then each event (a dict, or a raw line as a string)."""
    lines = [json.dumps(header or HEADER)]
    lines += [e if isinstance(e, str) else json.dumps(e) for e in events]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
