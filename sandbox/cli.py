"""The command line (session-format.md, "The command line").

Exit status 0 on success and 2 on bad input, with one line on stderr naming the file, the line and
what is wrong. Output files are written whole or not at all.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from .profiles import ProfileError, available_profiles, load_profile
from .session.compare import compare, comparison_dict, comparison_text
from .session.reader import SessionError, read_session
from .session.report import plain, report_json, summary
from .session.runner import run


class BadInput(Exception):
    """Anything the user can fix: printed as one line, exit status 2."""


def _replay(args: argparse.Namespace) -> int:
    try:
        return _replay_session(args, load_any(args.file))
    except ProfileError as exc:
        raise BadInput(f"{args.file}:1: {exc}") from None


def _replay_session(args: argparse.Namespace, session) -> int:
    for warning in session.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.compare:
        names = [n.strip() for n in args.compare.split(",") if n.strip()]
        for name in names:
            load_profile(name)  # an unknown name is bad input before any work is done
        cmp = compare(session, names, args.until)
        if args.json:
            sys.stdout.write(json.dumps(plain(comparison_dict(cmp)), indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(comparison_text(cmp))
        return 0
    result = run(session, args.until, args.profile)
    if args.json:
        sys.stdout.write(report_json(result.account, result.t, result.events))
    else:
        sys.stdout.write(summary(result.account, result.t, result.events))
    return 0


def load_any(path: str):
    """A session file as is (market-data files join here once the market layer reads them)."""
    if not Path(path).exists():
        raise BadInput(f"{path}: no such file")
    return read_session(path)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1600x1000, not {text!r}") from None
    return w, h


def _shot(args: argparse.Namespace) -> int:
    if not Path(args.file).exists():
        raise BadInput(f"{args.file}: no such file")
    from .ui.shot import ShotError, render_shot  # Qt only for this command

    out = Path(args.output)
    tmp = out.with_name(f".{out.name}.part.png")
    try:
        render_shot(args.file, str(tmp), args.at, args.size)
        os.replace(tmp, out)
    except ShotError as exc:
        raise BadInput(str(exc).replace(str(tmp), str(out))) from None
    finally:
        tmp.unlink(missing_ok=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="margin-sandbox",
        description="Margin Sandbox: watch cross and isolated margin at work. "
                    "Without a command it opens the window (with FILE ready to replay, if given).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    replay = sub.add_parser("replay", help="replay a session headless and print a summary or the JSON report")
    replay.add_argument("file", metavar="FILE")
    replay.add_argument("--json", action="store_true", help="print the JSON report")
    replay.add_argument("--until", type=int, metavar="MS", help="stop after session time MS")
    replay.add_argument("--profile", help=f"replay under another profile ({', '.join(available_profiles())})")
    replay.add_argument("--compare", metavar="P1,P2,…",
                        help="replay under each profile and compare liquidation prices per position")
    replay.set_defaults(run=_replay)
    shot = sub.add_parser("shot", help="render the window at one moment of FILE to a PNG (no display needed)")
    shot.add_argument("file", metavar="FILE")
    shot.add_argument("-o", "--output", required=True, metavar="PNG")
    shot.add_argument("--at", type=int, metavar="MS", help="session time to show (default: the end)")
    shot.add_argument("--size", type=_size, default=(1600, 1000), metavar="WxH")
    shot.set_defaults(run=_shot)
    return parser



def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv or (argv[0] not in parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
                    and not argv[0].startswith("-")):
        from .app import open_window  # Qt is imported only when a window is wanted
        return open_window(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (BadInput, SessionError, ProfileError) as exc:
        print(f"margin-sandbox: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
