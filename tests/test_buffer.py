"""The share of the margin buffer used (``engine.buffer``), what a margin bar fills with: 0 at the
entry, exactly 1 at the price where the engine liquidates and never before, for an isolated
position and for the cross pool.

The oracle at the liquidation price is a small independent model (Binance's formulas for one
position in one bracket: uPnL = qty × (price − entry), maintenance = qty × price × MMR − amount),
because the engine cannot be asked for a view at a price that liquidates.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from sandbox.engine import Account, Open, Price, text
from sandbox.engine.buffer import buffer, isolated_buffer, pool_buffer, position_buffer, used_share
from sandbox.profiles import available_profiles, load_profile

TICK = {"BTCUSDT": D("0.1")}


def account(profile: str = "binance-usdm") -> Account:
    a = Account(load_profile(profile), D(10000))
    a.apply(Price("BTCUSDT", D(60000)), 0)
    return a


def test_the_share_is_the_loss_over_the_wallet_less_maintenance():
    assert used_share(D(300), D(0), D(24)) == 0
    assert used_share(D(300), D(100), D(24)) == 0  # a gain uses nothing
    assert used_share(D(300), D(-138), D(24)) == D("0.5")
    assert used_share(D(300), D(-276), D(24)) == 1
    assert used_share(D(300), D(-900), D(24)) == 1  # past the liquidation it stays full
    assert used_share(D(20), D(0), D(24)) == 1  # no room at all
    b = buffer(D(300), D(-69), D(24))
    assert (b.wallet, b.maintenance, b.loss, b.room, b.used) == (D(300), D(24), D(69), D(276), D("0.25"))


@pytest.mark.parametrize("profile", available_profiles())
@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("mode", ["isolated", "cross"])
def test_zero_at_entry_and_below_one_a_tick_before_the_liquidation_shown(profile, side, mode):
    a = account(profile)
    a.apply(Open("BTCUSDT", side, D("0.5"), 10, mode), 0)
    v = a.view()
    p = v.positions[0]
    assert position_buffer(p, v).used == 0
    tick = a.profile.instruments["BTCUSDT"].tick_size
    shown = text.liquidation_at_tick(p.liquidation_price, p.mark_price, tick)
    before = shown + tick if side == "long" else shown - tick
    assert not a.apply(Price("BTCUSDT", before), 1)  # nothing fires a tick before
    v = a.view()
    used = position_buffer(v.positions[0], v).used
    assert D("0.98") < used < 1
    fired = a.apply(Price("BTCUSDT", shown), 2)
    assert [e.type for e in fired] == ["liquidated"]


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("mode", ["isolated", "cross"])
def test_exactly_one_at_the_liquidation_price_shown(side, mode):
    """Binance, one position in its first bracket: the model's numbers at the shown price give a
    full buffer, and a tick before they do not."""
    a = account()
    a.apply(Open("BTCUSDT", side, D("0.5"), 10, mode), 0)
    v = a.view()
    p = v.positions[0]
    tick = TICK["BTCUSDT"]
    shown = text.liquidation_at_tick(p.liquidation_price, p.mark_price, tick)
    wallet = p.isolated_wallet if mode == "isolated" else v.cross_wallet
    sign = 1 if side == "long" else -1

    def model_used(price: D) -> D:
        upnl = sign * p.qty * (price - p.entry_price)
        maintenance = p.qty * price * p.maintenance_rate - p.maintenance_amount
        return used_share(wallet, upnl, maintenance)

    assert model_used(p.entry_price) == 0
    assert model_used(shown) == 1
    assert model_used(shown + sign * tick) < 1
    # the engine agrees: it fires at the shown price, not a tick before
    assert not a.apply(Price("BTCUSDT", shown + sign * tick), 1)
    assert a.apply(Price("BTCUSDT", shown), 2)[0].type == "liquidated"


def test_the_pool_shares_one_buffer_and_an_isolated_position_has_its_own():
    a = account()
    a.apply(Price("ETHUSDT", D(3000)), 0)
    a.apply(Open("BTCUSDT", "long", D("0.1"), 10, "cross"), 0)
    a.apply(Open("ETHUSDT", "short", D(1), 10, "cross"), 0)
    a.apply(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"), 0)
    a.apply(Price("BTCUSDT", D(59000)), 1)
    v = a.view()
    cross = [p for p in v.positions if p.mode == "cross"]
    pool = pool_buffer(v)
    assert pool is not None and all(position_buffer(p, v) == pool for p in cross)
    assert pool.loss == -(cross[0].unrealized_pnl + cross[1].unrealized_pnl)
    assert pool.wallet == v.cross_wallet and pool.maintenance == v.cross_maintenance_margin
    iso = next(p for p in v.positions if p.mode == "isolated")
    own = isolated_buffer(iso)
    assert own is not None and own.wallet == iso.isolated_wallet and own.loss == D(100)
    assert isolated_buffer(cross[0]) is None
    a.apply(Price("ETHUSDT", D(2000)), 2)  # the short gains more than the long loses
    assert pool_buffer(a.view()).used == 0


def test_no_pool_without_cross_positions():
    a = account()
    a.apply(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"), 0)
    assert pool_buffer(a.view()) is None
