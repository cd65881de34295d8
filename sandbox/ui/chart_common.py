"""What both charts share: growable numpy columns, the time axis, colours, number formats.

Charts keep their own copies of the series in pre-allocated buffers (doubling when full) and hand
``setData`` slices of them, so a frame appends a few points instead of rebuilding arrays.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QIcon

# Colours of the charts, per theme (resources/styles/<theme>.qss styles the widgets to match).
# Read them as ``chart_common.BG`` etc. at paint time: ``set_theme`` replaces them.
THEMES = {
    "dark": dict(
        BG="#0f1318",
        GRID="#1b212a",
        TEXT="#c9d1d9",
        MUTED="#8b949e",
        UP="#2ebd85",
        DOWN="#f6465d",
        LINE="#e6edf3",
        ENTRY="#d0d7de",
        LIQ="#ff9f43",
        LIQ_MARK="#ff3b5c",
        CROSS="#4c9aff",
        ISOLATED="#c792ea",
        WALLET="#e6edf3",
        MAINT="#ff9f43",
        EQUITY="#7ee787",
        PANEL="#161b22",
    ),
    "light": dict(
        BG="#ffffff",
        GRID="#eceff3",
        TEXT="#1f2328",
        MUTED="#59636e",
        UP="#0e9f6e",
        DOWN="#d9304f",
        LINE="#1f2328",
        ENTRY="#57606a",
        LIQ="#c2410c",
        LIQ_MARK="#d1242f",
        CROSS="#0969da",
        ISOLATED="#8250df",
        WALLET="#1f2328",
        MAINT="#c2410c",
        EQUITY="#1a7f37",
        PANEL="#f6f8fa",
    ),
}
THEME = "dark"
BG = GRID = TEXT = MUTED = UP = DOWN = LINE = ENTRY = LIQ = LIQ_MARK = CROSS = ISOLATED = ""
WALLET = MAINT = EQUITY = PANEL = ""


def set_theme(name: str) -> str:
    """Make ``name`` the charts' palette (unknown names fall back to dark); returns the name used."""
    global THEME
    THEME = name if name in THEMES else "dark"
    globals().update(THEMES[THEME])
    return THEME


set_theme("dark")

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"
EPOCH_THRESHOLD_S = 86400 * 365 * 5  # times past 1975 are dates; smaller ones are session time


class GrowBuffer:
    """``ncols`` float64 columns with room to grow; ``col(i)`` is a view of the filled part."""

    __slots__ = ("_cols", "n")

    def __init__(self, ncols: int, capacity: int = 4096):
        self._cols = [np.empty(capacity, dtype=np.float64) for _ in range(ncols)]
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def capacity(self) -> int:
        return len(self._cols[0])

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        cap = self.capacity
        if need <= cap:
            return
        while cap < need:
            cap *= 2
        for i, old in enumerate(self._cols):
            new = np.empty(cap, dtype=np.float64)
            new[: self.n] = old[: self.n]
            self._cols[i] = new

    def extend(self, *columns) -> None:
        k = len(columns[0])
        if k == 0:
            return
        self._reserve(k)
        for col, values in zip(self._cols, columns):
            col[self.n : self.n + k] = values
        self.n += k

    def append(self, *values: float) -> None:
        self._reserve(1)
        for col, value in zip(self._cols, values):
            col[self.n] = value
        self.n += 1

    def sync(self, t_ms: np.ndarray, *columns: np.ndarray, fresh: bool = False) -> str:
        """Follow a series that grows at its end (the timeline's views): append what is new, or
        take it all again when ``fresh`` or when it no longer continues what is held (a rewind,
        a branch). Column 0 holds ``t_ms`` in seconds. Returns "same", "grew" or "reloaded"."""
        n_old, n = self.n, len(t_ms)
        reload = fresh or n < n_old or (n_old and self.last(0) != t_ms[n_old - 1] / 1000.0)
        if reload:
            self.clear()
            n_old = 0
        if n > n_old:
            self.extend(t_ms[n_old:] / 1000.0, *(c[n_old:] for c in columns))
        return "reloaded" if reload else ("grew" if n > n_old else "same")

    def truncate(self, n: int) -> None:
        self.n = max(0, min(n, self.n))

    def clear(self) -> None:
        self.n = 0

    def col(self, i: int) -> np.ndarray:
        return self._cols[i][: self.n]

    def last(self, i: int) -> float:
        return float(self._cols[i][self.n - 1])


