"""Exchange rule profiles on disk (``resources/profiles/*.json``), validated with pydantic and
turned into the engine's ``Profile``. The session header's ``instruments`` use the same
instrument schema, with every field but ``symbol`` optional.

A profile is named, never located: ``load_profile`` takes the name of a file in
``resources/profiles`` and nothing else, so a session shared by someone else cannot make the app
read a file of its choosing. Every number a header can override is bounded to what the engine
holds (``sandbox/engine/limits.py``), so a hostile header cannot put in a value the engine would
choke on.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .engine import (
    Bracket,
    FundingRules,
    FundingSource,
    Instrument,
    Leftover,
    LiquidationRules,
    LiquidationStyle,
    MaintenanceBasis,
    MarginRules,
    Profile,
)
from .engine.instrument import derived_maintenance_amounts
from .engine.limits import MAX_LEVERAGE, MAX_MONEY, MAX_PRICE, MAX_QTY, PLACES

PROFILE_DIR = Path(str(files("sandbox").joinpath("resources", "profiles")))  # inside the package
DEFAULT_PROFILE = "binance-usdm"
MAX_BRACKETS = 200  # per instrument (real tables have up to ~40 rows)
MAX_INSTRUMENTS = 300  # per profile, and per session header
_TEXT = 64  # longest symbol

_QUANTUM = Decimal(1).scaleb(-PLACES)


def _range_problem(name: str, value: Decimal | None, low: Decimal, high: Decimal, places: bool) -> str | None:
    """Why ``value`` cannot be used for ``name`` (None if it can): ``low ≤ value < high``, and at
    most ``PLACES`` decimals where ``places``. Pydantic has already refused "NaN" and "Infinity"."""
    if value is None:
        return None
    if not low <= value < high:
        return f"{name} must lie within {low:f} … {high:,}, not {value:.20}"
    if places and value.quantize(_QUANTUM) != value:
        return f"{name} has more than {PLACES} decimals"
    return None


class ProfileError(Exception):
    """A profile that cannot be used; the message is one sentence for the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BracketModel(_Strict):
    notional_floor: Decimal
    notional_cap: Decimal
    max_leverage: int
    mmr: Decimal
    maintenance_amount: Decimal | None = None


_ONE = Decimal(1)
_PAST = Decimal(1).scaleb(-PLACES)  # a range "up to X inclusive" is [low, X + this)


class InstrumentModel(_Strict):
    """An instrument as written in a profile or a session header (where all but symbol is optional).

    Every number is bounded to what the engine holds (``sandbox/engine/limits.py``), so a hostile
    header cannot inject a value the engine would choke on: ticks and steps within the limits'
    places, fees and maintenance rates in [0, 1) (a maker fee may be a rebate), leverage
    1 … ``MAX_LEVERAGE``, notionals up to ``MAX_MONEY``, at most ``MAX_BRACKETS`` brackets.
    """

    symbol: str = Field(min_length=1, max_length=_TEXT, pattern=r"^[A-Za-z0-9._:/-]+$")
    tick_size: Decimal | None = None
    qty_step: Decimal | None = None
    taker_fee: Decimal | None = None
    maker_fee: Decimal | None = None
    liquidation_fee: Decimal | None = None
    brackets: list[BracketModel] | None = Field(default=None, min_length=1, max_length=MAX_BRACKETS)

    @model_validator(mode="after")
    def _within_limits(self) -> InstrumentModel:
        problem = self.problem()
        if problem is not None:
            raise ValueError(f"{self.symbol}: {problem}")
        return self

    def problem(self) -> str | None:
        zero = Decimal(0)
        checks = [
            _range_problem("tick_size", self.tick_size, _PAST, MAX_PRICE + _PAST, True),
            _range_problem("qty_step", self.qty_step, _PAST, MAX_QTY + _PAST, True),
            _range_problem("taker_fee", self.taker_fee, zero, _ONE, True),
            _range_problem("maker_fee", self.maker_fee, -_ONE + _PAST, _ONE, True),
            _range_problem("liquidation_fee", self.liquidation_fee, zero, _ONE, True),
        ]
        for i, b in enumerate(self.brackets or (), start=1):
            if not 1 <= b.max_leverage <= MAX_LEVERAGE:
                return f"bracket {i} max_leverage must be at most {MAX_LEVERAGE} (and at least 1)"
            checks += [
                _range_problem(
                    f"bracket {i} notional_floor", b.notional_floor, zero, MAX_MONEY + _PAST, False
                ),
                _range_problem(f"bracket {i} notional_cap", b.notional_cap, _PAST, MAX_MONEY + _PAST, False),
                _range_problem(f"bracket {i} mmr", b.mmr, zero, _ONE, False),
                _range_problem(
                    f"bracket {i} maintenance_amount", b.maintenance_amount, zero, MAX_MONEY + _PAST, False
                ),
            ]
        return next((c for c in checks if c is not None), None)


