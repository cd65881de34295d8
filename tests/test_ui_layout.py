"""The window's layout as a person meets it (run offscreen and, in CI, in a real X window too):
nothing moves under a pressed control, a drag never goes against its direction, the window fits
the screen, and at 1366×768 every panel and the key columns are in view."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from ui_support import D, frames, handle_center

from sandbox.engine import Open, Price
from sandbox.ui.main_window import MainWindow
from sandbox.ui.positions.columns import COLUMNS

LEFT = Qt.MouseButton.LeftButton
KEY_COLUMNS = ("symbol", "side", "mode", "liq", "margin", "ratio", "close")


def on_screen(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def test_pressing_a_slider_moves_nothing_and_a_drag_left_lowers_the_price(make_window, qtbot):
    """The pointer stays where the person put it (global coordinates): pressing shows "resume"
    and holds the price, but neither the handle nor the panel moves, and 3 px left is lower."""
    w = make_window()
    frames(w, 30)
    qtbot.wait(50)  # the rows that the first prices brought are laid out
    row = w.price_sliders.row("BTCUSDT")
    slider = row.slider
    before = w.bridge.mark("BTCUSDT")
    start = handle_center(slider)
    pointer = slider.mapToGlobal(start)
    where = on_screen(slider)
    QTest.mousePress(slider, LEFT, Qt.KeyboardModifier.NoModifier, start)
    qtbot.wait(50)  # let any re-layout the press caused happen
    frames(w, 2)
    assert w.bridge.is_held("BTCUSDT") and row.resume.isVisible()
    assert on_screen(slider) == where  # nothing moved under the pressed handle
    assert w.bridge.mark("BTCUSDT") == before
    QTest.mouseMove(slider, slider.mapFromGlobal(pointer - QPoint(3, 0)))
    moved = w.bridge.mark("BTCUSDT")
    assert moved < before
    assert D(row.price.text()) == moved  # the price box follows the drag
    QTest.mouseRelease(
        slider, LEFT, Qt.KeyboardModifier.NoModifier, slider.mapFromGlobal(pointer - QPoint(3, 0))
    )
    assert w.bridge.mark("BTCUSDT") == moved


def test_a_drag_follows_the_pointer_even_if_the_slider_moved_under_it(make_window, qtbot):
    """Whatever a layout does meanwhile, the price moves with the pointer's direction."""
    w = make_window(live=False)
    w.bridge.submit(Price("BTCUSDT", D(60000)))
    slider = w.price_sliders.row("BTCUSDT").slider
    start = handle_center(slider)
    pointer = slider.mapToGlobal(start)
    QTest.mousePress(slider, LEFT, Qt.KeyboardModifier.NoModifier, start)
    slider.move(slider.x() - 25, slider.y())  # the panel re-laid itself out: 25 px to the left
    QTest.mouseMove(slider, slider.mapFromGlobal(pointer - QPoint(3, 0)))
    assert w.bridge.mark("BTCUSDT") < D(60000)
    QTest.mouseRelease(slider, LEFT, Qt.KeyboardModifier.NoModifier, slider.mapFromGlobal(pointer))


def test_a_first_window_opens_within_the_screen(qtbot, settings_dir, tmp_path):
    w = MainWindow(recordings_dir=tmp_path / "recordings")
    qtbot.addWidget(w)
    area = w.screen().availableGeometry()
    assert w.width() <= max(area.width(), w.minimumWidth())
    assert w.height() <= max(area.height(), w.minimumHeight())
    w.loop.stop()


def test_a_window_saved_on_a_larger_screen_comes_back_within_this_one(qtbot, settings_dir, tmp_path):
    w = MainWindow(recordings_dir=tmp_path / "recordings")
    qtbot.addWidget(w)
    area = w.screen().availableGeometry()
    w.resize(area.width() + 900, area.height() + 700)
    w.save_settings()
    w.loop.stop()
    again = MainWindow(recordings_dir=tmp_path / "recordings")
    qtbot.addWidget(again)
    assert again.width() <= max(area.width(), again.minimumWidth())
    assert again.height() <= max(area.height(), again.minimumHeight())
    again.loop.stop()


