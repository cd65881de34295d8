"""The hedge map panel, looked at the way a person reads it: the colour of a cell says which
positions a joint move to that point liquidates. At random cells, that colour agrees with
``risk.hedge_map`` and with the engine itself, given both marks at once (the same oracle as
tests/test_hedge_map.py); a few cells are read back from the pixels on screen. ``shot --panel
map`` renders it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_support import cli, refused
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from sandbox.engine import Liquidated
from sandbox.risk.command import twin_books
from sandbox.risk.hedge_map import hedge_map
from sandbox.risk.thresholds import engine_price
from sandbox.session.reader import read_session
from sandbox.session.twins import VARIANTS, replay
from sandbox.ui.hedge_map.picture import ALPHA, edges

HEADER = {
    "format": "margin-sandbox-session",
    "version": 1,
    "profile": "binance-usdm",
    "rules": "sandbox",
    "balance": "3000",
    "meta": {"title": "a book on two symbols"},
}
BOOK = [
    ("BTCUSDT", "long", "0.2", 20, "cross"),
    ("ETHUSDT", "short", "3", 20, "cross"),
    ("BTCUSDT", "short", "0.05", 25, "isolated"),
    ("ETHUSDT", "long", "1", 30, "isolated"),
]


def write_book_session(path, seconds: int = 30):
    """Prices of BTC and ETH, the book above at t=1000, then both drift for ``seconds``."""
    lines = [HEADER, {"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"}]
    lines.append({"t": 0, "type": "price", "symbol": "ETHUSDT", "price": "3000"})
    for symbol, side, qty, leverage, mode in BOOK:
        lines.append(
            {
                "t": 1000,
                "type": "open",
                "symbol": symbol,
                "side": side,
                "qty": qty,
                "leverage": leverage,
                "mode": mode,
            }
        )
    for s in range(2, seconds + 2):
        lines.append({"t": s * 1000, "type": "price", "symbol": "BTCUSDT", "price": str(60000 + 40 * s)})
        lines.append({"t": s * 1000 + 500, "type": "price", "symbol": "ETHUSDT", "price": str(3000 - 2 * s)})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def engine_at(account, x_symbol, x, y_symbol, y):
    """What the engine liquidates with both marks at (x, y) at once (see test_hedge_map.py)."""
    trial = account.copy()
    trial.marks[x_symbol] = engine_price(x)
    trial.marks[y_symbol] = engine_price(y)
    trial = trial.copy()
    dead = set()
    for symbol in (x_symbol, y_symbol):
        for e in trial.set_mark(1, symbol, trial.marks[symbol]):
            if isinstance(e, Liquidated):
                dead.update(e.positions)
    return dead


@pytest.fixture
def book_file(tmp_path):
    return write_book_session(tmp_path / "book.jsonl")


def open_map(make_window, qtbot, path, t):
    w = make_window(live=False)
    assert w.open_path(str(path))
    w.loop.seek(t, now=True)
    dock = w.docks["map"]
    dock.show()
    dock.raise_()
    w.resize(1600, 1000)
    panel = w.hedge_map_panel
    qtbot.waitUntil(lambda: panel.map is not None)  # drawn once its tab is in front
    return w, panel


def test_cell_colours_agree_with_the_hedge_map_and_with_the_engine(make_window, qtbot, book_file):
    _w, panel = open_map(make_window, qtbot, book_file, 20_000)
    twins = replay(read_session(book_file), until=20_000).twins  # the book, replayed on its own
    expected = hedge_map(twin_books(twins), "BTCUSDT", "ETHUSDT")
    m = panel.map
    assert (m.x_symbol, m.y_symbol) == ("BTCUSDT", "ETHUSDT")
    assert np.array_equal(m.xs, expected.xs) and np.array_equal(m.ys, expected.ys)
    rng = np.random.default_rng(5)
    points = list(zip(rng.integers(0, len(m.ys), 150), rng.integers(0, len(m.xs), 150)))
    for variant in VARIANTS:
        panel.variant_box.setCurrentIndex(VARIANTS.index(variant))  # as a person picks it
        assert panel.variant == variant
        account = twins.twin(variant).account
        vm = expected.variants[variant]
        seen = set()
        for r, c in points:
            colour = tuple(int(v) for v in panel.rgba[r, c])
            meaning = panel.legend.meaning(colour)
            mapped = {pid for pid, mask in vm.lots.items() if mask[r, c]}
            assert meaning == frozenset(mapped), (variant, r, c)
            assert mapped == engine_at(account, "BTCUSDT", m.xs[c], "ETHUSDT", m.ys[r]), (variant, r, c)
            seen.add(frozenset(mapped))
        assert len(seen) > 1  # the sample crosses at least one boundary
        # what the hover line says at a cell is the same set
        r, c = points[0]
        said = panel.describe(r, c)
        dead = sorted({pid for pid, mask in vm.lots.items() if mask[r, c]})
        assert (", ".join(dead) + " liquidated" if dead else "nothing liquidated") in said


def test_the_pixels_on_screen_are_those_colours(make_window, qtbot, book_file):
    _w, panel = open_map(make_window, qtbot, book_file, 20_000)
    for box in panel.contour_boxes.values():
        box.click()  # edges off: the cells alone
    qtbot.wait(50)
    m = panel.map
    vb = panel.plot.getPlotItem().getViewBox()
    image = panel.plot.grab().toImage()
    bg = panel.plot.backgroundBrush().color()
    codes = panel.rgba[..., :3].astype(int) @ np.array([1 << 16, 1 << 8, 1])
    checked = 0
    for r in range(5, len(m.ys) - 5, 17):
        for c in range(5, len(m.xs) - 5, 17):
            if len(np.unique(codes[r - 3 : r + 4, c - 3 : c + 4])) != 1:
                continue  # beside a boundary: a pixel may belong to the neighbour
            if abs(m.xs[c] / m.x_mark - 1) < 0.05 or abs(m.ys[r] / m.y_mark - 1) < 0.05:
                continue  # the trail and the dot of the marks
            scene = vb.mapViewToScene(QPointF(float(m.xs[c]), float(m.ys[r])))
            pixel = panel.plot.mapFromScene(scene)
            got = image.pixelColor(pixel.x(), pixel.y())
            red, green, blue, alpha = (int(v) for v in panel.rgba[r, c])
            a = alpha / 255
            want = [
                round(v * a + b * (1 - a))
                for v, b in zip((red, green, blue), (bg.red(), bg.green(), bg.blue()))
            ]
            assert (
                abs(got.red() - want[0]) <= 3
                and abs(got.green() - want[1]) <= 3
                and abs(got.blue() - want[2]) <= 3
            )
            checked += 1
    assert checked >= 20


def test_boundaries_trail_dot_and_a_one_symbol_book(make_window, qtbot, book_file):
    w, panel = open_map(make_window, qtbot, book_file, 20_000)
    m = panel.map
    for variant in VARIANTS:
        x, y = panel.edge_curves[variant].getData()
        ex, ey = edges(m.variants[variant].any, m.xs, m.ys)
        assert np.array_equal(x, ex) and np.array_equal(y, ey) and len(x) > 0
    panel.contour_boxes["all_cross"].click()
    assert len(panel.edge_curves["all_cross"].getData()[0]) == 0
    dots = panel.dot.getData()
    assert (dots[0][0], dots[1][0]) == (float(w.bridge.mark("BTCUSDT")), float(w.bridge.mark("ETHUSDT")))
    tx, ty = panel.trail_curve.getData()
    assert tx[-1] == float(w.bridge.mark("BTCUSDT")) and ty[-1] == float(w.bridge.mark("ETHUSDT"))
    assert ALPHA < 255
    # back to the start, before the book: no map, and a sentence that says why
    w.loop.seek(0, now=True)
    qtbot.waitUntil(lambda: panel.map is None)
    assert "two symbols" in panel.hover.text()


def test_shot_renders_the_map_panel(tmp_path, qapp, capsys, settings_dir, book_file):
    out = tmp_path / "map.png"
    result = cli(capsys, "shot", book_file, "-o", out, "--panel", "map", "--at", "20000", "--size", "900x700")
    assert result.code == 0, result.err
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 700)
    # before any position there is no map: one sentence, exit 2, nothing written
    early = tmp_path / "early.png"
    sentence = refused(cli(capsys, "shot", book_file, "-o", early, "--panel", "map", "--at", "0"))
    assert "two symbols" in sentence and not early.exists()
    refused(cli(capsys, "shot", book_file, "-o", early, "--panel", "odds"))


def test_the_map_follows_the_marks_as_the_session_plays(make_window, qtbot, book_file):
    w, panel = open_map(make_window, qtbot, book_file, 5_000)
    w.loop.set_speed(4.0)
    w.loop.set_playing(True)
    for _ in range(60):  # the recorded prices play on; the book stays as it is
        w.loop.advance(1 / 30)
    b = w.bridge
    qtbot.waitUntil(lambda: panel.map.x_mark == float(b.mark("BTCUSDT")), timeout=5000)
    assert panel.map.y_mark == float(b.mark("ETHUSDT"))
    expected = hedge_map(
        twin_books(replay(read_session(book_file), until=b.now()).twins), "BTCUSDT", "ETHUSDT"
    )
    for variant in VARIANTS:
        got, want = panel.map.variants[variant], expected.variants[variant]
        assert got.lots.keys() == want.lots.keys()
        assert all(np.array_equal(got.lots[pid], want.lots[pid]) for pid in want.lots), variant