class MarginModel(_Strict):
    maintenance_basis: MaintenanceBasis = MaintenanceBasis.MARK
    fee_in_requirement: bool = False
    maintenance_amount: Literal["derived", "none"] = "derived"
    initial_margin_basis: MaintenanceBasis = MaintenanceBasis.MARK
    liquidation_leftover: Leftover = Leftover.INSURANCE_FUND


class LiquidationModel(_Strict):
    """How liquidation proceeds (``engine.profile.LiquidationStyle``); the parameters apply to
    the style that uses them. ``backstop_below`` is a fraction of the maintenance margin such as
    "2/3"."""

    style: LiquidationStyle = LiquidationStyle.WHOLE
    slice_fraction: Decimal = Field(default=Decimal("0.2"), gt=0, lt=1, decimal_places=PLACES)
    size_threshold: Decimal = Field(default=Decimal(100_000), ge=0, le=MAX_MONEY, decimal_places=PLACES)
    cooldown_ms: int = Field(default=30_000, ge=0, le=86_400_000)
    backstop_below: str = Field(default="2/3", pattern=r"^[1-9][0-9]{0,2}/[1-9][0-9]{0,2}$")
    tiers_down: int = Field(default=2, ge=1, le=MAX_BRACKETS)

    def rules(self) -> LiquidationRules:
        num, den = (int(x) for x in self.backstop_below.split("/"))
        return LiquidationRules(
            self.style, self.slice_fraction, self.size_threshold, self.cooldown_ms, num, den, self.tiers_down
        )


class FundingModel(_Strict):
    isolated_source: FundingSource = FundingSource.ISOLATED
    interval_ms: int = Field(default=8 * 3_600_000, ge=60_000, le=86_400_000)
    rate_divisor: int = Field(default=1, ge=1, le=24)

    def rules(self) -> FundingRules:
        return FundingRules(self.isolated_source, self.interval_ms, self.rate_divisor)


class FeesModel(_Strict):
    taker_fee: Decimal = Field(ge=0, lt=1, decimal_places=PLACES)
    maker_fee: Decimal = Field(gt=-1, lt=1, decimal_places=PLACES)
    liquidation_fee: Decimal = Field(ge=0, lt=1, decimal_places=PLACES)


class ProfileModel(_Strict):
    format: Literal["margin-sandbox-profile"]
    version: Literal[1]
    name: str
    title: str
    sources: list[str] = []
    as_of: str = ""
    notes: str = ""
    margin: MarginModel = MarginModel()
    liquidation: LiquidationModel = LiquidationModel()
    funding: FundingModel = FundingModel()
    defaults: FeesModel
    instruments: list[InstrumentModel] = Field(min_length=1, max_length=MAX_INSTRUMENTS)


def build_brackets(
    symbol: str, rows: list[BracketModel], amounts: Literal["derived", "none"]
) -> tuple[Bracket, ...]:
    """Brackets with their maintenance amounts filled in and checked (session-format.md)."""
    plain = [Bracket(r.notional_floor, r.notional_cap, r.max_leverage, r.mmr) for r in rows]
    expected = derived_maintenance_amounts(plain) if amounts == "derived" else [Decimal(0)] * len(plain)
    out = []
    for i, (row, want) in enumerate(zip(rows, expected), start=1):
        given = row.maintenance_amount
        if given is not None and given != want:
            rule = "derived from the brackets above it" if amounts == "derived" else "zero in this profile"
            raise ProfileError(f"{symbol} bracket {i}: maintenance_amount {given} should be {want} ({rule})")
        out.append(Bracket(row.notional_floor, row.notional_cap, row.max_leverage, row.mmr, want))
    return tuple(out)


