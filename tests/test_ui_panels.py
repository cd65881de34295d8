"""The trading panels driven like a person: the order ticket, the positions table with its toggle,
margin editor and close button, the margin bars and the event log."""
import csv
from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester

from sandbox.engine import Open, Price, SetMode
from sandbox.engine import text
from sandbox.session.model import SessionHeader
from sandbox.session.timeline import Timeline
from sandbox.ui.account_strip import AccountStrip
from sandbox.ui.bridge import SessionBridge
from sandbox.ui.event_log import EventLog
from sandbox.ui.margin_bars import MarginBars
from sandbox.ui.order_ticket import OrderTicket
from sandbox.ui.positions_model import CLOSE, LIQ, MODE, PositionsModel
from sandbox.ui.positions_table import PositionsTable


@pytest.fixture
def bridge(qtbot):
    b = SessionBridge(Timeline(SessionHeader.new("10000")))
    b.submit(Price("BTCUSDT", D("60000")))
    b.submit(Price("ETHUSDT", D("3000")))
    return b


def floor_tick(price, tick=D("0.1")):
    """What the panels show for a long's liquidation price: on the tick, rounded down."""
    return text.price((price / tick).to_integral_value("ROUND_FLOOR") * tick, tick)


def click_cell(qtbot, table, row, col):
    rect = table.view.visualRect(table.model.index(row, col))
    QTest.mouseClick(table.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())


def test_ticket_previews_both_modes_with_the_engines_numbers_and_opens(qtbot, bridge):
    ticket = OrderTicket(bridge)
    qtbot.addWidget(ticket)
    ticket.size.setValue(0.5)
    ticket.leverage.setValue(10)
    ticket.update_preview()
    for mode in ("cross", "isolated"):
        trial, events = bridge.preview(Open("BTCUSDT", "long", D("0.5"), 10, mode))
        lp = trial.liquidation_price(events[0].position)
        shown = ticket.cells[(mode, "liq")].text()
        assert shown == ("—" if lp is None else floor_tick(lp))
        assert ticket.cells[(mode, "margin")].text() == "3,000.00 USDT"
    assert ticket.cells[("isolated", "liq")].text() == "54,216.80"
    ticket.mode_cross.click()
    qtbot.mouseClick(ticket.place, Qt.MouseButton.LeftButton)
    [p] = bridge.view().positions
    assert (p.mode, p.qty, p.leverage) == ("cross", D("0.5"), 10)


def test_ticket_limits_leverage_to_the_bracket_and_shows_rejections(qtbot, bridge):
    ticket = OrderTicket(bridge)
    qtbot.addWidget(ticket)
    ticket.size.setValue(0.01)
    assert ticket.leverage.maximum() == 150  # BTCUSDT's first bracket
    ticket.size.setValue(10)  # 600,000 USDT: the 100× bracket
    assert ticket.leverage.maximum() == 100
    ticket.size.setValue(20)  # 1,200,000 USDT: 75× at most, and 16,000 USDT of margin
    assert ticket.leverage.maximum() == 75
    ticket.leverage.setValue(75)
    qtbot.mouseClick(ticket.place, Qt.MouseButton.LeftButton)
    assert "needs" in ticket.message.text() and "more available balance" in ticket.message.text()
    assert bridge.view().positions == ()


def test_notional_sizing(qtbot, bridge):
    ticket = OrderTicket(bridge)
    qtbot.addWidget(ticket)
    ticket.size_unit.setCurrentIndex(1)
    ticket.size.setValue(3000)
    assert ticket.quantity() == D("0.05")


def test_toggling_a_row_moves_its_liquidation_price_to_the_engines(qtbot, bridge):
    table = PositionsTable(bridge)
    qtbot.addWidget(table)
    table.resize(1300, 300)
    table.show()
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "cross"))
    cross_lp = table.model.index(0, LIQ).data()
    click_cell(qtbot, table, 0, MODE)
    p = bridge.view().positions[0]
    assert p.mode == "isolated"
    assert table.model.index(0, LIQ).data() == floor_tick(bridge.account.liquidation_price("p1"))
    assert table.model.index(0, LIQ).data() != cross_lp
    click_cell(qtbot, table, 0, MODE)
    assert bridge.view().positions[0].mode == "cross"


def test_margin_editor_previews_then_adds(qtbot, bridge):
    table = PositionsTable(bridge)
    qtbot.addWidget(table)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    before = bridge.account.liquidation_price("p1")
    dialog = table.edit_margin("p1")
    dialog.amount.setValue(200)
    trial, _ = bridge.preview(dialog.command())
    assert floor_tick(trial.liquidation_price("p1")) in dialog.preview.text()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert bridge.account.positions["p1"].isolated_wallet == D(500)
    assert bridge.account.liquidation_price("p1") < before
    dialog = table.edit_margin("p1")
    dialog.amount.setValue(-400)  # would leave less than the initial margin
    assert not dialog.ok.isEnabled() and "at most" in dialog.preview.text()


