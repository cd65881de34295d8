"""Price columns: checked whole-column in floats, settled exactly in ``Decimal`` where floats
cannot tell.

A price keeps the file's text, and only that text becomes a ``Decimal`` (never a float on the
way). The float copy serves checks and comparisons, and it is exact enough for them: a decimal of
at most 15 significant digits survives the trip through a float, so two such prices compare as
floats the way they compare as decimals. A file with longer texts has the rows whose floats tie
settled with ``Decimal``.

**What the engine can hold** (``engine.limits``): a price from 0.00000001 to 1,000,000,000 with
at most 8 decimals. A price outside that range is a bad line. A price with more decimals is
rounded half to even to 8 decimals (``round_places``): real files have them as float noise
(freqtrade writes ``1.1997200000000001``) or as the mid of two 8-decimal quotes, and the ninth
decimal of a price is below anything an exchange quotes.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import numpy as np

from ..engine.limits import MAX_PRICE, MIN_PRICE, PLACES
from .errors import Problem, shown

_SAFE_LENGTH = 15  # characters: fewer digits than that, so the float is exact enough
_QUANTUM = Decimal(1).scaleb(-PLACES)
_SCALE = 10.0**PLACES
_MIN_F, _MAX_F = float(MIN_PRICE), float(MAX_PRICE)


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


def _longest(texts: np.ndarray) -> int:
    return max(map(len, texts.ravel()), default=0)


def floats_may_tie(texts: np.ndarray) -> bool:
    """Whether two different prices of these texts could share a float."""
    return _longest(texts) > _SAFE_LENGTH


def check_candles(texts: np.ndarray, values: np.ndarray) -> Problem | None:
    """The first candle that is not ``0 < low ≤ open, close ≤ high``, has a price that is not a
    number, or one the engine cannot hold."""
    o, h, lo, c = values.T
    ordered = (lo > 0) & (lo <= o) & (o <= h) & (lo <= c) & (c <= h)
    suspect = ~(ordered & (lo >= _MIN_F) & (h <= _MAX_F))  # NaN: suspect
    tie = (lo == o) | (o == h) | (lo == c) | (c == h) | (lo == _MIN_F) | (h == _MAX_F)
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
    if not lp > 0:
        return f"prices must be above zero (low is {lo})"
    if not (lp <= op <= hp and lp <= cp <= hp):
        return f"open {o} or close {c} lies outside low {lo} … high {h}"
    return _range_problem(hp, h) or _range_problem(lp, lo)


def _range_problem(value: Decimal, text: str) -> str | None:
    if value > MAX_PRICE:
        return f"price {shown(text)} is above {MAX_PRICE:,}, the largest price the sandbox holds"
    if value.quantize(_QUANTUM, ROUND_HALF_EVEN) < MIN_PRICE:
        return f"price {shown(text)} is below {MIN_PRICE:f}, the smallest price the sandbox holds"
    return None


def check_trades(texts: np.ndarray, values: np.ndarray) -> Problem | None:
    """The first trade whose price is not a number above zero, or one the engine cannot hold."""
    p = values[:, 0]
    suspect = ~((p >= _MIN_F) & (p <= _MAX_F))
    for i in np.flatnonzero(suspect):
        text = texts[i, 0]
        number = _decimal(text)
        if number is None or not number > 0:
            return Problem(int(i), f"price {shown(text)} is not a number above zero")
        message = _range_problem(number, text)
        if message:
            return Problem(int(i), message)
    return None


def round_places(texts: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prices with more than 8 decimals rounded half to even to 8 (texts and floats alike).

    Which prices have them is told in floats (a ninth decimal leaves a fraction in ``price × 10⁸``)
    and, for texts too long for a float to show their last digits, in ``Decimal``; only those
    are touched, so a file without any costs two vector operations.
    """
    scaled = values * _SCALE
    noise = np.abs(scaled) * 1e-14 + 1e-6
    suspect = np.abs(scaled - np.rint(scaled)) > noise
    if _longest(texts) > _SAFE_LENGTH:
        suspect |= (
            np.fromiter(map(len, texts.ravel()), np.int64, texts.size).reshape(texts.shape) > _SAFE_LENGTH
        )
    where = np.flatnonzero(suspect.ravel())
    if not len(where):
        return texts, values
    texts, values = texts.copy(), values.copy()
    flat_texts, flat_values = texts.reshape(-1), values.reshape(-1)
    for i in where:
        number = Decimal(flat_texts[i])
        rounded = number.quantize(_QUANTUM, ROUND_HALF_EVEN)
        if rounded != number:
            flat_texts[i] = format(rounded.normalize(), "f")
            flat_values[i] = float(rounded)
    return texts, values


def mid_prices(bid_ask: np.ndarray) -> tuple[np.ndarray, Problem | None]:
    """LEAN quote bars ``bid o, h, l, c, ask o, h, l, c`` as mid-price bars: each of open, high,
    low and close is the mean of the bid's and the ask's. (The mid's true high can only be lower
    than the mean of the two highs, so the bar may be a little wider than the mid really moved.)"""
    mids = np.empty((len(bid_ask), 4), dtype=object)
    for i, row in enumerate(bid_ask):
        numbers = [_decimal(t) for t in row]
        clean = [n for n in numbers if n is not None]
        if len(clean) < len(numbers) or any(n > MAX_PRICE for n in clean):
            bad = next(t for t, n in zip(row, numbers) if n is None or n > MAX_PRICE)
            return mids[:i], Problem(i, f"bid or ask price {shown(bad)} is not a number the sandbox holds")
        mids[i] = [str((b + a) / 2) for b, a in zip(clean[:4], clean[4:], strict=True)]
    return mids, None


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
