"""Orders in the window, driven like a person: a limit from the ticket rests in the Orders tab and
reserves margin in the strip; cancelling it from the tab removes its line from the chart; dragging
a stop-loss line moves the order to the dropped price on the tick, and a move the engine refuses
snaps back with its sentence; a take-profit set from a row fires and the row leaves."""

from __future__ import annotations

from decimal import Decimal as D

from orders_support import (
    click,
    drag,
    dropped_price,
    line_point,
    priced_window,
    show_prices,
    type_into,
    type_mark,
)
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from sandbox.engine import Funding, Open, Order, text
from sandbox.ui.account_strip import shown
from sandbox.ui.orders.model import INDEX as ORDER_COLUMNS
from sandbox.ui.positions.columns import EXITS, SIZE
from sandbox.ui.positions.exits_dialog import ExitsDialog

TICK = D("0.1")  # BTCUSDT on binance-usdm


def order_cell(w, oid: str, key: str) -> str:
    model = w.orders.model
    return model.index(model.row_of(oid), ORDER_COLUMNS[key]).data()


def place_limit_from_the_ticket(w, price: str, size: str = "0.1"):
    ticket = w.order_ticket
    click(ticket.order_type.kind_buttons["limit"])
    type_into(ticket.order_type.price_box, price)
    type_into(ticket.size_box, size)
    click(ticket.buy)


def test_a_limit_from_the_ticket_rests_in_the_orders_tab_and_reserves_margin_in_the_strip(make_window):
    w = priced_window(make_window)
    available = w.bridge.view().available
    place_limit_from_the_ticket(w, "59000")
    [o] = w.bridge.orders()
    assert (o.id, o.kind, o.side, o.qty, o.price, o.position, o.opens) == (
        "o1",
        "limit",
        "long",
        D("0.1"),
        D(59000),
        "p1",
        True,
    )
    # What it holds: 10× margin on 5,900 and the taker fee (0.05 %) at its price, worked out here.
    held = D(590) + D(5900) * D("0.0005")
    assert o.reserved == held
    assert w.order_ticket.message.text().startswith("placed o1: limit to open long 0.1 BTCUSDT at 59,000.00")
    # The Orders tab lists it the way the engine has it.
    assert w.orders.model.rowCount() == 1
    assert order_cell(w, "o1", "kind") == "Limit (entry)"
    assert order_cell(w, "o1", "position") == "opens p1"
    assert order_cell(w, "o1", "price") == "59,000.00"
    assert order_cell(w, "o1", "reserved") == "592.95"
    assert order_cell(w, "o1", "distance") == "−1.67 %"
    # The strip shows the reservation, and the available balance gave it up.
    assert w.account_strip.values["reserved"].text() == "592.95 USDT"
    assert w.bridge.view().available == available - held
    assert w.account_strip.values["available"].text() == shown("available", w.bridge.view())
    assert "o1 592.95" in w.account_strip.tooltip("reserved")
    # Nothing opened yet; the chart draws it as an entry line.
    assert w.bridge.positions() == ()
    assert [(line.order, line.role, line.value) for line in w.price_chart.order_lines.item.lines] == [
        ("o1", "entry", 59000.0)
    ]
    # The mark falls to it: it fills at its own price as a maker and the row appears.
    type_mark(w, "BTCUSDT", "58950")
    assert w.orders.model.rowCount() == 0 and w.bridge.view().reserved == 0
    [p] = w.bridge.positions()
    assert (p.id, p.entry_price, p.qty) == ("p1", D(59000), D("0.1"))
    sentences = [s for _, s in w.event_log.entries]
    assert "o1 (limit) filled at 59,000.00 as a maker: opened p1" in sentences


def test_cancelling_from_the_orders_tab_removes_the_line_and_the_reservation(make_window):
    w = priced_window(make_window)
    place_limit_from_the_ticket(w, "59000")
    w.docks["orders"].raise_()
    panel = w.orders
    assert w.price_chart.order_lines.item.line("o1") is not None
    QTest.mouseClick(
        panel.view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        panel.cancel_point("o1"),
    )
    assert panel.model.rowCount() == 0
    assert w.price_chart.order_lines.item.lines == []
    assert w.account_strip.values["reserved"].text() == "0.00 USDT"
    assert w.event_log.entries[-1][1] == "o1 cancelled"
    assert panel.summary.text().startswith("No resting orders")


