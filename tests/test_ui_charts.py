"""The charts: position lines at the engine's prices, liquidation markers, following, candles,
the crosshair, the account chart's shapes."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from ui_support import D, frames

from sandbox.engine import Open, Price, text
from sandbox.ui.charts.candles import CandleCache, bucket_for


def liq_of(bridge, pid):
    return next(p for p in bridge.view().positions if p.id == pid).liquidation_price


def drawn_at(bridge, pid):
    """Where the engine's display rule puts the position's liquidation line, and its text."""
    p = bridge.position(pid)
    tick = bridge.instrument(p.symbol).tick_size
    at = text.liquidation_at_tick(p.liquidation_price, p.mark_price, tick)
    return float(at), text.liquidation(p.liquidation_price, p.mark_price, tick)


def click_mode_cell(w, pid):
    """Click the position's cross/isolated toggle in the positions table, like a person."""
    from sandbox.ui.positions.columns import MODE

    table = w.positions
    row = next(r for r in range(table.model.rowCount()) if table.model.position(r).id == pid)
    rect = table.view.visualRect(table.model.index(row, MODE))
    QTest.mouseClick(
        table.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center()
    )


def test_liquidation_line_moves_to_the_engines_price_after_a_mode_toggle(make_window):
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("BTCUSDT", D("60000")))
    b.submit(Price("ETHUSDT", D("3000")))
    pid = b.submit(Open("BTCUSDT", "long", D("0.5"), 20, "isolated"))[0].position
    b.submit(Open("ETHUSDT", "short", D("2"), 10, "cross"))
    chart = w.price_chart
    assert chart.symbol == "BTCUSDT"
    levels = chart.levels_for(pid)
    isolated = drawn_at(b, pid)
    assert (levels["liq"].value, isolated) == (57228.9, (57228.9, "57,228.90"))  # the 0.1 tick below
    assert levels["entry"].value == 60000.0
    assert "liq. 57,228.90 (−4.62 %)" in levels["liq"].text

    click_mode_cell(w, pid)  # isolated → cross
    assert next(p for p in b.view().positions if p.id == pid).mode == "cross"
    cross = drawn_at(b, pid)
    assert cross != isolated
    levels = chart.levels_for(pid)
    assert levels["liq"].value == cross[0]
    assert f"liq. {cross[1]} (" in levels["liq"].text
    assert "cross" in levels["entry"].text
    click_mode_cell(w, pid)  # and back: a round trip changes nothing
    assert chart.levels_for(pid)["liq"].value == isolated[0]


def test_a_far_liquidation_price_gets_a_tag_at_the_edge(make_window):
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("BTCUSDT", D("60000")))
    pid = b.submit(Open("BTCUSDT", "short", D("0.01"), 2, "isolated"))[0].position
    for p in ("60010", "59990", "60005"):
        b.submit(Price("BTCUSDT", D(p)))
    liq = liq_of(b, pid)
    (_, _), (_y0, y1) = w.price_chart.view_box.viewRange()
    assert float(liq) > y1
    tags = w.price_chart.levels.edge_tags()
    assert len(tags) == 1 and tags[0].startswith(f"▲ {pid} liq. ")


def test_a_crowd_of_lines_keeps_its_labels_apart_and_the_highlighted_one_shown(make_window, qtbot):
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("BTCUSDT", D("60000")))
    for _ in range(9):  # nine positions opened at one price: nine entry labels on one line
        b.submit(Open("BTCUSDT", "long", D("0.01"), 10, "isolated"))
    chart = w.price_chart
    chart.highlight(["p8"])
    chart.plot.grab()  # paint it now
    entries = [lv for lv in chart.levels.labelled if lv.kind == "entry"]
    assert len(entries) == 3  # one per label slot: the others would cover them
    assert len({lv.slot for lv in entries}) == 3
    assert any(lv.position == "p8" for lv in entries)  # the highlighted one is never left out
    assert len([lv for lv in chart.levels.levels if lv.kind == "entry"]) == 9  # every line is drawn


