"""Funding-rate files: real settlements to merge into a session (``import DATA --funding FILE``).

Read, and told apart by their content:
- freqtrade's ``*-funding_rate.csv``: a header with ``open`` (the rate; ``high``/``low``/``close``/
  ``volume`` are zeros) and ``timestamp_ms`` (the settlement, with its few milliseconds of jitter)
  or ``date`` (ISO 8601).
- freqtrade's ``*-funding_rate.feather`` (Apache Arrow): ``date`` and ``open``. Reading it needs
  pyarrow, the optional extra ``feather`` (``pip install 'margin-sandbox[feather]'``); without it
  the file is refused with a sentence saying so.
- LEAN's ``margin_interest/*.csv``: no header, ``YYYYMMDD HH:MM:SS,rate`` in UTC. Despite its name
  each row is the funding rate settled at that time (LEAN's ``BinanceFutureMarginInterestRateModel``
  pays ``rate × position value`` at 00:00, 08:00 and 16:00 UTC).
- Binance's public data ``fundingRate`` CSV: ``calc_time, …, last_funding_rate``.

Rates are rounded to 8 decimals, half to even (Binance publishes 8; freqtrade's float64 storage
leaves noise such as ``-0.0021933400000000002``), and must lie strictly between -1 and 1. A file
holds at most ``MAX_ROWS`` settlements (three a day for a century is about 110,000).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from itertools import chain
from pathlib import Path

import numpy as np

from ..engine.limits import PLACES, rate_problem
from .errors import MarketDataError, shown
from .timestamps import epoch_ms
from .untrusted import TextBlocks, open_regular

MAX_ROWS = 200_000
MAX_FEATHER_BYTES = 64 << 20
_QUANTUM = Decimal(1).scaleb(-PLACES)
_LEAN_TIME = re.compile(r"^\s*(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\s*$")
_ARROW = (b"ARROW1", b"FEA1")
FEATHER_EXTRA = "pip install 'margin-sandbox[feather]'"


@dataclass(frozen=True, slots=True)
class FundingRates:
    """The settlements of one file, in time order: epoch ms and the rate."""

    path: str
    format: str
    times: tuple[int, ...]
    rates: tuple[Decimal, ...]

    def __len__(self) -> int:
        return len(self.times)


def load_funding_file(path: str | Path) -> FundingRates:
    """Every settlement in ``path``, checked, or a ``MarketDataError`` naming the line."""
    with open_regular(path, MarketDataError) as raw:
        magic = raw.read(8)
    if magic.startswith(_ARROW):
        return _feather(Path(path))
    rows: list[tuple[int, list[str]]] = []
    with TextBlocks(path, MarketDataError, zip_member=True) as blocks:
        lines = chain.from_iterable(io.StringIO(block, newline="") for block in blocks)
        reader = csv.reader(lines)
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(rows) > MAX_ROWS:
                    raise MarketDataError(path, reader.line_num, f"more than {MAX_ROWS:,} funding rows")
                rows.append((reader.line_num, row))
        except csv.Error as exc:
            raise MarketDataError(path, reader.line_num, f"not readable as CSV ({exc})") from None
    if not rows:
        raise MarketDataError(path, None, "the file is empty")
    return _from_rows(str(path), rows)


def _from_rows(path: str, rows: list[tuple[int, list[str]]]) -> FundingRates:
    line, first = rows[0]
    names = [c.strip().lower() for c in first]
    if _LEAN_TIME.match(first[0]) and len(first) >= 2:
        return _collect(path, "lean-margin-interest", ((n, _lean_ms(path, n, r[0]), r[1]) for n, r in rows))
    if "open" in names and ("timestamp_ms" in names or "date" in names):
        t = names.index("timestamp_ms") if "timestamp_ms" in names else names.index("date")
        return _collect(path, "freqtrade-funding", _columns(path, rows[1:], t, names.index("open")))
    if "last_funding_rate" in names and "calc_time" in names:
        t, r = names.index("calc_time"), names.index("last_funding_rate")
        return _collect(path, "binance-funding", _columns(path, rows[1:], t, r))
    raise MarketDataError(
        path,
        line,
        "not a funding-rate file: expected freqtrade's funding_rate (timestamp_ms or date, open), "
        "LEAN's margin_interest (YYYYMMDD HH:MM:SS,rate) or Binance's fundingRate CSV",
    )


_Row = tuple[int | None, int, str]  # (line, epoch ms, the rate as text)


def _columns(path: str, rows: list[tuple[int, list[str]]], t: int, r: int) -> list[_Row]:
    out: list[_Row] = []
    for number, row in rows:
        if len(row) <= max(t, r):
            raise MarketDataError(path, number, f"expected {max(t, r) + 1}+ columns, found {len(row)}")
        ms, problem = epoch_ms(np.array([row[t].strip()], dtype=object))
        if problem is not None:
            raise MarketDataError(path, number, problem.message)
        out.append((number, int(ms[0]), row[r]))
    return out


def _lean_ms(path: str, number: int, text: str) -> int:
    m = _LEAN_TIME.match(text)
    if m is None:
        raise MarketDataError(path, number, f"time {shown(text)} is not YYYYMMDD HH:MM:SS")
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    try:
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise MarketDataError(path, number, f"time {shown(text)} is not a date") from None
    return int(when.timestamp()) * 1000


def _collect(path: str, kind: str, rows: Iterable[_Row]) -> FundingRates:
    found: list[tuple[int, Decimal]] = []
    for number, ms, text in rows:
        found.append((ms, _rate(path, number, text)))
    if not found:
        raise MarketDataError(path, None, "the file has a header but no funding rows")
    found.sort(key=lambda row: row[0])  # stable: equal times keep the file's order
    return FundingRates(path, kind, tuple(ms for ms, _ in found), tuple(rate for _, rate in found))


def _rate(path: str, number: int | None, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise MarketDataError(path, number, f"rate {shown(text)} is not a number") from None
    if not value.is_finite():
        raise MarketDataError(path, number, f"rate {shown(text)} is not a finite number")
    if abs(value) < 1 and value.quantize(_QUANTUM, ROUND_HALF_EVEN) != value:
        value = value.quantize(_QUANTUM, ROUND_HALF_EVEN)
    problem = rate_problem(value)
    if problem is not None:
        raise MarketDataError(path, number, problem)
    return value


def _feather(path: Path) -> FundingRates:
    """freqtrade's feather file (``date`` in ns, the rate in ``open``) through pyarrow."""
    try:
        import pyarrow.feather as feather  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        raise MarketDataError(
            path,
            None,
            f"reading a .feather file needs pyarrow, the optional extra 'feather' ({FEATHER_EXTRA})",
        ) from None
    with open_regular(path, MarketDataError) as raw:
        size = raw.seek(0, 2)
    if size > MAX_FEATHER_BYTES:
        raise MarketDataError(path, None, f"a funding file of {size:,} bytes is too large")
    try:
        table = feather.read_table(str(path), columns=["date", "open"])
        dates = table.column("date").cast("int64").to_pylist()
        rates = table.column("open").to_pylist()
        unit = getattr(table.schema.field("date").type, "unit", "ns")
    except Exception as exc:  # pyarrow raises its own kinds for a damaged or different file
        raise MarketDataError(
            path, None, f"not a freqtrade funding-rate feather file ({str(exc)[:120]})"
        ) from None
    if len(dates) > MAX_ROWS:
        raise MarketDataError(path, None, f"more than {MAX_ROWS:,} funding rows")
    units = {"s": Decimal("0.001"), "ms": Decimal(1), "us": Decimal(1000), "ns": Decimal(1_000_000)}
    per_ms = units.get(unit, Decimal(1_000_000))
    rows: list[_Row] = []
    for i, (date, rate) in enumerate(zip(dates, rates)):
        if date is None or rate is None:
            raise MarketDataError(path, None, f"row {i + 1} has no date or no rate")
        rows.append((None, int(Decimal(int(date)) / per_ms), repr(float(rate))))
    return _collect(str(path), "freqtrade-funding-feather", rows)
