"""What one panel does to another, driven like a person: clicking a margin bar selects its row and
highlights its lines on the chart; selecting a row does the same; the chart's symbol tabs and the
ticket's symbol follow each other; switching the theme re-colours every panel at once."""

from __future__ import annotations

from decimal import Decimal as D

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from sandbox.engine import Open, Price
from sandbox.ui.positions.columns import SIDE

LEFT = Qt.MouseButton.LeftButton


def a_book(w):
    b = w.bridge
    b.submit(Price("BTCUSDT", D(60000)))
    b.submit(Price("ETHUSDT", D(3000)))
    b.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))  # p1
    b.submit(Open("ETHUSDT", "short", D(1), 10, "isolated"))  # p2
    b.submit(Open("BTCUSDT", "short", D("0.1"), 10, "cross"))  # p3
    b.submit(Open("ETHUSDT", "long", D(1), 10, "cross"))  # p4


def test_clicking_an_isolated_bar_selects_its_row_and_its_lines(make_window):
    w = make_window(live=False)
    a_book(w)
    chart = w.price_chart
    chart.set_symbol("BTCUSDT")
    QTest.mouseClick(w.margin_bars.bars["p2"], LEFT)
    assert w.positions.selected_positions() == ("p2",)
    assert chart.symbol == "ETHUSDT"  # its lines are on the ETH chart
    assert chart.levels.highlighted == {"p2"}
    assert {lv.position for lv in chart.levels.levels} == {"p2", "p4"}


def test_clicking_the_cross_pool_selects_every_cross_row(make_window):
    w = make_window(live=False)
    a_book(w)
    w.price_chart.set_symbol("BTCUSDT")
    QTest.mouseClick(w.margin_bars.bars["cross"], LEFT)
    assert w.positions.selected_positions() == ("p3", "p4")
    assert w.price_chart.levels.highlighted == {"p3", "p4"}
    assert w.price_chart.symbol == "BTCUSDT"  # p3's lines are already on screen


def test_selecting_a_row_highlights_its_lines(make_window):
    w = make_window(live=False)
    a_book(w)
    table = w.positions
    rect = table.view.visualRect(table.model.index(table.model.row_of("p4"), SIDE))
    QTest.mouseClick(table.view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, rect.center())
    assert w.price_chart.symbol == "ETHUSDT" and w.price_chart.levels.highlighted == {"p4"}


def test_the_charts_symbol_and_the_tickets_follow_each_other(make_window):
    w = make_window()
    for _ in range(10):
        w.loop.advance(0.1)
    chart, ticket = w.price_chart, w.order_ticket
    chart.tabs.setCurrentIndex(1)  # a click on the ETH tab
    assert chart.symbol == "ETHUSDT" and ticket.symbol.currentText() == "ETHUSDT"
    ticket.symbol.setFocus()
    QTest.keyClick(ticket.symbol, Qt.Key.Key_Down)  # the next symbol in the ticket's list
    assert ticket.symbol.currentText() == "SOLUSDT" and chart.symbol == "SOLUSDT"


def test_one_theme_change_recolours_every_panel(make_window):
    from sandbox.ui.theme import PALETTES, theme

    w = make_window(live=False)
    a_book(w)
    app = QApplication.instance()
    try:
        w.set_theme("light")
        light = PALETTES["light"]
        assert w.price_chart.plot.backgroundBrush().color().name() == light.bg
        assert w.account_chart.plot.backgroundBrush().color().name() == light.bg
        assert f"color: {light.muted}" in w.margin_bars.hint.styleSheet()
        assert f"color: {light.muted}" in w.account_strip.fields["equity"].name.styleSheet()
        assert f"color: {light.muted}" in w.event_log.counts.styleSheet()
        assert f"color: {light.isolated}" in w.order_ticket.preview.heads["isolated"].styleSheet()
        side = w.positions.model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole)
        assert side.name() == light.up
        assert not w.grab().toImage().isNull()
    finally:
        w.set_theme("dark")
    assert theme.name == "dark" and app.styleSheet()
