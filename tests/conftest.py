import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on the same examples every time (a failure there must reproduce);
# on a developer's machine they keep exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def bridge(qtbot):
    """A window's bridge on a fresh 10,000 USDT timeline with BTC at 60,000 and ETH at 3,000."""
    from decimal import Decimal

    from sandbox.engine import Price
    from sandbox.session.model import SessionHeader
    from sandbox.session.timeline import Timeline
    from sandbox.ui.bridge import SessionBridge

    b = SessionBridge(Timeline(SessionHeader.new("10000")))
    b.submit(Price("BTCUSDT", Decimal(60000)))
    b.submit(Price("ETHUSDT", Decimal(3000)))
    return b


@pytest.fixture
def settings_dir(tmp_path):
    """Every QSettings the window makes goes to an INI file under tmp_path."""
    from PySide6.QtCore import QSettings

    path = tmp_path / "settings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path))
    return path


@pytest.fixture
def make_window(qtbot, settings_dir, tmp_path):
    """``make_window(live=True)``: a shown main window whose timer is not running; tests move
    time with ``window.loop.advance(dt)`` (or start the timer themselves)."""
    from PySide6.QtWidgets import QApplication

    from sandbox.app import apply_theme
    from sandbox.ui.main_window import MainWindow

    apply_theme(QApplication.instance())
    windows = []

    def make(live: bool = True, seed: int = 7):
        w = MainWindow(recordings_dir=tmp_path / "recordings", seed=seed)
        qtbot.addWidget(w)
        windows.append(w)
        if live:
            w.start_live()
        w.resize(1600, 1000)
        with qtbot.waitExposed(w):
            w.show()
        with qtbot.waitActive(w):  # keyboard shortcuts go to the active window
            w.activateWindow()
        return w

    yield make
    for w in windows:
        w.loop.stop()
