"""The window's look: two palettes, the style sheet that matches each, and one ``Theme`` object that
says when it changes.

Widgets read colours from ``theme.palette`` when they paint and re-style themselves on
``theme.changed``: switching dark ⇄ light is one call (``theme.apply(app, name)``), and nothing
polls or compares theme names. There is one theme per process (``theme`` below), as there is one
application style sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication

# The window's one way to its resource files (styles, icons, the example sessions): inside the
# installed package (``sandbox/resources``; in a checkout, a link to the top-level resources/).
RESOURCES = Path(str(files("sandbox").joinpath("resources")))
ICONS = RESOURCES / "icons"
STYLES = RESOURCES / "styles"
EXAMPLES = RESOURCES / "sessions"


@dataclass(frozen=True, slots=True)
class Palette:
    """Colours by role (resources/styles/<theme>.qss styles the widgets to match)."""

    bg: str
    grid: str
    text: str
    muted: str
    up: str
    down: str
    warn: str  # amber: a margin ratio between 50 % and 80 %
    line: str
    entry: str
    liq: str
    liq_mark: str
    cross: str
    isolated: str
    wallet: str
    maint: str
    equity: str
    panel: str


PALETTES = {
    "dark": Palette(
        bg="#0f1318",
        grid="#1b212a",
        text="#c9d1d9",
        muted="#8b949e",
        up="#2ebd85",
        down="#f6465d",
        warn="#e3b341",
        line="#e6edf3",
        entry="#d0d7de",
        liq="#ff9f43",
        liq_mark="#ff3b5c",
        cross="#4c9aff",
        isolated="#c792ea",
        wallet="#e6edf3",
        maint="#ff9f43",
        equity="#7ee787",
        panel="#161b22",
    ),
    "light": Palette(
        bg="#ffffff",
        grid="#eceff3",
        text="#1f2328",
        muted="#59636e",
        up="#0e9f6e",
        down="#d9304f",
        warn="#b7791f",
        line="#1f2328",
        entry="#57606a",
        liq="#c2410c",
        liq_mark="#d1242f",
        cross="#0969da",
        isolated="#8250df",
        wallet="#1f2328",
        maint="#c2410c",
        equity="#1a7f37",
        panel="#f6f8fa",
    ),
}
NAMES = tuple(PALETTES)
DEFAULT = "dark"


class Theme(QObject):
    """The current palette; ``changed(name)`` after it switches."""

    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.name = DEFAULT
        self.palette = PALETTES[DEFAULT]
        self._colours: dict[str, QColor] = {}

    def colour(self, role: str) -> QColor:
        """The QColor of a palette role ("up", "liq", …), made once: cells ask thousands of times."""
        hex_ = getattr(self.palette, role)
        c = self._colours.get(hex_)
        if c is None:
            c = self._colours[hex_] = QColor(hex_)
        return c

    def qcolor(self, hex_: str) -> QColor:
        """A QColor for any hex string, cached like ``colour``."""
        c = self._colours.get(hex_)
        if c is None:
            c = self._colours[hex_] = QColor(hex_)
        return c

    def apply(self, app: QApplication, name: str) -> str:
        """Make ``name`` the theme of the whole application (unknown names give dark): palette,
        pyqtgraph's defaults and the widgets' style sheet. Returns the name used."""
        name = name if name in PALETTES else DEFAULT
        previous = self.name
        self.name = name
        self.palette = PALETTES[name]
        pg.setConfigOptions(antialias=False, background=self.palette.bg, foreground=self.palette.text)
        app.setStyle("Fusion")
        qss = STYLES / f"{name}.qss"
        if qss.exists():
            app.setStyleSheet(qss.read_text(encoding="utf-8").replace("@ICONS@", self._icons().as_posix()))
        if name != previous:
            self.changed.emit(name)
        return name

    def _icons(self) -> Path:
        return ICONS / "light" if self.name == "light" else ICONS

    def icon(self, name: str) -> QIcon:
        """An icon drawn for the current theme (dark icons live in icons/light/)."""
        path = self._icons() / f"{name}.svg"
        return QIcon(str(path if path.exists() else ICONS / f"{name}.svg"))


theme = Theme()