def test_at_1366_by_768_every_panel_and_the_key_columns_are_in_view(make_window, qtbot):
    w = make_window(live=False)
    b = w.bridge
    for symbol, price in (("BTCUSDT", 64000), ("ETHUSDT", 3200), ("SOLUSDT", 150)):
        b.submit(Price(symbol, D(price)))
    b.submit(Open("BTCUSDT", "long", D("0.5"), 10, "isolated"))
    b.submit(Open("BTCUSDT", "short", D("0.2"), 20, "cross"))
    b.submit(Open("ETHUSDT", "long", D(3), 10, "cross"))
    w.resize(1366, 768)
    qtbot.waitUntil(lambda: w.size().toTuple() == (1366, 768))
    qtbot.wait(50)
    frame = on_screen(w)

    def in_view(widget: QWidget) -> bool:
        return widget.isVisible() and frame.contains(on_screen(widget))

    for key in ("ticket", "prices", "margin", "positions"):
        dock = w.docks[key]
        assert in_view(dock), key
        inner = dock.widget()
        assert inner.height() >= inner.minimumSizeHint().height(), f"{key} is squashed"
    # the ticket whole, its buttons and message line in view; the bars panel shows a bar
    for part in (w.order_ticket.buy, w.order_ticket.sell, w.order_ticket.message):
        assert in_view(part) and on_screen(w.docks["ticket"]).contains(on_screen(part))
    bar = w.margin_bars.bars["cross"]
    assert on_screen(w.margin_bars.scroller.viewport()).contains(on_screen(bar))
    assert in_view(w.replay_bar) and in_view(w.price_chart.plot) and in_view(w.account_strip)
    # the key columns of the positions table are shown and within its visible width
    view = w.positions.view
    header = view.horizontalHeader()
    for key in KEY_COLUMNS:
        col = next(i for i, c in enumerate(COLUMNS) if c.key == key)
        assert not view.isColumnHidden(col), key
        left = header.sectionViewportPosition(col)
        assert left >= 0 and left + header.sectionSize(col) <= view.viewport().width(), key
    assert view.horizontalScrollBar().maximum() == 0  # nothing behind a scroll bar
    # the event log is the other tab: raised, it is in view too
    w.docks["events"].raise_()
    qtbot.waitUntil(lambda: w.docks["events"].isVisible())
    assert in_view(w.event_log)


def test_a_rejection_in_the_ticket_moves_nothing(make_window, qtbot):
    """An order too big to afford: the sentence appears under the buttons, but the buttons keep
    their height and the panels below the ticket stay where they were."""
    w = make_window(live=False)
    w.bridge.submit(Price("BTCUSDT", D(60000)))
    qtbot.wait(50)
    ticket = w.order_ticket
    before = (on_screen(ticket.buy), on_screen(w.docks["prices"]), on_screen(w.docks["margin"]))
    ticket.size_box.setValue(500)  # 30,000,000 USDT of BTC
    QTest.mouseClick(ticket.buy, LEFT)
    qtbot.wait(50)
    assert ticket.message.text()  # the engine's sentence is shown…
    assert (on_screen(ticket.buy), on_screen(w.docks["prices"]), on_screen(w.docks["margin"])) == before
    assert ticket.buy.height() >= ticket.buy.minimumHeight() == 32  # …and nothing was squashed


def test_numbers_that_grow_never_push_the_panels(make_window, qtbot):
    """A ten-figure balance makes every label in the strip and the account chart's legend wider;
    the panels beside the centre stay where they were."""
    from sandbox.engine import Deposit

    w = make_window(live=False)
    w.bridge.submit(Price("BTCUSDT", D(60000)))
    w.resize(1366, 768)
    qtbot.waitUntil(lambda: w.size().toTuple() == (1366, 768))
    qtbot.wait(50)
    before = {key: on_screen(dock) for key, dock in w.docks.items() if dock.isVisible()}
    w.bridge.submit(Deposit(D("999000000")))
    qtbot.wait(50)
    assert "999,010,000.00" in w.account_strip.values["total_wallet"].text()
    assert {key: on_screen(dock) for key, dock in w.docks.items() if dock.isVisible()} == before
