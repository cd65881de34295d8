"""An exchange rule profile as the engine sees it: instruments plus the few rule variants in which
exchanges differ (margin-math §8). Loading profiles from files is ``sandbox/profiles.py``'s job;
every difference between exchanges is one of these flags, never a branch on a profile's name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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


class LiquidationStyle(StrEnum):
    """How a liquidation proceeds (resources/profiles/README.md cites each exchange's rule):
    ``whole`` closes the position (or the cross pool) at once (Binance, and the default);
    ``hyperliquid`` sends 20 % slices of large positions to the book, closes whole within a
    cool-down after a slice, and hands the position to the backstop below ⅔ of maintenance;
    ``bybit_ladder`` steps a position down the risk-limit tiers to the highest tier at which it is
    healthy; ``okx_tiers`` steps it down two tiers at a time while its equity covers the tier-1
    requirement."""

    WHOLE = "whole"
    HYPERLIQUID = "hyperliquid"
    BYBIT_LADDER = "bybit_ladder"
    OKX_TIERS = "okx_tiers"


@dataclass(frozen=True)
class LiquidationRules:
    style: LiquidationStyle = LiquidationStyle.WHOLE
    # hyperliquid: a market liquidation of a position whose notional at mark is above
    # ``size_threshold`` closes ``slice_fraction`` of it (rounded down to the quantity step) unless
    # a slice happened less than ``cooldown_ms`` before; equity below backstop_numerator /
    # backstop_denominator of the maintenance margin goes to the backstop.
    slice_fraction: Decimal = Decimal("0.2")
    size_threshold: Decimal = Decimal(100_000)
    cooldown_ms: int = 30_000
    backstop_numerator: int = 2
    backstop_denominator: int = 3
    # okx_tiers: how many tiers one step goes down.
    tiers_down: int = 2


class FundingSource(StrEnum):
    """Where an isolated position's funding comes from: its isolated wallet (Binance, OKX since
    June 2024, Hyperliquid) or the available balance first and the isolated wallet for the rest
    (Bybit)."""

    ISOLATED = "isolated"
    AVAILABLE_THEN_ISOLATED = "available_then_isolated"


@dataclass(frozen=True)
class FundingRules:
    isolated_source: FundingSource = FundingSource.ISOLATED
    interval_ms: int = 8 * 3_600_000  # how often the simulator settles funding
    rate_divisor: int = 1  # Hyperliquid pays every hour an eighth of its 8-hour rate


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    instruments: Mapping[str, Instrument]
    margin: MarginRules = field(default_factory=MarginRules)
    liquidation: LiquidationRules = field(default_factory=LiquidationRules)
    funding: FundingRules = field(default_factory=FundingRules)

    def __post_init__(self) -> None:
        object.__setattr__(self, "instruments", MappingProxyType(dict(self.instruments)))

    def instrument(self, symbol: str) -> Instrument | None:
        return self.instruments.get(symbol)
