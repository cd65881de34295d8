"""The main window: composes the widgets, owns the menus, keys, files and settings.

It computes no margin: the engine does, through the session's ``Timeline``; widgets read
``bridge.view()`` and send commands with ``bridge.submit``. Time moves only in the frame loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..engine import Liquidated, Price, Rejected, text
from ..market import DEFAULT_SYMBOLS, SCENARIOS, START_PRICES, MarketDataError, Simulator, load_market_file
from ..profiles import DEFAULT_PROFILE, ProfileError, available_profiles, load_profile
from ..session.model import SessionHeader
from ..session.reader import SessionError, looks_like_session, read_session
from ..session.recorder import Recorder
from ..session.sources import market_session
from ..session.timeline import Timeline
from . import chart_common as cc
from .account_chart import AccountChart
from .account_strip import AccountStrip
from .bridge import SessionBridge
from .event_log import EventLog
from .frame_loop import FrameLoop, freeze_history
from .help_dialog import START_HINT, HelpDialog
from .margin_bars import MarginBars
from .notices import Notices
from .order_ticket import OrderTicket
from .positions_table import PositionsTable
from .price_chart import PriceChart
from .price_sliders import PriceSliders
from .replay_bar import ReplayBar

ORG = "MarginSandbox"
APP = "Margin Sandbox"
SETTINGS_VERSION = 1  # bump when the dock layout changes so an old saved state is not restored
DEFAULT_BALANCE = "10000"
FILE_FILTER = (
    "Sessions and market data (*.jsonl *.jsonl.gz *.json *.gz *.csv *.zip *.txt);;"
    "Sessions (*.jsonl *.jsonl.gz);;Market data (*.csv *.zip *.txt);;All files (*)"
)


def make_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, "margin-sandbox")


def default_recordings_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("margin-sandbox", ORG)) / "recordings"


class _OffsetMarket:
    """A market whose own clock starts at 0, shifted to start at session time ``t0``."""

    def __init__(self, market, t0: int):
        self.market = market
        self.t0 = t0

    def advance(self, until_ms: int) -> list:
        ticks = self.market.advance(until_ms - self.t0)
        if not self.t0 or not ticks:
            return ticks
        t0 = self.t0
        return [k._replace(t=k.t + t0) for k in ticks]


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: QSettings | None = None,
        recordings_dir: Path | None = None,
        seed: int | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else make_settings()
        self.recordings_dir = recordings_dir
        self.seed = seed
        self.source_name = "live"
        self.source_path: str | None = None
        self._recorder = None
        self._help: HelpDialog | None = None
        self.last_error: str | None = None
        self._shortcuts: list[tuple[str, str]] = []
        self._scenario = str(self.settings.value("market/scenario", "calm"))
        if self._scenario not in SCENARIOS:
            self._scenario = "calm"

        header = SessionHeader.new(DEFAULT_BALANCE, self._profile_setting(), self._rules_setting())
        self.bridge = SessionBridge(Timeline(header), self)
        self.loop = FrameLoop(self.bridge, parent=self)

        # An explicit minimum size: otherwise every label that changes width would change the
        # window's size hints (and the offscreen platform warns about each).
        self.setMinimumSize(900, 600)
        self._build_widgets()
        self.notices = Notices(self.price_chart.plot)
        self._build_actions()
        self._build_status()
        self.bridge.events.connect(self._on_events)
        self.bridge.submitted.connect(self._on_submitted)
        self.bridge.notice.connect(lambda text: self.notify(text, "warning"))
        self.bridge.reset.connect(self._update_title)
        self.bridge.held_changed.connect(lambda *_: self._update_status())
        self.loop.state_changed.connect(self._update_status)
        # A live recording is flushed line by line; every few seconds it is also synced to disk
        # (surviving a power cut, not only a crash of the app).
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(5000)
        self._sync_timer.timeout.connect(self._sync_recording)
        self._sync_timer.start()
        self._restore_settings()
        self._update_title()
        self._update_status()

    # ================================================================== building
    def _build_widgets(self) -> None:
        b = self.bridge
        central = QWidget(self)
        central.setObjectName("central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.account_strip = AccountStrip(b)
        layout.addWidget(self.account_strip)
        self.splitter = QSplitter(Qt.Orientation.Vertical, central)
        self.splitter.setObjectName("chartSplitter")
        self.price_chart = PriceChart(b, self.splitter)
        self.account_chart = AccountChart(b, self.splitter)
        self.account_chart.link_x(self.price_chart.plot)
        self.splitter.addWidget(self.price_chart)
        self.splitter.addWidget(self.account_chart)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([560, 190])
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setDockNestingEnabled(True)
        self.order_ticket = OrderTicket(b)
        self.price_sliders = PriceSliders(b)
        self.margin_bars = MarginBars(b)
        self.positions = PositionsTable(b)
        self.event_log = EventLog(b)
        self.docks: dict[str, QDockWidget] = {}
        self._dock("ticket", "Order ticket", self.order_ticket, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("prices", "Prices", self.price_sliders, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("margin", "Margin", self.margin_bars, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("positions", "Positions", self.positions, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._dock("events", "Events", self.event_log, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(self.docks["positions"], self.docks["events"], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.docks["positions"], self.docks["events"]], [700, 420], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.docks["positions"]], [240], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["ticket"]], [380], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.docks["ticket"], self.docks["prices"], self.docks["margin"]],
            [300, 260, 260],
            Qt.Orientation.Vertical,
        )

        self.replay_bar = ReplayBar(b, self.loop, self)
        self.replay_bar.branch_requested.connect(self.branch_here)
        bar = QToolBar("Replay", self)
        bar.setObjectName("replayToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.addWidget(self.replay_bar)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, bar)
        self.replay_toolbar = bar
        self._default_state = self.saveState(SETTINGS_VERSION)

    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _action(
        self,
        menu,
        text: str,
        slot: Callable,
        keys=None,
        tip: str = "",
        checkable: bool = False,
        help_text: str | None = None,
    ) -> QAction:
        act = QAction(text, self)
        act.setCheckable(checkable)
        if keys:
            seqs = [QKeySequence(k) for k in (keys if isinstance(keys, (list, tuple)) else [keys])]
            act.setShortcuts(seqs)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            label = " / ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in seqs)
            self._shortcuts.append((label, help_text or text.replace("&", "").rstrip("…")))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        (act.toggled if checkable else act.triggered).connect(slot)
        if menu is not None:
            menu.addAction(act)
        self.addAction(act)
        return act

    def _choices(self, parent, title: str, items, slot: Callable[[str], None]) -> dict[str, QAction]:
        """A submenu of exclusive, checkable choices: {name: action}."""
        menu = parent.addMenu(title)
        group = QActionGroup(self)
        actions: dict[str, QAction] = {}
        for name, label in items:
            a = QAction(label, self, checkable=True)
            a.triggered.connect(lambda _=False, n=name: slot(n))
            group.addAction(a)
            menu.addAction(a)
            actions[name] = a
        return actions

    def _build_actions(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self.act_open = self._action(f, "&Open session or market data…", self.open_dialog, "Ctrl+O")
        self.act_import = self._action(f, "&Import market data…", self.import_dialog, "Ctrl+I")
        f.addSeparator()
        self.act_save = self._action(f, "&Save recording as…", self.save_dialog, "Ctrl+S")
        self.act_export = self._action(f, "&Export events (CSV)…", self.export_dialog, "Ctrl+E")
        f.addSeparator()
        self._action(f, "&Quit", self.close, "Ctrl+Q")

        s = mb.addMenu("&Session")
        self.act_live = self._action(
            s,
            "New &live session",
            self.start_live,
            "Ctrl+N",
            help_text="New live session on a simulated market",
        )
        self.act_reset = self._action(
            s,
            "&Reset account",
            self.reset_account,
            "Ctrl+R",
            help_text="Reset the account to 10,000 USDT at the current prices (the recording is kept)",
        )
        self.act_branch = self._action(
            s,
            "&Trade from here",
            self.branch_here,
            "Ctrl+B",
            help_text="Trade from here: branch the recording at the play head",
        )
        s.addSeparator()
        self.rule_actions = self._choices(
            s,
            "R&ules",
            [
                ("sandbox", "Sandbox: switch margin mode any time"),
                ("exchange", "Exchange: Binance's restrictions"),
            ],
            self.set_rules,
        )
        titles = []
        for name in available_profiles():
            try:
                titles.append((name, f"{load_profile(name).title} ({name})"))
            except ProfileError:
                continue
        self.profile_actions = self._choices(s, "&Profile", titles, self.set_profile)

        m = mb.addMenu("&Market")
        self.act_play = self._action(
            m,
            "&Play / pause",
            self.loop.toggle_play,
            "Space",
            help_text="Play / pause (replay, or time in the live market)",
        )
        self.act_ticker = self._action(
            m,
            "Pause / resume &ticker",
            self.loop.toggle_ticker,
            "T",
            help_text="Pause / resume the live market (ticker)",
        )
        self.act_resume_all = self._action(
            m,
            "&Resume all dragged prices",
            self.resume_prices,
            "Shift+T",
            help_text="Hand every dragged price back to the live market",
        )
        self.scenario_actions = self._choices(
            m, "S&cenario", [(n, f"{n}: {about}") for n, about in SCENARIOS.items()], self.set_scenario
        )
        self.scenario_actions[self._scenario].setChecked(True)
        m.addSeparator()
        self.act_back = self._action(
            m, "Step &back", self.loop.step_back, "Left", help_text="Step back one input (rewind)"
        )
        self.act_forward = self._action(
            m, "Step &forward", self.loop.step_forward, "Right", help_text="Step forward one input"
        )
        self.act_start = self._action(m, "Go to &start", self.loop.go_to_start, "Home")
        self.act_slower = self._action(
            m, "&Slower", self.loop.slower, "[", help_text="Slower (down to 0.25×)"
        )
        self.act_faster = self._action(
            m, "F&aster", self.loop.faster, "]", help_text="Faster (up to 64×, then max)"
        )

        v = mb.addMenu("&View")
        self.act_follow = self._action(
            v,
            "&Follow latest",
            self.price_chart.follow,
            ["End", "F"],
            help_text="Follow the latest prices again after panning or zooming",
        )
        self.act_style = self._action(
            v,
            "&Candles / line",
            self.price_chart.toggle_style,
            "C",
            help_text="Switch the price chart between candles and a line",
        )
        self.act_next_symbol = self._action(v, "&Next symbol", lambda: self._cycle_symbol(1), "Ctrl+PgDown")
        self.act_prev_symbol = self._action(
            v, "P&revious symbol", lambda: self._cycle_symbol(-1), "Ctrl+PgUp"
        )
        self.theme_actions = self._choices(
            v, "&Theme", [(n, n.capitalize()) for n in cc.THEMES], self.set_theme
        )
        v.addSeparator()
        for dock in self.docks.values():
            v.addAction(dock.toggleViewAction())
        v.addSeparator()
        self._action(v, "Restore default &layout", self.restore_layout)

        h = mb.addMenu("&Help")
        self.act_help = self._action(h, "&Help and shortcuts", self.show_help, "F1")
        self._sync_menu_checks()

    def _build_status(self) -> None:
        sb = self.statusBar()
        sb.setObjectName("statusBar")
        self.status_session = QLabel(self)
        self.status_session.setObjectName("statusSession")
        sb.addPermanentWidget(self.status_session)

    # ================================================================== sessions
    def _market_factory(self):
        """Makes the simulated market that continues from ``marks`` at session time ``t0`` (the
        default symbols at round prices when there are none yet)."""
        seed = self.seed if self.seed is not None else int(datetime.now().timestamp())
        scenario = self._scenario

        def factory(marks: dict[str, Decimal], t0: int):
            profile = self.bridge.account.profile
            symbols = {}
            for s in list(marks) or list(DEFAULT_SYMBOLS):
                inst = profile.instrument(s)
                start = marks.get(s) or START_PRICES.get(s)
                if inst is not None and start is not None:
                    symbols[s] = (start, inst.tick_size)
            return _OffsetMarket(Simulator(symbols, seed=seed + t0, scenario=scenario), t0)

        return factory

    def set_scenario(self, name: str) -> None:
        """The live market's behaviour from now on (a scripted move comes a minute later)."""
        self._scenario = name if name in SCENARIOS else "calm"
        self.settings.setValue("market/scenario", self._scenario)
        for n, a in self.scenario_actions.items():
            a.setChecked(n == self._scenario)
        self.loop.set_market(self._market_factory())  # the next frame continues from the screen
        if self.loop.ticker_on:
            self.notify(f"Market: {SCENARIOS[self._scenario]}.")

    def start_live(self) -> None:
        """A fresh 10,000 USDT account on a live simulated market."""
        header = SessionHeader.new(DEFAULT_BALANCE, self._profile_setting(), self._rules_setting())
        self._adopt(Timeline(header), "live", None, record=True)
        self.loop.set_market(self._market_factory())
        self.loop.set_ticker(True)
        self.loop.set_playing(True)
        self._update_title()

    def open_path(self, path: str, symbol: str | None = None, ask: bool = True) -> bool:
        """Open a session or a market-data file ready to replay; one sentence if it cannot.

        A market-data file whose symbol cannot be told from its name, or is not an instrument of
        the profile, asks which instrument its prices are (``ask``), else says so."""
        p = Path(path)
        if not p.exists():
            self.notify(f"{path}: no such file", "error")
            return False
        try:
            if looks_like_session(p):
                session = read_session(p)
            else:
                session = self._market_session(p, symbol, ask)
                if session is None:
                    return False
            timeline = Timeline.from_session(session)
        except (SessionError, MarketDataError) as exc:
            self.notify(str(exc), "error")
            return False
        except ProfileError as exc:
            self.notify(f"{path}: {exc}", "error")
            return False
        except (OSError, ValueError) as exc:
            self.notify(f"{path}: cannot be read ({exc})", "error")
            return False
        self._adopt(timeline, p.name, str(p), record=False)
        self.loop.set_market(self._market_factory())
        self.loop.set_ticker(False)
        self.loop.set_playing(False)
        if len(timeline):  # ready to replay: the first moment is on screen, the rest to come
            timeline.seek(int(timeline.times[0]))
            self.bridge.note_inputs([], urgent=True)
            self.show_moment()
        self._remember_dir(p)
        for w in session.warnings:
            self.notify(w, "warning")
        self.notify(f"Opened {p.name}: {len(timeline):,} inputs. Press Space to play, ← → to step.")
        return True

    def _market_session(self, path: Path, symbol: str | None, ask: bool):
        """A market-data file as a session of price events (None if the user cancelled)."""
        profile = load_profile(self._profile_setting())
        try:
            data = load_market_file(path, symbol)
        except MarketDataError as exc:
            if "symbol" not in exc.message or symbol is not None:
                raise
            data = load_market_file(path, "?")  # is it market data at all? (raises if not)
            problem = str(exc)
        else:
            if data.symbol in profile.instruments:
                return market_session(data)
            problem = f"{path}: {data.symbol} is not an instrument of the {profile.name} profile"
        if not ask:
            raise MarketDataError(path, None, problem.split(": ", 1)[1])
        choice, ok = QInputDialog.getItem(
            self,
            "Import market data",
            f"{problem}.\nWhich instrument are these prices?",
            list(profile.instruments),
            0,
            False,
        )
        if not ok:
            return None
        return market_session(load_market_file(path, choice))

    def _adopt(self, timeline, name: str, path: str | None, record: bool) -> None:
        """Show another timeline: the current recording is closed (it is complete on disk)."""
        self._close_recording()
        self.source_name = name
        self.source_path = path
        self.bridge.set_timeline(timeline)
        freeze_history()  # a loaded history is long-lived: keep it out of garbage collections
        if record:
            self._start_recording(timeline)
        self.notices.clear()
        self._update_title()

    def _start_recording(self, timeline) -> None:
        """Write the timeline's inputs to the recordings folder as they happen (its past first),
        so nothing is lost if the app or the machine stops."""
        if self.recordings_dir is None or timeline.recorder is not None:
            return
        path = self.recordings_dir / f"session-{datetime.now():%Y%m%d-%H%M%S-%f}.jsonl"
        try:
            recorder = Recorder(path, timeline.header)
            timeline.attach_recorder(recorder, write_existing=True)
        except (OSError, ValueError) as exc:
            self.notify(f"Cannot record to {path} ({exc}); use File ▸ Save recording", "warning")
            return
        self._recorder = recorder
        self._update_status()

    def _close_recording(self) -> None:
        if self._recorder is not None:
            try:
                self._recorder.close()
            except OSError as exc:
                self.notify(f"The recording {self._recorder.path} could not be closed ({exc})", "warning")
            self._recorder = None

    def _sync_recording(self) -> None:
        if self._recorder is not None and not self._recorder.closed:
            try:
                self._recorder.sync()
            except (OSError, ValueError) as exc:
                self.notify(f"The recording could not be written to disk ({exc})", "warning")

    def _on_submitted(self) -> None:
        """The user traded: from now on this timeline is theirs, so it is recorded."""
        self._start_recording(self.bridge.timeline)

    def reset_account(self) -> None:
        """A fresh account at the current prices (the market carries on)."""
        old = self.bridge.timeline
        marks = dict(old.account.marks)
        header = old.header.model_copy(update={"balance": Decimal(DEFAULT_BALANCE)})
        timeline = Timeline(header)
        for symbol, price in marks.items():
            timeline.submit(Price(symbol, price), 0)
        self._adopt(timeline, self.source_name if self.source_path is None else "reset", None, record=True)
        self.notify(f"Account reset to {text.money(Decimal(DEFAULT_BALANCE))} USDT at the current prices.")

    def branch_here(self) -> None:
        tl = self.bridge.timeline
        if tl.at_end:
            self.notify("Already at the end: just trade.")
            return
        self.loop.set_playing(False)
        branch = tl.branch()
        origin = self.source_name if self.source_path else "the previous recording"
        self._adopt(branch, f"{self.source_name} (branch)", None, record=True)
        self.notify(
            f"Trading from {self._time_text(branch.t)}: what followed stays in {origin}; "
            f"this branch is recorded on its own."
        )

    def _rebuild_under(self, profile: str | None = None, rules: str | None = None) -> bool:
        """The same inputs replayed under another profile or rule set, at the same moment (the
        recording, if any, starts again under the new header)."""
        old = self.bridge.timeline
        update = {}
        if profile is not None:
            update["profile"] = profile
        if rules is not None:
            update["rules"] = rules
        header = old.header.model_copy(update=update)
        try:
            timeline = Timeline(header, old.times, old.commands, path=old.path)
            timeline.seek_index(old.index)
            timeline.t = old.t
        except ProfileError as exc:
            self.notify(str(exc), "error")
            return False
        self._adopt(timeline, self.source_name, self.source_path, record=old.recorder is not None)
        rejected = [e for _, e in timeline.events if isinstance(e, Rejected)]
        if rejected:
            self.notify(
                f"Under the new rules {len(rejected)} input(s) were rejected; first: "
                f"{self.bridge.describe(rejected[0])}",
                "warning",
            )
        return True

    def set_profile(self, name: str) -> None:
        if name == self.bridge.timeline.header.profile:
            return
        if self._rebuild_under(profile=name):
            self.settings.setValue("session/profile", name)
            self.notify(
                f"Profile: {self.bridge.account.profile.title}. The same inputs were replayed "
                f"under it; liquidation prices follow its brackets."
            )
        self._sync_menu_checks()
        self._update_title()

    def set_rules(self, rules: str) -> None:
        if rules == self.bridge.timeline.header.rules:
            return
        if self._rebuild_under(rules=rules):
            self.settings.setValue("session/rules", rules)
            self.notify(f"Rules: {rules}.")
        self._sync_menu_checks()
        self._update_title()

    def resume_prices(self) -> None:
        for symbol in self.bridge.held():
            self.bridge.release(symbol)

    # ================================================================== files (dialogs)
    def _dir(self) -> str:
        return str(self.settings.value("files/dir", str(Path.home())))

    def _remember_dir(self, path: Path) -> None:
        self.settings.setValue("files/dir", str(path.resolve().parent))

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a session or market data", self._dir(), FILE_FILTER)
        if path:
            self.open_path(path)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import market data", self._dir(), "Market data (*.csv *.zip *.txt *.gz);;All files (*)"
        )
        if path:
            self.open_path(path)

    def save_dialog(self) -> None:
        name = Path(self.source_name).stem if self.source_path else f"session-{datetime.now():%Y%m%d-%H%M}"
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save recording as",
            str(Path(self._dir()) / f"{name}.jsonl"),
            "Sessions (*.jsonl *.jsonl.gz)",
        )
        if path:
            self.save_recording(path)

    def save_recording(self, path: str) -> bool:
        try:
            self.bridge.timeline.save(path)
        except OSError as exc:
            self.notify(f"{path}: cannot save ({exc.strerror or exc})", "error")
            return False
        self._remember_dir(Path(path))
        self.notify(f"Saved the recording to {path}")
        return True

    def export_dialog(self) -> None:
        if not hasattr(self.event_log, "export_csv"):
            self.notify("The event log is not available yet.", "warning")
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export events", str(Path(self._dir()) / "events.csv"), "CSV (*.csv)"
        )
        if path:
            try:
                self.event_log.export_csv(path)
            except OSError as exc:
                self.notify(f"{path}: cannot write ({exc.strerror or exc})", "error")
                return
            self.notify(f"Exported the events to {path}")

    # ================================================================== showing things
    def notify(self, text: str, kind: str = "info") -> None:
        if kind == "error":
            self.last_error = text
        self.notices.show(text, kind)
        if kind != "info" or len(text) <= 100:  # long hints stay in their card
            self.statusBar().showMessage(text, 15000 if kind in ("error", "liquidation") else 6000)

    def _on_events(self, events: list) -> None:
        liquidations = [e for e in events if isinstance(e, Liquidated)]
        for e in liquidations[-3:]:
            self.notify(self.bridge.describe(e), "liquidation")
        if len(liquidations) > 3:
            self.notify(
                f"{len(liquidations)} liquidations in this frame; the event log lists them all.",
                "liquidation",
            )
        for e in events:
            if isinstance(e, Rejected):
                self.notify(self.bridge.describe(e), "warning")

    def _time_text(self, t: int) -> str:
        from .chart_common import fmt_time

        return fmt_time(t / 1000)

    def _update_title(self) -> None:
        header = self.bridge.timeline.header
        where = (
            "live simulated market" if self.source_path is None and self.loop.has_market else self.source_name
        )
        self.setWindowTitle(f"Margin Sandbox — {where} — {header.profile}, {header.rules} rules")
        self._sync_menu_checks()
        self._update_status()

    def _update_status(self) -> None:
        header = self.bridge.timeline.header
        held = sorted(self.bridge.held())
        parts = [f"{header.profile} · {header.rules} rules"]
        if held:
            parts.append("paused by hand: " + ", ".join(held))
        if self.loop.has_market:
            parts.append("ticker on" if self.loop.ticker_on else "ticker paused")
        self.status_session.setText("   ".join(parts))
        self.status_session.setToolTip(
            f"recording to {self._recorder.path}"
            if self._recorder is not None
            else "not recording (a file as it is, or no recordings folder)"
        )
        self.act_ticker.setEnabled(self.loop.has_market)

    def _sync_menu_checks(self) -> None:
        header = self.bridge.timeline.header
        for name, a in self.profile_actions.items():
            a.setChecked(name == header.profile)
        for name, a in self.rule_actions.items():
            a.setChecked(name == header.rules)

    def _cycle_symbol(self, step: int) -> None:
        tabs = self.price_chart.tabs
        if tabs.count():
            tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())

    def show_moment(self) -> None:
        """Draw the current moment now, showing the symbol that matters most in it: the one of the
        latest liquidation, else of the first open position (screenshots and file opening)."""
        self.bridge.publish()
        liqs = self.bridge.liquidations()
        positions = self.bridge.view().positions
        if liqs:
            self.price_chart.set_symbol(liqs[-1].symbol)
        elif positions:
            self.price_chart.set_symbol(positions[0].symbol)
        self.price_chart.follow()

    def show_help(self) -> None:
        header = self.bridge.timeline.header
        if self._help is None:
            self._help = HelpDialog(self.shortcuts(), header.profile, header.rules, self)
        self._help.show()
        if QGuiApplication.platformName() != "offscreen":  # (offscreen cannot raise; it warns)
            self._help.raise_()

    def shortcuts(self) -> list[tuple[str, str]]:
        return list(self._shortcuts)

    def show_start_hint(self) -> None:
        self.notices.show(START_HINT)

    def set_theme(self, name: str) -> None:
        """Dark or light, for the whole window at once (and the next start)."""
        app = QApplication.instance()
        name = cc.apply_app_theme(app, name)
        self.price_chart.apply_theme()
        self.account_chart.apply_theme()
        self.replay_bar.apply_theme()
        self.price_sliders.refresh()
        self.settings.setValue("view/theme", name)
        for n, a in self.theme_actions.items():
            a.setChecked(n == name)

    def restore_layout(self) -> None:
        self.restoreState(self._default_state, SETTINGS_VERSION)

    # ================================================================== settings
    def _profile_setting(self) -> str:
        name = str(self.settings.value("session/profile", DEFAULT_PROFILE))
        return name if name in available_profiles() else DEFAULT_PROFILE

    def _rules_setting(self) -> str:
        rules = str(self.settings.value("session/rules", "sandbox"))
        return rules if rules in ("sandbox", "exchange") else "sandbox"

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 1000)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state, SETTINGS_VERSION)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        theme = str(s.value("view/theme", "dark"))
        if theme != cc.THEME:
            self.set_theme(theme)
        for n, a in self.theme_actions.items():
            a.setChecked(n == cc.THEME)
        style = str(s.value("chart/style", "candles"))
        self.price_chart.set_style(style)
        speed = s.value("replay/speed", "1")
        with contextlib.suppress(TypeError, ValueError):
            self.loop.set_speed(None if speed in ("max", None) else float(speed))
        self.price_chart.style_changed.connect(lambda st: self.settings.setValue("chart/style", st))
        self.loop.state_changed.connect(self._save_speed)

    def _save_speed(self) -> None:
        speed = self.loop.speed
        self.settings.setValue("replay/speed", "max" if speed is None else f"{speed:g}")

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(SETTINGS_VERSION))
        s.setValue("window/splitter", self.splitter.saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.loop.stop()
        self.save_settings()
        self._close_recording()
        super().closeEvent(event)
