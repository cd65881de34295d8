"""The window driven like a person: live start, a price slider dragged into a liquidation, the
±% buttons, keys, profiles, settings that persist (bad files: test_ui_files.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from ui_support import D, drag_slider, frames

from sandbox.engine import Open, Price, text


def test_live_start_shows_a_ticking_market(make_window):
    w = make_window()
    assert w.loop.ticker_on and w.loop.playing
    frames(w, 30)
    assert w.bridge.chart_symbols() == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    tabs = [w.price_chart.tabs.tabText(i) for i in range(w.price_chart.tabs.count())]
    assert tabs == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert w.bridge.view().total_wallet == D("10000")
    assert set(w.price_sliders.rows) == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    assert w.replay_bar.mode.text() == "LIVE"
    w.show_start_hint()
    assert "drag a price" in w.notices.visible_texts()[-1]


def test_dragging_a_price_slider_liquidates_an_isolated_position(make_window, qtbot):
    w = make_window()
    frames(w, 10)
    b = w.bridge
    b.submit(Price("ETHUSDT", D("3000")))
    opened = b.submit(Open("ETHUSDT", "long", D("1"), 10, "isolated"))
    pid = opened[0].position
    b.submit(Open("BTCUSDT", "short", D("0.01"), 5, "cross"))
    cross_wallet = b.view().cross_wallet
    liq = next(p for p in b.view().positions if p.id == pid).liquidation_price
    assert liq is not None

    row = w.price_sliders.row("ETHUSDT")
    gone = lambda: all(p.id != pid for p in b.view().positions)  # noqa: E731
    drag_slider(row.slider, -row.slider.width(), steps=60, until=gone)

    assert gone()
    assert b.is_held("ETHUSDT")  # the market leaves a dragged price alone
    mark = b.mark("ETHUSDT")
    assert mark <= liq
    sentence = next(text for kind, text in w.notices.recent if kind == "liquidation")
    assert sentence.startswith("ETHUSDT long (isolated) liquidated at ")
    assert "the rest of the account is untouched" in sentence
    assert sentence in w.notices.visible_texts()
    assert b.view().cross_wallet == cross_wallet  # isolated: the cross wallet is untouched
    assert "liquidated" in w.statusBar().currentMessage()
    # The ticker moves ETH no more until the user resumes it.
    frames(w, 30)
    assert b.mark("ETHUSDT") == mark
    qtbot.mouseClick(row.resume, Qt.MouseButton.LeftButton)
    assert not b.is_held("ETHUSDT")


def test_jump_buttons_and_typed_price_move_the_mark(make_window, qtbot):
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("BTCUSDT", D("60000")))
    row = w.price_sliders.row("BTCUSDT")
    minus10 = row.buttons[0]
    qtbot.mouseClick(minus10, Qt.MouseButton.LeftButton)
    assert b.mark("BTCUSDT") == D("54000.0")
    qtbot.mouseClick(row.buttons[3], Qt.MouseButton.LeftButton)
    assert b.mark("BTCUSDT") == D("59400.0")
    row.price.setFocus()
    row.price.selectAll()
    QTest.keyClicks(row.price, "61234.56")
    QTest.keyClick(row.price, Qt.Key.Key_Return)
    assert b.mark("BTCUSDT") == D("61234.6")  # rounded to BTC's 0.1 tick
    # Each move is an input of the recording.
    assert len(b.timeline) == 4


def test_space_pauses_and_resumes_time(make_window):
    w = make_window()
    frames(w, 5)
    QTest.keyClick(w, Qt.Key.Key_Space)
    assert not w.loop.playing
    t = w.bridge.now()
    frames(w, 30)
    assert w.bridge.now() == t
    QTest.keyClick(w, Qt.Key.Key_Space)
    assert w.loop.playing
    frames(w, 30, dt=0.1)
    assert w.bridge.now() > t


def test_ticker_key_and_speed_keys(make_window):
    w = make_window()
    QTest.keyClick(w, Qt.Key.Key_T)
    assert not w.loop.ticker_on
    QTest.keyClick(w, Qt.Key.Key_T)
    assert w.loop.ticker_on
    QTest.keyClick(w, Qt.Key.Key_BracketRight)
    assert w.loop.speed == 2.0
    QTest.keyClick(w, Qt.Key.Key_BracketLeft)
    QTest.keyClick(w, Qt.Key.Key_BracketLeft)
    assert w.loop.speed == 0.5
    assert w.replay_bar.speed.currentText() == "0.5×"


def test_switching_profile_replays_the_inputs_under_it(make_window):
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("BTCUSDT", D("60000")))
    b.submit(Open("BTCUSDT", "long", D("0.5"), 20, "isolated"))
    liq_binance = b.view().positions[0].liquidation_price
    other = next(name for name in w.menus.profiles if name != "binance-usdm")
    w.menus.profiles[other].trigger()
    assert b.timeline.header.profile == other
    assert len(b.timeline) == 2 and len(b.view().positions) == 1
    assert b.view().positions[0].liquidation_price != liq_binance
    levels = w.price_chart.levels_for(b.view().positions[0].id)
    p = b.view().positions[0]
    at = text.liquidation_at_tick(p.liquidation_price, p.mark_price, b.instrument("BTCUSDT").tick_size)
    assert levels["liq"].value == float(at)
    assert w.menus.profiles[other].isChecked()
    assert other in w.windowTitle()


def test_prices_held_by_hand_stay_held_under_another_profile_or_rules(make_window, qtbot):
    w = make_window()
    frames(w, 30)
    b = w.bridge
    for symbol, change in (("BTCUSDT", D("-0.10")), ("ETHUSDT", D("0.10"))):
        w.price_sliders.row(symbol).jump(change)
    held = {s: b.mark(s) for s in ("BTCUSDT", "ETHUSDT")}
    assert b.held() == set(held)
    w.menus.profiles["bybit"].trigger()
    w.menus.rules["exchange"].trigger()
    frames(w, 60)  # a second of the live market
    assert b.timeline.header.profile == "bybit" and b.timeline.header.rules == "exchange"
    assert b.held() == set(held) and {s: b.mark(s) for s in held} == held
    assert all(w.price_sliders.row(s).resume.isVisible() for s in held)
    assert "paused by hand: BTCUSDT, ETHUSDT" in w.status_session.text()


def test_reset_account_keeps_prices_and_the_old_recording(make_window, tmp_path):
    w = make_window()
    frames(w, 20)
    b = w.bridge
    marks = dict(b.marks())
    b.submit(Open("BTCUSDT", "long", D("0.01"), 10, "cross"))
    QTest.keySequence(w, "Ctrl+R")
    assert b.view().positions == ()
    assert b.view().total_wallet == D("10000")
    assert dict(b.marks()) == marks
    assert list((tmp_path / "recordings").iterdir())  # the live session before the reset was kept


def test_choices_persist(make_window, settings_dir):
    w = make_window()
    w.price_chart.set_style("line")
    w.loop.set_speed(4.0)
    w.docks["events"].hide()
    w.close()
    w2 = make_window()
    assert w2.price_chart.chart_style == "line"
    assert w2.loop.speed == 4.0
    assert not w2.docks["events"].isVisible()
    assert any(settings_dir.rglob("*.ini"))


def test_f1_lists_the_shortcuts(make_window):
    w = make_window()
    QTest.keyClick(w, Qt.Key.Key_F1)
    assert w._help is not None and w._help.isVisible()
    html = w._help.text.toPlainText()
    for key in ("Space", "Ctrl+O", "Ctrl+S", "Left", "Right", "End", "F1"):
        assert key in html
    assert "maintenance margin ÷ margin balance" in html
    w._help.close()


def test_theme_switches_and_persists(make_window):
    from sandbox.ui.theme import PALETTES, theme

    w = make_window()
    try:
        w.menus.themes["light"].trigger()
        assert theme.name == "light" and w.menus.themes["light"].isChecked()
        assert w.price_chart.plot.backgroundBrush().color().name() == PALETTES["light"].bg
        w.close()
        w2 = make_window()
        assert theme.name == "light" and w2.menus.themes["light"].isChecked()
    finally:
        w.set_theme("dark")


def test_the_start_hint_stays_until_the_first_action(make_window):
    w = make_window()
    w.show_start_hint()
    toast = next(t for t in w.notices._toasts if "drag a price" in t.text)
    assert not toast.timer.isActive()  # no timer: it does not fade by itself
    frames(w, 30)
    assert "drag a price" in " ".join(w.notices.visible_texts())
    w.price_sliders.row("BTCUSDT").jump(D("0.01"))  # the first thing the person does
    assert not any("drag a price" in text for text in w.notices.visible_texts())


def test_the_open_dialog_starts_at_the_example_sessions_and_the_title_names_the_app_once(
    make_window, tmp_path
):
    from sandbox.ui.theme import EXAMPLES

    w = make_window()
    assert w.session.folder() == str(EXAMPLES) and (EXAMPLES / "crash-cross.jsonl").is_file()
    assert w.session.folder(saving=True) != str(EXAMPLES)  # never save into the package
    title = w.windowTitle()
    assert title.endswith("— Margin Sandbox") and title.count("Margin Sandbox") == 1
    assert w.open_path(str(EXAMPLES / "crash-cross.jsonl"))
    assert w.windowTitle() == "crash-cross.jsonl — binance-usdm, sandbox rules — Margin Sandbox"
    saved = tmp_path / "mine.jsonl"
    assert w.save_recording(str(saved))
    assert Path(w.session.folder(saving=True)) == tmp_path.resolve()
    assert Path(w.session.folder()) == EXAMPLES.resolve()  # the last folder opened from
