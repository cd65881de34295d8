"""Gestures for the order tests: typing a mark, filling the ticket, dragging an order's line."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from sandbox.engine import Price

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def priced_window(make_window, btc="60000", eth="3000", profile=None, balance="10000"):
    """A window that is not live, on a fresh account with BTC and ETH priced (nothing moves)."""
    w = make_window(live=False)
    if profile is not None:
        from sandbox.session.model import SessionHeader
        from sandbox.session.timeline import Timeline

        w.session.adopt(Timeline(SessionHeader.new(balance, profile)), "test")
    w.bridge.submit(Price("BTCUSDT", Decimal(btc)))
    w.bridge.submit(Price("ETHUSDT", Decimal(eth)))
    w.show_moment()
    return w


def type_mark(w, symbol: str, price: str) -> None:
    """Type a mark into the symbol's price field and press Enter (the Prices panel)."""
    box = w.price_sliders.row(symbol).price
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, price)
    QTest.keyClick(box, Qt.Key.Key_Return)


def type_into(box, value: str) -> None:
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, value)


def click(widget, pos: QPoint | None = None) -> None:
    QTest.mouseClick(widget, LEFT, NONE, pos if pos is not None else widget.rect().center())


def line_point(chart, price: float) -> QPoint:
    """Where the price ``price`` is in the chart's viewport, two thirds of the way across."""
    vb = chart.view_box
    (x0, x1), _ = vb.viewRange()
    scene = vb.mapViewToScene(QPointF(x0 + (x1 - x0) * 0.66, price))
    return chart.plot.mapFromScene(scene)


def show_prices(chart, lo: float, hi: float) -> None:
    """Zoom the chart to prices lo…hi, as a person scrolling it would (following stops)."""
    chart._stop_following()
    (x0, x1), _ = chart.view_box.viewRange()
    chart.view_box.setRange(xRange=(x0, x1), yRange=(lo, hi), padding=0)
    chart.view_box.updateMatrix()


def drag(qtbot, chart, start: QPoint, end: QPoint, steps: int = 6) -> None:
    """Press at ``start``, move to ``end`` in a few steps (pausing, as a hand does), release."""
    viewport = chart.plot.viewport()
    QTest.mouseMove(viewport, start)
    qtbot.wait(15)
    QTest.mousePress(viewport, LEFT, NONE, start)
    for i in range(1, steps + 1):
        qtbot.wait(15)  # pyqtgraph drops moves that come faster than 100 a second
        QTest.mouseMove(
            viewport,
            QPoint(
                start.x() + (end.x() - start.x()) * i // steps, start.y() + (end.y() - start.y()) * i // steps
            ),
        )
    qtbot.wait(15)
    QTest.mouseRelease(viewport, LEFT, NONE, end)


def dropped_price(chart, at: QPoint, tick: Decimal) -> Decimal:
    """The price a drop at ``at`` means, on the tick (worked out here from the view's mapping)."""
    y = chart.view_box.mapSceneToView(chart.plot.mapToScene(at)).y()
    return (Decimal(repr(y)) / tick).to_integral_value() * tick
