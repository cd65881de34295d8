"""The liquidation odds panel: for the book on screen, how likely each position and the cross pool
are to be liquidated within a horizon, for as traded, all cross and all isolated side by side.

Horizon, model, paths and (for ``gbm``) a volatility are chosen here; *Run* takes the twins'
books, returns and model at the moment on screen (``worker.make_request``; a model that cannot be
made is said at once) and hands them to the child process (``worker.OddsRunner``, ``job.py``),
which reports progress (the bar) and can be cancelled between chunks of paths. With *auto* on, a
change of positions (opened, closed, switched, resized, margin moved) runs it again after
``DEBOUNCE_MS`` of quiet; marks moving alone do not. A panel off screen waits until it is shown.

The figures are the command line's: each variant's numbers are ``risk.report.variant_dict``
(``odds --json``), and the same moment, horizon, model, paths and seed (``SEED``, the command
line's default) give the same ones. Bars show each probability with its 95 % Wilson interval;
the fan shows the equity percentiles over the horizon.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...engine import text
from ...risk.models import MODELS, ModelError
from ...risk.odds import PERCENTILES, Odds, wilson
from ...session.twins import LABELS, VARIANTS
from .. import format as fmt
from ..bridge import SessionBridge
from ..on_screen import OnScreen
from ..theme import theme
from ..twins_panel import ROLES
from .job import Result
from .worker import OddsRequest, OddsRunner, make_request

HORIZONS = (
    ("30 min", 1_800_000),
    ("1 hour", 3_600_000),
    ("8 hours", 28_800_000),
    ("1 day", 86_400_000),
    ("7 days", 604_800_000),
)
PATHS = (1_000, 10_000, 50_000, 100_000)
SEED = 1  # margin-sandbox odds' default: the panel and the command line agree
FAN_POINTS = 48
DEBOUNCE_MS = 1500
BOOK_FIELDS = frozenset({"qty", "mode", "leverage", "isolated_wallet", "entry_price"})
MODEL_TIPS = {
    "gbm": "geometric Brownian motion, volatility from the session's prices (or the one you give)",
    "sim": "the built-in simulator: jumps, volatility bursts, correlated symbols",
    "bootstrap": "the session's own one-minute moves, resampled in 30-minute blocks",
}


def _in_the_panel(sentence: str) -> str:
    """A model's sentence written for the command line, pointed at the panel's own field."""
    return sentence.replace("give --vol", "enter a volatility here (e.g. 80 %)")


def parse_vol(raw: str) -> float | None:
    """``80%``, ``80 %`` or ``0.8`` → 0.8; empty → None (estimate it); raises ValueError with a
    sentence otherwise (the same range as ``odds --vol``)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise ValueError(f"a volatility looks like 80 % or 0.8, not {raw!r}") from None
    if not 0 < value <= 20:
        raise ValueError(f"the volatility must be above 0 and at most 2000 %, not {raw!r}")
    return value


