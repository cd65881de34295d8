"""The margin engine: pure, deterministic, exact. No Qt, no files, no clock."""
from .account import Account, Ledger
from .commands import (COMMAND_TYPES, AdjustMargin, Close, Command, Deposit, Open, Price,
                       SetLeverage, SetMode, Withdraw)
from .events import (Closed, Deposited, Event, LeverageChanged, Liquidated, LiquidatedLot,
                     MarginAdjusted, ModeChanged, Opened, Rejected, Withdrawn)
from .instrument import Bracket, Instrument, derived_maintenance_amounts
from .profile import MaintenanceBasis, MarginRules, Profile
from .views import AccountView, PositionView

__all__ = [
    "Account", "Ledger", "COMMAND_TYPES", "AdjustMargin", "Close", "Command", "Deposit", "Open",
    "Price", "SetLeverage", "SetMode", "Withdraw", "Closed", "Deposited", "Event",
    "LeverageChanged", "Liquidated", "LiquidatedLot", "MarginAdjusted", "ModeChanged", "Opened",
    "Rejected", "Withdrawn", "Bracket", "Instrument", "derived_maintenance_amounts",
    "MaintenanceBasis", "MarginRules", "Profile", "AccountView", "PositionView",
]
