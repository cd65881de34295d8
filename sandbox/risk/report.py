"""``odds`` output: the JSON of session-format.md § Liquidation odds and a readable table.

Probabilities are written with four decimals, money with two; everything is computed from the
same seed in the same order, so the same arguments give the same bytes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..engine import text
from ..session.twins import LABELS
from .odds import PERCENTILES, Odds, VariantOdds, wilson


def _p(value: float) -> str:
    return f"{value:.4f}"


def _money(value: float) -> str:
    text_ = f"{value:.2f}"
    return "0.00" if text_ == "-0.00" else text_


def _interval(hits: int, n: int) -> list[str]:
    lo, hi = wilson(hits, n)
    return [_p(lo), _p(hi)]


def variant_dict(v: VariantOdds) -> dict[str, Any]:
    n = v.paths
    positions = {
        pid: {"p_liquidated": _p(v.hits(pid) / n), "ci95": _interval(v.hits(pid), n)}
        for pid in v.book.positions
    }
    out: dict[str, Any] = {
        "p_any_liquidation": _p(v.p_any()),
        "ci95": _interval(v.any_hits, n),
        "positions": positions,
        "expected_loss": _money(v.expected_loss()),
        "equity_percentiles": {str(q): _money(x) for q, x in zip(PERCENTILES, v.percentiles())},
        "equity_now": _money(float(v.book.equity)),
    }
    pool = v.book.pool
    if pool is not None:
        out["cross_pool"] = {
            "p_liquidated": _p(v.pool_hits / n),
            "ci95": _interval(v.pool_hits, n),
            "positions": list(pool.ids),
        }
    return out


def odds_dict(odds: Odds) -> dict[str, Any]:
    return {
        "at": odds.at,
        "horizon_ms": odds.horizon_ms,
        "paths": odds.paths,
        "model": odds.model.name,
        "seed": odds.seed,
        "steps": odds.steps,
        "symbols": list(odds.symbols),
        "parameters": odds.model.describe(),
        "interval": "wilson",
        "variants": {name: variant_dict(v) for name, v in odds.variants.items()},
    }


def odds_json(odds: Odds) -> str:
    return json.dumps(odds_dict(odds), indent=2, ensure_ascii=False) + "\n"


def _pct(hits: int, n: int) -> str:
    lo, hi = wilson(hits, n)
    return f"{100 * hits / n:6.2f} % ({100 * lo:.2f}–{100 * hi:.2f})"


def _horizon(ms: int) -> str:
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms / 60_000:.1f}m"


def odds_text(odds: Odds, lots: dict[str, str]) -> str:
    """A table: one column per variant. ``lots`` labels each position id (symbol side mode)."""
    names = list(odds.variants)
    width = 26
    params = ", ".join(f"{k} {v}" for k, v in odds.model.describe().items())
    lines = [
        f"liquidation odds at t={odds.at} ms over {_horizon(odds.horizon_ms)} "
        f"({odds.steps:,} one-minute steps), {odds.paths:,} paths, model {odds.model.name} "
        f"({params}), seed {odds.seed}",
        "probabilities with their 95 % Wilson intervals; money in USDT",
        "",
        f"{'':<30}" + "".join(f"{LABELS.get(n, n):>{width}}" for n in names),
    ]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"{label:<30}" + "".join(f"{c:>{width}}" for c in cells))

    variants = [odds.variants[n] for n in names]
    row("any liquidation", [_pct(v.any_hits, v.paths) for v in variants])
    ids = list(dict.fromkeys(pid for v in variants for pid in v.book.positions))
    for pid in ids:
        row(
            f"{pid} {lots.get(pid, '')}",
            [_pct(v.hits(pid), v.paths) if pid in v.book.positions else "—" for v in variants],
        )
    row(
        "cross pool",
        [_pct(v.pool_hits, v.paths) if v.book.pool is not None else "—" for v in variants],
    )
    row("expected loss", [text.money(_d(v.expected_loss())) for v in variants])
    row("equity now", [text.money(v.book.equity) for v in variants])
    table = [v.percentiles() for v in variants]
    for k, q in enumerate(PERCENTILES):
        row(f"equity at horizon, {q} %", [text.money(_d(t[k])) for t in table])
    return "\n".join(lines) + "\n"


def _d(value: float) -> Decimal:
    """A float amount as a decimal of cents, for ``text.money``."""
    return Decimal(f"{value:.2f}")