def test_a_liquidation_leaves_a_marker_where_it_happened(make_window):
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("ETHUSDT", D("3000")))
    pid = b.submit(Open("ETHUSDT", "long", D("1"), 20, "isolated"))[0].position
    liq = liq_of(b, pid)
    events = b.submit(Price("ETHUSDT", liq - D("1")))
    assert [e.type for e in events] == ["liquidated"]
    spots = w.price_chart.markers.scatter.data
    assert len(spots) == 1
    assert spots[0]["y"] == float(liq - D("1"))
    assert spots[0]["x"] == events[0].t / 1000
    assert w.price_chart.levels_for(pid) == {}  # the position's lines are gone


def test_following_stops_on_pan_and_resumes_with_end(make_window, qtbot):
    w = make_window()
    frames(w, 120, dt=0.1)
    chart = w.price_chart
    assert chart.following
    plot = chart.plot
    center = plot.viewport().rect().center()
    QTest.mousePress(plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center)
    for dx in range(10, 210, 10):
        QTest.mouseMove(plot.viewport(), QPoint(center.x() + dx, center.y()))
    QTest.mouseRelease(
        plot.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(center.x() + 200, center.y()),
    )
    assert not chart.following
    assert not chart.follow_button.isChecked()
    panned = chart.view_box.viewRange()[0]
    frames(w, 30, dt=0.1)
    assert chart.view_box.viewRange()[0] == panned  # new data does not drag the view back
    QTest.keyClick(w, Qt.Key.Key_End)
    assert chart.following
    frames(w, 2)
    x0, x1 = chart.view_box.viewRange()[0]
    latest = w.bridge.price_history(chart.symbol)[0][-1] / 1000
    assert x0 < latest < x1


def test_candles_and_line_switch_with_c(make_window):
    w = make_window()
    frames(w, 60, dt=0.1)
    chart = w.price_chart
    start = chart.chart_style
    QTest.keyClick(w, Qt.Key.Key_C)
    assert chart.chart_style != start
    assert chart.curve.isVisible() == (chart.chart_style == "line")
    assert chart.candles.isVisible() == (chart.chart_style == "candles")
    if chart.chart_style == "line":
        x, _y = chart.curve.getData()
        assert len(x) > 0
    QTest.keyClick(w, Qt.Key.Key_C)
    assert chart.chart_style == start


def test_crosshair_reads_price_and_time(make_window):
    w = make_window()
    frames(w, 60, dt=0.1)
    chart = w.price_chart
    vb = chart.view_box
    scene_pt = vb.mapViewToScene(QPointF(*[sum(r) / 2 for r in vb.viewRange()]))
    chart._mouse_moved((scene_pt,))
    assert chart.crosshair.visible
    (_x0, _x1), (y0, y1) = vb.viewRange()
    assert chart.crosshair.h.value() == pytest.approx((y0 + y1) / 2, rel=1e-3)
    text = chart.crosshair.label.toPlainText()
    assert "," in text.splitlines()[0] and ":" in text.splitlines()[1]


def test_symbol_tabs_switch_the_chart(make_window):
    w = make_window()
    frames(w, 10, dt=0.1)
    chart = w.price_chart
    chart.tabs.setCurrentIndex(1)
    assert chart.symbol == "ETHUSDT"
    QTest.keySequence(w, "Ctrl+PgDown")
    assert chart.symbol == "SOLUSDT"


def test_account_chart_shows_an_isolated_loss_as_a_capped_step(make_window):
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("ETHUSDT", D("3000")))
    pid = b.submit(Open("ETHUSDT", "long", D("1"), 10, "isolated"))[0].position
    margin = next(p for p in b.view().positions if p.id == pid).isolated_wallet
    wallet_before = b.view().total_wallet
    b.submit(Price("ETHUSDT", D("1000")))  # far past the liquidation price
    buf = w.account_chart.buf
    wallet = buf.col(1)
    assert wallet[-1] == pytest.approx(float(wallet_before - margin))  # lost exactly its margin
    # The chart is scaled to the money, so the step fills a good part of its height.
    _, (y0, y1) = w.account_chart.view_box.viewRange()
    assert float(margin) > 0.5 * (y1 - y0)
    legend = w.account_chart.legend.text()
    assert text.money(b.view().total_wallet) in legend


