"""``margin-sandbox shot FILE -o PNG [--at MS] [--size WxH]``: the window at one moment of a file,
rendered offscreen to a PNG (for docs, bug reports and CI artefacts). Needs no display.

It never touches the user's settings or recordings: the window gets throw-away settings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path


class ShotError(ValueError):
    """The file cannot be shown or the PNG cannot be written; the message is one sentence."""


def render_shot(
    file: str, out_png: str, at_ms: int | None = None, size: tuple[int, int] = (1600, 1000)
) -> None:
    from ..app import application

    app = application()
    from PySide6.QtCore import QSettings

    from .main_window import MainWindow

    width, height = size
    if width < 320 or height < 240:
        raise ShotError(f"--size {width}x{height} is too small (at least 320x240)")
    with tempfile.TemporaryDirectory(prefix="margin-sandbox-shot-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, recordings_dir=None, seed=0)
        try:
            if not window.open_path(file):
                raise ShotError(window.last_error or f"{file}: cannot be opened")
            window.notices.clear()
            timeline = window.bridge.timeline
            if at_ms is None:
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
            image = window.grab()
            if image.width() != width or image.height() != height:
                image = image.scaled(width, height)
            out = Path(out_png)
            if out.parent and not out.parent.exists():
                raise ShotError(f"{out_png}: the folder {out.parent} does not exist")
            if not image.save(str(out), "PNG"):
                raise ShotError(f"{out_png}: cannot write the PNG")
        finally:
            window.loop.stop()
            window.close()
            window.deleteLater()
            app.processEvents()
