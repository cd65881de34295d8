"""``margin-sandbox odds``: the command line of session-format.md § Liquidation odds.

The CLI registers it with ``add_odds_command(subparsers)``; everything else lives here. Bad files
raise ``SessionError``/``MarketDataError`` (one sentence, exit status 2, through the CLI's own
handling); bad or conflicting options are argparse errors (usage and exit status 2).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

import numpy as np

from ..engine import Price
from ..market import load_market_file
from ..session.reader import Session, SessionError, looks_like_session, read_session
from ..session.twins import VARIANTS, TwinSet, replay
from .history import MINUTE_MS, minute_returns, sampled_returns
from .models import MODELS, ModelError, PathModel, model_for
from .odds import run_odds
from .report import odds_json, odds_text
from .thresholds import Book, book

MAX_PATHS = 1_000_000
MAX_HORIZON_MS = 30 * 86_400_000
MAX_WORK = 2_000_000_000  # paths × steps: about three minutes on a laptop core
_UNITS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


def horizon(text: str) -> int:
    """``30m``, ``8h``, ``1d``, ``7d``, ``1h30m`` → milliseconds (at least a minute, at most 30 d)."""
    raw = text.strip().lower()
    parts = re.findall(r"(\d+)([smhdw])", raw)
    if not parts or "".join(n + u for n, u in parts) != raw:
        raise argparse.ArgumentTypeError(f"a horizon looks like 30m, 8h, 1d or 7d, not {text!r}")
    ms = sum(int(n) * _UNITS[u] for n, u in parts)
    if not MINUTE_MS <= ms <= MAX_HORIZON_MS:
        raise argparse.ArgumentTypeError(f"the horizon must be from 1m to 30d, not {text!r}")
    return ms


def _paths(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"paths must be a whole number, not {text!r}") from None
    if not 1 <= n <= MAX_PATHS:
        raise argparse.ArgumentTypeError(f"paths must be from 1 to {MAX_PATHS:,}, not {n:,}")
    return n


def _vol(text: str) -> float:
    """Annualised volatility: ``0.8`` or ``80%``."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a volatility looks like 0.8 or 80%, not {text!r}") from None
    if not 0 < value <= 20:
        raise argparse.ArgumentTypeError(f"the volatility must be above 0 and at most 2000 %, not {text!r}")
    return value


def _nonnegative(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, not {n}")
    return n


def add_odds_command(sub: Any) -> None:
    """Register ``odds`` on the CLI's subparsers."""
    p = sub.add_parser(
        "odds",
        help="probability that each position and the cross pool is liquidated within a horizon, "
        "as traded, all cross and all isolated",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--at", type=_nonnegative, metavar="MS", help="session time of the book (default: the end)"
    )
    p.add_argument(
        "--horizon",
        type=horizon,
        default=86_400_000,
        metavar="DURATION",
        help="e.g. 30m, 8h, 1d (default), 7d",
    )
    p.add_argument(
        "--paths", type=_paths, default=10_000, metavar="N", help="simulated paths (default 10000)"
    )
    p.add_argument("--model", choices=MODELS, default="gbm")
    p.add_argument(
        "--vol",
        type=_vol,
        metavar="V",
        help="gbm: annualised volatility, e.g. 0.8 or 80%% (default: from FILE's prices)",
    )
    p.add_argument("--seed", type=_nonnegative, default=1, metavar="N")
    p.add_argument(
        "--returns",
        metavar="DATA",
        help="bootstrap: resample this session's or market-data file's one-minute returns instead of FILE's",
    )
    p.add_argument("--json", action="store_true", help="print the JSON report")
    p.set_defaults(run=run_odds_command, odds_parser=p)


def run_odds_command(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.odds_parser
    if args.vol is not None and args.model != "gbm":
        parser.error("--vol applies to --model gbm only")
    if args.returns is not None and args.model != "bootstrap":
        parser.error("--returns applies to --model bootstrap only")
    steps = -(-args.horizon // MINUTE_MS)
    if args.paths * steps > MAX_WORK:
        parser.error(
            f"{args.paths:,} paths × {steps:,} steps is more than {MAX_WORK:,} path-steps; "
            f"ask for fewer paths or a shorter horizon"
        )
    session = read_session(args.file)
    for warning in session.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    at = session.end if args.at is None else args.at
    twins = replay(session, until=at).twins
    books = twin_books(twins)
    symbols = sorted({s for b in books.values() for s in b.symbols})
    model = _model(args, session, at, symbols)
    odds = run_odds(books, model, args.horizon, args.paths, args.seed, at)
    if args.json:
        sys.stdout.write(odds_json(odds))
    else:
        sys.stdout.write(odds_text(odds, _labels(twins)))
    return 0


def twin_books(twins: TwinSet) -> dict[str, Book]:
    """The book of each twin; twins sharing an account share one book (evaluated once)."""
    made: dict[int, Book] = {}
    out: dict[str, Book] = {}
    for name in VARIANTS:
        tw = twins.twin(name)
        if id(tw) not in made:
            made[id(tw)] = book(tw.account)
        out[name] = made[id(tw)]
    return out


def _labels(twins: TwinSet) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in VARIANTS:
        for p in twins.twin(name).account.positions.values():
            out.setdefault(p.id, f"{p.symbol} {p.side} {p.leverage}×")
    return out


def _model(args: argparse.Namespace, session: Session, at: int, symbols: list[str]) -> PathModel:
    """The model from FILE's own prices up to MS, or (bootstrap) from ``--returns``."""
    source = args.file
    if args.returns is None:
        returns = minute_returns(session.times, session.commands, symbols, at)
    else:
        source = args.returns
        returns = _returns_of(args.returns, symbols)
    try:
        return model_for(args.model, symbols, returns, args.vol, source)
    except ModelError as exc:
        where = f"up to t={at} ms, " if args.returns is None else ""
        raise SessionError(source, None, f"{where}{exc}") from None


def _returns_of(path: str, symbols: list[str]) -> np.ndarray:
    """One-minute returns of another session's or a market-data file's prices."""
    if looks_like_session(path):
        other = read_session(path)
        present = {c.symbol for c in other.commands if isinstance(c, Price)}
        missing = [s for s in symbols if s not in present]
        if missing:
            raise SessionError(path, None, f"has no prices of {', '.join(missing)}")
        return minute_returns(other.times, other.commands, symbols)
    data = load_market_file(path)
    if len(symbols) > 1:
        raise SessionError(
            path,
            None,
            f"holds {data.symbol} only; a book on {', '.join(symbols)} needs the returns of "
            f"each: give a session file that holds their prices",
        )
    times, prices = [], []
    for tick in data.ticks():
        times.append(tick.t)
        prices.append(float(tick.price))
    if symbols and data.symbol != symbols[0]:
        print(f"warning: {path}: {data.symbol}'s returns drive {symbols[0]}", file=sys.stderr)
    return sampled_returns({data.symbol: (np.asarray(times), np.asarray(prices))}, [data.symbol])