class OddsPanel(OnScreen, QWidget):
    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("oddsPanel")
        self.bridge = bridge
        self.runner = OddsRunner(self)
        self.result: Result | None = None
        self.odds: Odds | None = None
        self.figures: dict[str, dict[str, Any]] = {}  # variant → variant_dict (what is shown)
        self._stale = False  # the book changed while the panel was hidden (auto on)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._auto_run)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.horizon = QComboBox(self)
        self.horizon.setObjectName("oddsHorizon")
        self.horizon.setToolTip("how far ahead: one-minute steps up to this horizon")
        for name, ms in HORIZONS:
            self.horizon.addItem(name, ms)
        self.horizon.setCurrentIndex(3)
        self.model = QComboBox(self)
        self.model.setObjectName("oddsModel")
        for name in MODELS:
            self.model.addItem(name, name)
            self.model.setItemData(self.model.count() - 1, MODEL_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.paths = QComboBox(self)
        self.paths.setObjectName("oddsPaths")
        self.paths.setToolTip("simulated paths: more narrows the intervals and takes longer")
        paths_label = QLabel("paths", self)
        for n in PATHS:
            self.paths.addItem(f"{n:,}", n)
        self.paths.setCurrentIndex(1)
        self.vol = QLineEdit(self)
        self.vol.setObjectName("oddsVol")
        self.vol.setPlaceholderText("vol from prices")
        self.vol.setToolTip(
            "gbm: annualised volatility, e.g. 80 % (empty: estimated from the session's prices)"
        )
        self.vol.setMaximumWidth(110)
        self.vol.returnPressed.connect(self.run)
        self.run_button = QPushButton("Run", self)
        self.run_button.setObjectName("oddsRun")
        self.run_button.setToolTip(f"simulate the market forward from the moment on screen (seed {SEED})")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("oddsCancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.auto = QCheckBox("auto", self)
        self.auto.setObjectName("oddsAuto")
        self.auto.setToolTip(
            f"run again by itself {DEBOUNCE_MS / 1000:g} s after the book changes (positions opened, "
            f"closed, switched, resized; not price moves)"
        )
        for w in (self.horizon, self.model, self.paths, paths_label):
            row.addWidget(w)
        row.addStretch(1)
        outer.addLayout(row)
        actions = QHBoxLayout()
        for widget in (self.vol, self.run_button, self.cancel_button, self.auto):
            actions.addWidget(widget)
        actions.addStretch(1)
        outer.addLayout(actions)

        status = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("oddsProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(10)
        self.progress.hide()
        self.status = QLabel("Press Run to simulate the market forward from the moment on screen.", self)
        self.status.setObjectName("oddsStatus")
        self.status.setWordWrap(True)
        status.addWidget(self.progress)
        status.addWidget(self.status, 1)
        outer.addLayout(status)

        # Bars, fan and numbers each get the panel's whole height (it sits beside the ticket).
        self.results = QTabWidget(self)
        self.results.setObjectName("oddsResults")
        self.results.setDocumentMode(True)
        self.bars = pg.PlotWidget(self.results)
        self.bars.setObjectName("oddsBars")
        self.bars.setMenuEnabled(False)
        self.bars.hideButtons()
        self.bars.setMouseEnabled(x=False, y=False)
        self.bars.setLabel("left", "liquidated %")
        self.fan = pg.PlotWidget(self.results)
        self.fan.setObjectName("oddsFan")
        self.fan.setMenuEnabled(False)
        self.fan.hideButtons()
        self.fan.setLabel("left", "equity")
        self.fan.setLabel("bottom", "hours ahead")
        self.fan.getAxis("left").enableAutoSIPrefix(False)
        self.summary = QLabel(self.results)
        self.summary.setObjectName("oddsSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setContentsMargins(6, 6, 6, 6)
        self.results.addTab(self.bars, "Liquidated")
        self.results.addTab(self.fan, "Equity fan")
        self.results.addTab(self.summary, "Numbers")
        for i, tip in enumerate(
            (
                "how likely each position, the cross pool and anything at all is liquidated, with 95 % intervals",
                "equity over the horizon: 5–95 % band and the median, per variant",
                "the figures of margin-sandbox odds --json",
            )
        ):
            self.results.setTabToolTip(i, tip)
        self.key = QLabel(self)
        self.key.setObjectName("oddsKey")
        self.key.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.key)
        outer.addWidget(self.results, 1)
        self.bars.getPlotItem().setYRange(0, 100, padding=0.02)
        self.bars.getPlotItem().getAxis("bottom").setTicks([[], []])

        self.runner.progressed.connect(self._progressed)
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(self._cancelled)
        bridge.positions_added.connect(self._book_changed)
        bridge.positions_removed.connect(self._book_changed)
        bridge.positions_changed.connect(self._positions_changed)
        bridge.reset.connect(self._book_changed)
        self._restyle()
        theme.changed.connect(self._restyle)
        self._model_changed()

    # ------------------------------------------------------------------ running
    def request(self) -> OddsRequest | None:
        """What a run of the chosen settings needs, taken now (None, and a sentence, if the
        settings cannot run)."""
        tl = self.bridge.timeline
        if tl.twins is None:
            self.status.setText("This session was opened without twins, so there are no odds to compare.")
            return None
        model = str(self.model.currentData())
        try:
            vol = parse_vol(self.vol.text()) if model == "gbm" else None
        except ValueError as exc:
            self.status.setText(f"Not run: {exc}.")
            return None
        histories = {s: tl.price_history(s) for s in self.bridge.chart_symbols()}
        try:
            return make_request(
                tl.twins,
                histories,
                model,
                vol,
                int(self.horizon.currentData()),
                int(self.paths.currentData()),
                SEED,
                self.bridge.now(),
                FAN_POINTS,
            )
        except ModelError as exc:
            self.status.setText(f"Not run: {_in_the_panel(str(exc))}.")
            return None

    def run(self) -> None:
        request = self.request()
        if request is None:
            return
        self._debounce.stop()
        self._stale = False
        self.runner.start(request)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        self.status.setText(
            f"Simulating {request.paths:,} paths over {self.horizon.currentText()} ({request.model.name})…"
        )

    def cancel(self) -> None:
        self.runner.cancel()

    def shutdown(self) -> None:
        self._debounce.stop()
        self.runner.shutdown()

    def _progressed(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 1000))

    def _done(self) -> None:
        self.progress.hide()
        self.cancel_button.setEnabled(False)

    def _cancelled(self) -> None:
        self._done()
        self.status.setText("Cancelled: the odds shown, if any, are from the run before.")

    def _failed(self, sentence: str) -> None:
        self._done()
        self.status.setText(sentence)

    def _finished(self, result: Result) -> None:
        self._done()
        self.show_odds(result)

    # ------------------------------------------------------------------ the book changed
    def _positions_changed(self, changes: Mapping[str, frozenset[str]]) -> None:
        if any(fields & BOOK_FIELDS for fields in changes.values()):
            self._book_changed()

    def _book_changed(self, *_: object) -> None:
        if self.auto.isChecked():
            self._debounce.start()

    def _auto_run(self) -> None:
        if self.on_screen():
            self.run()
        else:
            self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.came_on_screen()

    def came_on_screen(self) -> None:
        if self._stale and self.auto.isChecked():
            self._debounce.start()

    def _model_changed(self, *_: object) -> None:
        gbm = self.model.currentData() == "gbm"
        self.vol.setEnabled(gbm)
        self.model.setToolTip(MODEL_TIPS[str(self.model.currentData())])

    # ------------------------------------------------------------------ showing
    def show_odds(self, result: Result) -> None:
        self.result = result
        odds = self.odds = result.odds
        self.figures = result.figures
        self._draw_bars(odds)
        self._draw_fan(odds)
        self._write_summary(odds)
        self.status.setText(
            f"At {self._clock(odds.at)}: {odds.paths:,} paths over {self.horizon_text(odds.horizon_ms)}, "
            f"{self.model_text(odds)}, seed {odds.seed}. Bars show 95 % intervals."
        )

    @staticmethod
    def _clock(t_ms: int) -> str:
        return fmt.clock(t_ms / 1000)

    @staticmethod
    def horizon_text(ms: int) -> str:
        return next((name for name, h in HORIZONS if h == ms), f"{ms / 3_600_000:g} h")

    def categories(self, odds: Odds) -> list[str]:
        """The bar groups: any liquidation, the cross pool (if a variant has one), each position."""
        ids: dict[str, None] = {}
        for v in odds.variants.values():
            ids.update(dict.fromkeys(v.book.positions))
        pool = any(v.book.pool is not None for v in odds.variants.values())
        return ["any", *(["pool"] if pool else []), *ids]

    @staticmethod
    def hits(v: Any, category: str) -> int | None:
        if category == "any":
            return int(v.any_hits)
        if category == "pool":
            return int(v.pool_hits) if v.book.pool is not None else None
        return int(v.hits(category)) if category in v.book.positions else None

    def _draw_bars(self, odds: Odds) -> None:
        item = self.bars.getPlotItem()
        item.clear()
        cats = self.categories(odds)
        width = 0.8 / len(VARIANTS)
        for k, name in enumerate(VARIANTS):
            v = odds.variants.get(name)
            if v is None:
                continue
            xs, ps, lo, hi = [], [], [], []
            for i, cat in enumerate(cats):
                n = self.hits(v, cat)
                if n is None:
                    continue
                p = n / v.paths
                a, b = wilson(n, v.paths)
                xs.append(i + (k - 1) * width)
                ps.append(100 * p)
                lo.append(100 * (p - a))
                hi.append(100 * (b - p))
            if not xs:
                continue
            colour = getattr(theme.palette, ROLES[name])
            item.addItem(
                pg.BarGraphItem(
                    x=np.array(xs), height=np.array(ps), width=width * 0.9, brush=colour, pen=None
                )
            )
            item.addItem(
                pg.ErrorBarItem(
                    x=np.array(xs),
                    y=np.array(ps),
                    top=np.array(hi),
                    bottom=np.array(lo),
                    beam=width * 0.4,
                    pen=pg.mkPen(theme.palette.text, width=1),
                )
            )
        labels = {"any": "any", "pool": "cross pool"}
        item.getAxis("bottom").setTicks([[(i, labels.get(c, c)) for i, c in enumerate(cats)], []])
        item.setXRange(-0.6, len(cats) - 0.4, padding=0)
        item.setYRange(0, 100, padding=0.02)

    def _draw_fan(self, odds: Odds) -> None:
        item = self.fan.getPlotItem()
        item.clear()
        if not odds.fan_minutes:
            return
        hours = np.asarray(odds.fan_minutes, dtype=float) / 60.0
        fans = self.result.fans if self.result is not None else {}
        for name in VARIANTS:
            fan = fans.get(name)
            if fan is None:
                continue
            colour = getattr(theme.palette, ROLES[name])
            low = item.plot(hours, fan[0], pen=pg.mkPen(colour, width=0.8, style=Qt.PenStyle.DotLine))
            high = item.plot(hours, fan[-1], pen=pg.mkPen(colour, width=0.8, style=Qt.PenStyle.DotLine))
            fill = pg.mkColor(colour)
            fill.setAlpha(45)
            item.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(fill)))
            item.plot(hours, fan[len(PERCENTILES) // 2], pen=pg.mkPen(colour, width=1.6), name=LABELS[name])
        item.enableAutoRange()

    def _write_summary(self, odds: Odds) -> None:
        """A table with a column per variant (narrow enough for the dock beside the ticket)."""
        p = theme.palette
        names = [n for n in VARIANTS if n in self.figures]
        head = "".join(
            f"<th align='right' style='color:{getattr(p, ROLES[n])}; padding:0 6px'>{LABELS[n]}</th>"
            for n in names
        )

        def row(label: str, cells: list[str]) -> str:
            tds = "".join(f"<td align='right' style='padding:0 6px'>{c}</td>" for c in cells)
            return f"<tr><td style='color:{p.muted}; padding:0 6px 0 0'>{label}</td>{tds}</tr>"

        f = [self.figures[n] for n in names]
        rows = [
            row("any liquidation", [f"{100 * float(x['p_any_liquidation']):.2f} %" for x in f]),
            row(
                "95 % interval",
                [f"{100 * float(x['ci95'][0]):.2f}–{100 * float(x['ci95'][1]):.2f}" for x in f],
            ),
            row("expected loss", [x["expected_loss"] for x in f]),
            *(
                row(f"equity {q} %", [text.money(Decimal(x["equity_percentiles"][q])) for x in f])
                for q in ("5", "50", "95")
            ),
        ]
        self.summary.setText(
            f"<table cellspacing='0'><tr><th></th>{head}</tr>{''.join(rows)}</table>"
            f"<span style='color:{p.muted}'>money in USDT</span>"
        )

    @staticmethod
    def model_text(odds: Odds) -> str:
        """The model in a few words: what drives the paths and where its numbers come from."""
        model: Any = odds.model
        if model.name == "gbm":
            vols = ", ".join(f"{s} {100 * float(v):.0f} %" for s, v in zip(odds.symbols, model.vols))
            where = "as entered" if model.source == "--vol" else "estimated from the session's prices"
            return f"gbm, volatility {vols} a year ({where})"
        if model.name == "sim":
            return f"the built-in simulator (jumps and bursts; about {100 * float(model.describe()['vol']):.0f} % a year)"
        d = model.describe()
        return f"bootstrap of {d['minutes']:,} one-minute returns of the session in {d['block_minutes']}-minute blocks"

    def _restyle(self, *_: object) -> None:
        p = theme.palette
        self.key.setText(
            "&nbsp;".join(
                f"<span style='color:{getattr(p, ROLES[n])}'>■</span>&nbsp;{LABELS[n]}" for n in VARIANTS
            )
            + "&nbsp;"
        )
        for plot in (self.bars, self.fan):
            plot.setBackground(theme.palette.bg)
            for name in ("left", "bottom"):
                axis = plot.getPlotItem().getAxis(name)
                axis.setPen(pg.mkPen(theme.palette.grid))
                axis.setTextPen(pg.mkPen(theme.palette.muted))
        if self.result is not None:
            self.show_odds(self.result)
