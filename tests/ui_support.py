"""Shared helpers for the window tests: a session file and mouse gestures a person would make
(the window fixtures live in conftest.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider

from sandbox.session.jsonlines import write_session
from sandbox.session.model import SessionHeader

D = Decimal


def frames(window, n: int = 1, dt: float = 1 / 60) -> None:
    for _ in range(n):
        window.loop.advance(dt)


def session_lines(eth_from: int = 3000, eth_step: int = -10, seconds: int = 60):
    """A recording: prices at t=0, an isolated ETH long and a cross BTC short, then ETH falls
    ``eth_step`` a second (the ETH position is liquidated on the way down)."""
    yield {"t": 0, "type": "price", "symbol": "BTCUSDT", "price": "60000"}
    yield {"t": 0, "type": "price", "symbol": "ETHUSDT", "price": str(eth_from)}
    yield {
        "t": 0,
        "type": "open",
        "symbol": "ETHUSDT",
        "side": "long",
        "qty": "1",
        "leverage": 10,
        "mode": "isolated",
    }
    yield {
        "t": 0,
        "type": "open",
        "symbol": "BTCUSDT",
        "side": "short",
        "qty": "0.1",
        "leverage": 20,
        "mode": "cross",
    }
    for s in range(1, seconds + 1):
        yield {"t": s * 1000, "type": "price", "symbol": "ETHUSDT", "price": str(eth_from + eth_step * s)}
        yield {"t": s * 1000 + 500, "type": "price", "symbol": "BTCUSDT", "price": str(60000 + (s % 7) * 25)}


def write_demo_session(path: Path, **kwargs) -> Path:
    header = SessionHeader.new("10000", "binance-usdm", meta={"title": "ETH falls"})
    write_session(path, header.to_dict(), list(session_lines(**kwargs)))
    return path


def handle_center(slider: QSlider) -> QPoint:
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    rect = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, slider
    )
    return rect.center()


def drag_slider(slider: QSlider, dx: int, steps: int = 20, until=None) -> None:
    """Press on the handle, move ``dx`` pixels in ``steps`` moves, release (like a person).
    ``until()`` true stops the drag early (the button is still released)."""
    start = handle_center(slider)
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    try:
        for i in range(1, steps + 1):
            QTest.mouseMove(slider, QPoint(start.x() + round(dx * i / steps), start.y()))
            if until is not None and until():
                break
    finally:
        pos = QPoint(start.x() + round(dx * i / steps), start.y())
        QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
