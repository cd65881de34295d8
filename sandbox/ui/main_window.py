"""The main window: lays out the panels, wires them to each other, and owns the menus, keys,
file dialogs, notices and settings.

It computes no margin and runs no session: the engine does the first through the bridge, the
``SessionController`` the second (open, record, branch, rebuild), and time moves only in the
frame loop. Panels talk to each other here: clicking a margin bar or selecting a row highlights
that position's lines on the chart; the chart's symbol and the ticket's follow each other.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QInputDialog,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..engine import Liquidated, OrderCancelled, OrderFilled, Rejected
from ..session.timeline import Timeline
from .account_strip import AccountStrip
from .branch_notice import BranchNotice
from .bridge import SessionBridge
from .charts.account_chart import AccountChart
from .charts.ghost_lines import GhostLines
from .charts.price_chart import PriceChart
from .charts.twin_lines import TwinLines
from .event_log import EventLog
from .frame_loop import FrameLoop
from .hedge_map.panel import HedgeMapPanel
from .help_dialog import START_HINT, HelpDialog
from .lessons.panel import LessonPanel
from .lessons.picker import LessonPicker
from .margin_bars import CROSS, MarginBars
from .menus import Menus
from .notices import Notices
from .odds.panel import OddsPanel
from .order_ticket import OrderTicket
from .orders.panel import OrdersPanel
from .positions.columns import LIQ
from .positions.panel import PositionsPanel
from .price_sliders import PriceSliders
from .replay_bar import ReplayBar
from .session_controller import SessionController, new_header
from .theme import theme
from .twins_panel import TwinsPanel
from .widgets import VerticalScroll

ORG = "MarginSandbox"
APP = "Margin Sandbox"
SETTINGS_VERSION = 2  # bump when the dock layout changes so an old saved state is not restored
DEFAULT_SIZE = (1600, 1000)  # the first window, when the screen has room for it
FILE_FILTER = (
    "Sessions and market data (*.jsonl *.jsonl.gz *.json *.gz *.csv *.zip *.txt);;"
    "Sessions (*.jsonl *.jsonl.gz);;Market data (*.csv *.zip *.txt);;All files (*)"
)


def make_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, "margin-sandbox")


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setObjectName(f"{widget.objectName()}Scroll")
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    # The dock's background shows through (the style sheet paints ``QDockWidget > QWidget``).
    area.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
    return area


def default_recordings_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("margin-sandbox", ORG)) / "recordings"


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
        self.last_error: str | None = None
        self._help: HelpDialog | None = None
        self.bridge = SessionBridge(Timeline(new_header(self.settings)), self)
        self.loop = FrameLoop(self.bridge, parent=self)
        self.session = SessionController(self.bridge, self.loop, self.settings, recordings_dir, seed, self)
        self.session.ask_symbol = self._ask_symbol
        # An explicit minimum size: otherwise every label that changes width would change the
        # window's size hints (and the offscreen platform warns about each).
        self.setMinimumSize(900, 600)
        self._build_widgets()
        self._build_comparison_panels()
        self.notices = Notices(self.price_chart.plot)
        self.notices.placed.connect(self.price_chart.avoid)  # labels move out from under the cards
        self.menus = Menus(self)
        self.status_session = QLabel(self)
        self.status_session.setObjectName("statusSession")
        self.statusBar().setObjectName("statusBar")
        self.statusBar().addPermanentWidget(self.status_session)
        self._connect()
        self._restore_settings()
        self._update_title()

    # ================================================================== building
    def _build_widgets(self) -> None:
        b = self.bridge
        central = QWidget(self)
        central.setObjectName("central")
        # A minimum width of its own: a label in the centre that grows with its number (the
        # account strip, the account chart's legend) must never push the panels beside it.
        central.setMinimumWidth(480)
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
        self.positions = PositionsPanel(b)
        self.orders = OrdersPanel(b, self.order_ticket.order_type.attached)
        self.event_log = EventLog(b)
        self.docks: dict[str, QDockWidget] = {}
        right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        # The ticket keeps its whole height (its buttons in view); the panels below it scroll inside
        # when the screen is short (a 768-pixel laptop): a panel with too little room shows a
        # scroll bar, never squashed buttons or only its title.
        self._dock("ticket", "Order ticket", self.order_ticket, right)
        self._dock("prices", "Prices", VerticalScroll(self.price_sliders), right)
        self._dock("margin", "Margin", self.margin_bars, right)
        # Positions and the event log share the bottom as tabs, as an exchange's positions and
        # trade history do: the table gets the whole width, so its key columns fit at 1366 pixels.
        self._dock("positions", "Positions", self.positions, bottom)
        self._dock("events", "Events", self.event_log, bottom)
        self._dock("orders", "Orders", self.orders, bottom)
        self.tabifyDockWidget(self.docks["positions"], self.docks["orders"])  # a tab beside Positions
        self.tabifyDockWidget(self.docks["orders"], self.docks["events"])
        self.docks["positions"].raise_()
        self.resizeDocks([self.docks["positions"]], [230], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["ticket"]], [390], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.docks["ticket"], self.docks["prices"], self.docks["margin"]],
            [340, 190, 260],
            Qt.Orientation.Vertical,
        )

        self.replay_bar = ReplayBar(b, self.loop, self)
        bar = QToolBar("Replay", self)
        bar.setObjectName("replayToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.addWidget(self.replay_bar)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, bar)
        self._default_state = self.saveState(SETTINGS_VERSION)

    def _build_comparison_panels(self) -> None:
        """Issues 12 and 13: the twins panel (a tab beside the event log), the lesson, the odds
        and the hedge map (tabs beside the order ticket), the branch notice above the charts,
        and the twins' lines on both charts."""
        b = self.bridge
        self._lesson_picker: LessonPicker | None = None
        self.branch_notice = BranchNotice(b, self.session)
        central = self.centralWidget()
        layout = central.layout() if central is not None else None
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, self.branch_notice)
        self.twin_lines = TwinLines(self.account_chart, b)
        self.ghost_lines = GhostLines(self.price_chart, b)
        self.twins_panel = TwinsPanel(b)
        self.odds_panel = OddsPanel(b)
        self.hedge_map_panel = HedgeMapPanel(b)
        self.lesson_panel = LessonPanel(
            b, self.loop, self.price_chart, self.open_path, self.show_twins, self.conceal_liquidation_prices
        )
        self._concealed: bool | None = None  # the table's liquidation column was hidden before
        right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        # In scroll areas: on a small screen they scroll rather than push the charts away.
        self._dock("twins", "Cross vs isolated", _scrolled(self.twins_panel), bottom)
        self._dock("lesson", "Lesson", _scrolled(self.lesson_panel), right)
        self._dock("odds", "Odds", self.odds_panel, right)
        self._dock("map", "Hedge map", self.hedge_map_panel, right)
        # Tabs beside the docks there already, never another column: the twins (wide and short)
        # with positions, orders and events at the bottom, the rest (taller) beside the ticket.
        self.tabifyDockWidget(self.docks["events"], self.docks["twins"])
        for key, panel in (
            ("twins", self.twins_panel),
            ("odds", self.odds_panel),
            ("map", self.hedge_map_panel),
        ):
            self.docks[key].visibilityChanged.connect(panel.set_on_screen)
        for key in ("lesson", "odds", "map"):
            self.tabifyDockWidget(self.docks["ticket"], self.docks[key])
            # Opened when asked for (View ▸ Liquidation odds / Hedge map, Help ▸ Lessons): closed,
            # they add no tab bar over the ticket, which a 768-pixel screen needs for the bars.
            self.docks[key].hide()
        self.docks["positions"].raise_()  # the table first; the twins are one tab away
        self.docks["ticket"].raise_()
        # The ghost lines are on at first; the twins' equity lines (which rescale the account
        # chart to a wiped-out twin) when asked for.
        for box, overlay, key, default in (
            (self.twins_panel.lines_box, self.twin_lines, "view/twin_lines", "false"),
            (self.twins_panel.ghosts_box, self.ghost_lines, "view/ghost_lines", "true"),
        ):
            box.setChecked(str(self.settings.value(key, default)).lower() == "true")
            overlay.set_shown(box.isChecked())
            box.toggled.connect(overlay.set_shown)
            box.toggled.connect(lambda on, k=key: self.settings.setValue(k, "true" if on else "false"))
        self._default_state = self.saveState(SETTINGS_VERSION)

    def show_panel(self, key: str) -> None:
        """Open a dock (as a tab where it was) and bring it to the front."""
        dock = self.docks[key]
        dock.show()
        dock.raise_()

    def show_twins(self) -> None:
        """Bring the Cross vs isolated panel to the front."""
        dock = self.docks["twins"]
        dock.show()
        dock.raise_()

    def conceal_liquidation_prices(self, on: bool) -> None:
        """While a lesson asks where a position dies, hide what would say it: the chart's position
        lines (and their edge tags), the ghost lines, the table's liquidation column."""
        self.price_chart.levels.setVisible(not on)
        self.ghost_lines.item.setVisible(not on and self.ghost_lines.shown)
        view = self.positions.view
        if on and self._concealed is None:
            self._concealed = view.isColumnHidden(LIQ)
            view.setColumnHidden(LIQ, True)
        elif not on and self._concealed is not None:
            view.setColumnHidden(LIQ, self._concealed)
            self._concealed = None

    def show_lessons(self) -> None:
        """Help ▸ Lessons: pick one of the bundled lessons."""
        if self._lesson_picker is None:
            self._lesson_picker = LessonPicker(self)
            self._lesson_picker.chosen.connect(self.start_lesson)
        self._lesson_picker.show()
        if QGuiApplication.platformName() != "offscreen":
            self._lesson_picker.raise_()

    def start_lesson(self, lesson) -> bool:
        dock = self.docks["lesson"]
        dock.show()
        dock.raise_()
        return self.lesson_panel.start(lesson)

    def fit_to_screen(self) -> None:
        """Keep the window within the screen's available area (a layout saved on a larger monitor,
        or the first window on a laptop), centred when it had to shrink."""
        area = (self.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        frame = self.frameGeometry()
        extra_w = max(frame.width() - self.width(), 0)
        extra_h = max(frame.height() - self.height(), 0)
        width = min(self.width(), area.width() - extra_w)
        height = min(self.height(), area.height() - extra_h)
        if (width, height) != (self.width(), self.height()) or not area.contains(frame):
            self.resize(max(width, self.minimumWidth()), max(height, self.minimumHeight()))
            frame = self.frameGeometry()
            frame.moveCenter(area.center())
            self.move(max(frame.left(), area.left()), max(frame.top(), area.top()))

    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
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

    def _connect(self) -> None:
        """What one panel does to another, and what the window says."""
        self.replay_bar.branch_requested.connect(self.session.branch_here)
        self.margin_bars.activated.connect(self.show_bar_positions)
        self.positions.positions_selected.connect(self.price_chart.highlight)
        self.price_chart.symbol_changed.connect(self.order_ticket.set_symbol)
        self.order_ticket.symbol_changed.connect(self.price_chart.set_symbol)
        self.session.notice.connect(self.notify)
        self.session.changed.connect(self._update_title)
        self.bridge.reset.connect(self.notices.clear)
        self.bridge.events.connect(self._on_events)
        self.bridge.held_changed.connect(self._update_status)
        self.loop.state_changed.connect(self._update_status)
        self.loop.state_changed.connect(self._save_speed)
        self.price_chart.style_changed.connect(self._save_style)
        self.price_chart.order_lines.refused.connect(lambda sentence: self.notify(sentence, "warning"))
        self.order_ticket.order_type.attached.said.connect(lambda sentence: self.notify(sentence, "warning"))

    # ================================================================== sessions (the controller's)
    def start_live(self) -> None:
        """A fresh 10,000 USDT account on a live simulated market."""
        self.session.start_live()

    def open_path(self, path: str, symbol: str | None = None, ask: bool = True) -> bool:
        """Open a session or a market-data file ready to replay, its first moment on screen; one
        sentence (``last_error``) if it cannot."""
        self.last_error = None
        if not self.session.open_path(path, symbol, ask):
            return False
        self.show_moment()
        return True

    def save_recording(self, path: str) -> bool:
        return self.session.save_recording(path)

    def set_scenario(self, name: str) -> None:
        self.session.set_scenario(name)
        Menus.check(self.menus.scenarios, self.session.scenario)

    def _ask_symbol(self, question: str, symbols: list[str]) -> str | None:
        choice, ok = QInputDialog.getItem(self, "Import market data", question, symbols, 0, False)
        return choice if ok else None

    # ================================================================== file dialogs
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a session or market data", self.session.folder(), FILE_FILTER
        )
        if path:
            self.open_path(path)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import market data",
            self.session.folder(),
            "Market data (*.csv *.zip *.txt *.gz);;All files (*)",
        )
        if path:
            self.open_path(path)

    def save_dialog(self) -> None:
        source = self.session.source_path
        name = Path(source).stem if source else f"session-{datetime.now():%Y%m%d-%H%M}"
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save recording as",
            str(Path(self.session.folder(saving=True)) / f"{name}.jsonl"),
            "Sessions (*.jsonl *.jsonl.gz)",
        )
        if path:
            self.save_recording(path)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export events", str(Path(self.session.folder(saving=True)) / "events.csv"), "CSV (*.csv)"
        )
        if not path:
            return
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
            elif isinstance(e, OrderCancelled) and e.reason in ("insufficient_available", "rejected"):
                self.notify(self.bridge.describe(e), "warning")  # it triggered but could not fill
            elif isinstance(e, OrderFilled) and e.liquidation_price is not None:
                self.notify(self.bridge.describe(e))  # the stop that came before the liquidation

    def show_bar_positions(self, key: str) -> None:
        """A margin bar was clicked: select its position(s) in the table, highlight their lines."""
        ids = [p.id for p in self.bridge.positions() if p.mode == "cross"] if key == CROSS else [key]
        if self.positions.select_positions(ids):
            self.price_chart.highlight(ids)

    def _update_title(self) -> None:
        header = self.bridge.timeline.header
        live = self.session.source_path is None and self.loop.has_market
        where = "live simulated market" if live else self.session.source_name
        # The application's name last, once: Qt appends it to a title that does not end with it.
        self.setWindowTitle(f"{where} — {header.profile}, {header.rules} rules — {APP}")
        Menus.check(self.menus.profiles, header.profile)
        Menus.check(self.menus.rules, header.rules)
        self._update_status()

    def _update_status(self, *_: object) -> None:
        header = self.bridge.timeline.header
        held = sorted(self.bridge.held())
        parts = [f"{header.profile} · {header.rules} rules"]
        if held:
            parts.append("paused by hand: " + ", ".join(held))
        if self.loop.has_market:
            parts.append("ticker on" if self.loop.ticker_on else "ticker paused")
        self.status_session.setText("   ".join(parts))
        recorder = self.session.recorder
        self.status_session.setToolTip(
            f"recording to {recorder.path}"
            if recorder is not None
            else "not recording (a file as it is, or no recordings folder)"
        )
        self.menus.ticker.setEnabled(self.loop.has_market)

    def cycle_symbol(self, step: int) -> None:
        tabs = self.price_chart.tabs
        if tabs.count():
            tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())

    def show_moment(self) -> None:
        """Draw the current moment now, showing the symbol that matters most in it: the one of the
        latest liquidation, else of the first open position (screenshots and file opening)."""
        self.bridge.publish()
        liqs = self.bridge.liquidations()
        positions = self.bridge.positions()
        if liqs:
            self.price_chart.set_symbol(liqs[-1].symbol)
        elif positions:
            self.price_chart.set_symbol(positions[0].symbol)
        self.price_chart.follow()

    def show_help(self) -> None:
        header = self.bridge.timeline.header
        if self._help is None:
            self._help = HelpDialog(self.menus.shortcuts, header.profile, header.rules, self)
        self._help.show()
        if QGuiApplication.platformName() != "offscreen":  # (offscreen cannot raise; it warns)
            self._help.raise_()

    def show_start_hint(self) -> None:
        """What to try, until the person does something (the first command) or clicks it away."""
        hint = self.notices.show(START_HINT, sticky=True)

        def first_action() -> None:
            self.notices.dismiss(hint)
            self.bridge.submitted.disconnect(first_action)

        self.bridge.submitted.connect(first_action)

    def set_theme(self, name: str) -> None:
        """Dark or light, for the whole window at once (and the next start)."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            name = theme.apply(app, name)
        self.settings.setValue("view/theme", name)
        Menus.check(self.menus.themes, name)

    def restore_layout(self) -> None:
        self.restoreState(self._default_state, SETTINGS_VERSION)

    # ================================================================== settings
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        self.fit_to_screen()
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state, SETTINGS_VERSION)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        saved_theme = str(s.value("view/theme", "dark"))
        if saved_theme != theme.name:
            self.set_theme(saved_theme)
        Menus.check(self.menus.themes, theme.name)
        Menus.check(self.menus.scenarios, self.session.scenario)
        self.price_chart.set_style(str(s.value("chart/style", "candles")))
        speed = s.value("replay/speed", "1")
        with contextlib.suppress(TypeError, ValueError):
            self.loop.set_speed(None if speed in ("max", None) else float(str(speed)))

    def _save_speed(self) -> None:
        speed = self.loop.speed
        self.settings.setValue("replay/speed", "max" if speed is None else f"{speed:g}")

    def _save_style(self, style: str) -> None:
        self.settings.setValue("chart/style", style)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(SETTINGS_VERSION))
        s.setValue("window/splitter", self.splitter.saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.loop.stop()
        self.odds_panel.shutdown()
        self.lesson_panel.player.stop()
        self.save_settings()
        self.session.close_recording()
        super().closeEvent(event)
