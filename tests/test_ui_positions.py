"""The positions table driven like a person: the cross/isolated switch, the leverage cell typed into,
the margin editor with its preview, close buttons, rejections shown in place, the tooltips that show
the engine's arithmetic, and a model that updates in place (and passes qtmodeltester)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QSpinBox

from sandbox.engine import AdjustMargin, Open, Price, Rejected, SetMode, text
from sandbox.session.model import SessionHeader
from sandbox.session.timeline import Timeline
from sandbox.ui.positions.columns import (
    CLOSE,
    ENTRY,
    LEVERAGE,
    LIQ,
    MARGIN,
    MARK,
    MODE,
    NOTIONAL,
    PNL,
    RATIO,
    SIDE,
    SIZE,
    SYMBOL,
)
from sandbox.ui.positions.dialogs import CloseDialog, MarginDialog
from sandbox.ui.positions.model import PositionsModel
from sandbox.ui.positions.panel import PositionsPanel

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def table(qtbot, bridge):
    t = PositionsPanel(bridge)
    qtbot.addWidget(t)
    t.resize(1500, 320)
    t.show()
    qtbot.waitExposed(t)
    return t


def view_of(bridge, pid):
    return next(p for p in bridge.view().positions if p.id == pid)


def cell(table, pid, col):
    return table.model.index(table.model.row_of(pid), col)


def click(table, pid, what):
    QTest.mouseClick(table.view.viewport(), LEFT, NONE, table.target_point(pid, what))


def engine_liq(bridge, pid):
    p = view_of(bridge, pid)
    return text.liquidation(p.liquidation_price, p.mark_price, bridge.instrument(p.symbol).tick_size)


def test_an_open_adds_a_row_showing_the_engines_numbers(qtbot, bridge, table):
    assert table.model.rowCount() == 0 and table.empty.isVisible()
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    assert table.model.rowCount() == 1 and not table.empty.isVisible()
    p = view_of(bridge, "p1")
    shown = lambda col: cell(table, "p1", col).data()  # noqa: E731
    assert shown(SYMBOL) == "BTCUSDT  p1" and shown(SIDE) == "Long" and shown(MODE) == "Isolated"
    assert shown(LEVERAGE) == "20×" and shown(SIZE) == "0.100 BTC"
    assert shown(NOTIONAL) == "6,000.00" and shown(MARK) == "60,000.00"
    assert shown(MARGIN) == "300.00"  # the isolated wallet
    assert shown(LIQ) == engine_liq(bridge, "p1") == "57,228.90"  # the engine's, floored to the 0.1 tick
    assert shown(RATIO) == f"{p.margin_ratio * 100:.2f} %" == "8.00 %"
    assert shown(PNL) == "0.00 (0.00 %)"
    bridge.submit(Price("BTCUSDT", D(61000)))
    assert shown(PNL) == "+100.00 (+33.33 %)"
    assert cell(table, "p1", PNL).data(Qt.ItemDataRole.ForegroundRole).name() in ("#2ebd85", "#0e9f6e")
    for col in (NOTIONAL, LIQ, MARGIN, RATIO, PNL):
        assert cell(table, "p1", col).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_the_switch_moves_a_row_between_modes_and_its_liq_price_to_the_engines(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "cross"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 10, "cross"))
    cross_liq = cell(table, "p1", LIQ).data()
    assert cross_liq == engine_liq(bridge, "p1")
    click(table, "p1", "toggle")
    assert view_of(bridge, "p1").mode == "isolated" and cell(table, "p1", MODE).data() == "Isolated"
    assert cell(table, "p1", LIQ).data() == engine_liq(bridge, "p1") != cross_liq
    assert cell(table, "p1", MARGIN).data() == "300.00"  # initial margin at entry moved into its wallet
    assert not table.message_bar.isVisible()
    click(table, "p1", "toggle")  # and back: a round trip changes nothing
    assert view_of(bridge, "p1").mode == "cross" and cell(table, "p1", LIQ).data() == cross_liq


def test_enter_on_the_mode_cell_switches_too(qtbot, bridge, table):
    bridge.submit(Open("ETHUSDT", "long", D(1), 10, "isolated"))
    table.view.setFocus()
    table.view.setCurrentIndex(cell(table, "p1", MODE))
    QTest.keyClick(table.view, Qt.Key.Key_Return)
    assert view_of(bridge, "p1").mode == "cross"


def test_a_rejected_switch_shows_the_engines_sentence_and_changes_nothing(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "cross"))
    bridge.submit(Price("BTCUSDT", D(57200)))  # a loss its initial margin could not hold alone
    before = bridge.view()
    click(table, "p1", "toggle")
    assert bridge.view() == before
    sentence = table.message.text()
    assert table.message_bar.isVisible() and "would leave p1 liquidated" in sentence
    events = bridge.preview(SetMode("p1", "isolated")).events
    assert isinstance(events[0], Rejected) and events[0].message in sentence
    tip = cell(table, "p1", MODE).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("⚠ rejected: ") and events[0].message in tip
    QTest.mouseClick(table.dismiss, LEFT)
    assert not table.message_bar.isVisible()


def test_leverage_typed_into_its_cell_is_limited_to_the_bracket_and_sent(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    index = cell(table, "p1", LEVERAGE)
    QTest.mouseClick(table.view.viewport(), LEFT, NONE, table.view.visualRect(index).center())
    assert table.view.currentIndex() == index
    QTest.keyClicks(table.view, "1")  # typing starts the editor
    editor = table.view.indexWidget(index) or table.view.focusWidget()
    assert (
        isinstance(editor, QSpinBox) and editor.maximum() == view_of(bridge, "p1").bracket_max_leverage == 150
    )
    QTest.keyClicks(editor, "0")
    QTest.keyClick(editor, Qt.Key.Key_Return)  # Qt commits an editor on the next turn of the loop
    qtbot.waitUntil(lambda: view_of(bridge, "p1").leverage == 10)
    p = view_of(bridge, "p1")
    assert p.leverage == 10 and p.isolated_wallet == D(600)  # re-sized to the initial margin at 10×
    assert cell(table, "p1", LEVERAGE).data() == "10×" and cell(table, "p1", MARGIN).data() == "600.00"
    assert cell(table, "p1", LIQ).data() == engine_liq(bridge, "p1")


def test_a_rejected_leverage_change_shows_why_and_changes_nothing(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D(1), 20, "isolated"))  # 3,000 USDT of margin
    before = bridge.view()
    index = cell(table, "p1", LEVERAGE)
    table.view.setCurrentIndex(index)
    table.view.edit(index)
    editor = table.view.focusWidget()
    assert isinstance(editor, QSpinBox)
    editor.selectAll()
    QTest.keyClicks(editor, "1")  # 1× needs 57,000 more USDT than there is
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.message_bar.isVisible())
    assert bridge.view() == before
    assert "more available balance" in table.message.text() and table.message_bar.isVisible()
    assert "⚠ rejected" in cell(table, "p1", LEVERAGE).data(Qt.ItemDataRole.ToolTipRole)


def test_the_margin_editor_previews_the_engines_answer_then_adds(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    before = bridge.timeline.account.liquidation_price("p1")
    click(table, "p1", "adjust")
    dialog = table.dialog
    assert isinstance(dialog, MarginDialog) and dialog.isVisible() and dialog.adding
    assert not dialog.ok.isEnabled()  # nothing typed yet
    dialog.amount.setFocus()
    dialog.amount.selectAll()
    QTest.keyClicks(dialog.amount, "200")
    after = bridge.preview(AdjustMargin("p1", D(200))).position("p1")
    tick = bridge.instrument("BTCUSDT").tick_size
    assert dialog.cells[("liq", "now")].text() == engine_liq(bridge, "p1")
    assert dialog.cells[("liq", "after")].text() == text.liquidation(
        after.liquidation_price, after.mark_price, tick
    )
    assert dialog.cells[("ratio", "after")].text() == f"{after.margin_ratio * 100:.2f} %"
    assert dialog.cells[("wallet", "after")].text() == "500.00" and dialog.ok.isEnabled()
    assert bridge.timeline.account.positions["p1"].isolated_wallet == D(300)  # a preview changes nothing
    QTest.mouseClick(dialog.ok, LEFT)
    assert not dialog.isVisible()
    assert bridge.timeline.account.positions["p1"].isolated_wallet == D(500)
    assert bridge.timeline.account.liquidation_price("p1") < before
    assert cell(table, "p1", MARGIN).data() == "500.00" and cell(table, "p1", LIQ).data() == engine_liq(
        bridge, "p1"
    )


def test_removing_too_much_margin_is_refused_in_the_engines_words(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(AdjustMargin("p1", D(200)))
    dialog = table.edit_margin("p1")
    QTest.mouseClick(dialog.remove_button, LEFT)
    dialog.amount.setFocus()
    dialog.amount.selectAll()
    QTest.keyClicks(dialog.amount, "400")  # would leave less than the initial margin
    assert not dialog.ok.isEnabled() and "at most 200.00 USDT can be removed" in dialog.message.text()
    assert dialog.cells[("liq", "after")].text() == "—"
    QTest.mouseClick(dialog.max_button, LEFT)  # the engine's limit
    assert dialog.amount.value() == 200 and dialog.ok.isEnabled()
    QTest.mouseClick(dialog.ok, LEFT)
    assert bridge.timeline.account.positions["p1"].isolated_wallet == D(300)


def test_a_cross_row_has_no_margin_editor(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "cross"))
    rect = table.view.visualRect(cell(table, "p1", MARGIN))
    assert (
        table.cell_target(rect.center()) is None
        and table.cell_target(QPoint(rect.right() - 12, rect.center().y())) is None
    )
    assert cell(table, "p1", MARGIN).data() == "300.00"  # its initial margin at the mark, muted
    QTest.mouseDClick(table.view.viewport(), LEFT, NONE, rect.center())
    assert table.dialog is None


def test_close_part_with_a_preview_then_close_all(qtbot, bridge, table):
    bridge.submit(Open("ETHUSDT", "short", D(2), 10, "isolated"))
    bridge.submit(Price("ETHUSDT", D(2900)))
    click(table, "p1", "part")
    dialog = table.dialog
    assert isinstance(dialog, CloseDialog) and dialog.quantity() == D("1.000")
    QTest.mouseClick(dialog.presets[25], LEFT)
    assert dialog.quantity() == D("0.500")
    assert dialog.cells[("pnl", "after")].text() == "+50.00 realised"  # 0.5 × (3,000 − 2,900)
    assert dialog.cells[("released", "after")].text() == "150.00"
    assert dialog.cells[("size", "after")].text() == "1.500 ETH"
    QTest.mouseClick(dialog.ok, LEFT)
    assert (
        bridge.timeline.account.positions["p1"].qty == D("1.5")
        and cell(table, "p1", SIZE).data() == "1.500 ETH"
    )
    table.close_part("p1", D("0.5"))  # the context menu's "close half now"
    assert bridge.timeline.account.positions["p1"].qty == D("0.75")
    click(table, "p1", "close")
    assert bridge.view().positions == () and table.model.rowCount() == 0 and table.empty.isVisible()


def test_tooltips_show_how_each_number_was_computed(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D(6), 50, "isolated"))  # 360,000 USDT: the second bracket
    tip = lambda col: cell(table, "p1", col).data(Qt.ItemDataRole.ToolTipRole)  # noqa: E731
    assert "maintenance = 360,000.00 × 0.50 % − 300.00 = 1,500.00 USDT" in tip(MARGIN)
    p = view_of(bridge, "p1")
    assert p.maintenance_margin == D(1500)
    assert (
        f"(bracket 2: notional {text.money(p.bracket_floor)} to {text.money(p.bracket_cap)} USDT, MMR 0.50 %, "
        "maintenance amount 300.00, up to 100×)" in tip(MARGIN)
    )
    assert tip(LIQ).startswith(
        f"liq. price {engine_liq(bridge, 'p1')}: isolated wallet {text.money(p.isolated_wallet)}; "
        "liquidated when the margin ratio reaches 100 %"
    )
    assert f"margin at entry ({text.money(p.entry_margin)})" in tip(PNL)
    assert "margin ratio = maintenance margin / margin balance; liquidation at 100 %" in tip(RATIO)
    assert f"1,500.00 ÷ margin balance {text.money(p.margin_balance)}" in tip(RATIO)
    assert "notional = size × mark = 6 × 60,000.00 = 360,000.00 USDT" in tip(NOTIONAL)
    assert "the maximum is 100×" in tip(LEVERAGE)
    header_tip = table.model.headerData(RATIO, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "liquidation at 100 %" in header_tip


def test_a_profile_that_values_maintenance_at_entry_says_so_with_the_engines_numbers(qtbot):
    from sandbox.ui.bridge import SessionBridge

    b = SessionBridge(Timeline(SessionHeader.new("100000", "bybit")))
    b.submit(Price("BTCUSDT", D(60000)))
    b.submit(Open("BTCUSDT", "long", D(1), 20, "isolated"))
    b.submit(Price("BTCUSDT", D(63000)))
    t = PositionsPanel(b)
    qtbot.addWidget(t)
    p = b.position("p1")
    assert p.maintenance_notional == D(60000) != p.notional  # the engine valued it at entry
    tip = t.model.index(0, MARGIN).data(Qt.ItemDataRole.ToolTipRole)
    assert (
        f"maintenance = valued at entry: 60,000.00 × {p.maintenance_rate * 100:.2f} % − "
        f"{text.money(p.maintenance_amount)} = {text.money(p.maintenance_margin)} USDT" in tip
    )


def test_updates_are_in_place_and_touch_only_what_moved(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 10, "isolated"))
    bridge.submit(Open("BTCUSDT", "short", D("0.1"), 10, "isolated"))
    table.view.selectRow(1)
    changes, structure = [], []
    table.model.dataChanged.connect(
        lambda a, b, roles=None: changes.append((a.row(), a.column(), b.row(), b.column()))
    )
    for signal in (
        table.model.modelReset,
        table.model.rowsInserted,
        table.model.rowsRemoved,
        table.model.layoutChanged,
    ):
        signal.connect(lambda *args: structure.append(args))
    for price in ("2990", "2980", "2970"):
        bridge.submit(Price("ETHUSDT", D(price)))
    assert structure == []
    assert changes and all(r0 == r1 == 1 for r0, _, r1, _ in changes)  # only the ETH row
    assert all(c0 > SIDE and c1 < CLOSE for _, c0, _, c1 in changes)  # never the symbol, side or buttons
    assert table.view.selectionModel().selectedRows()[0].row() == 1  # the selection survives
    changes.clear()
    bridge.submit(Price("ETHUSDT", D(2970)))  # same price: nothing to repaint
    assert changes == []


def test_a_liquidation_removes_only_its_row_and_an_open_inserts_where_the_engine_lists_it(
    qtbot, bridge, table
):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 5, "cross"))
    cross_wallet = bridge.timeline.account.cross_wallet
    removed = []
    table.model.rowsRemoved.connect(lambda parent, first, last: removed.append((first, last)))
    bridge.submit(Price("BTCUSDT", bridge.timeline.account.liquidation_price("p1")))
    assert removed == [(0, 0)] and [table.model.position(r).id for r in range(table.model.rowCount())] == [
        "p2"
    ]
    assert bridge.timeline.account.cross_wallet == cross_wallet
    bridge.submit(Open("BTCUSDT", "short", D("0.01"), 10, "cross"))
    assert [p.id for p in table.model.positions()] == [p.id for p in bridge.view().positions] == ["p2", "p3"]


def test_the_model_passes_qtmodeltester(qtbot, qtmodeltester, bridge):
    """One check up front: the tester stays connected and checks every insert, removal and change
    that follows (checking again would connect it twice)."""
    model = PositionsModel(bridge)
    qtmodeltester.check(model, force_py=True)
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "long", D(1), 20, "cross"))
    bridge.submit(Open("BTCUSDT", "short", D("0.2"), 10, "cross"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 10, "isolated"))
    bridge.submit(Price("BTCUSDT", D(58000)))
    bridge.submit(Price("BTCUSDT", D(50000)))  # the isolated long goes
    bridge.submit(Price("ETHUSDT", D(1000)))  # the cross pool holds, the isolated short gains
    bridge.submit(Price("ETHUSDT", D(6000)))  # now the cross pool and the isolated short go
    assert model.rowCount() == len(bridge.view().positions)
    assert [model.position(r).id for r in range(model.rowCount())] == [p.id for p in bridge.view().positions]


def test_a_new_timeline_resets_the_model_once(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    resets = []
    table.model.modelReset.connect(lambda: resets.append(1))
    other = Timeline(SessionHeader.new("5000"))
    bridge.set_timeline(other)
    assert resets == [1] and table.model.rowCount() == 0 and table.empty.isVisible()


def test_selecting_a_row_says_which_position(qtbot, bridge, table):
    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "long", D(1), 20, "isolated"))
    with qtbot.waitSignal(table.positions_selected) as blocker:
        QTest.mouseClick(
            table.view.viewport(), LEFT, NONE, table.view.visualRect(cell(table, "p2", ENTRY)).center()
        )
    assert blocker.args == [("p2",)] and table.selected_positions() == ("p2",)
    assert table.select_positions(["p1"]) and table.selected_positions() == ("p1",)
    assert table.select_positions(["p1", "p2"]) and table.selected_positions() == ("p1", "p2")
    assert not table.select_positions(["p9"])


def test_compare_panel_shows_each_profiles_liquidation_price(qtbot, bridge, table):
    from sandbox.profiles import load_profile
    from sandbox.ui.positions.compare import ComparePanel

    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    QTest.mouseClick(table.compare_button, LEFT)
    panel = table.comparison.panel
    assert isinstance(panel, ComparePanel) and table.comparison.isVisible()
    for col, name in enumerate(panel.profiles):
        profile = load_profile(name)
        expected = bridge.timeline.account.under(profile).liquidation_price("p1")
        tick = profile.instruments["BTCUSDT"].tick_size  # as that exchange shows it, on its own tick
        assert panel.table.item(0, col).text() == text.liquidation(expected, D(60000), tick)
    # every profile's name whole in its header, and a Close button that closes
    header = panel.table.horizontalHeader()
    for col, name in enumerate(panel.profiles):
        assert header.sectionSize(col) >= header.fontMetrics().horizontalAdvance(name)
    close = table.comparison.buttons.button(QDialogButtonBox.StandardButton.Close)
    QTest.mouseClick(close, LEFT)
    assert not table.comparison.isVisible()


def test_the_table_renders_in_both_themes(qtbot, bridge, table):
    from sandbox.ui.theme import PALETTES, theme

    bridge.submit(Open("BTCUSDT", "long", D("0.1"), 20, "isolated"))
    bridge.submit(Open("ETHUSDT", "short", D(1), 10, "cross"))
    app = QApplication.instance()
    try:
        for name in ("light", "dark"):
            theme.apply(app, name)
            image = table.grab().toImage()
            assert not image.isNull()
            side = cell(table, "p1", SIDE).data(Qt.ItemDataRole.ForegroundRole)
            assert side.name() == PALETTES[name].up
            assert table.empty.styleSheet() == f"color: {PALETTES[name].muted};"
    finally:
        theme.apply(app, "dark")
        app.setStyleSheet("")
