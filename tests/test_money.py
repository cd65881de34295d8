"""Rounding and writing numbers never raises and never shows "-0" (issue 9: ``text.money``,
``views.ratio`` and friends raised ``InvalidOperation`` on numbers from hostile files)."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.engine import text
from sandbox.engine.money import below, ceil_money, floor_money, quantize, round_money
from sandbox.engine.views import ratio, shown_liquidation_price

# every finite decimal hypothesis can make, from 1e-999999 to 1e+999999 and 50-digit ones
finite = st.decimals(allow_nan=False, allow_infinity=False)
anything = st.decimals(allow_nan=True, allow_infinity=True)


def test_money_is_held_to_1e_8_and_rounds_the_way_the_rules_say():
    assert round_money(D("1.000000005")) == D("1.00000000")  # half to even
    assert round_money(D("1.000000015")) == D("1.00000002")
    assert ceil_money(D("2000.000000001")) == D("2000.00000001")  # what the user must put up
    assert floor_money(D("7566.935238086666")) == D("7566.93523808")  # what the user may take
    assert below(D(3)) == D("2.99999999") and below(D("2.999999995")) == D("2.99999999")


def test_no_negative_zero():
    assert str(round_money(D("-0.000000001"))) == "0E-8"
    assert str(round_money(D(-1) * D("0.0"))) == "0E-8"
    assert text.money(D("-0.001")) == "0.00" and text.money(D("-0.005")) == "0.00"
    assert text.money(D("-0.006")) == "-0.01"
    assert text.qty(D("-0.0")) == "0"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(finite, finite)
def test_writing_and_rounding_never_raise(value, other):
    assert isinstance(text.money(value), str)
    assert isinstance(text.price(value, D("0.1")), str)
    assert isinstance(text.price(value, other), str)
    assert isinstance(text.qty(value), str)
    for rounded in (round_money(value), ceil_money(value), floor_money(value)):
        assert not (rounded.is_zero() and rounded.is_signed())
    assert ratio(value, other) is None or ratio(value, other).as_tuple().exponent >= -8
    shown_liquidation_price(value, True)
    text.liquidation(value, other, D("0.01"))
    text.liquidation_at_tick(value, other, other)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(anything, anything)
def test_not_even_infinities_and_nans_make_them_raise(value, other):
    text.money(value)
    text.price(value, other)
    text.qty(value)
    quantize(value, D("1e-8"))
    ratio(value, other)
    text.liquidation(value, other, other)


def test_what_huge_and_tiny_numbers_read():
    assert text.money(D("1e40")) == "1.000E+40"
    assert text.money(D("1e-400")) == "0.00"
    assert text.money(D("123456789012345678901234567.891")) == "123,456,789,012,345,678,901,234,567.89"
    assert text.price(D("57236.18421053"), D("0.1")) == "57,236.18"  # at least two decimals
    assert text.price(D("0.150006666"), D("0.00001")) == "0.15001"
    assert text.qty(D("0.100")) == "0.1" and text.qty(D("1E+3")) == "1000"
    assert ratio(D("1e12"), D("1e-8")) == D("1E+20")
    assert ratio(D(1), D(0)) is None and ratio(D(1), D(-1)) is None
