"""The liquidation odds panel driven like a person: choose the horizon, the model and the paths,
type a volatility, Run, watch the progress, Cancel. The numbers are the command line's: the same
moment, horizon, model, paths and seed give what ``margin-sandbox odds --json`` prints. A run
that cannot start, or is cancelled, says so in one sentence; with "auto" on, a change of the
book runs it again after a pause."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import numpy as np
from cli_support import cli
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_ui_hedge_map import write_book_session

from sandbox.engine import Open, Price
from sandbox.risk.odds import wilson
from sandbox.session.twins import VARIANTS

SESSIONS = Path(__file__).resolve().parents[1] / "resources" / "sessions"
LEFT = Qt.MouseButton.LeftButton


def open_odds(make_window, path, t=None):
    """Open ``path`` and the odds panel the way a person does: View ▸ Liquidation odds."""
    w = make_window(live=False)
    assert w.open_path(str(path))
    w.loop.seek(w.bridge.timeline.end_t if t is None else t, now=True)
    QTest.keyClick(w, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    panel = w.odds_panel
    assert panel.isVisible() and not panel.visibleRegion().isEmpty()  # in front, not behind a tab
    return w, panel


def test_the_analysis_panels_open_when_asked_and_stay_out_of_the_way_before(make_window, qtbot):
    """Closed at first (no tab bar over the ticket); the View menu's keys bring each to the front."""
    w = make_window(live=False)
    assert not w.odds_panel.isVisible() and not w.hedge_map_panel.isVisible()
    assert w.order_ticket.buy.isVisible()
    for key, panel in ((Qt.Key.Key_M, w.hedge_map_panel), (Qt.Key.Key_O, w.odds_panel)):
        QTest.keyClick(w, key, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda panel=panel: not panel.visibleRegion().isEmpty())
    assert not w.order_ticket.isVisible() or w.order_ticket.visibleRegion().isEmpty()  # behind its tab


def choose(combo, text):
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)


def run_and_wait(qtbot, panel, timeout=30000):
    with qtbot.waitSignal(panel.runner.finished, timeout=timeout):
        qtbot.mouseClick(panel.run_button, LEFT)


def test_the_panel_shows_what_odds_json_prints(make_window, qtbot, capsys, tmp_path):
    book = write_book_session(tmp_path / "book.jsonl")
    w, panel = open_odds(make_window, book)
    choose(panel.paths, "1,000")
    choose(panel.horizon, "8 hours")
    panel.vol.clear()
    QTest.keyClicks(panel.vol, "80 %")
    run_and_wait(qtbot, panel)
    assert not panel.progress.isVisible() and not panel.cancel_button.isEnabled()
    at = w.bridge.now()
    out = cli(capsys, "odds", book, "--at", at, "--horizon", "8h", "--paths", 1000, "--vol", "80%", "--json")
    assert out.code == 0, out.err
    report = json.loads(out.out)
    assert panel.figures == report["variants"]
    assert "1,000 paths over 8 hours" in panel.status.text() and "80 %" in panel.status.text()
    # the bars: one group per thing that can die, a bar per variant, its interval Wilson's
    odds = panel.odds
    cats = panel.categories(odds)
    assert cats == ["any", "pool", "p1", "p2", "p3", "p4"]
    bars = [i for i in panel.bars.getPlotItem().items if type(i).__name__ == "BarGraphItem"]
    assert len(bars) == len(VARIANTS)
    as_traded = odds.variants["as_traded"]
    heights = bars[0].opts["height"]
    assert heights[0] == 100 * as_traded.any_hits / as_traded.paths
    errors = [i for i in panel.bars.getPlotItem().items if type(i).__name__ == "ErrorBarItem"]
    lo, hi = wilson(as_traded.any_hits, as_traded.paths)
    assert np.isclose(errors[0].opts["top"][0], 100 * (hi - as_traded.any_hits / as_traded.paths))
    assert np.isclose(errors[0].opts["bottom"][0], 100 * (as_traded.any_hits / as_traded.paths - lo))
    # the fan ends at the horizon's percentiles (the report's, to the cent)
    fan = panel.result.fans["as_traded"]
    ends = [f"{v:.2f}" for v in fan[:, -1]]
    assert ends[0] == report["variants"]["as_traded"]["equity_percentiles"]["5"]
    assert ends[2] == report["variants"]["as_traded"]["equity_percentiles"]["50"]
    panel.results.setCurrentIndex(2)
    assert report["variants"]["all_isolated"]["expected_loss"] in panel.summary.text()


def test_a_model_that_cannot_be_made_says_why_in_one_sentence(make_window, qtbot):
    # twenty seconds of prices: too few one-minute returns to estimate a volatility
    _w, panel = open_odds(make_window, SESSIONS / "crash-isolated.jsonl", 5000)
    choose(panel.paths, "1,000")
    qtbot.mouseClick(panel.run_button, LEFT)  # said at once: no run is started
    assert not panel.runner.running
    sentence = panel.status.text()
    assert (
        sentence.startswith("Not run: only 0 one-minute returns of BTCUSDT")
        and sentence.replace("e.g. ", "").count(". ") == 0
    )
    assert "enter a volatility here (e.g. 80 %)" in sentence and "--vol" not in sentence
    QTest.keyClicks(panel.vol, "abc")
    qtbot.mouseClick(panel.run_button, LEFT)
    assert panel.status.text() == "Not run: a volatility looks like 80 % or 0.8, not 'abc'."
    # the simulator needs no history
    choose(panel.model, "sim")
    assert not panel.vol.isEnabled()
    run_and_wait(qtbot, panel)
    assert set(panel.figures) == set(VARIANTS) and "built-in simulator" in panel.status.text()


def test_cancel_stops_a_long_run(make_window, qtbot, tmp_path):
    _w, panel = open_odds(make_window, write_book_session(tmp_path / "book.jsonl"))
    choose(panel.paths, "100,000")
    choose(panel.horizon, "7 days")
    QTest.keyClicks(panel.vol, "80%")
    qtbot.mouseClick(panel.run_button, LEFT)
    assert panel.progress.isVisible() and panel.cancel_button.isEnabled()
    with qtbot.waitSignal(panel.runner.cancelled, timeout=30000):
        qtbot.mouseClick(panel.cancel_button, LEFT)
    assert panel.status.text() == "Cancelled: the odds shown, if any, are from the run before."
    assert not panel.progress.isVisible() and panel.odds is None


def test_auto_runs_again_when_the_book_changes(make_window, qtbot, tmp_path):
    w, panel = open_odds(make_window, write_book_session(tmp_path / "book.jsonl"))
    choose(panel.paths, "1,000")
    QTest.keyClicks(panel.vol, "80%")
    qtbot.mouseClick(panel.auto, LEFT)
    with qtbot.waitSignal(panel.runner.finished, timeout=30000):
        w.bridge.submit(Open("BTCUSDT", "short", D("0.01"), 50, "isolated"))
    assert "p5" in panel.figures["as_traded"]["positions"]
    # a price move alone is not a change of the book
    with qtbot.assertNotEmitted(panel.runner.finished, wait=2500):
        w.bridge.submit(Price("BTCUSDT", D(61000)))
    assert not panel.runner.running
