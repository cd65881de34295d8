"""Reading session files: one clear sentence with file and line for anything wrong, never a
traceback; a truncated last line (a recording cut by a crash) is reported and the rest loads.

A file is read as a stream (``SessionFile.items``): a headless replay holds one line at a time,
however long the recording. ``read_session`` keeps every input for the window and the tests, in
the compact arrays of ``inputs.Inputs``. Both read through ``market.untrusted``: a regular file
only, bounded lines, bounded decompression. Anything a file can do ends in ``SessionError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..engine import commands as c
from ..engine.limits import MAX_PRICE, MAX_TIME_MS, MIN_PRICE, PLACES, price_problem
from ..errors import FileProblem
from ..market.errors import brief
from ..market.symbols import MAX_SYMBOL_LENGTH
from ..market.untrusted import TextBlocks
from ..profiles import ProfileError, load_profile
from .inputs import Commands, Inputs, Item, Times, TooManySymbols
from .model import COMMAND_EVENT, FORMAT, SessionHeader, depth_problem

_IGNORED = frozenset({"note"})
_COMMAND_KINDS = frozenset(
    {
        "open",
        "close",
        "set_mode",
        "adjust_margin",
        "set_leverage",
        "deposit",
        "withdraw",
        "order",
        "cancel",
        "funding",
    }
)
# One decoder for every line: json.loads(..., parse_float=...) would build a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal)
_QUANTUM = Decimal(1).scaleb(-PLACES)


class SessionError(FileProblem):
    """Something wrong in a session file."""


def _pydantic_sentence(exc: ValidationError, tag: str | None = None) -> str:
    """pydantic's first complaint as a short phrase: "missing field 'qty'", "field 'qty': …"."""
    err = exc.errors()[0]
    loc = [str(x) for x in err["loc"]]
    if tag is not None and loc and loc[0] == tag:
        loc = loc[1:]
    where = ".".join(loc)
    if err["type"] == "missing":
        return f"missing field '{where}'"
    message = err["msg"].removeprefix("Value error, ")
    return f"field '{where}': {message}" if where else message


