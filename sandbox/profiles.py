"""Exchange rule profiles on disk (``resources/profiles/*.json``), validated with pydantic and
turned into the engine's ``Profile``. The session header's ``instruments`` use the same
instrument schema, with every field but ``symbol`` optional."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .engine import Bracket, Instrument, MaintenanceBasis, MarginRules, Profile
from .engine.instrument import derived_maintenance_amounts

PROFILE_DIR = Path(__file__).resolve().parents[1] / "resources" / "profiles"
DEFAULT_PROFILE = "binance-usdm"


class ProfileError(Exception):
    """A profile that cannot be used; the message is one sentence for the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BracketModel(_Strict):
    notional_floor: Decimal = Field(ge=0)
    notional_cap: Decimal = Field(gt=0)
    max_leverage: int = Field(ge=1)
    mmr: Decimal = Field(ge=0, lt=1)
    maintenance_amount: Decimal | None = None


class InstrumentModel(_Strict):
    """An instrument as written in a profile or a session header (where all but symbol is optional)."""

    symbol: str = Field(min_length=1)
    tick_size: Decimal | None = Field(default=None, gt=0)
    qty_step: Decimal | None = Field(default=None, gt=0)
    taker_fee: Decimal | None = Field(default=None, ge=0)
    maker_fee: Decimal | None = None
    liquidation_fee: Decimal | None = Field(default=None, ge=0)
    brackets: list[BracketModel] | None = Field(default=None, min_length=1)


class MarginModel(_Strict):
    maintenance_basis: MaintenanceBasis = MaintenanceBasis.MARK
    fee_in_requirement: bool = False
    maintenance_amount: Literal["derived", "none"] = "derived"


class FeesModel(_Strict):
    taker_fee: Decimal = Field(ge=0)
    maker_fee: Decimal
    liquidation_fee: Decimal = Field(ge=0)


class ProfileModel(_Strict):
    format: Literal["margin-sandbox-profile"]
    version: Literal[1]
    name: str
    title: str
    sources: list[str] = []
    as_of: str = ""
    notes: str = ""
    margin: MarginModel = MarginModel()
    defaults: FeesModel
    instruments: list[InstrumentModel] = Field(min_length=1)


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
    def pick(name: str, default: Decimal | None) -> Decimal:
        value = getattr(model, name)
        if value is not None:
            return value
        if base is not None:
            return getattr(base, name)
        if default is None:
            raise ProfileError(f"{model.symbol} is a new instrument and needs {name}")
        return default

    if model.brackets is not None:
        brackets = build_brackets(model.symbol, model.brackets, amounts)
    elif base is not None:
        brackets = base.brackets
    else:
        raise ProfileError(f"{model.symbol} is a new instrument and needs brackets")
    try:
        return Instrument(
            model.symbol,
            pick("tick_size", None),
            pick("qty_step", None),
            pick("taker_fee", fees.taker_fee),
            pick("maker_fee", fees.maker_fee),
            pick("liquidation_fee", fees.liquidation_fee),
            brackets,
        )
    except ValueError as exc:
        raise ProfileError(str(exc)) from None


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.json"))


def _read_model(name_or_path: str | Path) -> ProfileModel:
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.json"
        if not path.exists():
            raise ProfileError(f"unknown profile {name_or_path!r}; known: {', '.join(available_profiles())}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        return ProfileModel.model_validate(data)
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err["loc"])
            raise ProfileError(f"{path}: {where}: {err['msg']}") from None
        raise ProfileError(f"{path}: {exc}") from None


_CACHE: dict[str, ProfileModel] = {}


def load_profile(
    name_or_path: str | Path = DEFAULT_PROFILE, overrides: list[InstrumentModel] | None = None
) -> Profile:
    """The engine profile named (or at a path), with a session's instrument overrides applied."""
    key = str(name_or_path)
    model = _CACHE.get(key)
    if model is None:
        model = _CACHE[key] = _read_model(name_or_path)
    amounts = model.margin.maintenance_amount
    instruments: dict[str, Instrument] = {}
    try:
        for im in model.instruments:
            instruments[im.symbol] = _instrument(im, None, model.defaults, amounts)
    except ProfileError as exc:
        raise ProfileError(f"profile {name_or_path}: {exc}") from None
    try:
        for im in overrides or ():
            instruments[im.symbol] = _instrument(im, instruments.get(im.symbol), model.defaults, amounts)
    except ProfileError as exc:
        raise ProfileError(f"header instruments: {exc}") from None
    margin = MarginRules(model.margin.maintenance_basis, model.margin.fee_in_requirement)
    return Profile(model.name, model.title, instruments, margin)


def profile_info(name: str) -> ProfileModel:
    """The profile file itself (sources, date, notes) for help texts and the README."""
    load_profile(name)
    return _CACHE[name]
