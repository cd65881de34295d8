"""An exchange rule profile as the engine sees it: instruments plus the few rule variants in which
exchanges differ (margin-math §8). Loading profiles from files is the session layer's job."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from .instrument import Instrument


class MaintenanceBasis(StrEnum):
    """Where maintenance margin is valued: at the mark (Binance, OKX, Hyperliquid, dYdX) or at the
    entry price (classic Bybit, which gives 19,700 where Binance's form gives 19,698.49)."""

    MARK = "mark"
    ENTRY = "entry"


@dataclass(frozen=True)
class MarginRules:
    maintenance_basis: MaintenanceBasis = MaintenanceBasis.MARK
    # OKX and Gate add the taker fee on the notional to the maintenance requirement.
    fee_in_requirement: bool = False


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    instruments: Mapping[str, Instrument]
    margin: MarginRules = field(default_factory=MarginRules)

    def __post_init__(self) -> None:
        object.__setattr__(self, "instruments", MappingProxyType(dict(self.instruments)))

    def instrument(self, symbol: str) -> Instrument | None:
        return self.instruments.get(symbol)
