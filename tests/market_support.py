"""Market data read whole, for tests on small files (the app streams it a chunk at a time)."""

import numpy as np

from sandbox.market import MarketData
from sandbox.market.data import Rows


def rows_of(data: MarketData) -> Rows:
    """Every checked row of ``data``: times (epoch ms), price texts, price floats."""
    chunks = list(data.chunks())
    return Rows(
        *(np.concatenate([getattr(c, name) for c in chunks]) for name in ("times", "texts", "values"))
    )


def row_count(data: MarketData) -> int:
    return len(rows_of(data).times)
