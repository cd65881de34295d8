"""What every price source yields: one mark price at one session time."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class PriceTick(NamedTuple):
    t: int  # session time, ms
    symbol: str
    price: Decimal
