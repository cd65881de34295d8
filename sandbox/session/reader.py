"""Reading session files: one clear sentence with file and line for anything wrong, never a
traceback; a truncated last line (a recording cut by a crash) is reported and the rest loads."""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator

from pydantic import ValidationError

from ..engine import commands as c
from .jsonlines import open_text_for_reading
from .model import COMMAND_EVENT, FORMAT, SessionHeader

_IGNORED = frozenset({"note"})


class SessionError(Exception):
    def __init__(self, path: str | Path, line: int | None, message: str):
        super().__init__(message)
        self.path = str(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


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
        data = json.loads(line, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise SessionError(path, lineno, f"the header is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionError(path, lineno, f'not a session file: line 1 must be a header with '
                           f'"format": "{FORMAT}"')
    if data.get("version") != 1:
        raise SessionError(path, lineno, f"session version {data.get('version')!r} is not supported "
                           f"(this app reads version 1)")
    try:
        return SessionHeader.model_validate(data)
    except ValidationError as exc:
        raise SessionError(path, lineno, f"bad header: {_pydantic_sentence(exc)}") from None


def iter_events(path: str | Path) -> tuple[SessionHeader, Iterator[tuple[int, int, c.Command]], list[str]]:
    """The header, then (line number, t, command) for every input line; warnings fill as it goes."""
    stream = open_text_for_reading(path)
    warnings: list[str] = []
    try:
        first = ""
        lineno = 0
        for first in stream:
            lineno += 1
            if first.strip():
                break
        if not first.strip():
            raise SessionError(path, None, "the file is empty: a session needs a header line")
        header = parse_header(path, first, lineno)
    except BaseException:
        stream.close()
        raise

    def events() -> Iterator[tuple[int, int, c.Command]]:
        last_t = 0
        number = lineno
        loads = json.loads
        Price = c.Price
        try:
            for line in stream:
                number += 1
                try:
                    data = loads(line, parse_float=Decimal)
                except json.JSONDecodeError as exc:
                    if not line.strip():
                        continue
                    if not line.endswith("\n"):  # only the last line lacks one
                        warnings.append(f"{path}:{number}: the last line is incomplete (the "
                                        f"recording was cut off); everything before it was loaded")
                        return
                    raise SessionError(path, number, f"not valid JSON ({exc.msg})") from None
                if not isinstance(data, dict):
                    raise SessionError(path, number, "an event must be a JSON object")
                kind = data.get("type")
                t = data.get("t")
                if type(t) is not int or t < 0:
                    raise SessionError(path, number, f"t must be a whole number of milliseconds ≥ 0, not {t!r}")
                if t < last_t:
                    raise SessionError(path, number, f"t goes back in time ({t} after {last_t})")
                last_t = t
                if kind == "price":
                    # The fast path: the same checks PriceEvent makes, without pydantic.
                    symbol = data.get("symbol")
                    raw = data.get("price")
                    try:
                        price = Decimal(raw) if type(raw) is str else raw
                    except InvalidOperation:
                        price = None
                    if type(symbol) is not str or not isinstance(price, (Decimal, int)) or not price > 0:
                        raise SessionError(path, number, f"a price event needs a symbol and a price "
                                           f"above zero, got symbol={symbol!r} price={raw!r}")
                    yield number, t, Price(symbol, Decimal(price))
                elif kind in _IGNORED:
                    continue
                else:
                    try:
                        event = COMMAND_EVENT.validate_python(data)
                    except ValidationError as exc:
                        if kind not in {"open", "close", "set_mode", "adjust_margin", "set_leverage",
                                        "deposit", "withdraw"}:
                            raise SessionError(path, number, f"unknown event type {kind!r}") from None
                        raise SessionError(path, number, f"bad {kind} event: {_pydantic_sentence(exc, kind)}") from None
                    yield number, t, event.command()
        except EOFError:
            warnings.append(f"{path}:{number}: the compressed file ends early (the recording was "
                            f"cut off); everything before line {number} was loaded")
        except (OSError, zlib.error, UnicodeDecodeError) as exc:
            raise SessionError(path, number + 1, f"the file cannot be read past here ({exc})") from None
        finally:
            stream.close()

    return header, events(), warnings


def read_session(path: str | Path) -> Session:
    try:
        header, events, warnings = iter_events(path)
    except OSError as exc:
        raise SessionError(path, None, f"cannot open the file ({exc.strerror or exc})") from None
    except (EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise SessionError(path, None, f"the file is damaged ({exc})") from None
    session = Session(str(path), header, warnings=warnings)
    times, commands = session.times, session.commands
    for _, t, command in events:
        times.append(t)
        commands.append(command)
    return session
