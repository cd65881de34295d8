"""The three lessons walked like a person: Help ▸ Lessons, pick one, Start, read, Next; where a
step asks, drag the marker on the price chart (or type the loss, or choose), Play and see, and
the engine's answer is revealed beside the twins. The answers are the lesson's (computed by the
session layer from the session), and the window shows them at the moment they are about."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from test_ui_twins import assert_shows, cli_twins

from sandbox.engine import text
from sandbox.session.lessons import load_lessons

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
LESSONS = load_lessons()


def menu_action(w, menu: str, item: str):
    bar = w.menuBar()
    top = next(a.menu() for a in bar.actions() if a.text().replace("&", "") == menu)
    return next(a for a in top.actions() if a.text().replace("&", "") == item)


def pixel_of(chart, price: float) -> QPoint:
    """Where ``price`` is on the price chart's plot, halfway across (viewport pixels)."""
    vb = chart.view_box
    (x0, x1), _ = vb.viewRange()
    scene = vb.mapViewToScene(QPointF((x0 + x1) / 2, price))
    return chart.plot.mapFromScene(scene)


def drag_marker(chart, marker, to_price: float, steps: int = 12) -> None:
    """Press on the dashed line, move it up or down to ``to_price``, release: a move every 15 ms
    or so, as a hand makes them (pyqtgraph drops moves that come less than 10 ms apart)."""
    viewport = chart.plot.viewport()
    start, end = pixel_of(chart, marker.value), pixel_of(chart, to_price)
    QTest.mousePress(viewport, LEFT, NONE, start)
    for i in range(1, steps + 1):
        QTest.qWait(15)
        QTest.mouseMove(viewport, QPoint(start.x(), start.y() + round((end.y() - start.y()) * i / steps)))
    QTest.qWait(15)
    QTest.mouseRelease(viewport, LEFT, NONE, end)


@pytest.mark.parametrize("number", range(len(LESSONS)))
def test_walk_a_lesson(make_window, qtbot, capsys, number):
    w = make_window(live=False)
    menu_action(w, "Help", "Lessons…").trigger()
    picker = w._lesson_picker
    assert picker is not None and picker.isVisible() and picker.list.count() == len(LESSONS)
    item = picker.list.item(number)
    qtbot.mouseClick(picker.list.viewport(), LEFT, NONE, picker.list.visualItemRect(item).center())
    qtbot.mouseClick(picker.start_button, LEFT)
    panel = w.lesson_panel
    lesson = panel.lesson
    assert lesson is not None and lesson.title == LESSONS[number].title and panel.isVisible()
    assert w.session.source_path == str(lesson.session_path)
    panel.player.seconds = 0.3  # the same roll, quicker than a person would want it
    chart, marker = w.price_chart, panel.marker
    revealed = 0
    for index, (step, answer) in enumerate(zip(lesson.steps, lesson.answers)):
        qtbot.waitUntil(lambda: not panel.player.playing, timeout=10000)  # rolled on to the step
        assert panel.index == index and panel.step_text.text() == step.text
        if step.t is not None:
            assert w.bridge.now() == step.t  # the step's moment is on screen
        if step.predict is None:
            qtbot.mouseClick(panel.next_button, LEFT)
            continue
        assert not panel.next_button.isEnabled()  # first the prediction
        kind = step.predict.kind
        if kind == "liquidation_price":
            assert marker.line.isVisible() and chart.symbol == answer.symbol
            mark = float(w.bridge.mark(answer.symbol))
            guess = mark * (0.96 if marker.value < mark else 1.04)
            drag_marker(chart, marker, guess)
            assert abs(marker.value - guess) < mark * 0.004  # it went where it was dragged
            assert panel.guess_label.text() == f"Your guess: {text.price(marker.guess(), marker.tick)}"
        elif kind == "loss":
            panel.loss.selectAll()
            QTest.keyClicks(panel.loss, "1500")
            assert panel.loss.value() == 1500
        else:
            assert not panel.play_button.isEnabled()  # choose first
            qtbot.mouseClick(panel.survives, LEFT)
        qtbot.mouseClick(panel.play_button, LEFT)
        qtbot.waitUntil(lambda: panel.revealed, timeout=10000)
        revealed += 1
        assert panel.reveal.text() == answer.reveal
        assert answer.shown in panel.reveal.text()
        target = panel.play_target()
        assert w.bridge.now() == target and target >= (step.t or 0)
        assert w.twins_panel.isVisible()  # the twins come with the answer (its tab to the front)
        qtbot.waitUntil(lambda: w.twins_panel.figures()["as_traded"]["total_wallet"] != "—", timeout=2000)
        assert_shows(w.twins_panel, cli_twins(capsys, lesson.session_path, w.bridge.now()))
        if kind == "liquidation_price":
            assert marker.answer.isVisible() and marker.answer.value() == float(answer.value)
            assert panel.compare.text().startswith(f"Your guess: {text.price(marker.guess(), marker.tick)}")
        elif kind == "loss":
            assert (
                panel.compare.text() == f"Your guess: {text.money(D(1500))} USDT; the engine: {answer.shown}."
            )
        else:
            right = bool(answer.value)
            assert panel.compare.text() == f"You said it survives: {'right' if right else 'not this time'}."
        qtbot.mouseClick(panel.next_button, LEFT)
    assert revealed == sum(s.predict is not None for s in lesson.steps) >= 2
    assert panel.lesson is None  # Finish ends it


def test_opening_another_file_ends_the_lesson(make_window, qtbot):
    from pathlib import Path

    w = make_window(live=False)
    assert w.start_lesson(LESSONS[0])
    assert w.lesson_panel.lesson is not None
    w.open_path(str(Path(__file__).resolve().parents[1] / "resources" / "sessions" / "crash-cross.jsonl"))
    assert w.lesson_panel.lesson is None and not w.lesson_panel.marker.line.isVisible()
