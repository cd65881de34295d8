"""The event log: every fill, switch, adjustment, rejection and liquidation as the sentence the
report gives, with its time, liquidations highlighted; the CSV export writes what the log shows,
atomically; seeking back takes lines back."""

from __future__ import annotations

import csv
from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt

from sandbox.engine import AdjustMargin, Close, Open, Price, SetLeverage, SetMode
from sandbox.session.jsonlines import format_decimal
from sandbox.session.model import SessionHeader
from sandbox.session.report import describe
from sandbox.session.timeline import Timeline
from sandbox.ui import event_log
from sandbox.ui.event_log import CSV_COLUMNS, EventLog
from sandbox.ui.positions.panel import PositionsPanel


@pytest.fixture
def log(qtbot, bridge):
    w = EventLog(bridge)
    qtbot.addWidget(w)
    w.resize(900, 300)
    w.show()
    return w


def a_session(bridge):
    """One of everything: fills, a switch, margin in, a leverage change, a part close, a
    rejection, an isolated liquidation."""
    table = PositionsPanel(bridge)
    table.send(Open("BTCUSDT", "long", D("0.1"), 20, "cross"))
    table.send(SetMode("p1", "isolated"))
    table.send(AdjustMargin("p1", D(100)))
    table.send(Open("ETHUSDT", "short", D(2), 10, "cross"))
    table.send(SetLeverage("p2", 5))
    table.send(Close("p2", D("0.5")))
    table.send(Open("BTCUSDT", "long", D(100), 20, "isolated"))  # rejected: far too big
    bridge.submit(Price("BTCUSDT", bridge.timeline.account.liquidation_price("p1")))
    table.deleteLater()


def shown(log, row, col):
    return log.model.index(row, col).data()


def test_every_kind_of_event_is_a_sentence_with_its_time(qtbot, bridge, log):
    a_session(bridge)
    kinds = [e.type for e, _ in log.entries]
    assert kinds == [
        "opened",
        "mode_changed",
        "margin_adjusted",
        "opened",
        "leverage_changed",
        "closed",
        "rejected",
        "liquidated",
    ]
    assert log.row_count() == 8 and log.counts.text() == "8 events · 1 liquidation · 1 rejected"
    for row, (event, sentence) in enumerate(log.entries):
        assert sentence == bridge.describe(event) == shown(log, row, 1)
        if event.type != "rejected":  # the report's sentence; a rejection's is in words
            assert sentence == describe(event, bridge.timeline.account)
        assert shown(log, row, 0) == "0:00:00.000"
    assert shown(log, 1, 1) == "p1 switched cross → isolated, isolated wallet 300.00 USDT"
    assert shown(log, 2, 1) == "added 100.00 USDT to p1: isolated wallet 400.00 USDT"
    rejected = log.model.index(6, 1)
    assert (
        rejected.data().startswith("Order rejected: opening long 100 BTCUSDT")
        and "more available balance" in rejected.data()
    )
    assert rejected.data(Qt.ItemDataRole.ForegroundRole).color().name() in ("#f6465d", "#d9304f")
    liquidated = log.model.index(7, 1)
    assert "lost its 400.00 USDT margin; the rest of the account is untouched" in liquidated.data()
    assert liquidated.data(Qt.ItemDataRole.FontRole).bold()
    assert liquidated.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert log.model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole) is None


def test_export_csv_writes_what_the_log_shows(qtbot, bridge, log, tmp_path):
    a_session(bridge)
    out = tmp_path / "events.csv"
    assert log.export_csv(out) == log.row_count() == 8
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == list(CSV_COLUMNS)
    for row, r in enumerate(rows):
        event = log.model.events[row]
        assert r["sentence"] == shown(log, row, 1) and r["time"] == shown(log, row, 0)
        assert r["t_ms"] == str(event.t) and r["type"] == event.type
    opened = rows[0]
    assert (opened["positions"], opened["symbol"], opened["side"], opened["mode"]) == (
        "p1",
        "BTCUSDT",
        "long",
        "cross",
    )
    assert opened["qty"] == "0.1" and opened["price"] == "60000"
    first = log.model.events[0]
    assert opened["fee"] == format_decimal(first.fee) and opened["margin"] == format_decimal(first.margin)
    assert D(opened["margin"]) == 300 and D(opened["fee"]) == 3  # exact decimals, as the engine has them
    assert rows[2]["amount"] == "100" and D(rows[2]["isolated_wallet"]) == 400
    assert rows[6]["code"] == "insufficient_available" and rows[6]["shortfall"]
    liq = rows[7]
    event = log.model.events[7]
    assert liq["positions"] == "p1" and D(liq["wallet_before"]) == 400
    assert liq["wallet_after"] == format_decimal(event.wallet_after)
    assert liq["price"] == format_decimal(event.price) and liq["liquidation_price"] == format_decimal(
        event.liquidation_price
    )
    assert liq["insurance_fund_change"] == format_decimal(event.insurance_fund) and D(liq["shortfall"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["events.csv"]  # no temporary file left behind


def test_a_failed_export_leaves_the_old_file_whole(qtbot, bridge, log, tmp_path, monkeypatch):
    a_session(bridge)
    out = tmp_path / "events.csv"
    out.write_text("the previous export\n", encoding="utf-8")
    calls = []

    def failing(event, sentence):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return [event.t, sentence]

    monkeypatch.setattr(event_log, "csv_row", failing)
    with pytest.raises(OSError):
        log.export_csv(out)
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["events.csv"]


def test_stepping_back_takes_log_lines_back_and_forward_brings_them_again(qtbot, bridge, log):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "long", D(1), 20, "isolated"))
    assert log.row_count() == 2
    removed = []
    log.model.rowsRemoved.connect(lambda parent, first, last: removed.append((first, last)))
    bridge.timeline.step_back()
    bridge.note_inputs([], urgent=True)
    bridge.publish()
    assert log.row_count() == 1 and removed == [(1, 1)]  # only the tail went
    bridge.timeline.step_back()
    bridge.note_inputs([], urgent=True)
    bridge.publish()
    assert log.entries == [] and log.row_count() == 0


