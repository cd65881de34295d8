"""The session file format, version 1 (../shared/reference/session-format.md), as pydantic models.

Header and command events are validated by pydantic. ``price`` events, which are nearly every line
of a recording, take a hand-written fast path in ``reader.py`` with the same checks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ..engine import commands as c
from ..profiles import DEFAULT_PROFILE, InstrumentModel

FORMAT = "margin-sandbox-session"
VERSION = 1


class SessionHeader(BaseModel):
    # Later versions may add optional fields: keep them, so a rewrite does not lose them.
    model_config = ConfigDict(extra="allow")

    format: Literal["margin-sandbox-session"]
    version: Literal[1]
    profile: str = Field(min_length=1)
    rules: Literal["sandbox", "exchange"] = "sandbox"
    balance: Decimal = Field(ge=0)
    instruments: list[InstrumentModel] | None = None
    meta: dict[str, Any] = {}

    @classmethod
    def new(
        cls,
        balance: Decimal | str = "10000",
        profile: str = DEFAULT_PROFILE,
        rules: str = "sandbox",
        **extra: Any,
    ) -> SessionHeader:
        return cls(
            format=FORMAT, version=VERSION, profile=profile, rules=rules, balance=Decimal(balance), **extra
        )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    t: int = Field(ge=0)


Side = Literal["long", "short"]
Mode = Literal["cross", "isolated"]
Positive = Annotated[Decimal, Field(gt=0)]


class OpenEvent(_Event):
    type: Literal["open"]
    symbol: str
    side: Side
    qty: Positive
    leverage: int = Field(ge=1)
    mode: Mode
    position: str | None = None

    def command(self) -> c.Command:
        return c.Open(self.symbol, self.side, self.qty, self.leverage, self.mode, self.position)


class CloseEvent(_Event):
    type: Literal["close"]
    position: str
    qty: Positive | None = None

    def command(self) -> c.Command:
        return c.Close(self.position, self.qty)


class SetModeEvent(_Event):
    type: Literal["set_mode"]
    position: str
    mode: Mode
    margin: Positive | None = None

    def command(self) -> c.Command:
        return c.SetMode(self.position, self.mode, self.margin)


class AdjustMarginEvent(_Event):
    type: Literal["adjust_margin"]
    position: str
    amount: Decimal

    def command(self) -> c.Command:
        return c.AdjustMargin(self.position, self.amount)


class SetLeverageEvent(_Event):
    type: Literal["set_leverage"]
    position: str
    leverage: int = Field(ge=1)

    def command(self) -> c.Command:
        return c.SetLeverage(self.position, self.leverage)


class DepositEvent(_Event):
    type: Literal["deposit"]
    amount: Positive

    def command(self) -> c.Command:
        return c.Deposit(self.amount)


class WithdrawEvent(_Event):
    type: Literal["withdraw"]
    amount: Positive

    def command(self) -> c.Command:
        return c.Withdraw(self.amount)


class PriceEvent(_Event):
    type: Literal["price"]
    symbol: str
    price: Positive

    def command(self) -> c.Command:
        return c.Price(self.symbol, self.price)


CommandEvent = Annotated[
    OpenEvent
    | CloseEvent
    | SetModeEvent
    | AdjustMarginEvent
    | SetLeverageEvent
    | DepositEvent
    | WithdrawEvent
    | PriceEvent,
    Field(discriminator="type"),
]
COMMAND_EVENT = TypeAdapter(CommandEvent)


def event_dict(t: int, command: c.Command) -> dict[str, Any]:
    """The session line for a command (the inverse of ``COMMAND_EVENT``): what a recorder writes."""
    out: dict[str, Any] = {"t": t, "type": command.type}
    for name in command.__slots__:  # type: ignore[attr-defined]
        value = getattr(command, name)
        if value is not None:
            out[name] = value
    return out
