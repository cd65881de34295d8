"""Price sources: a seeded simulator and readers for real market-data files (streamed, within
the engine's limits: ``engine.limits`` is all they take from it). No Qt."""

from .data import MarketData
from .errors import MarketDataError
from .readers import load_market_file
from .simulator import DEFAULT_SYMBOLS, SCENARIOS, START_PRICES, Simulator
from .ticks import PriceTick

__all__ = [
    "DEFAULT_SYMBOLS",
    "SCENARIOS",
    "START_PRICES",
    "MarketData",
    "MarketDataError",
    "PriceTick",
    "Simulator",
    "load_market_file",
]
