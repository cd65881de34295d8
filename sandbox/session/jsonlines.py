"""Writing session files: JSON Lines, gzip when the name ends in ``.gz``, decimals as strings.

Two ways to write, for two needs:
- ``atomic_writer`` for command-line outputs: lines go to a temporary file beside the target,
  which replaces the target only when everything was written, so a failed run leaves no
  half-finished file (the contract's promise; ``outputs`` has the details).
- ``Recorder`` (in ``recorder.py``) appends and flushes one event at a time, so a crash loses at
  most the line being written.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any, cast

from ..engine import Price
from .model import event_dict
from .outputs import atomic_file


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_decimal(value)
    raise TypeError(f"cannot write {type(value).__name__} to a session file")


def format_decimal(value: Decimal) -> str:
    """Plain notation, no exponent, trailing zeros kept as computed (``57200.0`` stays)."""
    return format(value, "f")


def dumps(obj: dict[str, Any]) -> str:
    """One session line. Keys keep their order; separators match what people write by hand."""
    return json.dumps(obj, default=_default, ensure_ascii=False, separators=(", ", ": "))


@lru_cache(maxsize=1024)
def _quoted(symbol: str) -> str:
    return json.dumps(symbol, ensure_ascii=False)


def price_line(t: int, symbol: str, price: Decimal) -> str:
    """``dumps(event_dict(t, Price(symbol, price)))`` byte for byte, several times faster: nearly
    every line of a recording or an import is one of these (a session has few symbols, so each
    is quoted once)."""
    return f'{{"t": {t}, "type": "price", "symbol": {_quoted(symbol)}, "price": "{price:f}"}}'


def item_line(t: int, symbol: str | None, x: Any) -> str:
    """The session line of an item (``inputs.Item``): a price, or a command."""
    if symbol is not None:
        return price_line(t, symbol, x)
    if type(x) is Price:
        return price_line(t, x.symbol, x.price)
    return dumps(event_dict(t, x))


def is_gzip(path: str | os.PathLike[str]) -> bool:
    return str(path).endswith(".gz")


@contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """Yield a text stream; on success the file at ``path`` is replaced in one rename
    (``outputs.atomic_file``: a fresh temporary file, the usual permissions, nothing left behind)."""
    with atomic_file(path, binary=True) as raw:
        if is_gzip(path):
            # mtime=0 and no name inside keep compressed output byte-identical from run to run.
            binary = cast(IO[bytes], gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0))
        else:
            binary = raw
        with io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as stream:
            yield stream


def write_session(
    path: str | os.PathLike[str],
    header: dict[str, Any],
    events: Iterator[dict[str, Any]] | list[dict[str, Any]],
) -> int:
    """Write a whole session atomically; returns the number of events written."""
    count = 0
    with atomic_writer(path) as out:
        out.write(dumps(header) + "\n")
        for event in events:
            out.write(dumps(event) + "\n")
            count += 1
    return count
