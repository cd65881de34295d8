"""Price columns: checked whole-column in floats, settled exactly in ``Decimal`` where floats
cannot tell.

A price keeps the file's text, and only that text becomes a ``Decimal`` (never a float on the
way). The float copy serves checks and comparisons, and it is exact enough for them: a decimal of
at most 15 significant digits survives the trip through a float, so two such prices compare as
floats the way they compare as decimals. A file with longer texts (freqtrade writes
``1.1997200000000001``) has the rows whose floats tie settled with ``Decimal``.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

import numpy as np

from .errors import Problem, shown

_SAFE_LENGTH = 15  # characters: fewer digits than that, so the float is exact enough


def floats(texts: np.ndarray) -> np.ndarray:
    """Float copies of price texts, NaN where a text is not a number (a check then finds it)."""
    try:
        return texts.astype(np.float64)
    except ValueError:
        return np.array([_float_or_nan(t) for t in texts.ravel()]).reshape(texts.shape)


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def floats_may_tie(texts: np.ndarray) -> bool:
    """Whether two different prices of these texts could share a float."""
    return len(texts) > 0 and max(map(len, texts.ravel())) > _SAFE_LENGTH


def check_candles(texts: np.ndarray, values: np.ndarray) -> Problem | None:
    """The first candle that is not ``0 < low ≤ open, close ≤ high``, or has a price that is not
    a number."""
    o, h, lo, c = values.T
    suspect = ~((lo > 0) & (lo <= o) & (o <= h) & (lo <= c) & (c <= h) & (h < math.inf))  # NaN: suspect
    tie = (lo == o) | (o == h) | (lo == c) | (c == h)
    if floats_may_tie(texts[tie]):
        suspect |= tie
    for i in np.flatnonzero(suspect):
        message = candle_problem(*texts[i])
        if message:
            return Problem(int(i), message)
    return None


def candle_problem(o: str, h: str, lo: str, c: str) -> str | None:
    """What is wrong with one candle, decided in ``Decimal``."""
    numbers = []
    for text in (o, h, lo, c):
        number = _decimal(text)
        if number is None:
            return f"price {shown(text)} is not a number"
        numbers.append(number)
    op, hp, lp, cp = numbers
    o, h, lo, c = (t.strip() for t in (o, h, lo, c))
    if lp > hp:
        return f"high {h} is below low {lo}"
    if not float(lp) > 0:
        return f"prices must be above zero (low is {lo})"
    if not (lp <= op <= hp and lp <= cp <= hp):
        return f"open {o} or close {c} lies outside low {lo} … high {h}"
    if float(hp) == math.inf:
        return f"price {h} is too large"
    return None


def check_trades(texts: np.ndarray, values: np.ndarray) -> Problem | None:
    """The first trade whose price is not a number above zero."""
    p = values[:, 0]
    bad = ~((p > 0) & (p < math.inf))
    if bad.any():
        i = int(np.argmax(bad))
        return Problem(i, f"price {shown(texts[i, 0])} is not a number above zero")
    return None


def mid_prices(bid_ask: np.ndarray) -> tuple[np.ndarray, Problem | None]:
    """LEAN quote bars ``bid o, h, l, c, ask o, h, l, c`` as mid-price bars: each of open, high,
    low and close is the mean of the bid's and the ask's. (The mid's true high can only be lower
    than the mean of the two highs, so the bar may be a little wider than the mid really moved.)"""
    mids = np.empty((len(bid_ask), 4), dtype=object)
    for i, row in enumerate(bid_ask):
        numbers = [_decimal(t) for t in row]
        if None in numbers:
            bad = row[numbers.index(None)]
            return mids[:i], Problem(i, f"bid or ask price {shown(bad)} is not a number")
        mids[i] = [str((b + a) / 2) for b, a in zip(numbers[:4], numbers[4:], strict=True)]
    return mids, None


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
