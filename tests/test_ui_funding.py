"""Funding in the window: the live simulated market settles every interval and an isolated row's
liquidation price creeps toward the mark by exactly what the formula says; a replayed session
applies its recorded funding events (the Funding column, the log, the account chart's line and
markers)."""

from __future__ import annotations

from decimal import Decimal as D

from orders_support import click, type_into
from ui_support import frames

from sandbox.engine import FundingSettled, text
from sandbox.session.jsonlines import write_session
from sandbox.session.model import SessionHeader
from sandbox.ui.positions.columns import FUNDING, LIQ


def cell(w, pid, col):
    model = w.positions.model
    return model.index(model.row_of(pid), col).data()


def test_live_funding_moves_an_isolated_rows_liquidation_price(make_window):
    w = make_window(live=False)
    w.session.funding_interval_ms = 20_000  # the simulator's 8 h, shortened for the test
    w.start_live()
    w.loop.set_speed(8.0)
    frames(w, 10, dt=0.05)  # BTC has a price
    ticket = w.order_ticket
    type_into(ticket.size_box, "0.5")
    click(ticket.buy)  # 0.5 BTC long, 10× isolated
    before = w.bridge.position("p1")
    assert cell(w, "p1", FUNDING) == "0.00"
    while not any(isinstance(e, FundingSettled) and e.payments for _, e in w.bridge.timeline.events):
        frames(w, 1, dt=0.1)
    after = w.bridge.position("p1")
    [settled] = [e for _, e in w.bridge.timeline.events if isinstance(e, FundingSettled) and e.payments]
    [pay] = settled.payments
    # rate × qty × mark, out of the isolated wallet (to 1e-8).
    assert pay.amount == pay.isolated == (settled.rate * D("0.5") * settled.mark).quantize(D("1e-8"))
    assert after.funding == pay.amount
    assert after.isolated_wallet == before.isolated_wallet - pay.amount
    # The liquidation price moves by the payment over qty × (1 − MMR) for a long.
    moved = after.liquidation_price - before.liquidation_price
    assert abs(moved - pay.amount / (D("0.5") * (1 - after.maintenance_rate))) <= D("2e-8")
    tick = w.bridge.instrument("BTCUSDT").tick_size
    assert cell(w, "p1", LIQ) == text.liquidation(after.liquidation_price, after.mark_price, tick)
    shown = f"-{text.money(pay.amount)}" if pay.amount > 0 else f"+{text.money(-pay.amount)}"
    assert cell(w, "p1", FUNDING) == shown
    assert any(s.startswith("funding BTCUSDT") and "p1 paid" in s for _, s in w.event_log.entries) == (
        pay.amount > 0
    )
    # The account chart draws what was paid.
    funding = w.account_chart.funding
    assert funding.paid() == pay.amount
    assert funding.curve.isVisible() and funding.item.getAxis("left").isVisible()


def funding_session(path):
    header = SessionHeader.new("10000", "binance-usdm", meta={"title": "funding"})
    lines = [
        {"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"},
        {
            "t": 0,
            "type": "open",
            "symbol": "BTCUSDT",
            "side": "long",
            "qty": "0.1",
            "leverage": 10,
            "mode": "isolated",
        },
        {
            "t": 0,
            "type": "open",
            "symbol": "BTCUSDT",
            "side": "short",
            "qty": "0.2",
            "leverage": 5,
            "mode": "cross",
        },
        {"t": 1000, "type": "price", "symbol": "BTCUSDT", "price": "61000"},
        {"t": 2000, "type": "funding", "symbol": "BTCUSDT", "rate": "0.0001"},
        {"t": 3000, "type": "price", "symbol": "BTCUSDT", "price": "60500"},
        {"t": 4000, "type": "funding", "symbol": "BTCUSDT", "rate": "-0.0003"},
        {"t": 5000, "type": "price", "symbol": "BTCUSDT", "price": "60600"},
    ]
    write_session(path, header.to_dict(), lines)
    return path


def test_a_replayed_session_applies_its_funding_events(make_window, tmp_path):
    w = make_window(live=False)
    assert w.open_path(str(funding_session(tmp_path / "funding.jsonl")))
    w.loop.set_speed(None)
    w.loop.set_playing(True)
    frames(w, 5)
    assert w.bridge.timeline.at_end
    # Worked out here: at 61,000 the long pays 0.0001 × 0.1 × 61,000 = 0.61 and the short receives
    # 0.0001 × 0.2 × 61,000 = 1.22; at 60,500 the rate is −0.03 %: the long receives 1.815, the
    # short pays 3.63.
    assert w.bridge.position("p1").funding == D("0.61") - D("1.815")
    assert w.bridge.position("p2").funding == D("-1.22") + D("3.63")
    assert cell(w, "p1", FUNDING) == "+1.20"  # received on balance: 1.205, to the cent as money reads
    assert cell(w, "p2", FUNDING) == "-2.41"
    sentences = [s for e, s in w.event_log.entries if e.type == "funding"]
    assert sentences == [
        "funding BTCUSDT 0.0100 % at 61,000.00: p1 paid 0.61, p2 received 1.22 USDT",
        "funding BTCUSDT -0.0300 % at 60,500.00: p1 received 1.82, p2 paid 3.63 USDT",
    ]
    funding = w.account_chart.funding
    assert funding.times == [2.0, 4.0] and funding.paid() == D("0.61") - D("1.22") - D("1.815") + D("3.63")
    x, y = funding.curve.getData()
    assert list(x[:5]) == [2.0, 2.0, 4.0, 4.0, 5.0] and list(y[:5]) == [0.0, -0.61, -0.61, 1.205, 1.205]
    assert "funding paid" in funding.total.text()
    # Markers instead: one per settlement on the total wallet, the sentence as its tip.
    funding.switch.setCurrentIndex(1)
    assert not funding.curve.isVisible() and not funding.item.getAxis("left").isVisible()
    spots = funding.markers.data
    assert [s["x"] for s in spots] == [2.0, 4.0] and spots[0]["data"] == sentences[0]
    # Stepping back before the second settlement takes it off the chart again.
    w.loop.seek(3000, now=True)
    assert funding.times == [2.0]
    assert w.bridge.position("p1").funding == D("0.61")
