"""Why a command cannot be applied: the ``Rejection`` a handler raises (it becomes a ``Rejected``
event and changes nothing), and the checks of a command's numbers that need no account: the
ranges of ``limits.py`` (code ``out_of_range``), and quantities, leverages and amounts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from . import text
from .commands import AdjustMargin, Cancel, Close, Command, Funding, Open, Order, Price, SetLeverage, SetMode
from .instrument import Instrument
from .limits import MAX_LEVERAGE, leverage_problem, money_problem, price_problem, qty_problem, rate_problem


class Rejection(Exception):
    """Raised inside a command handler; becomes a ``Rejected`` event and changes nothing."""

    def __init__(self, code: str, message: str, shortfall: Decimal | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.shortfall = shortfall


def _positive(value: object, check: Callable[[object], str | None]) -> str | None:
    """A range problem of a number that must be above zero; zero and below are left to the
    handler's own rejection (``invalid_quantity``, ``invalid_amount``, …)."""
    if isinstance(value, Decimal) and value.is_finite() and value <= 0:
        return None
    return check(value)


def _leverage_range(value: object) -> str | None:
    """A whole leverage above the most the engine holds; anything else not a whole number from 1
    is the handler's ``invalid_leverage``."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return leverage_problem(value) if value > MAX_LEVERAGE else None


def out_of_range(c: Command) -> str | None:
    """What in ``c`` lies outside the numbers the engine holds (``limits.py``), if anything."""
    if isinstance(c, Price):
        return _positive(c.price, price_problem)
    if isinstance(c, Open):
        return _positive(c.qty, qty_problem) or _leverage_range(c.leverage)
    if isinstance(c, Close):
        return None if c.qty is None else _positive(c.qty, qty_problem)
    if isinstance(c, SetMode):
        return None if c.margin is None else _positive(c.margin, lambda v: money_problem(v, "a margin"))
    if isinstance(c, AdjustMargin):
        return money_problem(c.amount, "an amount", allow_negative=True)
    if isinstance(c, SetLeverage):
        return _leverage_range(c.leverage)
    if isinstance(c, Order):
        return (
            _positive(c.price, price_problem)
            or (None if c.qty is None else _positive(c.qty, qty_problem))
            or (None if c.leverage is None else _leverage_range(c.leverage))
        )
    if isinstance(c, Cancel):
        return None
    if isinstance(c, Funding):
        return rate_problem(c.rate)
    return _positive(c.amount, lambda v: money_problem(v, f"a {c.type}"))


def check_qty(inst: Instrument, qty: Decimal) -> None:
    if not qty > 0:
        raise Rejection("invalid_quantity", f"quantity must be above zero, not {qty}")
    if qty % inst.qty_step != 0:
        raise Rejection(
            "invalid_quantity",
            f"quantity {text.qty(qty)} is not a multiple of {inst.symbol}'s step {text.qty(inst.qty_step)}",
        )


def check_leverage(inst: Instrument, leverage: int, notional: Decimal) -> None:
    if not isinstance(leverage, int) or isinstance(leverage, bool) or leverage < 1:
        raise Rejection("invalid_leverage", f"leverage must be a whole number from 1, not {leverage}")
    top = inst.max_leverage(notional)
    if leverage > top:
        raise Rejection(
            "leverage_above_max",
            f"leverage {leverage}× is above {top}×, the maximum "
            f"for a {text.money(notional)} USDT {inst.symbol} position",
        )


def check_amount(amount: Decimal, what: str) -> None:
    if not amount > 0:
        raise Rejection("invalid_amount", f"{what} must be above zero, not {amount}")