def test_a_new_timeline_starts_a_new_log(qtbot, bridge, log):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.set_timeline(Timeline(SessionHeader.new("10000")))
    assert log.row_count() == 0 and log.counts.text() == "0 events"


def test_the_log_follows_new_lines_only_while_at_the_bottom(qtbot, bridge, log):
    log.resize(600, 120)
    for _i in range(30):
        bridge.submit(Open("BTCUSDT", "long", D(100), 20, "isolated"))  # rejected each time
    bar = log.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.value() == bar.maximum()
    bar.setValue(0)  # the user scrolls up to read
    bridge.submit(Open("BTCUSDT", "long", D(100), 20, "isolated"))
    assert bar.value() == 0 and log.row_count() == 31


def test_a_gap_past_bankruptcy_reads_as_what_the_insurance_fund_paid(qtbot, bridge, log, tmp_path):
    """A 10× isolated long whose price gaps far below its bankruptcy price: the wallet stops at
    zero, the fund pays the rest. The strip says "paid", the CSV's shortfall holds it."""
    from sandbox.ui.account_strip import AccountStrip

    strip = AccountStrip(bridge)
    qtbot.addWidget(strip)
    bridge.submit(Open("BTCUSDT", "long", D("0.5"), 10, "isolated"))  # 3,000 USDT of margin at 60,000
    bridge.submit(Price("BTCUSDT", D(50000)))  # 5,000 lost on a 3,000 wallet
    event = log.model.events[-1]
    assert event.type == "liquidated"
    paid = D("0.5") * (D(60000) - D(50000)) - D(3000)  # the model: the loss beyond the wallet
    assert event.insurance_fund == -paid
    assert strip.values["insurance_fund"].text() == "paid 2,000.00 USDT"
    tip = strip.tooltip("insurance_fund")
    assert "starts at 0" in tip and "paid 2,000.00 USDT: shortfalls" in tip and "net -2,000.00 USDT" in tip
    log.export_csv(tmp_path / "events.csv")
    with open(tmp_path / "events.csv", encoding="utf-8", newline="") as f:
        row = list(csv.DictReader(f))[-1]
    assert D(row["shortfall"]) == paid and D(row["insurance_fund_change"]) == -paid
    assert "insurance_fund" not in row  # the column says what it holds: the change


def test_a_liquidation_sentence_is_never_cut(qtbot, bridge, log):
    """Its row is as tall as the sentence needs at the column's width, narrow or wide."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFont, QFontMetrics

    a_session(bridge)
    row = log.model.liq_rows[-1]
    assert isinstance(log.model.events[row], type(bridge.liquidations()[-1]))
    sentence = log.sentence(row)
    font = QFont(log.table.font())
    font.setBold(True)
    fm = QFontMetrics(font)
    for width in (420, 900):
        log.resize(width, 300)
        qtbot.wait(10)
        column = log.table.columnWidth(1) - 8
        needed = fm.boundingRect(QRect(0, 0, column, 10_000), int(event_log._WRAP), sentence).height()
        assert log.table.rowHeight(row) >= needed
        assert log.table.rowHeight(0) == event_log.ROW_HEIGHT  # the others stay one line
    log.resize(420, 300)
    qtbot.wait(10)
    assert log.table.rowHeight(row) > event_log.ROW_HEIGHT  # at 420 pixels it takes several lines
    assert log.grab().toImage().isNull() is False
