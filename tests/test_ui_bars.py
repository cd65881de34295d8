"""Margin bars and the account strip: a bar per isolated position and one for the cross pool with
the engine's ratios; a liquidation flashes its bar before it leaves, removes its row and adds a
highlighted log line, and an isolated one leaves the cross wallet alone."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from sandbox.engine import Open, Price, text
from sandbox.session.model import SessionHeader
from sandbox.session.timeline import Timeline
from sandbox.ui.account_strip import AccountStrip
from sandbox.ui.event_log import EventLog
from sandbox.ui.margin_bars import MarginBars
from sandbox.ui.positions.columns import LIQ
from sandbox.ui.positions.panel import PositionsPanel


@pytest.fixture
def bars(qtbot, bridge):
    w = MarginBars(bridge)
    qtbot.addWidget(w)
    w.resize(380, 400)
    w.show()
    return w


def test_one_bar_for_the_pool_and_one_per_isolated_position_with_the_engines_ratios(qtbot, bridge, bars):
    assert bars.bars == {} and bars.empty.isVisible()
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 5, "cross"))
    bridge.submit(Open("BTCUSDT", "short", D("0.1"), 10, "cross"))
    assert set(bars.bars) == {"p1", "cross"}
    order = [bars.column.itemAt(i).widget().key for i in range(bars.column.count() - 1)]
    assert order == ["cross", "p1"]  # the pool first
    bridge.submit(Price("BTCUSDT", D(58000)))
    v = bridge.view()
    p1 = next(p for p in v.positions if p.id == "p1")
    assert bars.bars["p1"].ratio_text == f"{p1.margin_ratio * 100:.2f} %"
    assert bars.bars["p1"].detail == (
        f"ratio {p1.margin_ratio * 100:.2f} % · balance {text.money(p1.margin_balance)} · "
        f"maint. {text.money(p1.maintenance_margin)} USDT"
    )
    # the bar fills with the share of the buffer used: loss ÷ (wallet − maintenance)
    loss = -p1.unrealized_pnl
    share = loss / (p1.isolated_wallet - p1.maintenance_margin)
    assert bars.bars["p1"].used == round(share, 8)
    assert bars.bars["p1"].used_text == f"{share * 100:.4f}"[:-3] + " % used"  # rounded down
    pool_loss = max(-v.cross_unrealized_pnl, D(0))
    assert bars.bars["cross"].used == round(pool_loss / (v.cross_wallet - v.cross_maintenance_margin), 8)
    assert bars.bars["cross"].ratio_text == f"{v.cross_margin_ratio * 100:.2f} %"
    assert bars.bars["cross"].title == "Cross pool · 2 positions"
    tip = bars.bars["p1"].tooltip()
    assert "margin ratio = maintenance margin / margin balance; liquidation at 100 %" in tip
    assert "0 % at entry, 100 % at the liquidation price" in tip
    assert not bars.empty.isVisible()


def test_bars_fill_toward_100_and_change_colour_at_the_bands(qtbot, bridge, bars):
    from sandbox.ui.ratio_bar import band_role

    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    lp = bridge.timeline.account.liquidation_price("p1")
    colours, fills = [], []
    for share in (D(0), D("0.3"), D("0.65"), D("0.95")):  # of the way from the entry to the liquidation
        bridge.submit(Price("BTCUSDT", (D(60000) - share * (D(60000) - lp)).quantize(D("0.1"))))
        bar = bars.bars["p1"]
        colours.append(band_role(bar.used))
        fills.append(bar.used)
        image = bar.grab().toImage()
        assert not image.isNull()
    assert fills[0] == 0 and fills == sorted(fills) and fills[-1] > D("0.9")
    assert colours == ["up", "up", "warn", "down"]  # green, amber at 50 %, red at 80 %


def test_an_isolated_liquidation_flashes_its_bar_removes_its_row_and_is_logged(qtbot, bridge, bars):
    table, log, strip = PositionsPanel(bridge), EventLog(bridge), AccountStrip(bridge)
    for w in (table, log, strip):
        qtbot.addWidget(w)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 5, "cross"))
    cross_wallet = bridge.timeline.account.cross_wallet
    bar = bars.bars["p1"]
    bridge.submit(Price("BTCUSDT", bridge.timeline.account.liquidation_price("p1")))
    # the row is gone, the bar is on its way out and says what happened
    assert [p.id for p in bridge.view().positions] == ["p2"] and table.model.rowCount() == 1
    assert "p1" not in bars.bars and list(bars.leaving.values()) == [bar]
    assert bar.liquidated and bar.used_text == "LIQUIDATED · 100 % used"
    assert bar.detail == "lost its 300.00 USDT margin; nothing else"
    qtbot.waitUntil(lambda: bar.flash > 0.5, timeout=3000)  # it flashes…
    qtbot.waitUntil(lambda: not bars.leaving, timeout=5000)  # …then leaves
    assert set(bars.bars) == {"cross"}
    # the log says so, highlighted
    event, sentence = log.entries[-1]
    assert event.type == "liquidated" and "lost its 300.00 USDT margin" in sentence
    index = log.model.index(log.row_count() - 1, 1)
    assert (
        index.data(Qt.ItemDataRole.FontRole).bold() and index.data(Qt.ItemDataRole.BackgroundRole) is not None
    )
    # and the cross wallet did not move
    assert bridge.timeline.account.cross_wallet == cross_wallet
    assert strip.values["cross_wallet"].text() == f"{text.money(cross_wallet)} USDT"


def test_a_cross_liquidation_flashes_the_pool_and_leaves_isolated_bars(qtbot, bridge, bars):
    bridge.submit(Open("BTCUSDT", "long", D(1), 10, "cross"))
    bridge.submit(Open("ETHUSDT", "long", D(1), 10, "isolated"))
    pool = bars.bars["cross"]
    lp = next(p for p in bridge.view().positions if p.id == "p1").liquidation_price
    bridge.submit(Price("BTCUSDT", lp))
    assert "cross" not in bars.bars and pool in bars.leaving.values() and "p2" in bars.bars
    assert pool.title.startswith("Cross pool at BTCUSDT") and pool.used_text == "LIQUIDATED · 100 % used"
    qtbot.waitUntil(lambda: not bars.leaving, timeout=5000)
    assert set(bars.bars) == {"p2"}


def test_clicking_a_bar_says_which(qtbot, bridge, bars):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    with qtbot.waitSignal(bars.activated) as blocker:
        QTest.mouseClick(bars.bars["p1"], Qt.MouseButton.LeftButton)
    assert blocker.args == ["p1"]


def test_a_new_timeline_drops_every_bar(qtbot, bridge, bars):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.set_timeline(Timeline(SessionHeader.new("10000")))
    assert bars.bars == {} and bars.leaving == {}


def test_the_account_strip_shows_the_engines_numbers_and_how_they_were_got(qtbot, bridge):
    strip = AccountStrip(bridge)
    qtbot.addWidget(strip)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 10, "cross"))
    bridge.submit(Price("ETHUSDT", D(2900)))
    v = bridge.view()
    for key in ("cross_wallet", "isolated_wallets", "available", "total_wallet", "equity", "insurance_fund"):
        assert strip.values[key].text() == f"{text.money(getattr(v, key))} USDT"
    assert strip.values["cross_margin_ratio"].text() == f"{v.cross_margin_ratio * 100:.2f} %"
    assert strip.tooltip("available").startswith(
        f"available = cross margin balance {text.money(v.cross_margin_balance)} − cross initial margin "
        f"{text.money(v.cross_initial_margin)} = {text.money(v.available)} USDT"
    )
    assert "isolated wallets = p1 300.00 = 300.00 USDT" in strip.tooltip("isolated_wallets")
    assert "liquidation at 100 %" in strip.tooltip("cross_margin_ratio")


@pytest.mark.parametrize("mode", ["isolated", "cross"])
def test_a_bar_reads_0_at_entry_and_100_exactly_at_the_liquidation_price_shown(make_window, qtbot, mode):
    """Typed into the price box like a person: 0 % used at the entry, below 100 % one tick before
    the liquidation price the table shows, 100 % at it (where it fires)."""
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("BTCUSDT", D(60000)))
    b.submit(Open("BTCUSDT", "long", D("0.5"), 10, mode))
    key = "p1" if mode == "isolated" else "cross"
    bar = w.margin_bars.bars[key]
    assert bar.used == 0 and bar.used_text == "0.0 % used"
    p = b.position("p1")
    tick = b.instrument("BTCUSDT").tick_size
    shown = text.liquidation_at_tick(p.liquidation_price, p.mark_price, tick)
    table = w.positions.model
    assert table.data(table.index(0, LIQ)) == text.price(shown, tick)

    def type_price(value):
        box = w.price_sliders.row("BTCUSDT").price
        box.setFocus()
        box.selectAll()
        QTest.keyClicks(box, str(value))
        QTest.keyClick(box, Qt.Key.Key_Return)

    type_price(shown + tick)
    assert b.position("p1") is not None
    assert D("0.99") < bar.used < 1 and bar.used_text.startswith("99.")
    type_price(shown)
    assert b.position("p1") is None and b.mark("BTCUSDT") == shown  # it fired at the price shown
    assert bar.liquidated and bar.used_text == "LIQUIDATED · 100 % used"


def test_a_partial_liquidation_step_flashes_the_bar_and_keeps_it(qtbot):
    """Bybit steps a large position down a risk tier instead of closing it: its bar flashes and
    stays (the position goes on, smaller); the table keeps the row."""
    from sandbox.ui.bridge import SessionBridge

    b = SessionBridge(Timeline(SessionHeader.new("2000000", "bybit")))
    bars = MarginBars(b)
    qtbot.addWidget(bars)
    bars.show()
    b.submit(Price("BTCUSDT", D(62500)))
    b.submit(Open("BTCUSDT", "long", D(48), 50, "isolated"))
    bar = bars.bars["p1"]
    events = b.submit(Price("BTCUSDT", D(61580)))
    step = next(e for e in events if e.type == "liquidated")
    assert step.step == "tier_step" and b.position("p1").qty == D("41.6")
    assert bars.bars["p1"] is bar and not bar.liquidated and not bars.leaving
    qtbot.waitUntil(lambda: bar.flash > 0.5, timeout=3000)
