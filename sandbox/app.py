"""Start the window: ``margin-sandbox`` (live simulated market) or ``margin-sandbox FILE`` (replay)."""

from __future__ import annotations

import os
import sys


def ensure_platform() -> None:
    """Without a display (CI, ssh, ``shot``) Qt would abort: draw offscreen instead."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def application():
    """The QApplication (created once), named and themed."""
    ensure_platform()
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        from .ui.main_window import APP, ORG
        from .ui.theme import ICONS

        app.setOrganizationName(ORG)
        app.setApplicationName(APP)
        app.setApplicationDisplayName(APP)
        icon = ICONS / "app.svg"
        if icon.exists():
            app.setWindowIcon(QIcon(str(icon)))
        apply_theme(app)
    return app


def apply_theme(app, name: str | None = None) -> str:
    """Theme the application: ``name``, else the one saved in the settings, else dark."""
    from .ui.theme import theme

    if name is None:
        from .ui.main_window import make_settings

        name = str(make_settings().value("view/theme", "dark"))
    return theme.apply(app, name)


def start(window, path: str | None) -> None:
    """Show ``window`` with ``path`` ready to replay, or a live market: with the start-up hint when
    no file was asked for, and with the sentence saying why when the file cannot be opened."""
    window.show()
    if path is None:
        window.start_live()
        window.show_start_hint()
    elif not window.open_path(path):
        error = window.last_error
        window.start_live()
        window.notify(error or f"{path} was not opened; here is a live market instead.", "error")
    window.loop.start()


def open_window(path: str | None) -> int:
    app = application()
    from .ui.main_window import MainWindow, default_recordings_dir

    start(MainWindow(recordings_dir=default_recordings_dir()), path)
    return app.exec()