def _instrument(
    model: InstrumentModel, base: Instrument | None, fees: FeesModel, amounts: Literal["derived", "none"]
) -> Instrument:
    def pick(value: Decimal | None, inherited: Decimal | None, default: Decimal | None, name: str) -> Decimal:
        for candidate in (value, inherited, default):
            if candidate is not None:
                return candidate
        raise ProfileError(f"{model.symbol} is a new instrument and needs {name}")

    if model.brackets is not None:
        brackets = build_brackets(model.symbol, model.brackets, amounts)
    elif base is not None:
        brackets = base.brackets
    else:
        raise ProfileError(f"{model.symbol} is a new instrument and needs brackets")
    try:
        return Instrument(
            model.symbol,
            pick(model.tick_size, base.tick_size if base else None, None, "tick_size"),
            pick(model.qty_step, base.qty_step if base else None, None, "qty_step"),
            pick(model.taker_fee, base.taker_fee if base else None, fees.taker_fee, "taker_fee"),
            pick(model.maker_fee, base.maker_fee if base else None, fees.maker_fee, "maker_fee"),
            pick(
                model.liquidation_fee,
                base.liquidation_fee if base else None,
                fees.liquidation_fee,
                "liquidation_fee",
            ),
            brackets,
        )
    except ValueError as exc:
        raise ProfileError(str(exc)) from None


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.json"))


def _unknown(name: object) -> ProfileError:
    return ProfileError(
        f"unknown profile {str(name)[:60]!r}: a profile is one of {', '.join(available_profiles())}"
    )


def _read_model(name: str) -> ProfileModel:
    """The profile called ``name``: only ever a file of ``resources/profiles`` named so."""
    if not isinstance(name, str) or name not in available_profiles():
        raise _unknown(name)
    path = PROFILE_DIR / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        return ProfileModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ProfileError(f"profile {name}: {where}: {err['msg']}") from None
    except (OSError, ValueError) as exc:
        raise ProfileError(f"profile {name}: {exc}") from None


_CACHE: dict[str, ProfileModel] = {}


def load_profile(name: str = DEFAULT_PROFILE, overrides: list[InstrumentModel] | None = None) -> Profile:
    """The engine profile called ``name`` (one of ``available_profiles()``), with a session's
    instrument overrides applied. Anything else (a path, a name with an extension) is a
    ``ProfileError`` naming the known profiles."""
    model = _CACHE.get(name) if isinstance(name, str) else None
    if model is None:
        model = _CACHE[name] = _read_model(name)
    if overrides is not None and len(overrides) > MAX_INSTRUMENTS:
        raise ProfileError(f"header instruments: at most {MAX_INSTRUMENTS} instruments, not {len(overrides)}")
    amounts = model.margin.maintenance_amount
    instruments: dict[str, Instrument] = {}
    try:
        for im in model.instruments:
            instruments[im.symbol] = _instrument(im, None, model.defaults, amounts)
    except ProfileError as exc:
        raise ProfileError(f"profile {name}: {exc}") from None
    try:
        for im in overrides or ():
            instruments[im.symbol] = _instrument(im, instruments.get(im.symbol), model.defaults, amounts)
    except ProfileError as exc:
        raise ProfileError(f"header instruments: {exc}") from None
    margin = MarginRules(
        model.margin.maintenance_basis,
        model.margin.fee_in_requirement,
        model.margin.initial_margin_basis,
        model.margin.liquidation_leftover,
    )
    return Profile(
        model.name, model.title, instruments, margin, model.liquidation.rules(), model.funding.rules()
    )


def profile_info(name: str) -> ProfileModel:
    """The profile file itself (sources, date, notes) for help texts and the README."""
    load_profile(name)
    return _CACHE[name]