def fmt_elapsed(seconds: float, with_ms: bool = False) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    whole = int(seconds)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    out = f"{sign}{h}:{m:02d}:{s:02d}"
    if with_ms:
        out += f".{round((seconds - whole) * 1000) % 1000:03d}"
    return out


def fmt_time(seconds: float, with_ms: bool = False) -> str:
    """Session time (from 0) as h:mm:ss, market time (epoch) as a UTC date and time."""
    if abs(seconds) < EPOCH_THRESHOLD_S:
        return fmt_elapsed(seconds, with_ms)
    d = datetime.fromtimestamp(seconds, tz=UTC)
    out = d.strftime("%Y-%m-%d %H:%M:%S")
    if with_ms:
        out += f".{d.microsecond // 1000:03d}"
    return out + " UTC"


def _major(levels) -> list[float]:
    """The coarsest tick level that has at least two ticks in view (the grid's lines)."""
    for _, values in levels or ():
        if len(values) >= 2:
            return list(values)
    return list(levels[-1][1]) if levels else []


class TimeAxis(pg.DateAxisItem):
    """Dates for market data, ``h:mm:ss`` for session time that starts at zero."""

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation=orientation, utcOffset=0, **kwargs)
        self.major: list[float] = []

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        self.major = _major(levels)
        return levels

    def tickStrings(self, values, scale, spacing):
        if values and max(abs(v) for v in values) < EPOCH_THRESHOLD_S:
            if spacing >= 60:
                return [fmt_elapsed(v)[:-3] for v in values]
            if spacing >= 1:
                return [fmt_elapsed(v) for v in values]
            return [fmt_elapsed(v, with_ms=True) for v in values]
        return super().tickStrings(values, scale, spacing)


