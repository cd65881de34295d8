"""The window's menus and keyboard shortcuts, declared in one place (F1 lists the same keys)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from ..market import SCENARIOS
from ..profiles import ProfileError, available_profiles, load_profile
from . import format as fmt
from . import theme as themes

if TYPE_CHECKING:
    from .main_window import MainWindow


class Menus:
    """Builds the menu bar of ``window``; ``shortcuts`` is every key with what it does."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.shortcuts: list[tuple[str, str]] = []
        w = window
        session, loop, chart = w.session, w.loop, w.price_chart
        bar = w.menuBar()

        f = bar.addMenu("&File")
        self.action(f, "&Open session or market data…", w.open_dialog, "Ctrl+O")
        self.action(f, "&Import market data…", w.import_dialog, "Ctrl+I")
        f.addSeparator()
        self.action(f, "&Save recording as…", w.save_dialog, "Ctrl+S")
        self.action(f, "&Export events (CSV)…", w.export_dialog, "Ctrl+E")
        f.addSeparator()
        self.action(f, "&Quit", w.close, "Ctrl+Q")

        s = bar.addMenu("&Session")
        self.action(
            s, "New &live session", session.start_live, "Ctrl+N", "New live session on a simulated market"
        )
        self.action(
            s,
            "&Reset account",
            session.reset_account,
            "Ctrl+R",
            "Reset the account to 10,000 USDT at the current prices (the recording is kept)",
        )
        self.action(
            s,
            "&Trade from here",
            session.branch_here,
            "Ctrl+B",
            "Trade from here: branch the recording at the play head",
        )
        self.action(
            s,
            "&Back to the original",
            session.back_to_original,
            "Ctrl+Shift+B",
            "Back to the original: leave a branch for the timeline it departed from",
        )
        s.addSeparator()
        self.rules = self.choices(
            s,
            "R&ules",
            [
                ("sandbox", "Sandbox: switch margin mode any time"),
                ("exchange", "Exchange: Binance's restrictions"),
            ],
            session.set_rules,
        )
        self.profiles = self.choices(s, "&Profile", _profile_titles(), session.set_profile)

        m = bar.addMenu("&Market")
        self.action(
            m, "&Play / pause", loop.toggle_play, "Space", "Play / pause (replay, or time in the live market)"
        )
        self.ticker = self.action(
            m, "Pause / resume &ticker", loop.toggle_ticker, "T", "Pause / resume the live market (ticker)"
        )
        self.action(
            m,
            "&Resume all dragged prices",
            session.resume_prices,
            "Shift+T",
            "Hand every dragged price back to the live market",
        )
        self.scenarios = self.choices(
            m, "S&cenario", [(n, f"{n}: {about}") for n, about in SCENARIOS.items()], w.set_scenario
        )
        m.addSeparator()
        self.action(m, "Step &back", loop.step_back, "Left", "Step back one input (rewind)")
        self.action(m, "Step &forward", loop.step_forward, "Right", "Step forward one input")
        self.action(m, "Go to &start", loop.go_to_start, "Home")
        self.action(m, "&Slower", loop.slower, "[", "Slower (down to 0.25×)")
        self.action(m, "F&aster", loop.faster, "]", "Faster (up to 64×, then max)")

        v = bar.addMenu("&View")
        self.action(
            v,
            "&Follow latest",
            chart.follow,
            ["End", "F"],
            "Follow the latest prices again after panning or zooming",
        )
        self.action(
            v, "&Candles / line", chart.toggle_style, "C", "Switch the price chart between candles and a line"
        )
        self.action(v, "&Next symbol", lambda: w.cycle_symbol(1), "Ctrl+PgDown")
        self.action(v, "P&revious symbol", lambda: w.cycle_symbol(-1), "Ctrl+PgUp")
        self.themes = self.choices(v, "&Theme", [(n, n.capitalize()) for n in themes.NAMES], w.set_theme)
        v.addSeparator()
        self.action(
            v,
            "Liquidation &odds",
            lambda: w.show_panel("odds"),
            "Ctrl+Shift+O",
            "The chance each position and the pool is liquidated, as traded, all cross, all isolated",
        )
        self.action(
            v,
            "&Hedge map",
            lambda: w.show_panel("map"),
            "Ctrl+Shift+M",
            "Which joint moves of two prices liquidate which position",
        )
        v.addSeparator()
        for dock in w.docks.values():
            v.addAction(dock.toggleViewAction())
        v.addSeparator()
        self.action(v, "Restore default &layout", w.restore_layout)

        h = bar.addMenu("&Help")
        self.action(h, "&Help and shortcuts", w.show_help, "F1")
        self.action(h, "&Lessons…", w.show_lessons)

    def action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        keys: str | Sequence[str] | None = None,
        help_text: str | None = None,
    ) -> QAction:
        act = QAction(text, self.window)
        if keys:
            seqs = [QKeySequence(k) for k in ([keys] if isinstance(keys, str) else keys)]
            act.setShortcuts(seqs)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            label = " / ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in seqs)
            self.shortcuts.append((label, help_text or text.replace("&", "").rstrip("…")))
        act.triggered.connect(lambda _=False: slot())
        menu.addAction(act)
        self.window.addAction(act)
        return act

    def choices(
        self, parent: QMenu, title: str, items: Iterable[tuple[str, str]], slot: Callable[[str], None]
    ) -> dict[str, QAction]:
        """A submenu of exclusive, checkable choices: {name: action}."""
        menu = parent.addMenu(title)
        group = QActionGroup(self.window)
        actions: dict[str, QAction] = {}
        for name, label in items:
            a = QAction(label, self.window, checkable=True)
            a.triggered.connect(lambda _=False, n=name: slot(n))
            group.addAction(a)
            menu.addAction(a)
            actions[name] = a
        return actions

    @staticmethod
    def check(actions: dict[str, QAction], name: str) -> None:
        for n, a in actions.items():
            a.setChecked(n == name)


def _profile_titles() -> list[tuple[str, str]]:
    titles = []
    for name in available_profiles():
        try:
            titles.append((name, f"{fmt.drawable(load_profile(name).title)} ({name})"))
        except ProfileError:
            continue
    return titles
