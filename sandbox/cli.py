"""The command line (session-format.md, "The command line").

Exit status 0 on success and 2 on bad input, with one line on stderr naming the file, the line and
what is wrong; 130 and one line when interrupted (Ctrl-C). Output files are written whole or not
at all, never over an input. Headless commands read their input as a stream, so memory stays flat
however long the file, and they never open a dialog.

Every argument is checked before any work is done: numbers within what the app can hold, a symbol
that is one (and, for ``replay`` and ``shot`` of market data, an instrument of the profile: every
tick would otherwise be rejected), an output that is a writable file and not an input.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import IO, NoReturn

from .engine.limits import MAX_TIME_MS
from .errors import FileProblem
from .market import SCENARIOS, START_PRICES, Simulator, load_market_file
from .market.funding import load_funding_file
from .market.symbols import symbol_problem
from .market.untrusted import check_regular
from .profiles import DEFAULT_PROFILE, ProfileError, available_profiles, load_profile
from .risk.command import add_odds_command
from .session.compare import compare, comparison_dict, comparison_text
from .session.model import profile_name_problem
from .session.outputs import output_problem
from .session.reader import Session, SessionFile, looks_like_session, read_session
from .session.report import plain, write_report, write_summary
from .session.runner import Source, run
from .session.sources import (
    MarketSource,
    market_session,
    write_funded_session,
    write_market_session,
    write_simulated_session,
)
from .session.spool import EventSpool
from .session.twins import twin_report_json, twin_report_text

PROG = "margin-sandbox"
MAX_DURATION_MS = 7 * 86_400_000  # simulate: a week of ticks is about 7 million lines


class BadInput(Exception):
    """Anything the user can fix: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (the house rule) rather than usage plus a message."""

    def error(self, message: str) -> NoReturn:
        message = message if len(message) <= 300 else message[:300] + "…"
        self.exit(2, f"{PROG}: {message} (see {self.prog} --help)\n")


# ---------------------------------------------------------------------- argument types
def _whole(text: str, what: str, low: int, high: int) -> int:
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,30}", text) or not low <= int(text) <= high:
        raise argparse.ArgumentTypeError(f"{what} must be a whole number from {low:,} to {high:,}")
    return int(text)


def _time_ms(text: str) -> int:
    return _whole(text, "a time", 0, MAX_TIME_MS)


def _seed(text: str) -> int:
    return _whole(text, "a seed", -(2**63), 2**63 - 1)


_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def _duration(text: str) -> int:
    """``90s``, ``30m``, ``1h``, ``1h30m`` or plain milliseconds; more than zero, at most a week."""
    spec = text.strip().lower()
    parts = re.findall(r"(\d{1,15})(ms|s|m|h|d)?", spec)
    if not parts or "".join(n + u for n, u in parts) != spec:
        raise argparse.ArgumentTypeError(f"a duration looks like 90s, 30m, 1h or 1h30m, not {text[:40]!r}")
    ms = sum(int(n) * _UNITS[u or "ms"] for n, u in parts)
    if not 0 < ms <= MAX_DURATION_MS:
        raise argparse.ArgumentTypeError(
            f"a duration must be more than zero and at most 7d, not {text[:40]!r}"
        )
    return ms


def _size(text: str) -> tuple[int, int]:
    """``WxH``; ``ui.shot`` holds the bounds (320x240 to 7680x4320) and checks them."""
    m = re.fullmatch(r"\s*(\d{1,6})\s*[xX×]\s*(\d{1,6})\s*", text)
    if m is None:
        raise argparse.ArgumentTypeError(f"a size looks like 1600x1000, not {text[:40]!r}")
    return int(m[1]), int(m[2])


def _symbol(text: str) -> str:
    symbol = text.strip().upper()
    problem = symbol_problem(symbol)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return symbol


# ---------------------------------------------------------------------- inputs and outputs
def _check_output(path: str, *inputs: str) -> None:
    problem = output_problem(path, *inputs)
    if problem:
        raise BadInput(f"{path}: {problem}" if path.strip() else f"-o: {problem}")


def _market_source(path: str, symbol: str | None, profile: str | None) -> MarketSource:
    """Market data for a replay or a picture: its symbol must be an instrument of the profile
    (checked once, here: else every tick would be rejected, each with a sentence)."""
    data = load_market_file(path, symbol)
    prof = load_profile(profile or DEFAULT_PROFILE)
    if data.symbol not in prof.instruments:
        known = ", ".join(prof.instruments)
        raise BadInput(
            f"{path}: {data.symbol} is not an instrument of the {prof.name} profile; "
            f"pass --symbol with the instrument these prices are ({known})"
        )
    return MarketSource(data)


def _is_session(path: str) -> bool:
    """A session by its first line, or by its name (so a damaged session gets the session
    reader's sentence, not the market-data reader's)."""
    name = path.lower().removesuffix(".gz")
    return looks_like_session(path) or name.endswith((".jsonl", ".json"))


def open_source(path: str, symbol: str | None = None, profile: str | None = None) -> Source:
    """A session file, or a market-data file as a session of its price events, streamed."""
    check_regular(path, FileProblem)
    if _is_session(path):
        return SessionFile(path)
    return _market_source(path, symbol, profile)


def load_any(path: str, symbol: str | None = None, profile: str | None = None) -> Session:
    """A session file, or a market-data file as a session of its price events, in memory (in
    compact arrays; ``open_source`` streams instead)."""
    check_regular(path, FileProblem)
    if _is_session(path):
        return read_session(path)
    return market_session(_market_source(path, symbol, profile).data)


def _emit(write: Callable[[IO[str]], object]) -> None:
    """Write to standard output; a full disk or a closed terminal is one sentence too."""
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise BadInput(f"standard output: cannot be written ({exc.strerror or exc})") from None


def _profile(name: str, option: str) -> str:
    """A profile named on the command line: a name, and one that exists."""
    problem = profile_name_problem(name)
    if problem:
        raise BadInput(f"{option}: {problem}")
    try:
        load_profile(name)  # an unknown name is bad input before any work is done
    except ProfileError as exc:
        raise BadInput(f"{option}: {exc}") from None
    return name


def _profiles(spec: str) -> list[str]:
    names = [_profile(n.strip(), "--compare") for n in spec.split(",") if n.strip()]
    if not names:
        raise BadInput("--compare: name one profile or more, such as binance-usdm,bybit")
    return names


# ---------------------------------------------------------------------- commands
def _replay(args: argparse.Namespace) -> int:
    if args.twin and args.compare is not None:
        raise BadInput("--twin and --compare cannot be combined: run one, then the other")
    names = _profiles(args.compare) if args.compare is not None else None
    if args.profile is not None:
        _profile(args.profile, "--profile")
    if args.twin:  # three accounts over one list of inputs: held in memory (compact arrays)
        session = load_any(args.file, args.symbol, args.profile)
        _warn(session)
        report = twin_report_json if args.json else twin_report_text
        text = report(session, args.until, args.profile)
        _emit(lambda out: out.write(text))
        return 0
    source = open_source(args.file, args.symbol, args.profile)
    if names is not None:
        cmp = compare(source, names, args.until)
        _warn(source)
        if args.json:
            _emit(
                lambda out: out.write(
                    json.dumps(plain(comparison_dict(cmp)), indent=2, ensure_ascii=False) + "\n"
                )
            )
        else:
            _emit(lambda out: out.write(comparison_text(cmp)))
        return 0
    events = EventSpool()
    try:
        result = run(source, args.until, args.profile, events)
        _warn(source)
        write = write_report if args.json else write_summary
        _emit(lambda out: write(out, result.account, result.t, result.events))
    finally:
        events.close()
    return 0


def _warn(source: Source) -> None:
    for warning in source.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _import(args: argparse.Namespace) -> int:
    check_regular(args.data, FileProblem)
    if args.funding is not None:
        check_regular(args.funding, FileProblem)
        _check_output(args.output, args.data, args.funding)
    else:
        _check_output(args.output, args.data)
    data = load_market_file(args.data, args.symbol)
    if args.funding is None:
        count = write_market_session(args.output, data)
        funded = ""
    else:
        rates = load_funding_file(args.funding)
        count, merge = write_funded_session(args.output, data, rates)
        outside = merge.before + merge.after
        funded = (
            f" and {merge.merged} funding settlements from {os.path.basename(args.funding)} ({rates.format}"
            + (
                f"; {outside} outside the prices dropped: {merge.before} before, {merge.after} after"
                if outside
                else ""
            )
            + ")"
        )
    print(
        f"{args.output}: {count} price events for {data.symbol} from {data.rows} {data.kind} ({data.format})"
        + funded,
        file=sys.stderr,
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    _check_output(args.output)
    profile = load_profile(DEFAULT_PROFILE)
    names = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    if not names:
        raise BadInput("--symbols: name one symbol or more, such as BTCUSDT,ETHUSDT")
    known = ", ".join(s for s in START_PRICES if profile.instrument(s))
    symbols = {}
    for name in names:
        inst = profile.instrument(name)
        if inst is None or name not in START_PRICES:
            raise BadInput(f"--symbols: {name[:40]!r} cannot be simulated; choose from {known}")
        symbols[name] = (START_PRICES[name], inst.tick_size)
    if args.scenario not in SCENARIOS:
        raise BadInput(
            f"--scenario: unknown scenario {args.scenario[:40]!r}; choose from {', '.join(SCENARIOS)}"
        )
    sim = Simulator(symbols, args.seed, args.scenario, event_at_ms=args.duration * 6 // 10)
    count = write_simulated_session(args.output, sim, args.duration, args.seed)
    print(f"{args.output}: {count} price events, {args.scenario}, seed {args.seed}", file=sys.stderr)
    return 0


def _shot(args: argparse.Namespace) -> int:
    check_regular(args.file, FileProblem)
    _check_output(args.output, args.file)
    if _is_session(args.file):
        SessionFile(args.file)  # the header is good (the window reads the rest)
    else:
        _market_source(args.file, args.symbol, None)  # the window would have to ask: say so now
    from .ui.shot import ShotError, render_shot  # Qt only for this command

    try:
        render_shot(args.file, args.output, args.at, args.size, args.symbol)
    except ShotError as exc:
        raise BadInput(str(exc)) from None
    return 0


# ---------------------------------------------------------------------- the parser
def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Margin Sandbox: watch cross and isolated margin at work. "
        "Without a command it opens the window (with FILE ready to replay, if given).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    replay = sub.add_parser("replay", help="replay a session headless and print a summary or the JSON report")
    replay.add_argument("file", metavar="FILE")
    replay.add_argument("--json", action="store_true", help="print the JSON report")
    replay.add_argument("--until", type=_time_ms, metavar="MS", help="stop after session time MS")
    replay.add_argument(
        "--symbol", type=_symbol, help="for a market-data file: the symbol to give its prices"
    )
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
    sim.add_argument("--seed", type=_seed, default=1)
    sim.add_argument("--symbols", default="BTCUSDT,ETHUSDT,SOLUSDT", metavar="A,B")
    sim.add_argument(
        "--duration",
        type=_duration,
        default=_duration("1h"),
        metavar="DURATION",
        help="e.g. 90s, 30m, 1h (default 1h, at most 7d); a scenario's event comes at 60 %% of it",
    )
    sim.add_argument("--scenario", default="calm", help=f"one of {', '.join(SCENARIOS)}")
    sim.set_defaults(run=_simulate)
    imp = sub.add_parser("import", help="turn a market-data file into a session of price events")
    imp.add_argument("data", metavar="DATA")
    imp.add_argument("-o", "--output", required=True, metavar="FILE")
    imp.add_argument(
        "--symbol", type=_symbol, help="the symbol to give the prices (default: from the file name)"
    )
    imp.add_argument(
        "--funding",
        metavar="FILE",
        help="merge the funding settlements of FILE (freqtrade funding_rate .csv/.feather, LEAN "
        "margin_interest.csv, Binance fundingRate.csv) at their times",
    )
    imp.set_defaults(run=_import)
    shot = sub.add_parser("shot", help="render the window at one moment of FILE to a PNG (no display needed)")
    shot.add_argument("file", metavar="FILE")
    shot.add_argument("-o", "--output", required=True, metavar="PNG")
    shot.add_argument("--at", type=_time_ms, metavar="MS", help="session time to show (default: the end)")
    shot.add_argument(
        "--size", type=_size, default=(1600, 1000), metavar="WxH", help="from 320x240 to 7680x4320"
    )
    shot.add_argument("--symbol", type=_symbol, help="for a market-data file: the instrument its prices are")
    shot.set_defaults(run=_shot)
    add_odds_command(sub)
    return parser


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    return {name for action in parser._actions if action.choices for name in action.choices}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str]) -> int:
    parser = _parser()
    if not argv or (argv[0] not in _commands(parser) and not argv[0].startswith("-")):
        from .app import open_window  # Qt is imported only when a window is wanted

        return open_window(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    handler: Callable[[argparse.Namespace], int] = args.run
    try:
        return handler(args)
    except (BadInput, FileProblem, ProfileError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `margin-sandbox replay … | head`: the reader has what it wanted
        _quiet_stdout()
        return 0


def _quiet_stdout() -> None:
    """Point standard output at /dev/null so Python's final flush does not complain again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
