"""The command line (session-format.md, "The command line").

Exit status 0 on success and 2 on bad input, with one line on stderr naming the file, the line and
what is wrong. Output files are written whole or not at all.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .market import SCENARIOS, START_PRICES, MarketDataError, Simulator, load_market_file
from .profiles import DEFAULT_PROFILE, ProfileError, available_profiles, load_profile
from .risk.command import add_odds_command
from .session.compare import compare, comparison_dict, comparison_text
from .session.reader import SessionError, looks_like_session, read_session
from .session.report import plain, report_json, summary
from .session.runner import run
from .session.sources import market_session, write_market_session, write_simulated_session
from .session.twins import twin_report_json, twin_report_text


class BadInput(Exception):
    """Anything the user can fix: printed as one line, exit status 2."""


def _replay(args: argparse.Namespace) -> int:
    try:
        return _replay_session(args, load_any(args.file, args.symbol))
    except ProfileError as exc:
        raise BadInput(f"{args.file}:1: {exc}") from None


def _replay_session(args: argparse.Namespace, session) -> int:
    for warning in session.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.twin:
        if args.compare:
            raise BadInput("--twin and --compare cannot be combined: run one, then the other")
        report = twin_report_json if args.json else twin_report_text
        sys.stdout.write(report(session, args.until, args.profile))
        return 0
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


def load_any(path: str, symbol: str | None = None):
    """A session file as it is, or a market-data file as a session of its price events."""
    if not Path(path).exists():
        raise BadInput(f"{path}: no such file")
    if looks_like_session(path):
        return read_session(path)
    return market_session(load_market_file(path, symbol))


def _import(args: argparse.Namespace) -> int:
    if not Path(args.data).exists():
        raise BadInput(f"{args.data}: no such file")
    data = load_market_file(args.data, args.symbol)
    count = write_market_session(args.output, data)
    print(
        f"{args.output}: {count} price events for {data.symbol} from {len(data)} {data.kind} ({data.format})",
        file=sys.stderr,
    )
    return 0


_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def _duration(text: str) -> int:
    """``90s``, ``30m``, ``1h``, ``1h30m`` or plain milliseconds."""
    parts = re.findall(r"(\d+)(ms|s|m|h|d)?", text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != text.strip().lower():
        raise argparse.ArgumentTypeError(f"duration must look like 90s, 30m, 1h or 1h30m, not {text!r}")
    return sum(int(n) * _UNITS[u or "ms"] for n, u in parts)


def _simulate(args: argparse.Namespace) -> int:
    profile = load_profile(DEFAULT_PROFILE)
    symbols = {}
    for name in (s.strip().upper() for s in args.symbols.split(",") if s.strip()):
        inst = profile.instrument(name)
        if inst is None or name not in START_PRICES:
            known = ", ".join(s for s in START_PRICES if profile.instrument(s))
            raise BadInput(f"--symbols: {name} cannot be simulated; choose from {known}")
        symbols[name] = (START_PRICES[name], inst.tick_size)
    if args.scenario not in SCENARIOS:
        raise BadInput(f"--scenario: unknown scenario {args.scenario!r}; choose from {', '.join(SCENARIOS)}")
    sim = Simulator(symbols, args.seed, args.scenario, event_at_ms=args.duration * 6 // 10)
    count = write_simulated_session(args.output, sim, args.duration, args.seed)
    print(f"{args.output}: {count} price events, {args.scenario}, seed {args.seed}", file=sys.stderr)
    return 0


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
        "Without a command it opens the window (with FILE ready to replay, if given).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    replay = sub.add_parser("replay", help="replay a session headless and print a summary or the JSON report")
    replay.add_argument("file", metavar="FILE")
    replay.add_argument("--json", action="store_true", help="print the JSON report")
    replay.add_argument("--until", type=int, metavar="MS", help="stop after session time MS")
    replay.add_argument("--symbol", help="for a market-data file: the symbol to give its prices")
    replay.add_argument("--profile", help=f"replay under another profile ({', '.join(available_profiles())})")
    replay.add_argument(
        "--compare",
        metavar="P1,P2,…",
        help="replay under each profile and compare liquidation prices per position",
    )
    replay.add_argument("--twin", action="store_true", help="also replay as all cross and all isolated")
    replay.set_defaults(run=_replay)
    sim = sub.add_parser("simulate", help="write a session of simulated prices")
    sim.add_argument("-o", "--output", required=True, metavar="FILE")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--symbols", default="BTCUSDT,ETHUSDT,SOLUSDT", metavar="A,B")
    sim.add_argument(
        "--duration",
        type=_duration,
        default=_duration("1h"),
        metavar="DURATION",
        help="e.g. 90s, 30m, 1h (default 1h); a scenario's event comes at 60 %% of it",
    )
    sim.add_argument("--scenario", default="calm", help=f"one of {', '.join(SCENARIOS)}")
    sim.set_defaults(run=_simulate)
    imp = sub.add_parser("import", help="turn a market-data file into a session of price events")
    imp.add_argument("data", metavar="DATA")
    imp.add_argument("-o", "--output", required=True, metavar="FILE")
    imp.add_argument("--symbol", help="the symbol to give the prices (default: from the file name)")
    imp.set_defaults(run=_import)
    shot = sub.add_parser("shot", help="render the window at one moment of FILE to a PNG (no display needed)")
    shot.add_argument("file", metavar="FILE")
    shot.add_argument("-o", "--output", required=True, metavar="PNG")
    shot.add_argument("--at", type=int, metavar="MS", help="session time to show (default: the end)")
    shot.add_argument("--size", type=_size, default=(1600, 1000), metavar="WxH")
    shot.set_defaults(run=_shot)
    add_odds_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv or (
        argv[0] not in parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
        and not argv[0].startswith("-")
    ):
        from .app import open_window  # Qt is imported only when a window is wanted

        return open_window(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (BadInput, SessionError, ProfileError, MarketDataError) as exc:
        print(f"margin-sandbox: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
