"""``margin-sandbox shot FILE -o PNG [--at MS] [--size WxH] [--symbol S] [--panel map|twins]``: the
window (or one panel of it: the hedge map, the twins) at one moment of a file, rendered
offscreen to a PNG (for docs, bug reports and CI artefacts). Needs no
display and never asks anything: a market-data file whose instrument cannot be told is an error
naming ``--symbol``, not a dialog nobody can answer.

It never touches the user's settings or recordings: the window gets throw-away settings. The PNG
is encoded in memory and written like every other output (``session.outputs``): a fresh
temporary file beside the target, renamed over it when complete, never over the input.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from types import TracebackType

from ..session.outputs import OutputError, atomic_file, output_problem

MIN_SIZE, MAX_SIZE = (320, 240), (7680, 4320)
PANELS = ("map", "twins")  # --panel: the hedge map, the Cross vs isolated panel


class ShotError(ValueError):
    """The file cannot be shown or the PNG cannot be written; the message is one sentence."""


def render_shot(
    file: str,
    out_png: str,
    at_ms: int | None = None,
    size: tuple[int, int] = (1600, 1000),
    symbol: str | None = None,
    panel: str | None = None,
) -> None:
    width, height = size
    if panel is not None and panel not in PANELS:
        raise ShotError(f"--panel {panel!r} is not one of {', '.join(PANELS)}")
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise ShotError(
            f"--size {width}x{height} is outside {MIN_SIZE[0]}x{MIN_SIZE[1]} … {MAX_SIZE[0]}x{MAX_SIZE[1]}"
        )
    problem = output_problem(out_png, file)
    if problem:
        raise ShotError(f"{out_png}: {problem}")
    png = _render(file, at_ms, width, height, symbol, panel)
    try:
        with atomic_file(out_png, binary=True) as out:
            out.write(png)
    except OutputError as exc:
        raise ShotError(str(exc)) from None


def _render(
    file: str, at_ms: int | None, width: int, height: int, symbol: str | None, panel: str | None = None
) -> bytes:
    """The PNG; an exception raised while Qt draws (reported to ``sys.excepthook``, not raised)
    becomes a ShotError rather than a traceback beside a picture of a broken window."""
    failures: list[BaseException] = []

    def keep(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        failures.append(exc)

    previous, sys.excepthook = sys.excepthook, keep
    try:
        png = _draw(file, at_ms, width, height, symbol, panel)
    finally:
        sys.excepthook = previous
    if failures:
        exc = failures[0]
        raise ShotError(f"{file}: the window could not draw this moment ({type(exc).__name__}: {exc})")
    return png


def _draw(
    file: str, at_ms: int | None, width: int, height: int, symbol: str | None, panel: str | None
) -> bytes:
    from ..app import application

    app = application()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings

    from .main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="margin-sandbox-shot-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, recordings_dir=None, seed=0)
        try:
            if not window.open_path(file, symbol=symbol, ask=False):
                raise ShotError(window.last_error or f"{file}: cannot be opened")
            window.notices.clear()
            timeline = window.bridge.timeline
            if at_ms is None or at_ms >= timeline.end_t:  # after the end, the end is what it shows
                timeline.seek_index(len(timeline))
            else:
                timeline.seek(int(at_ms))
            window.bridge.note_inputs([], urgent=True)
            window.setMinimumSize(min(width, 900), min(height, 600))
            window.resize(width, height)
            window.show()
            window.show_moment()
            for _ in range(3):
                app.processEvents()
            image = window.grab() if panel is None else _panel_image(window, file, panel, width, height)
            if image.width() != width or image.height() != height:
                image = image.scaled(width, height)
            data = QByteArray()
            buffer = QBuffer(data)
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            if not image.save(buffer, "PNG"):
                raise ShotError(f"{file}: the picture could not be encoded as PNG")
            buffer.close()
            return bytes(data.data())
        finally:
            window.loop.stop()
            window.close()
            window.deleteLater()
            app.processEvents()


def _panel_image(window, file: str, panel: str, width: int, height: int):
    """One panel on its own, at the window's moment and the size asked for (a hedge map needs
    positions on two symbols then: else a ShotError says so)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ..session.twins import clock
    from .hedge_map.panel import HedgeMapPanel
    from .theme import theme
    from .twins_panel import TwinsPanel

    widget = HedgeMapPanel(window.bridge) if panel == "map" else TwinsPanel(window.bridge)
    # On its own, not in a dock: it paints the window's background itself.
    widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    widget.setStyleSheet(f"#{widget.objectName()} {{ background: {theme.palette.bg}; }}")
    try:
        widget.resize(width, height)
        widget.show()
        widget.refresh()
        if isinstance(widget, HedgeMapPanel) and widget.map is None:
            raise ShotError(
                f"{file}: no hedge map at {clock(window.bridge.now())}: it needs open positions on two symbols"
            )
        for _ in range(3):
            QApplication.processEvents()
        return widget.grab()
    finally:
        widget.close()
        widget.deleteLater()