def test_the_ticket_puts_a_take_profit_and_stop_loss_on_a_market_open(make_window):
    w = priced_window(make_window)
    ticket = w.order_ticket
    type_into(ticket.size_box, "0.1")
    click(ticket.order_type.tp_check)
    click(ticket.order_type.sl_check)
    type_into(ticket.order_type.tp_box, "63000")
    type_into(ticket.order_type.sl_box, "57000")
    click(ticket.buy)
    exits = {o.kind: o for o in w.bridge.exits("p1")}
    assert (exits["take_profit"].price, exits["stop"].price) == (D(63000), D(57000))
    assert all(o.close_all and not o.opens for o in exits.values())
    row = w.positions.model.row_of("p1")
    assert w.positions.model.index(row, EXITS).data() == "TP 63,000.00 · SL 57,000.00"
    # A sell with the same TP and SL is refused (a short's take-profit lies below the mark): the
    # whole is checked on a copy first, so nothing at all is sent.
    before = len(w.bridge.timeline.commands)
    click(ticket.sell)
    assert len(w.bridge.timeline.commands) == before
    assert "take_profit would trigger at once" in ticket.message.text()


def test_a_limit_with_tp_and_sl_gets_them_when_it_fills(make_window, qtbot):
    w = priced_window(make_window)
    ticket = w.order_ticket
    click(ticket.order_type.kind_buttons["limit"])
    type_into(ticket.order_type.price_box, "59000")
    type_into(ticket.size_box, "0.1")
    click(ticket.order_type.tp_check)
    click(ticket.order_type.sl_check)
    type_into(ticket.order_type.tp_box, "62000")
    type_into(ticket.order_type.sl_box, "57500")
    assert ticket.order_type.summary.text().startswith(
        "Buy: rests at 59,000.00 (holds 592.95, maker fee 1.18) · TP 62,000.00 · SL 57,500.00"
    )
    click(ticket.buy)
    assert [o.id for o in w.bridge.orders()] == ["o1"] and w.bridge.exits("p1") == ()
    assert "take-profit at 62,000.00 and a stop-loss at 57,500.00" in w.orders.model.tooltip(
        w.bridge.order("o1")
    )
    type_mark(w, "BTCUSDT", "58990")
    qtbot.waitUntil(lambda: len(w.bridge.exits("p1")) == 2)
    assert sorted((o.kind, o.price) for o in w.bridge.exits("p1")) == [
        ("stop", D(57500)),
        ("take_profit", D(62000)),
    ]
    # The log reads in the order it happened: the fill, then the two exits.
    assert [e.type for e, _ in w.event_log.entries[-4:]] == [
        "order_filled",
        "opened",
        "order_placed",
        "order_placed",
    ]