class PriceAxis(pg.AxisItem):
    """Prices with thousands separators and no SI prefix (64,000 not 64k), and an optional tag
    (the latest price, like an exchange's chart) drawn on the axis itself."""

    def __init__(self, orientation: str = "right", **kwargs):
        super().__init__(orientation=orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self.major: list[float] = []
        self.tag: tuple[float, str, str] | None = None  # value, text, background colour

    def set_tag(self, tag: tuple[float, str, str] | None) -> None:
        if tag != self.tag:
            self.tag = tag
            self.update()

    def paint(self, p, opt, widget):
        super().paint(p, opt, widget)
        view = self.linkedView()
        if self.tag is None or view is None:
            return
        value, text, colour = self.tag
        (_, _), (y0, y1) = view.viewRange()
        if not y0 <= value <= y1:
            return
        y = self.mapFromScene(view.mapViewToScene(pg.QtCore.QPointF(0, value))).y()
        fm = p.fontMetrics()
        h = fm.height() + 4
        rect = pg.QtCore.QRectF(0, y - h / 2, self.width(), h)
        p.setPen(pg.QtCore.Qt.PenStyle.NoPen)
        p.setBrush(pg.mkBrush(colour))
        p.drawRect(rect)
        p.setPen(pg.mkPen(THEMES[THEME]["BG"]))
        p.drawText(rect.adjusted(4, 0, 0, 0), pg.QtCore.Qt.AlignmentFlag.AlignVCenter, text)

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        self.major = _major(levels)
        return levels

    def tickStrings(self, values, scale, spacing):
        places = max(0, -math.floor(math.log10(spacing))) if spacing > 0 else 0
        return [f"{v * scale:,.{places}f}" for v in values]


def icon(name: str) -> QIcon:
    """An icon drawn for the current theme (dark icons live in icons/light/)."""
    path = ICONS / "light" / f"{name}.svg" if THEME == "light" else ICONS / f"{name}.svg"
    return QIcon(str(path if path.exists() else ICONS / f"{name}.svg"))


STYLES_DIR = ICONS.parent / "styles"


def apply_app_theme(app, name: str) -> str:
    """The palette of the charts, pyqtgraph's defaults and the widgets' style sheet, all for
    ``name`` ("dark" or "light"); returns the theme used."""
    name = set_theme(name)
    pg.setConfigOptions(antialias=False, background=BG, foreground=TEXT)
    app.setStyle("Fusion")
    qss = STYLES_DIR / f"{name}.qss"
    if qss.exists():
        icons = (ICONS / "light" if name == "light" else ICONS).as_posix()
        app.setStyleSheet(qss.read_text(encoding="utf-8").replace("@ICONS@", icons))
    return name


def price_text(value: Decimal | float | None, tick: Decimal) -> str:
    """A price with as many decimals as the tick size (at least two), thousands separated."""
    if value is None:
        return "—"
    if not isinstance(value, Decimal):
        if not math.isfinite(value):
            return "—"
        value = Decimal(repr(float(value)))
    from ..engine import text

    return text.price(value, tick)


def pct_text(value: Decimal | float) -> str:
    v = float(value)
    sign = "+" if v > 0 else ("−" if v < 0 else "")
    return f"{sign}{abs(v):.2f} %"


class GridItem(pg.GraphicsObject):
    """Faint lines at the axes' major ticks. pyqtgraph's own grid (``showGrid``) costs 15–20 ms per
    repaint of a 1100×500 plot on the raster engine; this one draws ~20 solid lines."""

    def __init__(self, plot_item: pg.PlotItem):
        super().__init__()
        self.plot_item = plot_item
        self.setZValue(-100)

    def boundingRect(self):
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else pg.QtCore.QRectF()

    def viewRangeChanged(self):
        self.prepareGeometryChange()

    def paint(self, p, *args):
        vb = self.getViewBox()
        if vb is None:
            return
        rect = vb.viewRect()
        pen = pg.mkPen(GRID, width=1)
        pen.setCosmetic(True)
        p.setPen(pen)
        # The ticks each axis drew last (asking a DateAxisItem outside its own paint crashes:
        # it keeps the font metrics of a finished painter).
        lines = [
            pg.QtCore.QLineF(v, rect.top(), v, rect.bottom())
            for v in getattr(self.plot_item.getAxis("bottom"), "major", ())
        ]
        lines += [
            pg.QtCore.QLineF(rect.left(), v, rect.right(), v)
            for v in getattr(self.plot_item.getAxis("right"), "major", ())
        ]
        if lines:
            p.drawLines(lines)


def make_plot(parent=None, time_axis: bool = True) -> pg.PlotWidget:
    axes = {"bottom": TimeAxis(), "right": PriceAxis()} if time_axis else {"right": PriceAxis()}
    w = pg.PlotWidget(parent=parent, axisItems=axes)
    # The plot paints every pixel of its viewport: tell Qt, so nothing beneath it is repainted.
    w.viewport().setAttribute(pg.QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
    item = w.getPlotItem()
    item.hideButtons()
    item.setMenuEnabled(False)
    item.addItem(GridItem(item), ignoreBounds=True)
    item.showAxis("right")
    item.hideAxis("left")
    item.getAxis("right").setWidth(78)
    item.disableAutoRange()
    paint_plot(w)
    return w


def paint_plot(w: pg.PlotWidget) -> None:
    """Apply the current theme to a plot's background and axes."""
    w.setBackground(BG)
    item = w.getPlotItem()
    for name in ("bottom", "right"):
        ax = item.getAxis(name)
        ax.setPen(pg.mkPen(GRID))
        ax.setTextPen(pg.mkPen(MUTED))
