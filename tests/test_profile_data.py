"""Checks of the exchange profile data in resources/profiles/ (data only: the engine is not imported).

Each profile is a ``margin-sandbox-profile`` JSON document; the rules below are the schema's rules
(brackets contiguous from 0, increasing caps, maintenance amounts derived or zero) plus the published
facts the data must reproduce. Only the standard library (json, decimal, pathlib) and pytest are used.
"""

import itertools
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "resources" / "profiles"
BINANCE_REFERENCE = ROOT.parent / "shared" / "reference" / "binance-usdm-brackets.json"

PROFILE_NAMES = ["binance-usdm", "bybit", "okx", "hyperliquid"]
BINANCE_SYMBOLS = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT", "DOGEUSDT", "ADAUSDT", "LINKUSDT"}
COMMON_SYMBOLS = {"BTCUSDT", "ETHUSDT", "SOLUSDT"}

TOP_KEYS = {
    "format",
    "version",
    "name",
    "title",
    "sources",
    "as_of",
    "notes",
    "margin",
    "liquidation",
    "funding",
    "defaults",
    "instruments",
}
MARGIN_KEYS = {
    "maintenance_basis",
    "fee_in_requirement",
    "maintenance_amount",
    "initial_margin_basis",
    "liquidation_leftover",
}
DEFAULT_KEYS = {"taker_fee", "maker_fee", "liquidation_fee"}
INSTRUMENT_REQUIRED = {"symbol", "tick_size", "qty_step", "brackets"}
INSTRUMENT_OPTIONAL = {"taker_fee", "liquidation_fee"}
BRACKET_REQUIRED = {"notional_floor", "notional_cap", "max_leverage", "mmr"}
BRACKET_OPTIONAL = {"maintenance_amount"}


def load(name: str) -> dict:
    return json.loads((PROFILES / f"{name}.json").read_text(encoding="utf-8"))


def dec(text) -> Decimal:
    """A schema decimal: a string holding a finite decimal number written without an exponent."""
    assert isinstance(text, str), f"decimal must be a string, got {text!r}"
    assert "e" not in text.lower(), f"no exponent notation: {text!r}"
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the assert below reports it
        pytest.fail(f"not a decimal: {text!r}")
    assert value.is_finite(), text
    return value


def derived_amounts(brackets: list[dict]) -> list[Decimal]:
    """cum_1 = 0, cum_n = cum_(n-1) + floor_n × (mmr_n − mmr_(n-1))."""
    amounts = [Decimal(0)]
    for prev, cur in itertools.pairwise(brackets):
        amounts.append(amounts[-1] + dec(cur["notional_floor"]) * (dec(cur["mmr"]) - dec(prev["mmr"])))
    return amounts


def bracket_for(instrument: dict, notional: Decimal) -> dict:
    brackets = instrument["brackets"]
    for b in brackets:
        if dec(b["notional_floor"]) <= notional < dec(b["notional_cap"]):
            return b
    return brackets[-1]


def instrument(profile: dict, symbol: str) -> dict:
    matches = [i for i in profile["instruments"] if i["symbol"] == symbol]
    assert len(matches) == 1, symbol
    return matches[0]


