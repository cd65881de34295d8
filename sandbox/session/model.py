"""The session file format, version 1 (../shared/reference/session-format.md), as pydantic models.

Header and command events are validated by pydantic. ``price`` events, which are nearly every line
of a recording, take a hand-written fast path in ``reader.py`` with the same checks.

Every number is checked against what the engine holds exactly (``engine.limits``): a file is
someone else's, and a balance of ``1e40`` or a quantity of ``Infinity`` must be a sentence about
its line, not a decimal exception later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

from ..engine import commands as c
from ..engine.limits import (
    MAX_LEVERAGE,
    MAX_MONEY,
    MAX_PRICE,
    MAX_QTY,
    MAX_TIME_MS,
    money_problem,
    price_problem,
    qty_problem,
    rate_problem,
)
from ..market.symbols import MAX_SYMBOL_LENGTH
from ..profiles import DEFAULT_PROFILE, InstrumentModel

FORMAT = "margin-sandbox-session"
VERSION = 1
MAX_DEPTH = 32  # nesting of JSON inside one line: meta is free-form, but not a thousand deep
MAX_ID_LENGTH = 64
_PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _checked(problem: Callable[[Decimal], str | None]) -> AfterValidator:
    def check(value: Decimal) -> Decimal:
        message = problem(value)
        if message:
            raise ValueError(message)
        return value

    return AfterValidator(check)


PriceValue = Annotated[Decimal, _checked(price_problem)]
Qty = Annotated[Decimal, _checked(qty_problem)]
Amount = Annotated[Decimal, _checked(lambda v: money_problem(v, "an amount", allow_negative=True))]
PositiveAmount = Annotated[
    Decimal,
    _checked(lambda v: money_problem(v, "an amount") or (None if v > 0 else "an amount must be above 0")),
]
Balance = Annotated[Decimal, _checked(lambda v: money_problem(v, "the balance"))]
Rate = Annotated[Decimal, _checked(rate_problem)]
Leverage = Annotated[int, Field(ge=1, le=MAX_LEVERAGE)]
Symbol = Annotated[str, Field(min_length=1, max_length=MAX_SYMBOL_LENGTH)]
PositionId = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH)]


def profile_name_problem(name: str) -> str | None:
    """A profile is a name from resources/profiles, never a path a shared file (or a typo)
    chooses: why ``name`` is not one, or None."""
    if _PROFILE_NAME.fullmatch(name):
        return None
    return (
        f"{name[:40]!r} is not a profile name (such as {DEFAULT_PROFILE}); a profile is named, never a file"
    )


def depth_problem(value: Any) -> str | None:
    """Whether JSON ``value`` nests deeper than ``MAX_DEPTH`` (without recursing)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            return f"the line nests objects or lists more than {MAX_DEPTH} deep"
        stack.extend((child, depth + 1) for child in children)
    return None


class SessionHeader(BaseModel):
    # Later versions may add optional fields: keep them, so a rewrite does not lose them.
    model_config = ConfigDict(extra="allow")

    format: Literal["margin-sandbox-session"]
    version: Literal[1]
    profile: str = Field(min_length=1)
    rules: Literal["sandbox", "exchange"] = "sandbox"
    balance: Balance
    instruments: list[InstrumentModel] | None = None
    meta: dict[str, Any] = {}

    @field_validator("profile")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        problem = profile_name_problem(name)
        if problem:
            raise ValueError(problem)
        return name

    @field_validator("instruments")
    @classmethod
    def _within_limits(cls, instruments: list[InstrumentModel] | None) -> list[InstrumentModel] | None:
        for inst in instruments or ():
            message = instrument_problem(inst)
            if message:
                raise ValueError(f"{inst.symbol[:MAX_SYMBOL_LENGTH]}: {message}")
        return instruments

    @classmethod
    def new(
        cls,
        balance: Decimal | str = "10000",
        profile: str = DEFAULT_PROFILE,
        rules: Literal["sandbox", "exchange"] = "sandbox",
        **extra: Any,
    ) -> SessionHeader:
        return cls(
            format="margin-sandbox-session",
            version=1,
            profile=profile,
            rules=rules,
            balance=Decimal(balance),
            **extra,
        )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


_TICK_RANGE = (Decimal(1).scaleb(-8), MAX_PRICE)
_STEP_RANGE = (Decimal(1).scaleb(-8), MAX_QTY)
_RATE_RANGE = (Decimal(-1), Decimal(1))


