"""Reading session files: one clear sentence with file and line for anything wrong, never a
traceback; a truncated last line (a recording cut by a crash) is reported and the rest loads."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import ValidationError

from ..engine import commands as c
from ..errors import FileProblem
from .jsonlines import open_text_for_reading
from .model import COMMAND_EVENT, FORMAT, SessionHeader

_IGNORED = frozenset({"note"})
_COMMAND_KINDS = frozenset(
    {"open", "close", "set_mode", "adjust_margin", "set_leverage", "deposit", "withdraw"}
)
# One decoder for every line: json.loads(..., parse_float=...) would build a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal)


class SessionError(FileProblem):
    """Something wrong in a session file."""


@dataclass(slots=True)
class Session:
    """A session in memory: the header and every input as (t, command), in file order."""

    path: str
    header: SessionHeader
    times: list[int] = field(default_factory=list)
    commands: list[c.Command] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.commands)

    @property
    def end(self) -> int:
        return self.times[-1] if self.times else 0


def _pydantic_sentence(exc: ValidationError, tag: str | None = None) -> str:
    """pydantic's first complaint as a short phrase: "missing field 'qty'", "field 'qty': …"."""
    err = exc.errors()[0]
    loc = [str(x) for x in err["loc"]]
    if tag is not None and loc and loc[0] == tag:
        loc = loc[1:]
    where = ".".join(loc)
    if err["type"] == "missing":
        return f"missing field '{where}'"
    return f"field '{where}': {err['msg']}" if where else err["msg"]


def looks_like_session(path: str | Path) -> bool:
    """True if the first non-blank line is a session header (so the file is not market data)."""
    try:
        with open_text_for_reading(path) as f:
            for line in f:
                if line.strip():
                    return f'"{FORMAT}"' in line or f"'{FORMAT}'" in line
    except (OSError, UnicodeDecodeError, EOFError, zlib.error):
        return False
    return False


def parse_header(path: str | Path, line: str, lineno: int = 1) -> SessionHeader:
    try:
        data = _DECODER.decode(line)
    except json.JSONDecodeError as exc:
        raise SessionError(path, lineno, f"the header is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionError(
            path, lineno, f'not a session file: line 1 must be a header with "format": "{FORMAT}"'
        )
    if data.get("version") != 1:
        raise SessionError(
            path,
            lineno,
            f"session version {data.get('version')!r} is not supported (this app reads version 1)",
        )
    try:
        return SessionHeader.model_validate(data)
    except ValidationError as exc:
        raise SessionError(path, lineno, f"bad header: {_pydantic_sentence(exc)}") from None


def read_session(path: str | Path) -> Session:
    """Every input of a session file, validated, with the line number of anything wrong."""
    try:
        stream = open_text_for_reading(path)
    except OSError as exc:
        raise SessionError(path, None, f"cannot open the file ({exc.strerror or exc})") from None
    with stream:
        try:
            first, lineno = "", 0
            for first in stream:
                lineno += 1
                if first.strip():
                    break
        except (EOFError, zlib.error, UnicodeDecodeError, OSError) as exc:
            raise SessionError(path, None, f"the file is damaged ({exc})") from None
        if not first.strip():
            raise SessionError(path, None, "the file is empty: a session needs a header line")
        session = Session(str(path), parse_header(path, first, lineno))
        _read_events(path, stream, lineno, session)
    return session


def _read_events(path: str | Path, stream, lineno: int, session: Session) -> None:
    """The hot loop of loading: price lines take a hand-written path (the same checks as
    ``PriceEvent``), everything else goes through pydantic."""
    times, commands, warnings = session.times, session.commands, session.warnings
    last_t = 0
    number = lineno
    scan = _DECODER.scan_once
    Price = c.Price
    try:
        for line in stream:
            number += 1
            try:
                data, end = scan(line, 0)
                if end < len(line) - 1 and line[end:].strip():
                    raise ValueError
            except (StopIteration, ValueError):
                if not line.strip():
                    continue
                if not line.endswith("\n"):  # only the last line lacks one
                    warnings.append(
                        f"{path}:{number}: the last line is incomplete (the "
                        f"recording was cut off); everything before it was loaded"
                    )
                    return
                try:  # the decoder's own sentence for what is wrong
                    data = _DECODER.decode(line)
                except json.JSONDecodeError as exc:
                    raise SessionError(path, number, f"not valid JSON ({exc.msg})") from None
            if type(data) is not dict:
                raise SessionError(path, number, "an event must be a JSON object")
            t = data.get("t")
            if type(t) is not int or t < 0:
                raise SessionError(path, number, f"t must be a whole number of milliseconds ≥ 0, not {t!r}")
            if t < last_t:
                raise SessionError(path, number, f"t goes back in time ({t} after {last_t})")
            last_t = t
            kind = data.get("type")
            if kind == "price":
                symbol = data.get("symbol")
                raw = data.get("price")
                kind_of = type(raw)
                try:
                    price = Decimal(raw) if kind_of is str or kind_of is int else raw
                except InvalidOperation:
                    price = None
                if type(symbol) is not str or type(price) is not Decimal or not price > 0:
                    raise SessionError(
                        path,
                        number,
                        f"a price event needs a symbol and a price "
                        f"above zero, got symbol={symbol!r} price={raw!r}",
                    )
                times.append(t)
                commands.append(Price(symbol, price))
            elif kind in _IGNORED:
                continue
            else:
                try:
                    event = COMMAND_EVENT.validate_python(data)
                except ValidationError as exc:
                    if kind not in _COMMAND_KINDS:
                        raise SessionError(path, number, f"unknown event type {kind!r}") from None
                    raise SessionError(
                        path, number, f"bad {kind} event: {_pydantic_sentence(exc, kind)}"
                    ) from None
                times.append(t)
                commands.append(event.command())
    except EOFError:
        warnings.append(
            f"{path}:{number}: the compressed file ends early (the recording was "
            f"cut off); everything before line {number} was loaded"
        )
    except (OSError, zlib.error, UnicodeDecodeError) as exc:
        raise SessionError(path, number + 1, f"the file cannot be read past here ({exc})") from None