def test_every_profile_file_is_present_and_nothing_else_claims_the_format():
    names = sorted(p.stem for p in PROFILES.glob("*.json"))
    assert names == sorted(PROFILE_NAMES)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_profile_header_and_schema_keys(name):
    p = load(name)
    assert set(p) == TOP_KEYS
    assert p["format"] == "margin-sandbox-profile"
    assert p["version"] == 1 and type(p["version"]) is int
    assert p["name"] == name
    for key in ("title", "as_of", "notes"):
        assert isinstance(p[key], str) and p[key].strip()
    assert isinstance(p["sources"], list) and p["sources"]
    assert all(isinstance(s, str) and s.strip() for s in p["sources"])

    m = p["margin"]
    assert set(m) == MARGIN_KEYS
    assert m["maintenance_basis"] in ("mark", "entry")
    assert type(m["fee_in_requirement"]) is bool
    assert m["maintenance_amount"] in ("derived", "none")
    assert m["initial_margin_basis"] in ("mark", "entry")
    assert m["liquidation_leftover"] in ("insurance_fund", "returned")

    d = p["defaults"]
    assert set(d) == DEFAULT_KEYS
    for key in DEFAULT_KEYS:
        assert Decimal(0) <= dec(d[key]) < Decimal(1)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_instrument_keys_and_symbols(name):
    p = load(name)
    symbols = [i["symbol"] for i in p["instruments"]]
    assert len(symbols) == len(set(symbols)), "duplicate symbol"
    assert set(symbols) >= COMMON_SYMBOLS
    if name == "binance-usdm":
        assert set(symbols) == BINANCE_SYMBOLS
    for inst in p["instruments"]:
        keys = set(inst)
        assert keys >= INSTRUMENT_REQUIRED, inst["symbol"]
        assert keys <= INSTRUMENT_REQUIRED | INSTRUMENT_OPTIONAL, (
            keys - INSTRUMENT_REQUIRED - INSTRUMENT_OPTIONAL
        )
        assert dec(inst["tick_size"]) > 0
        assert dec(inst["qty_step"]) > 0
        for key in INSTRUMENT_OPTIONAL & keys:
            assert Decimal(0) <= dec(inst[key]) < Decimal(1)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_brackets_contiguous_from_zero_with_increasing_caps(name):
    for inst in load(name)["instruments"]:
        brackets = inst["brackets"]
        assert brackets, inst["symbol"]
        assert dec(brackets[0]["notional_floor"]) == 0, inst["symbol"]
        for b in brackets:
            keys = set(b)
            assert keys >= BRACKET_REQUIRED and keys <= BRACKET_REQUIRED | BRACKET_OPTIONAL, (
                inst["symbol"],
                keys,
            )
            assert dec(b["notional_cap"]) > dec(b["notional_floor"]), (inst["symbol"], b)
            assert type(b["max_leverage"]) is int and b["max_leverage"] >= 1, (inst["symbol"], b)
            mmr = dec(b["mmr"])
            assert Decimal(0) < mmr < Decimal(1), (inst["symbol"], b)
            # maintenance never exceeds the initial margin at the bracket's max leverage
            assert mmr <= Decimal(1) / b["max_leverage"], (inst["symbol"], b)
        for a, b in itertools.pairwise(brackets):
            assert dec(a["notional_cap"]) == dec(b["notional_floor"]), (inst["symbol"], a, b)
            assert dec(b["notional_cap"]) > dec(a["notional_cap"]), (inst["symbol"], a, b)
            assert b["max_leverage"] <= a["max_leverage"], (inst["symbol"], a, b)
            assert dec(b["mmr"]) >= dec(a["mmr"]), (inst["symbol"], a, b)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_maintenance_amounts_derived_or_zero(name):
    p = load(name)
    mode = p["margin"]["maintenance_amount"]
    for inst in p["instruments"]:
        stored = [dec(b.get("maintenance_amount", "0")) for b in inst["brackets"]]
        if mode == "derived":
            assert stored == derived_amounts(inst["brackets"]), inst["symbol"]
        else:
            assert all(a == 0 for a in stored), inst["symbol"]


def test_exchange_specific_margin_rules():
    """Each profile does what its README section says (resources/profiles/README.md)."""
    assert load("binance-usdm")["margin"] == {
        "maintenance_basis": "mark",
        "fee_in_requirement": False,
        "maintenance_amount": "derived",
        "initial_margin_basis": "mark",
        "liquidation_leftover": "insurance_fund",
    }
    # Bybit classic: IM = entry value / leverage and MM on the entry value (margin-math §2.1)
    assert load("bybit")["margin"] == {
        "maintenance_basis": "entry",
        "fee_in_requirement": False,
        "maintenance_amount": "derived",
        "initial_margin_basis": "entry",
        "liquidation_leftover": "insurance_fund",
    }
    assert load("okx")["margin"] == {
        "maintenance_basis": "mark",
        "fee_in_requirement": True,
        "maintenance_amount": "none",
        "initial_margin_basis": "mark",
        "liquidation_leftover": "insurance_fund",
    }
    # Hyperliquid: a book liquidation returns the collateral left (margin-math §4)
    hl = load("hyperliquid")["margin"]
    assert hl["maintenance_basis"] == "mark" and hl["fee_in_requirement"] is False
    assert hl["initial_margin_basis"] == "mark" and hl["liquidation_leftover"] == "returned"


def test_hyperliquid_mmr_is_half_the_initial_margin_at_max_leverage():
    for inst in load("hyperliquid")["instruments"]:
        for b in inst["brackets"]:
            assert dec(b["mmr"]) == Decimal(1) / (2 * Decimal(b["max_leverage"])), (inst["symbol"], b)


def test_hyperliquid_top_leverage_matches_published_max():
    hl = load("hyperliquid")
    assert {i["symbol"]: i["brackets"][0]["max_leverage"] for i in hl["instruments"]} == {
        "BTCUSDT": 40,
        "ETHUSDT": 25,
        "SOLUSDT": 20,
    }