def _decode(path: str | Path, line: str, number: int, what: str) -> Any:
    """One line as JSON, or the sentence on why it is not."""
    try:
        return _DECODER.decode(line)
    except json.JSONDecodeError as exc:
        raise SessionError(path, number, f"{what} is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise SessionError(path, number, f"{what} nests objects or lists too deep to read") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise SessionError(path, number, f"{what} holds a number too long to read") from None


def looks_like_session(path: str | Path) -> bool:
    """True if the first non-blank line is a session header (so the file is not market data).
    Anything that cannot be read says False: the market-data reader then says why."""
    try:
        with TextBlocks(path, SessionError, allow_cut=True) as blocks:
            for block in blocks:
                text = block.lstrip()  # blank lines before the first are skipped a block at a time
                if text:
                    line = text.split("\n", 1)[0]
                    return f'"{FORMAT}"' in line or f"'{FORMAT}'" in line
    except SessionError:
        return False
    return False


def parse_header(path: str | Path, line: str, lineno: int = 1) -> SessionHeader:
    data = _decode(path, line, lineno, "the header")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionError(
            path, lineno, f'not a session file: line 1 must be a header with "format": "{FORMAT}"'
        )
    if data.get("version") != 1:
        raise SessionError(
            path,
            lineno,
            f"session version {brief(data.get('version'))} is not supported (this app reads version 1)",
        )
    problem = depth_problem(data)
    if problem:
        raise SessionError(path, lineno, f"bad header: {problem}")
    try:
        header = SessionHeader.model_validate(data)
    except ValidationError as exc:
        raise SessionError(path, lineno, f"bad header: {_pydantic_sentence(exc)}") from None
    try:  # the profile exists and the header's instruments fit it: the file's fault if not
        load_profile(header.profile, header.instruments)
    except ProfileError as exc:
        raise SessionError(path, lineno, f"bad header: {exc}") from None
    return header


class _Lines:
    """The lines of a file's text blocks, without their line breaks. Blocks of nothing but
    blank lines are skipped whole and counted in ``skipped`` (a file of a billion line breaks
    reads at the speed of ``str.isspace``): a line's number is the count of lines handed out
    plus ``skipped``. ``partial`` turns true as the last line comes if it has no line break (a
    recording cut while writing it)."""

    def __init__(self, blocks: TextBlocks):
        self.blocks = blocks
        self.skipped = 0
        self.partial = False

    def __iter__(self) -> Iterator[str]:
        for block in self.blocks:
            if block.isspace():
                self.skipped += block.count("\n")
            elif block.endswith("\n"):
                yield from block[:-1].split("\n")
            else:  # the end of the file, after its last line break: one line
                self.partial = True
                yield block


class SessionFile:
    """A session file being read: its header (read and checked when opened) and its inputs as a
    stream (``items``), read again from the file each time they are asked for.

    ``warnings`` says, after a complete pass, what was loaded with a caveat (a cut last line)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.warnings: list[str] = []
        self._pending: tuple[TextBlocks, _Lines, Iterator[str], int] | None = self._open(read_header=True)

    def _open(self, read_header: bool = False) -> tuple[TextBlocks, _Lines, Iterator[str], int]:
        """The file opened and read past its header (which is parsed when ``read_header``)."""
        path = self.path
        blocks = TextBlocks(path, SessionError, allow_cut=True)
        try:
            lines = _Lines(blocks)
            each = iter(lines)
            first, number = "", 0
            for first in each:
                number += 1
                if first.strip():
                    break
            if not first.strip():
                raise SessionError(path, None, "the file is empty: a session needs a header line")
            number += lines.skipped
            lines.skipped = 0
            if read_header:
                self.header = parse_header(path, first, number)
        except BaseException:
            blocks.close()
            raise
        return blocks, lines, each, number

    def items(self, until: int | None = None) -> Iterator[Item]:
        """Every input with time ≤ ``until`` (all when None): ``(t, symbol, price)`` for a price,
        ``(t, None, command)`` for anything else. Reading stops at the first later input."""
        opened, self._pending = self._pending, None
        self.warnings = []
        return self._items(*(opened or self._open()), until)

    def _items(
        self, blocks: TextBlocks, lines: _Lines, each: Iterator[str], number: int, until: int | None
    ) -> Iterator[Item]:
        """The hot loop of loading: price lines take a hand-written path (the same checks as
        ``PriceEvent``), everything else goes through pydantic."""
        path = self.path
        with blocks:
            last_t = 0
            scan = _DECODER.scan_once  # type: ignore[attr-defined]
            for line in each:
                number += 1
                try:
                    data, end = scan(line, 0)
                    if end != len(line) and line[end:].strip():
                        raise ValueError
                except (StopIteration, ValueError, RecursionError):
                    if not line.strip():
                        continue
                    if lines.partial:  # the last line, without its line break: cut off
                        if blocks.cut_short:
                            break
                        self.warnings.append(
                            f"{path}:{number + lines.skipped}: the last line is incomplete (the "
                            f"recording was cut off); everything before it was loaded"
                        )
                        return
                    data = _decode(path, line, number + lines.skipped, "the line")
                if type(data) is not dict:
                    raise SessionError(path, number + lines.skipped, "an event must be a JSON object")
                t = data.get("t")
                if type(t) is not int or not 0 <= t <= MAX_TIME_MS:
                    raise SessionError(
                        path,
                        number + lines.skipped,
                        f"t must be a whole number of milliseconds from 0 to {MAX_TIME_MS:,}, not {brief(t)}",
                    )
                if t < last_t:
                    raise SessionError(
                        path, number + lines.skipped, f"t goes back in time ({t} after {last_t})"
                    )
                if until is not None and t > until:
                    return
                last_t = t
                kind = data.get("type")
                if kind == "price":
                    symbol = data.get("symbol")
                    raw: Any = data.get("price")
                    kind_of = type(raw)
                    try:
                        price = Decimal(raw) if kind_of is str or kind_of is int else raw
                        good = (
                            type(symbol) is str
                            and 0 < len(symbol) <= MAX_SYMBOL_LENGTH
                            and type(price) is Decimal
                            and price.is_finite()
                            and MIN_PRICE <= price <= MAX_PRICE
                            and price == price.quantize(_QUANTUM)
                        )
                    except (InvalidOperation, ValueError):
                        good = False
                    if not good:
                        raise SessionError(path, number + lines.skipped, _price_sentence(symbol, raw))
                    yield t, symbol, price
                elif type(kind) is str and kind in _IGNORED:
                    continue
                else:
                    yield t, None, self._command(data, kind, number + lines.skipped)
            if blocks.cut_short:
                number += lines.skipped
                self.warnings.append(
                    f"{path}:{number}: the compressed file ends early (the recording was "
                    f"cut off); everything before line {number} was loaded"
                )

    def _command(self, data: dict[str, Any], kind: object, number: int) -> c.Command:
        path = self.path
        problem = depth_problem(data)
        if problem:
            raise SessionError(path, number, problem)
        try:
            event = COMMAND_EVENT.validate_python(data)
        except ValidationError as exc:
            if type(kind) is not str or kind not in _COMMAND_KINDS:
                raise SessionError(path, number, f"unknown event type {brief(kind)}") from None
            raise SessionError(path, number, f"bad {kind} event: {_pydantic_sentence(exc, kind)}") from None
        return event.command()


def _price_sentence(symbol: object, raw: object) -> str:
    if type(symbol) is not str or not symbol:
        return f"a price event needs a symbol, got {brief(symbol)}"
    if len(symbol) > MAX_SYMBOL_LENGTH:
        return f"a symbol has at most {MAX_SYMBOL_LENGTH} characters, not {len(symbol):,}"
    try:
        value: object = Decimal(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else raw
    except (InvalidOperation, ValueError):
        value = None
    if not isinstance(value, Decimal):
        return f"a price event needs a price (a number), got {brief(raw)}"
    return price_problem(value) or f"bad price {brief(raw)}"


class Session:
    """A session in memory: the header and every input, in file order, compactly (``Inputs``).

    ``times`` and ``commands`` read like the lists they once were (sequences of ints and of
    commands, built as they are read); ``items`` streams them like ``SessionFile.items``."""

    def __init__(
        self,
        path: str,
        header: SessionHeader,
        times: Sequence[int] = (),
        commands: Sequence[c.Command] = (),
        warnings: list[str] | None = None,
        *,
        inputs: Inputs | None = None,
    ):
        self.path = path
        self.header = header
        self.inputs = inputs if inputs is not None else Inputs.of(times, commands)
        self.warnings = warnings if warnings is not None else []

    def __len__(self) -> int:
        return len(self.inputs)

    @property
    def times(self) -> Times:
        return Times(self.inputs)

    @property
    def commands(self) -> Commands:
        return self.inputs.commands()

    @property
    def end(self) -> int:
        return self.inputs.time(len(self.inputs) - 1) if len(self.inputs) else 0

    def items(self, until: int | None = None) -> Iterator[Item]:
        stop = None if until is None else int(self.inputs.times.searchsorted(until, side="right"))
        return self.inputs.items(0, stop)


def read_session(path: str | Path) -> Session:
    """Every input of a session file, validated, with the line number of anything wrong."""
    source = SessionFile(path)
    inputs = Inputs()
    try:
        inputs.extend(source.items())
    except TooManySymbols as exc:
        raise SessionError(path, None, f"the session has {exc}; is it really a session?") from None
    return Session(source.path, source.header, warnings=source.warnings, inputs=inputs)
