"""The hedge map: over a grid of two symbols' prices, which positions a jump to that point
liquidates, for each variant (the picture of "hedges suit cross").

A point ``(x, y)`` means both marks stand there together, every other mark where it is: the
question is the joint move, not the order the two prices arrive in. Exact from the engine's
thresholds (``thresholds.py``): isolated lots die beyond their trigger on their own axis (a
straight line), the pool where ``wallet + f_x(x) + f_y(y) + Σ_other f_s(mark_s) ≤ 0``; points
within the float tolerance of that boundary are settled with the engine's decimals.
``tests/test_hedge_map.py`` checks random points against the engine itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .thresholds import Book, engine_price

DEFAULT_SPAN = 0.30
DEFAULT_POINTS = 200


@dataclass(frozen=True, slots=True)
class VariantMap:
    """One book on the grid; every mask is ``(len(ys), len(xs))``, rows along y."""

    lots: dict[str, np.ndarray]  # position id → liquidated at that point (cross ids: the pool's)
    pool: np.ndarray | None  # the pool is wiped
    pool_headroom: np.ndarray | None  # wallet + Σ f_s: its zero level is the pool's boundary
    triggers: dict[str, tuple[str, float]]  # isolated id → (symbol, trigger): a straight boundary
    any: np.ndarray  # something dies: the variant's liquidation region (contour its edge)


@dataclass(frozen=True, slots=True)
class HedgeMap:
    x_symbol: str
    y_symbol: str
    xs: np.ndarray
    ys: np.ndarray
    x_mark: float
    y_mark: float
    variants: dict[str, VariantMap]


def map_symbols(books: Mapping[str, Book]) -> tuple[str, str] | None:
    """The two symbols with the most notional at the marks over all books (None if fewer)."""
    size: dict[str, float] = {}
    for b in books.values():
        for lot in b.isolated:
            size[lot.symbol] = size.get(lot.symbol, 0.0) + float(lot.qty * b.marks[lot.symbol])
        if b.pool is not None:
            for s, leg in b.pool.legs.items():
                size[s] = size.get(s, 0.0) + sum(float(p.qty * b.marks[s]) for p in leg.positions)
    if len(size) < 2:
        return None
    ranked = sorted(size, key=lambda s: (-size[s], s))
    return ranked[0], ranked[1]


def axis(mark: float, span: float = DEFAULT_SPAN, points: int = DEFAULT_POINTS) -> np.ndarray:
    """``points`` prices evenly from ``mark·(1 − span)`` to ``mark·(1 + span)``."""
    return mark * np.linspace(1.0 - span, 1.0 + span, points)


def variant_map(book: Book, x_symbol: str, y_symbol: str, xs: np.ndarray, ys: np.ndarray) -> VariantMap:
    shape = (len(ys), len(xs))
    on = {x_symbol: xs[None, :], y_symbol: ys[:, None]}
    lots: dict[str, np.ndarray] = {}
    triggers: dict[str, tuple[str, float]] = {}
    dead = np.zeros(shape, dtype=bool)
    for lot in book.isolated:
        if lot.trigger is not None:
            triggers[lot.id] = (lot.symbol, lot.trigger)
        if lot.symbol in on:
            p = on[lot.symbol]
            mask = np.broadcast_to(lot.hit(p, p), shape).copy()
        else:
            mask = np.zeros(shape, dtype=bool)  # its own mark does not move here
        lots[lot.id] = mask
        dead |= mask
    pool_mask = headroom = None
    pool = book.pool
    if pool is not None:
        fixed = float(pool.wallet)
        moving = {}
        for s, leg in pool.legs.items():
            if s in on:
                moving[s] = leg(on[s])
            else:
                fixed += float(leg.exact(book.marks[s]))
        headroom = np.broadcast_to(np.asarray(fixed), shape).copy()
        for values in moving.values():
            headroom += values
        tops = {s: (float(np.max(on[s])) if s in on else float(book.marks[s])) for s in pool.legs}
        tol = pool.tolerance(tops)
        doubt = np.abs(headroom) <= tol
        for s, leg in pool.legs.items():
            if s in on and leg.jumps:
                doubt |= np.broadcast_to(leg.near_bound(on[s]), shape)
        pool_mask = headroom <= 0
        for r, c in zip(*np.nonzero(doubt)):
            prices = dict(book.marks)
            prices[x_symbol] = engine_price(xs[c])
            prices[y_symbol] = engine_price(ys[r])
            pool_mask[r, c] = pool.exact(prices) <= 0
        for pid in pool.ids:
            lots[pid] = pool_mask
        dead |= pool_mask
    return VariantMap(lots, pool_mask, headroom, triggers, dead)


def hedge_map(
    books: Mapping[str, Book],
    x_symbol: str,
    y_symbol: str,
    points: int = DEFAULT_POINTS,
    span: float = DEFAULT_SPAN,
) -> HedgeMap:
    """The map for every book on one grid around the current marks. Books given as the same
    object (twins that share an account) are computed once."""
    if x_symbol == y_symbol:
        raise ValueError("the hedge map needs two different symbols")
    first = next(iter(books.values()))
    x_mark, y_mark = float(first.marks[x_symbol]), float(first.marks[y_symbol])
    xs, ys = axis(x_mark, span, points), axis(y_mark, span, points)
    done: dict[int, VariantMap] = {}
    variants = {}
    for name, b in books.items():
        if id(b) not in done:
            done[id(b)] = variant_map(b, x_symbol, y_symbol, xs, ys)
        variants[name] = done[id(b)]
    return HedgeMap(x_symbol, y_symbol, xs, ys, x_mark, y_mark, variants)
