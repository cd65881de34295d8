"""Loading profiles (issue 9, item 8): a profile is a name from ``resources/profiles``, never a
path a file gives; a header's instrument overrides are bounded to the numbers the engine holds."""

from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from sandbox.profiles import (
    MAX_BRACKETS,
    MAX_INSTRUMENTS,
    InstrumentModel,
    ProfileError,
    available_profiles,
    load_profile,
)


def test_every_profile_loads_by_its_name():
    assert available_profiles() == ["binance-usdm", "bybit", "hyperliquid", "okx"]
    for name in available_profiles():
        assert load_profile(name).name == name


@pytest.mark.parametrize(
    "name",
    [
        "/etc/ld.so.conf",
        "../../etc/passwd",
        "resources/profiles/okx",
        "okx.json",
        "binance-usdm.JSON",
        "okx/",
        "C:\\profiles\\okx",
        "",
        "unknown",
        "x" * 10_000,
    ],
)
def test_anything_but_a_known_name_is_refused_naming_the_known_ones(name):
    with pytest.raises(ProfileError) as refused:
        load_profile(name)
    message = str(refused.value)
    assert "binance-usdm, bybit, hyperliquid, okx" in message and len(message) < 200


BTC = {"symbol": "BTCUSDT"}


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"tick_size": "NaN"}, "finite"),
        ({"tick_size": "Infinity"}, "finite"),
        ({"tick_size": "1e-50"}, "tick_size must lie within"),
        ({"tick_size": "0.000000015"}, "tick_size has more than 8 decimals"),
        ({"qty_step": "1e400"}, "qty_step must lie within"),
        ({"taker_fee": "1"}, "taker_fee must lie within"),
        ({"liquidation_fee": "-0.1"}, "liquidation_fee must lie within"),
        ({"maker_fee": "-1"}, "maker_fee must lie within"),
        (
            {"brackets": [{"notional_floor": 0, "notional_cap": "1e40", "max_leverage": 1, "mmr": "0.1"}]},
            "notional_cap",
        ),
        (
            {"brackets": [{"notional_floor": 0, "notional_cap": 10, "max_leverage": 5000, "mmr": "0.1"}]},
            "at most 1000",
        ),
        (
            {"brackets": [{"notional_floor": 0, "notional_cap": 10, "max_leverage": 0, "mmr": "0.1"}]},
            "at least 1",
        ),
        (
            {"brackets": [{"notional_floor": 0, "notional_cap": 10, "max_leverage": 5, "mmr": "1"}]},
            "mmr must lie within",
        ),
        ({"symbol": "BTC USDT"}, "pattern"),
        ({"symbol": "B" * 65}, "at most 64"),
    ],
)
def test_a_header_instrument_the_engine_cannot_hold_is_refused(fields, words):
    with pytest.raises(ValidationError) as refused:
        InstrumentModel.model_validate({**BTC, **fields})
    assert words in str(refused.value)


def test_no_more_brackets_or_instruments_than_a_few_hundred():
    row = {"notional_floor": 0, "notional_cap": 10, "max_leverage": 5, "mmr": "0.1"}
    with pytest.raises(ValidationError, match="at most 200"):
        InstrumentModel.model_validate({**BTC, "brackets": [row] * (MAX_BRACKETS + 1)})
    many = [
        InstrumentModel(symbol=f"S{i}", tick_size=D("0.1"), qty_step=D(1), brackets=None) for i in range(301)
    ]
    assert len(many) > MAX_INSTRUMENTS
    with pytest.raises(ProfileError, match="at most 300 instruments"):
        load_profile("binance-usdm", many)


def test_a_header_may_still_override_and_add_instruments():
    override = InstrumentModel(symbol="BTCUSDT", taker_fee=D(0), maker_fee=D("-0.0001"))
    added = InstrumentModel.model_validate(
        {
            "symbol": "NEWUSDT",
            "tick_size": "0.0001",
            "qty_step": "1",
            "brackets": [{"notional_floor": 0, "notional_cap": "1000000", "max_leverage": 20, "mmr": "0.01"}],
        }
    )
    profile = load_profile("okx", [override, added])
    assert profile.instruments["BTCUSDT"].taker_fee == 0
    assert profile.instruments["BTCUSDT"].maker_fee == D("-0.0001")
    assert profile.instruments["NEWUSDT"].brackets[0].max_leverage == 20