def stop_on(w, price: str):
    w.bridge.submit(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    w.bridge.submit(Order("stop", D(price), position="p1"))
    return w.bridge.order("o1")


def test_dragging_a_stop_line_moves_the_order_to_the_dropped_price_on_the_tick(make_window, qtbot):
    w = priced_window(make_window)
    stop_on(w, "57000")
    chart = w.price_chart
    chart.set_symbol("BTCUSDT")
    show_prices(chart, 55000, 61000)
    start = line_point(chart, 57000.0)
    end = QPoint(start.x() + 30, start.y() - 37)  # up, to about 57,6xx
    drag(qtbot, chart, start, end)
    expected = dropped_price(chart, end, TICK)
    assert D(57300) < expected < D(58000)
    o = w.bridge.order("o1")
    assert (o.kind, o.position, o.price) == ("stop", "p1", expected)  # the same order, moved
    assert o.price % TICK == 0
    assert [line.value for line in chart.order_lines.item.lines] == [float(expected)]
    assert (
        w.positions.model.index(w.positions.model.row_of("p1"), EXITS).data()
        == f"SL {text.price(expected, TICK)}"
    )
    said = [s for _, s in w.event_log.entries[-2:]]
    assert said[0] == "o1 cancelled" and said[1].startswith("placed o1: stop to close all of p1")


def test_a_move_the_engine_refuses_snaps_back_and_says_why(make_window, qtbot):
    w = priced_window(make_window)
    stop_on(w, "57000")
    chart = w.price_chart
    show_prices(chart, 55000, 62000)
    start = line_point(chart, 57000.0)
    end = line_point(chart, 61000.0)  # above the mark: a long's stop there would trigger at once
    inputs = len(w.bridge.timeline.commands)
    drag(qtbot, chart, start, end)
    assert w.bridge.order("o1").price == D(57000)  # snapped back
    assert len(w.bridge.timeline.commands) == inputs  # nothing was sent
    assert [line.value for line in chart.order_lines.item.lines] == [57000.0]
    oid, why = chart.order_lines.item.refusal
    assert oid == "o1" and "this stop would trigger at once (Binance error -2021)" in why
    assert (
        w.statusBar()
        .currentMessage()
        .startswith("o1 was not moved: the mark 60,000.00 is already at or below")
    )


def test_a_press_away_from_any_line_pans_the_chart(make_window, qtbot):
    w = priced_window(make_window)
    stop_on(w, "57000")
    chart = w.price_chart
    show_prices(chart, 55000, 61000)
    start = line_point(chart, 59000.0)
    drag(qtbot, chart, start, QPoint(start.x() + 40, start.y() + 40))
    assert w.bridge.order("o1").price == D(57000)
    assert chart.view_box.viewRange()[1][0] != 55000  # the view moved instead


def test_a_take_profit_set_from_a_row_fires_and_the_row_leaves(make_window, qtbot):
    w = priced_window(make_window)
    w.bridge.submit(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    panel = w.positions
    QTest.mouseClick(
        panel.view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        panel.target_point("p1", "exits"),
    )
    dialog = panel.dialog
    assert isinstance(dialog, ExitsDialog) and dialog.isVisible()
    click(dialog.tp_check)
    type_into(dialog.tp_box, "63000")
    # What it would realise, from the engine's copy: (63,000 − 60,000) × 0.1 less the taker fee
    # 0.05 % of 6,300.
    assert dialog.cells[("tp_pnl", "after")].text() == "+296.85"
    click(dialog.ok)
    assert not dialog.isVisible()
    [tp] = w.bridge.exits("p1")
    assert (tp.kind, tp.price, tp.close_all) == ("take_profit", D(63000), True)
    row = panel.model.row_of("p1")
    assert panel.model.index(row, EXITS).data() == "TP 63,000.00"
    type_mark(w, "BTCUSDT", "63010")
    assert panel.model.rowCount() == 0
    assert w.bridge.orders() == ()
    sentences = [s for _, s in w.event_log.entries]
    assert "o1 (take-profit) filled at 63,010.00 as a taker: closed 0.1 of p1" in sentences


def test_the_exits_editor_sets_the_stop_against_the_liquidation_price(make_window):
    w = priced_window(make_window)
    w.bridge.submit(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    p = w.bridge.position("p1")
    liq = text.liquidation(p.liquidation_price, p.mark_price, TICK)
    dialog = w.positions.edit_exits("p1")
    click(dialog.sl_check)
    type_into(dialog.sl_box, "57000")
    # (57,000 − 60,000) × 0.1 = −300, and the taker fee 0.05 % of 5,700 = 2.85.
    assert dialog.cells[("sl_pnl", "after")].text() == "-302.85"
    assert dialog.message.text() == (
        f"The stop-loss at 57,000.00 would close p1 before its liquidation price {liq}: lose 302.85 USDT "
        f"(after the fee) instead of its 600.00 USDT margin."
    )
    type_into(dialog.sl_box, "50000")  # past the liquidation price
    assert dialog.cells[("sl_pnl", "after")].text() == "liquidated first"
    assert dialog.message.text().startswith(
        f"The stop-loss at 50,000.00 lies past the liquidation price {liq}"
    )
    type_into(dialog.sl_box, "61000")  # above the mark: the engine refuses it
    assert not dialog.ok.isEnabled()
    assert "this stop would trigger at once" in dialog.message.text()
    type_into(dialog.sl_box, "57000")
    click(dialog.ok)
    [sl] = w.bridge.exits("p1")
    # Editing it again moves the same order (cancel + place with its id); unticking removes it.
    dialog = w.positions.edit_exits("p1")
    assert dialog.sl_check.isChecked() and dialog.cells[("sl", "now")].text() == "57,000.00"
    type_into(dialog.sl_box, "57500")
    click(dialog.ok)
    [moved] = w.bridge.exits("p1")
    assert (moved.id, moved.price) == (sl.id, D(57500))
    dialog = w.positions.edit_exits("p1")
    click(dialog.sl_check)
    click(dialog.ok)
    assert w.bridge.exits("p1") == ()
    assert w.positions.model.index(w.positions.model.row_of("p1"), EXITS).data() == "+ TP / SL"


def stop_before_the_liquidation(w):
    """p1: 0.5 BTC long at 60,000, 20× isolated (1,500 margin; bankrupt at 57,000), and a stop
    five ticks above its liquidation price."""
    w.bridge.submit(Open("BTCUSDT", "long", D("0.5"), 20, "isolated"))
    p = w.bridge.position("p1")
    at = text.liquidation_at_tick(p.liquidation_price, p.mark_price, TICK)
    w.bridge.submit(Order("stop", at + 50, position="p1"))
    return at


def test_a_stop_before_the_liquidation_price_reads_as_the_engine_says(make_window):
    w = priced_window(make_window)
    at = stop_before_the_liquidation(w)
    type_mark(w, "BTCUSDT", str(at - 100))  # a gap through both, short of the bankruptcy price
    sentence = next(s for e, s in w.event_log.entries if e.type == "order_filled")
    # (57,128.9 − 60,000) × 0.5 = −1,435.55, and the taker fee 0.05 % of 28,564.45 = 14.28.
    assert sentence.startswith(
        f"the stop at {text.price(at + 50, TICK)} closed p1 before its liquidation price 57,228.9"
    )
    assert sentence.endswith(": lost 1,449.83 USDT instead of its 1,500.00 margin")
    assert w.positions.model.rowCount() == 0
    assert not any(e.type == "liquidated" for e, _ in w.event_log.entries)
    assert ("info", sentence) in w.notices.recent  # a notice says it too


def test_a_stop_that_cannot_pay_its_loss_gives_way_to_the_liquidation_and_says_so(make_window):
    w = priced_window(make_window)
    at = stop_before_the_liquidation(w)
    type_mark(w, "BTCUSDT", str(at - 500))  # past the bankruptcy price: more than the margin
    said = [s for _, s in w.event_log.entries[-2:]]
    assert said[0].startswith("o1 cancelled when it triggered: closing 0.5 of p1 at 56,728.90 would lose")
    assert said[1].startswith(
        "BTCUSDT long (isolated) liquidated at 56,728.90: lost its 1,500.00 USDT margin"
    )
    assert w.positions.model.rowCount() == 0 and w.orders.model.rowCount() == 0
    assert ("warning", said[0]) in w.notices.recent


def test_a_hyperliquid_slice_keeps_the_row_with_its_smaller_size(make_window):
    """Hyperliquid liquidates a position above 100,000 USDT a fifth at a time (H3 in
    tests/test_partial_liquidation.py): the row stays, smaller, and so does its margin bar."""
    w = priced_window(make_window, btc="100000", profile="hyperliquid", balance="100000")
    w.bridge.submit(Open("BTCUSDT", "long", D(2), 20, "isolated"))
    type_mark(w, "BTCUSDT", "96000")
    model = w.positions.model
    assert model.rowCount() == 1
    assert model.index(model.row_of("p1"), SIZE).data() == "1.60000 BTC"
    assert "p1" in w.margin_bars.bars and not w.margin_bars.leaving
    liquidated = [s for e, s in w.event_log.entries if e.type == "liquidated"]
    assert liquidated == [
        "p1 (BTCUSDT isolated) partly liquidated at 96,000.00 (slice 1): 0.4 closed, 1.6 left, realised "
        "-1,600.00, fee 0.00 USDT; the margin stays with what is left"
    ]
    # The wallet keeps its margin with what is left: 10,000 − 1,600.
    assert w.bridge.position("p1").isolated_wallet == D(8400)


def test_the_comparison_replays_the_session_with_its_orders_and_funding(make_window):
    w = priced_window(make_window)
    w.bridge.submit(Open("BTCUSDT", "long", D("0.1"), 10, "isolated"))
    w.bridge.submit(Order("stop", D(57000), position="p1"))
    w.bridge.submit(Funding("BTCUSDT", D("0.0001")))  # a settlement, as a recorded session has them
    dialog = w.positions.show_comparison()
    replayed = dialog.panel.replayed
    click(replayed.button)
    shown = replayed.text.toPlainText()
    # Under every profile p1 paid 0.0001 × 0.1 × 60,000 = 0.60 and its stop still rests.
    line = next(x for x in shown.splitlines() if "funding paid" in x)
    assert line.split().count("0.60") == 4  # a column per profile
    assert shown.splitlines()[-5:] == [
        "resting orders at the end",
        "  binance-usdm: o1 stop BTCUSDT long at 57000",
        "  bybit: o1 stop BTCUSDT long at 57000",
        "  hyperliquid: o1 stop BTCUSDT long at 57000",
        "  okx: o1 stop BTCUSDT long at 57000",
    ]


def test_orders_are_announced_as_they_come_go_and_shrink(qtbot, bridge):
    """The bridge's typed signals: placed → added, a partial close shrinks a close-all order's
    quantity (changed), a fill or cancel → removed."""
    from sandbox.engine import Cancel, Close

    bridge.submit(Open("BTCUSDT", "long", D("0.4"), 10, "cross"))
    with qtbot.waitSignal(bridge.orders_added) as added:
        bridge.submit(Order("take_profit", D(66000), position="p1"))
    assert added.args == [("o1",)] and bridge.order("o1").qty == D("0.4")
    with qtbot.waitSignal(bridge.orders_changed) as changed:
        bridge.submit(Close("p1", D("0.1")))
    assert changed.args == [("o1",)] and bridge.order("o1").qty == D("0.3")
    assert [o.id for o in bridge.exits("p1")] == ["o1"]
    with qtbot.waitSignal(bridge.orders_removed) as removed:
        bridge.submit(Cancel("o1"))
    assert removed.args == [("o1",)] and bridge.orders() == () and bridge.exits("p1") == ()


def test_delete_in_the_orders_tab_cancels_the_selected_order(make_window):
    w = priced_window(make_window)
    place_limit_from_the_ticket(w, "59000")
    w.docks["orders"].raise_()
    view = w.orders.view
    view.setFocus()
    view.setCurrentIndex(w.orders.model.index(0, 0))
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert w.bridge.orders() == () and w.orders.model.rowCount() == 0


def test_stepping_back_before_an_order_takes_its_line_and_row_away_and_forward_brings_them_back(make_window):
    w = priced_window(make_window)
    place_limit_from_the_ticket(w, "59000")
    assert w.orders.model.rowCount() == 1
    w.loop.step_back()  # before the order was placed
    assert w.orders.model.rowCount() == 0 and w.price_chart.order_lines.item.lines == []
    assert w.account_strip.values["reserved"].text() == "0.00 USDT"
    w.loop.step_forward()
    assert [o.id for o in w.orders.model.orders()] == ["o1"]
    assert [line.order for line in w.price_chart.order_lines.item.lines] == ["o1"]


def test_a_stop_from_the_ticket_rests_above_the_mark_for_a_buy_and_is_refused_for_a_sell(make_window):
    w = priced_window(make_window)
    ticket = w.order_ticket
    click(ticket.order_type.kind_buttons["stop"])
    assert ticket.order_type.price() == D(60600)  # prefilled 1 % above the mark, on the tick
    type_into(ticket.size_box, "0.1")
    lines = ticket.order_type.summary.text().splitlines()
    # A buy stop at 60,600 rests; it fills at the mark that crosses it, as a taker (0.05 % of 6,060).
    assert lines[0] == "Buy: rests at 60,600.00 (holds 609.03, taker fee 3.03)"
    assert lines[1].startswith(
        "Sell: refused: the mark 60,000.00 is already at or below 60,600.00: this stop"
    )
    assert ticket.preview.row_names["fee"].text() == "Fee (taker)"
    assert ticket.preview.cells[("isolated", "liq_short")].text() == "rejected"
    click(ticket.sell)
    assert w.bridge.orders() == () and "this stop would trigger at once" in ticket.message.text()
    click(ticket.buy)
    [o] = w.bridge.orders()
    assert (o.kind, o.side, o.price, o.fires) == ("stop", "long", D(60600), "above")
