"""Price sources: a seeded simulator and readers for real market-data files. No Qt, no engine."""
from .simulator import DEFAULT_SYMBOLS, SCENARIOS, Simulator
from .ticks import PriceTick

__all__ = ["DEFAULT_SYMBOLS", "SCENARIOS", "Simulator", "PriceTick"]
