"""The order ticket driven like a person: typing a size, dragging the leverage slider into the
bracket's limit, switching quantity/notional and cross/isolated, reading the engine's preview in
both modes, and opening with Buy / Long or Sell / Short."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from ui_support import drag_slider

from sandbox.engine import Open, Opened, Price, Rejected, text
from sandbox.session.model import SessionHeader
from sandbox.session.timeline import Timeline
from sandbox.ui.bridge import SessionBridge
from sandbox.ui.order_ticket import OrderTicket
from sandbox.ui.positions.columns import LIQ
from sandbox.ui.positions.panel import PositionsPanel

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def ticket(qtbot, bridge):
    t = OrderTicket(bridge)
    qtbot.addWidget(t)
    t.resize(400, 560)
    t.show()
    qtbot.waitExposed(t)
    return t


def type_size(qtbot, ticket, value: str) -> None:
    ticket.size_box.setFocus()
    ticket.size_box.selectAll()
    QTest.keyClicks(ticket.size_box, value)


def engine_preview(bridge, order: Open):
    """(margin, fee, liquidation price as shown) straight from the engine."""
    preview = bridge.preview(order)
    opened = preview.events[0]
    assert isinstance(opened, Opened)
    lp = preview.liquidation_price(opened.position)
    tick = bridge.instrument(order.symbol).tick_size
    return (
        text.money(opened.margin),
        text.money(opened.fee),
        text.liquidation(lp, bridge.mark(order.symbol), tick),
    )


def test_typing_a_size_and_buying_opens_the_position_and_the_table_shows_it(qtbot, bridge, ticket):
    table = PositionsPanel(bridge)
    qtbot.addWidget(table)
    type_size(qtbot, ticket, "0.5")
    assert ticket.quantity() == D("0.5") and ticket.size_hint.text() == "≈ 30,000.00 USDT"
    QTest.mouseClick(ticket.mode_cross, LEFT)
    assert ticket.mode == "cross"
    QTest.mouseClick(ticket.buy, LEFT)
    [p] = bridge.view().positions
    assert (p.symbol, p.side, p.mode, p.qty, p.leverage) == ("BTCUSDT", "long", "cross", D("0.5"), 10)
    assert table.model.rowCount() == 1 and table.model.index(0, LIQ).data() == text.liquidation(
        p.liquidation_price, p.mark_price, D("0.1")
    )
    assert ticket.message.text().startswith("opened p1: long 0.5 BTCUSDT at 60,000.00, 10× cross")


def test_sell_short_opens_a_short_in_the_chosen_mode(qtbot, bridge, ticket):
    ticket.symbol.setCurrentText("ETHUSDT")
    type_size(qtbot, ticket, "2")
    QTest.mouseClick(ticket.mode_isolated, LEFT)
    QTest.mouseClick(ticket.sell, LEFT)
    [p] = bridge.view().positions
    assert (p.symbol, p.side, p.mode, p.qty) == ("ETHUSDT", "short", "isolated", D(2))


def test_the_preview_shows_the_engines_numbers_in_both_modes_for_both_sides(qtbot, bridge, ticket):
    bridge.submit(Open("ETHUSDT", "short", D(5), 10, "cross"))  # something in the pool, so the modes differ
    bridge.submit(Price("ETHUSDT", D(3100)))
    type_size(qtbot, ticket, "0.5")
    ticket.leverage_box.setFocus()
    ticket.leverage_box.selectAll()
    QTest.keyClicks(ticket.leverage_box, "20")
    assert ticket.leverage.value() == 20
    liqs = {}
    for mode in ("cross", "isolated"):
        for side in ("long", "short"):
            margin, fee, liq = engine_preview(bridge, Open("BTCUSDT", side, D("0.5"), 20, mode))
            assert ticket.preview.cells[(mode, "margin")].text() == margin == "1,500.00"
            assert ticket.preview.cells[(mode, "fee")].text() == fee
            assert ticket.preview.cells[(mode, f"liq_{side}")].text() == liq
            liqs[(mode, side)] = liq
    assert liqs[("cross", "long")] != liqs[("isolated", "long")]  # the pool backs cross further
    assert liqs[("isolated", "long")] == "57,228.90"
    assert ticket.preview.cells[("isolated", "dist_long")].text() == "−4.62 %"
    assert (
        bridge.view().positions[0].id == "p1" and len(bridge.view().positions) == 1
    )  # previews open nothing


def test_the_preview_follows_the_mark(qtbot, bridge, ticket):
    type_size(qtbot, ticket, "0.1")
    before = ticket.preview.cells[("isolated", "liq_long")].text()
    bridge.submit(Price("BTCUSDT", D(50000)))
    _, _, expected = engine_preview(bridge, Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    qtbot.waitUntil(lambda: ticket.preview.cells[("isolated", "liq_long")].text() == expected)
    assert expected != before and ticket.mark_label.text() == "mark 50,000.00"


def test_the_leverage_slider_stops_at_the_brackets_maximum_for_the_size(qtbot, bridge, ticket):
    type_size(qtbot, ticket, "0.1")
    assert ticket.leverage.maximum() == 150  # BTCUSDT's first bracket
    drag_slider(ticket.leverage, 2000)  # a person drags the handle all the way right
    assert ticket.leverage.value() == 150 and ticket.leverage_box.value() == 150
    assert ticket.order("long").leverage == 150
    type_size(qtbot, ticket, "10")  # 600,000 USDT: the 100× bracket
    assert ticket.leverage.maximum() == 100 and ticket.leverage.value() == 100
    assert "lowered from 150×" in ticket.leverage_hint.text()
    type_size(qtbot, ticket, "20")  # 1,200,000 USDT: 75× at most
    assert ticket.leverage.maximum() == 75 and ticket.leverage.value() == 75
    type_size(qtbot, ticket, "0.2")  # back to a small size: the user's choice comes back
    assert ticket.leverage.maximum() == 150 and ticket.leverage.value() == 150
    assert "lowered" not in ticket.leverage_hint.text()
    drag_slider(ticket.leverage, -2000)
    assert ticket.leverage.value() == 1
    QTest.keyClick(ticket.leverage, Qt.Key.Key_Right)
    assert ticket.leverage.value() == 2 and ticket.leverage_box.value() == 2


def test_an_unaffordable_order_shows_the_engines_sentence_and_changes_nothing(qtbot, bridge, ticket):
    type_size(qtbot, ticket, "20")  # 1,200,000 USDT at 75× needs 16,000 USDT of margin
    drag_slider(ticket.leverage, 2000)
    assert ticket.leverage.value() == 75
    events = bridge.preview(ticket.order("long")).events
    assert isinstance(events[0], Rejected) and events[0].code == "insufficient_available"
    assert events[0].message in ticket.preview.reasons and events[0].message in ticket.message.text()
    height = ticket.message.height()
    assert ticket.preview.cells[("cross", "liq_long")].text() == "rejected"
    before = bridge.view()
    QTest.mouseClick(ticket.buy, LEFT)
    assert ticket.message.text() == events[0].message  # "… needs 16,… USDT more available balance"
    assert "more available balance" in ticket.message.text()
    assert ticket.message.height() == height  # a longer sentence never moves what is below it
    assert bridge.view() == before


def test_an_order_above_the_brackets_leverage_is_refused_by_the_engine(qtbot, bridge, ticket):
    """The slider cannot go past the bracket's maximum; the engine's rule is the same one."""
    type_size(qtbot, ticket, "10")
    events = bridge.preview(Open("BTCUSDT", "long", D(10), 125, "isolated")).events
    assert (
        isinstance(events[0], Rejected)
        and "the maximum for a 600,000.00 USDT BTCUSDT position" in events[0].message
    )
    assert ticket.leverage.maximum() == 100  # so the ticket never offers it


def test_notional_sizing_converts_at_the_mark(qtbot, bridge, ticket):
    type_size(qtbot, ticket, "0.05")
    ticket.size_unit.setCurrentIndex(1)  # notional USDT: the same order, converted
    assert ticket.size_box.value() == 3000 and ticket.quantity() == D("0.05")
    type_size(qtbot, ticket, "1000")
    assert ticket.quantity() == D("0.016")  # 1,000 / 60,000 = 0.01666… rounded down to the step
    assert ticket.size_hint.text() == "= 0.016 BTC at the mark"
    ticket.size_unit.setCurrentIndex(0)
    assert ticket.quantity() == D("0.016")


def test_without_a_price_there_is_nothing_to_preview(qtbot):
    b = SessionBridge(Timeline(SessionHeader.new("10000")))
    ticket = OrderTicket(b)
    qtbot.addWidget(ticket)
    assert "no price yet" in ticket.preview.note.text()
    assert ticket.preview.cells[("cross", "margin")].text() == "—"
    QTest.mouseClick(ticket.buy, LEFT)
    assert "no mark price" in ticket.message.text() or "Enter a size" in ticket.message.text()
    assert b.view().positions == ()