def instrument_problem(inst: InstrumentModel) -> str | None:
    """What in a header's instrument the engine cannot work with (None if nothing)."""
    checks: list[tuple[str, Decimal | None, tuple[Decimal, Decimal]]] = [
        ("tick_size", inst.tick_size, _TICK_RANGE),
        ("qty_step", inst.qty_step, _STEP_RANGE),
        ("taker_fee", inst.taker_fee, _RATE_RANGE),
        ("maker_fee", inst.maker_fee, _RATE_RANGE),
        ("liquidation_fee", inst.liquidation_fee, _RATE_RANGE),
    ]
    for i, b in enumerate(inst.brackets or (), start=1):
        checks += [
            (f"bracket {i} notional_floor", b.notional_floor, (Decimal(0), MAX_MONEY)),
            (f"bracket {i} notional_cap", b.notional_cap, (Decimal(0), MAX_MONEY)),
            (f"bracket {i} mmr", b.mmr, _RATE_RANGE),
            (f"bracket {i} maintenance_amount", b.maintenance_amount, (-MAX_MONEY, MAX_MONEY)),
        ]
        if b.max_leverage > MAX_LEVERAGE:
            return f"bracket {i} max_leverage must be at most {MAX_LEVERAGE}"
    for name, value, (low, high) in checks:
        if value is None:
            continue
        if not value.is_finite() or not low <= value <= high:
            return f"{name} must lie within {low:f} … {high:,}, not {value:.20}"
        if value != value.quantize(Decimal(1).scaleb(-12)):
            return f"{name} has more than 12 decimals"
    return None


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    t: int = Field(ge=0, le=MAX_TIME_MS)


Side = Literal["long", "short"]
Mode = Literal["cross", "isolated"]


class OpenEvent(_Event):
    type: Literal["open"]
    symbol: Symbol
    side: Side
    qty: Qty
    leverage: Leverage
    mode: Mode
    position: PositionId | None = None

    def command(self) -> c.Command:
        return c.Open(self.symbol, self.side, self.qty, self.leverage, self.mode, self.position)


class CloseEvent(_Event):
    type: Literal["close"]
    position: PositionId
    qty: Qty | None = None

    def command(self) -> c.Command:
        return c.Close(self.position, self.qty)


class SetModeEvent(_Event):
    type: Literal["set_mode"]
    position: PositionId
    mode: Mode
    margin: PositiveAmount | None = None

    def command(self) -> c.Command:
        return c.SetMode(self.position, self.mode, self.margin)


class AdjustMarginEvent(_Event):
    type: Literal["adjust_margin"]
    position: PositionId
    amount: Amount

    def command(self) -> c.Command:
        return c.AdjustMargin(self.position, self.amount)


class SetLeverageEvent(_Event):
    type: Literal["set_leverage"]
    position: PositionId
    leverage: Leverage

    def command(self) -> c.Command:
        return c.SetLeverage(self.position, self.leverage)


class DepositEvent(_Event):
    type: Literal["deposit"]
    amount: PositiveAmount

    def command(self) -> c.Command:
        return c.Deposit(self.amount)


class WithdrawEvent(_Event):
    type: Literal["withdraw"]
    amount: PositiveAmount

    def command(self) -> c.Command:
        return c.Withdraw(self.amount)


class OrderEvent(_Event):
    """An order (session-format.md § Additions): it opens with ``symbol``, ``side``, ``qty``,
    ``leverage`` and ``mode`` (``position`` then names the lot it opens), or closes all or
    ``qty`` of ``position``."""

    type: Literal["order"]
    kind: Literal["limit", "stop", "take_profit"]
    price: PriceValue
    order: PositionId | None = None
    symbol: Symbol | None = None
    side: Side | None = None
    qty: Qty | None = None
    leverage: Leverage | None = None
    mode: Mode | None = None
    position: PositionId | None = None

    @model_validator(mode="after")
    def _opens_or_closes(self) -> OrderEvent:
        opening = (self.symbol, self.side, self.leverage, self.mode)
        if all(x is not None for x in opening) and self.qty is not None:
            return self
        if all(x is None for x in opening) and self.position is not None:
            return self
        raise ValueError(
            "an order opens (symbol, side, qty, leverage, mode) or closes a position (position, optional qty)"
        )

    def command(self) -> c.Command:
        return c.Order(
            self.kind,
            self.price,
            self.symbol,
            self.side,
            self.qty,
            self.leverage,
            self.mode,
            self.position,
            self.order,
        )


class CancelEvent(_Event):
    type: Literal["cancel"]
    order: PositionId

    def command(self) -> c.Command:
        return c.Cancel(self.order)


class FundingEvent(_Event):
    type: Literal["funding"]
    symbol: Symbol
    rate: Rate

    def command(self) -> c.Command:
        return c.Funding(self.symbol, self.rate)


class PriceEvent(_Event):
    type: Literal["price"]
    symbol: Symbol
    price: PriceValue

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
    | OrderEvent
    | CancelEvent
    | FundingEvent
    | PriceEvent,
    Field(discriminator="type"),
]
COMMAND_EVENT: TypeAdapter[CommandEvent] = TypeAdapter(CommandEvent)


def event_dict(t: int, command: c.Command) -> dict[str, Any]:
    """The session line for a command (the inverse of ``COMMAND_EVENT``): what a recorder writes."""
    out: dict[str, Any] = {"t": t, "type": command.type}
    for name in command.__slots__:
        value = getattr(command, name)
        if value is not None:
            out[name] = value
    return out
