"""An exchange rule profile as the engine sees it: instruments plus the few rule variants in which
exchanges differ (margin-math §8). Loading profiles from files is ``sandbox/profiles.py``'s job;
every difference between exchanges is one of these flags, never a branch on a profile's name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from .instrument import Instrument


class MaintenanceBasis(StrEnum):
    """Where a margin is valued: at the mark (Binance, OKX, Hyperliquid, dYdX) or at the entry
    price (classic Bybit, whose maintenance gives 19,700 where Binance's form gives 19,698.49, and
    whose initial margin is the entry value ÷ leverage)."""

    MARK = "mark"
    ENTRY = "entry"


class Leftover(StrEnum):
    """Where what is left of an isolated wallet after a liquidation's loss and fee goes: to the
    insurance fund (Binance and the sandbox's rule: the user loses exactly that margin), or back
    to the user's cross wallet (Hyperliquid's book liquidation returns the remaining collateral)."""

    INSURANCE_FUND = "insurance_fund"
    RETURNED = "returned"


@dataclass(frozen=True)
class MarginRules:
    maintenance_basis: MaintenanceBasis = MaintenanceBasis.MARK
    # OKX and Gate add the taker fee on the notional to the maintenance requirement.
    fee_in_requirement: bool = False
    # Where the initial margin that counts against the available balance (and that an isolated
    # wallet must keep when margin is removed) is valued.
    initial_margin_basis: MaintenanceBasis = MaintenanceBasis.MARK
    liquidation_leftover: Leftover = Leftover.INSURANCE_FUND


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
