"""Bad market-data input: which file, which line, and what is wrong, in one sentence."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FileProblem


class MarketDataError(FileProblem):
    """Something wrong in a market-data file. ``str()`` is ``path:line: message`` (or
    ``path: message`` when no line is to blame), the shape the command line and the window show."""


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing a check found wrong, in data row ``index`` (0-based, header not counted).
    Checks run over whole columns at once, so they report a problem instead of raising: the
    reader looks above it for an earlier one and only then counts lines to name it."""

    index: int
    message: str


def brief(value: object, limit: int = 40) -> str:
    """Any value from a file as a message quotes it: text as ``shown``, anything else as its
    repr cut short (a nested list a megabyte long is not repeated back)."""
    if isinstance(value, str):
        return shown(value, limit)
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def shown(text: str, limit: int = 40) -> str:
    """A cell of the file as a message quotes it: on one line, and cut short if long."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "…")