def test_binance_brackets_equal_the_shared_reference_exactly():
    if not BINANCE_REFERENCE.exists():
        pytest.skip(f"reference file not available: {BINANCE_REFERENCE}")
    ref = json.loads(BINANCE_REFERENCE.read_text(encoding="utf-8"))["symbols"]
    profile = load("binance-usdm")
    assert {i["symbol"] for i in profile["instruments"]} == set(ref)
    for inst in profile["instruments"]:
        expected = ref[inst["symbol"]]
        assert len(inst["brackets"]) == len(expected), inst["symbol"]
        for got, want in zip(inst["brackets"], expected):
            for key in ("notional_floor", "notional_cap", "mmr", "maintenance_amount"):
                # repr() of a float is its shortest round-tripping decimal: 0.0065 -> "0.0065"
                assert dec(got[key]) == Decimal(repr(want[key])), (inst["symbol"], key, got, want)
            assert got["max_leverage"] == want["max_leverage"], (inst["symbol"], got, want)


def test_binance_fees():
    d = load("binance-usdm")["defaults"]
    assert (dec(d["taker_fee"]), dec(d["maker_fee"])) == (Decimal("0.0005"), Decimal("0.0002"))


def test_binance_tick_and_step_sizes():
    expected = {
        "BTCUSDT": ("0.1", "0.001"),
        "ETHUSDT": ("0.01", "0.001"),
        "SOLUSDT": ("0.01", "1"),
        "XRPUSDT": ("0.0001", "0.1"),
        "BNBUSDT": ("0.01", "0.01"),
        "DOGEUSDT": ("0.00001", "1"),
        "ADAUSDT": ("0.0001", "1"),
        "LINKUSDT": ("0.001", "0.01"),
    }
    profile = load("binance-usdm")
    for symbol, (tick, step) in expected.items():
        inst = instrument(profile, symbol)
        assert (dec(inst["tick_size"]), dec(inst["qty_step"])) == (Decimal(tick), Decimal(step)), symbol


def test_bybit_btc_tier_one_is_half_a_percent():
    btc = instrument(load("bybit"), "BTCUSDT")
    first = btc["brackets"][0]
    assert dec(first["mmr"]) == Decimal("0.005")
    assert first["max_leverage"] == 100
    assert dec(first["notional_cap"]) == 2_000_000


def test_bybit_published_liquidation_price_example_19700():
    """margin-math §2.1: long 1 BTC at 20,000 with 50×, MMR 0.5 %: IM 400, MM 100, LP 19,700 (entry basis)."""
    profile = load("bybit")
    assert profile["margin"]["maintenance_basis"] == "entry"
    entry, size, leverage = Decimal(20000), Decimal(1), Decimal(50)
    value = entry * size
    b = bracket_for(instrument(profile, "BTCUSDT"), value)
    im = value / leverage
    mm = value * dec(b["mmr"]) - dec(b["maintenance_amount"])
    assert (im, mm) == (Decimal(400), Decimal(100))
    assert entry - (im - mm) / size == Decimal(19700)


def test_bybit_btc_tiers_match_the_official_margin_parameters_table():
    """The rows margin-math §2.3 quotes from Bybit's 'Margin Parameters' page (cap, max lev, MMR, deduction)."""
    published = [
        ("2000000", 100, "0.005", "0"),
        ("2600000", 90, "0.0056", "1200"),
        ("3200000", 80, "0.0063", "3020"),
        ("3800000", 75, "0.0067", "4300"),
        ("4400000", 70, "0.0071", "5820"),
        ("5000000", 65, "0.0077", "8460"),
        ("5600000", 55, "0.0091", "15460"),
        ("8500000", 50, "0.01", "20500"),
        ("10000000", 45, "0.013", "46000"),
        ("14000000", 40, "0.015", "66000"),
    ]
    brackets = instrument(load("bybit"), "BTCUSDT")["brackets"]
    for b, (cap, lev, mmr, ded) in zip(brackets, published):
        assert (dec(b["notional_cap"]), b["max_leverage"], dec(b["mmr"]), dec(b["maintenance_amount"])) == (
            Decimal(cap),
            lev,
            Decimal(mmr),
            Decimal(ded),
        )
    # tier 20 of the same table: 80,000,000 / 14× / 4.5 % / 1,482,000
    t20 = brackets[19]
    assert (
        dec(t20["notional_cap"]),
        t20["max_leverage"],
        dec(t20["mmr"]),
        dec(t20["maintenance_amount"]),
    ) == (Decimal(80_000_000), 14, Decimal("0.045"), Decimal(1_482_000))


def test_okx_and_hyperliquid_fees():
    okx = load("okx")["defaults"]
    assert (dec(okx["taker_fee"]), dec(okx["maker_fee"])) == (Decimal("0.0005"), Decimal("0.0002"))
    hl = load("hyperliquid")["defaults"]
    assert (dec(hl["taker_fee"]), dec(hl["maker_fee"]), dec(hl["liquidation_fee"])) == (
        Decimal("0.00045"),
        Decimal("0.00015"),
        Decimal(0),
    )