def test_close_part_and_all(qtbot, bridge):
    table = PositionsTable(bridge)
    qtbot.addWidget(table)
    table.resize(1300, 300)
    table.show()
    bridge.submit(Open("ETHUSDT", "short", D("2"), 10, "isolated"))
    table.close_part("p1", D("0.5"))
    assert bridge.account.positions["p1"].qty == D("1")
    click_cell(qtbot, table, 0, CLOSE)
    assert bridge.view().positions == () and table.model.rowCount() == 0


def test_a_rejection_shows_the_engines_sentence_and_changes_nothing(qtbot, bridge):
    table = PositionsTable(bridge)
    qtbot.addWidget(table)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "cross"))
    bridge.submit(Price("BTCUSDT", D("57200")))  # a loss the default isolated margin cannot hold
    before = bridge.view()
    table.send(SetMode("p1", "isolated"))
    assert table.message.isVisibleTo(table) and "would leave p1 liquidated" in table.message.text()
    assert bridge.view() == before


def test_an_isolated_liquidation_removes_the_row_flashes_the_bar_and_logs_it(qtbot, bridge):
    table, bars, log, strip = PositionsTable(bridge), MarginBars(bridge), EventLog(bridge), AccountStrip(bridge)
    for w in (table, bars, log, strip):
        qtbot.addWidget(w)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "short", D("1"), 5, "cross"))
    assert set(bars.bars) == {"p1", "cross"}
    cross_wallet = bridge.account.cross_wallet
    bridge.submit(Price("BTCUSDT", bridge.account.liquidation_price("p1")))
    assert [p.id for p in bridge.view().positions] == ["p2"] and table.model.rowCount() == 1
    assert "p1" not in bars.bars and bars.leaving  # flashing on its way out
    qtbot.waitUntil(lambda: not bars.leaving, timeout=3000)
    event, sentence = log.entries[-1]
    assert event.type == "liquidated" and "lost its 300.00 USDT margin" in sentence
    assert log.table.item(log.table.rowCount() - 1, 1).font().bold()
    assert bridge.account.cross_wallet == cross_wallet
    assert strip.values["cross_wallet"].text() == f"{cross_wallet:,.2f} USDT"


def test_the_model_passes_qtmodeltester(qtbot, bridge):
    model = PositionsModel(bridge)
    tester = ModelTester(None)
    tester.check(model)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "long", D("1"), 20, "cross"))
    bridge.submit(Price("BTCUSDT", D("58000")))
    bridge.submit(Price("BTCUSDT", D("50000")))
    tester.check(model)


def test_export_csv_writes_what_the_log_shows(qtbot, bridge, tmp_path):
    log = EventLog(bridge)
    qtbot.addWidget(log)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("BTCUSDT", "long", D("1000"), 20, "isolated"))  # rejected
    out = tmp_path / "events.csv"
    assert log.export_csv(out) == 2
    rows = list(csv.DictReader(out.open()))
    assert [r["type"] for r in rows] == ["opened", "rejected"]
    assert rows[0]["sentence"] == log.table.item(0, 1).text() and rows[1]["code"] == "insufficient_available"


def test_stepping_back_takes_log_lines_back(qtbot, bridge):
    log = EventLog(bridge)
    qtbot.addWidget(log)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    assert len(log.entries) == 1
    bridge.timeline.step_back()
    bridge.note_inputs([], urgent=True)
    bridge.publish()
    assert log.entries == [] and log.table.rowCount() == 0


def test_compare_panel_shows_each_profiles_liquidation_price(qtbot, bridge):
    from sandbox.profiles import load_profile
    from sandbox.ui.compare_panel import ComparePanel

    table = PositionsTable(bridge)
    qtbot.addWidget(table)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    qtbot.mouseClick(table.compare_button, Qt.MouseButton.LeftButton)
    panel = table.comparison.panel
    assert isinstance(panel, ComparePanel) and table.comparison.isVisible()
    assert panel.table.rowCount() == 1
    for col, name in enumerate(panel.profiles):
        expected = bridge.account.under(load_profile(name)).liquidation_price("p1")
        assert panel.table.item(0, col).text() == floor_tick(expected)
    # Bybit values maintenance at entry: 60,000 − (300 − 30) / 0.1 = 57,300 exactly
    assert panel.table.item(0, panel.profiles.index("bybit")).text() == "57,300.00"