def test_candle_cache_matches_a_plain_computation():
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.uniform(0.01, 0.3, 5000))
    y = 100 + np.cumsum(rng.normal(0, 0.1, 5000))
    cache = CandleCache()
    for n in (10, 11, 500, 501, 2000, 5000):  # incremental updates
        cache.update(x[:n], y[:n], 2.0)
    ids = np.floor(x / 2.0)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    done = cache.done
    assert len(done) == len(starts) - 1
    for k in (0, 7, len(starts) - 2):
        s, e = starts[k], starts[k + 1]
        assert done.col(1)[k] == y[s] and done.col(4)[k] == y[e - 1]
        assert done.col(2)[k] == y[s:e].max() and done.col(3)[k] == y[s:e].min()
    assert cache.current[1] == y[starts[-1]] and cache.current[4] == y[-1]
    assert bucket_for(600) == 5.0 and bucket_for(7200) == 60.0


def test_labels_never_cover_each_other_the_notices_or_the_time_axis(make_window, qtbot):
    """A liquidation's marker label next to other positions' entry labels, a notice over the
    top-left of the chart: every label is drawn inside the plot, clear of the others and of the
    notice."""
    w = make_window(live=False)
    b = w.bridge
    b.submit(Price("BTCUSDT", D("64000")))
    b.submit(Open("BTCUSDT", "long", D("0.5"), 50, "isolated"))
    b.submit(Open("BTCUSDT", "long", D("0.3"), 10, "cross"))
    b.submit(Open("BTCUSDT", "short", D("0.2"), 10, "isolated"))
    liq = b.position("p1").liquidation_price
    b.submit(Price("BTCUSDT", (liq - 5).quantize(D("0.1"))))  # p1 goes; its ✕ sits at the bottom
    b.submit(Price("BTCUSDT", D("63700")))
    w.show_moment()
    w.notify("A notice over the chart's top-left corner, where the first labels are.", "warning")
    qtbot.wait(20)
    chart = w.price_chart
    chart.plot.grab()  # paint
    levels = chart.levels
    assert levels.marker_labels and levels.marker_labels[-1][2] == "liquidated p1 (isolated)"
    vb = chart.view_box
    plot = QRectF(vb.mapRectToScene(vb.boundingRect()))
    boxes = levels.boxes
    assert levels.markers_labelled == ["liquidated p1 (isolated)"]
    assert levels.labelled and levels.edge_tags()  # entry labels and the tags of far liquidation prices
    for i, a in enumerate(boxes):
        assert plot.adjusted(-1, -1, 1, 1).contains(a), a  # inside the plot: not under the time axis
        assert not any(a.intersects(other) for other in boxes[i + 1 :]), a
        assert not any(a.intersects(r) for r in levels.reserved), a
    assert levels.reserved  # the notice's card is known to the chart


def test_the_line_holds_a_held_price_flat_and_then_jumps(make_window, qtbot):
    """A price held by hand for half a minute, then moved: the line is flat across the gap and
    steps at the new price, never a diagonal from the old price to the new."""
    w = make_window()
    frames(w, 30)
    b = w.bridge
    b.hold("BTCUSDT")
    b.submit(Price("BTCUSDT", D("60000")))
    held_at = b.now() / 1000
    w.loop.advance(30)  # half a minute: the ticker leaves the held price alone
    b.submit(Price("BTCUSDT", D("54000")))
    jumped_at = b.now() / 1000
    chart = w.price_chart
    chart.set_symbol("BTCUSDT")
    chart.set_style("line")
    qtbot.wait(20)
    path = chart.curve.curve.getPath()
    points = [(path.elementAt(i).x, path.elementAt(i).y) for i in range(path.elementCount())]
    assert jumped_at - held_at >= 29
    assert (jumped_at, 60000.0) in points and (jumped_at, 54000.0) in points  # a vertical step
    assert not any(held_at < x < jumped_at and y != 60000.0 for x, y in points)  # flat before it
