"""The margin engine: pure, deterministic, exact. No Qt, no files, no clock."""

from .account import Account, Ledger
from .commands import (
    COMMAND_TYPES,
    AdjustMargin,
    Close,
    Command,
    Deposit,
    Open,
    Price,
    SetLeverage,
    SetMode,
    Withdraw,
)
from .events import (
    Closed,
    Deposited,
    Event,
    LeverageChanged,
    Liquidated,
    LiquidatedLot,
    MarginAdjusted,
    ModeChanged,
    Opened,
    Rejected,
    Withdrawn,
)
from .instrument import Bracket, Instrument, derived_maintenance_amounts
from .profile import MaintenanceBasis, MarginRules, Profile
from .views import AccountView, PositionView

__all__ = [
    "COMMAND_TYPES",
    "Account",
    "AccountView",
    "AdjustMargin",
    "Bracket",
    "Close",
    "Closed",
    "Command",
    "Deposit",
    "Deposited",
    "Event",
    "Instrument",
    "Ledger",
    "LeverageChanged",
    "Liquidated",
    "LiquidatedLot",
    "MaintenanceBasis",
    "MarginAdjusted",
    "MarginRules",
    "ModeChanged",
    "Open",
    "Opened",
    "PositionView",
    "Price",
    "Profile",
    "Rejected",
    "SetLeverage",
    "SetMode",
    "Withdraw",
    "Withdrawn",
    "derived_maintenance_amounts",
]
