"""The session's lifecycle, apart from the window that shows it: a live session on a simulated
market, opening a session or market-data file, recording, resetting the account, branching at the
play head, and replaying the same inputs under another profile or rule set.

Everything it has to say goes out as ``notice(sentence, kind)`` (kinds: info, warning, error), and
``changed()`` says the source, profile, rules or recording changed (the window's title and status
follow it). A file never takes the window down: whatever is wrong with it becomes one sentence, and
the session on screen stays as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from ..engine import Price, Rejected
from ..engine.account import Rules
from ..errors import FileProblem
from ..market import (
    DEFAULT_SYMBOLS,
    SCENARIOS,
    START_PRICES,
    MarketDataError,
    PriceTick,
    Simulator,
    load_market_file,
)
from ..market.simulator import FUNDING_INTERVAL_MS
from ..profiles import DEFAULT_PROFILE, ProfileError, available_profiles, load_profile
from ..session.model import SessionHeader
from ..session.reader import Session, looks_like_session, read_session
from ..session.recorder import Recorder
from ..session.sources import market_session
from ..session.timeline import Timeline
from . import format as fmt
from .bridge import SessionBridge
from .frame_loop import FrameLoop, Market, freeze_history
from .theme import EXAMPLES

DEFAULT_BALANCE = "10000"
SYNC_EVERY_MS = 5000  # a live recording is flushed line by line and synced to disk this often
# Asked when a market-data file does not say which instrument its prices are: (question, the
# profile's symbols) → the symbol chosen, or None if the person cancelled.
AskSymbol = Callable[[str, list[str]], str | None]


def profile_setting(settings: QSettings) -> str:
    name = str(settings.value("session/profile", DEFAULT_PROFILE))
    return name if name in available_profiles() else DEFAULT_PROFILE


def rules_setting(settings: QSettings) -> Rules:
    rules = str(settings.value("session/rules", "sandbox"))
    return "exchange" if rules == "exchange" else "sandbox"


def new_header(settings: QSettings) -> SessionHeader:
    """A fresh 10,000 USDT account under the profile and rules last chosen."""
    return SessionHeader.new(DEFAULT_BALANCE, profile_setting(settings), rules_setting(settings))


class OffsetMarket:
    """A market whose own clock starts at 0, shifted to start at session time ``t0``. A simulator's
    funding settlements come with its prices, as ``(t, None, Funding)`` inputs in session order."""

    def __init__(self, market: Market, t0: int):
        self.market = market
        self.t0 = t0

    def advance(self, until_ms: int) -> list:
        market = self.market
        if isinstance(market, Simulator):
            ticks: list = market.advance_events(until_ms - self.t0)
        else:
            ticks = market.advance(until_ms - self.t0)
        if not self.t0 or not ticks:
            return ticks
        t0 = self.t0
        return [k._replace(t=k.t + t0) if isinstance(k, PriceTick) else (k[0] + t0, *k[1:]) for k in ticks]


class SessionController(QObject):
    notice = Signal(str, str)  # a sentence and its kind
    changed = Signal()
    branched = Signal()  # a branch of the timeline is on screen now (a what-if, "trade from here")

    def __init__(
        self,
        bridge: SessionBridge,
        loop: FrameLoop,
        settings: QSettings,
        recordings_dir: Path | None,
        seed: int | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.bridge = bridge
        self.loop = loop
        self.settings = settings
        self.recordings_dir = recordings_dir
        self.seed = seed
        self.funding_interval_ms = FUNDING_INTERVAL_MS  # the live market settles funding this often
        self.source_name = "live"
        self.source_path: str | None = None
        self.recorder: Recorder | None = None
        self.ask_symbol: AskSymbol = lambda question, symbols: None
        self._last_failure: str | None = None
        # What-if branches: the name and path each original was shown with (for going back),
        # and the departure last announced (a new one means the timeline branched in place).
        self._origins: dict[int, tuple[str, str | None]] = {}
        self._departure: object | None = None
        scenario = str(settings.value("market/scenario", "calm"))
        self.scenario = scenario if scenario in SCENARIOS else "calm"
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(SYNC_EVERY_MS)
        self._sync_timer.timeout.connect(self.sync_recording)
        self._sync_timer.start()
        loop.failed.connect(self.recover)
        bridge.submitted.connect(self._on_submitted)

    def say(self, sentence: str, kind: str = "info") -> None:
        self.notice.emit(sentence, kind)

    # ------------------------------------------------------------------ settings
    def folder(self, saving: bool = False) -> str:
        """Where a file dialog starts: the folder of the last file opened (the example sessions
        until then), or for saving, of the last file saved (the home folder until then)."""
        if saving:
            return str(self.settings.value("files/save_dir", str(Path.home())))
        return str(self.settings.value("files/open_dir", str(EXAMPLES)))

    def _remember_folder(self, path: Path, saving: bool = False) -> None:
        self.settings.setValue("files/save_dir" if saving else "files/open_dir", str(path.resolve().parent))

    # ------------------------------------------------------------------ the live market
    def market_factory(self) -> Callable[[dict[str, Decimal], int], Market]:
        """Makes the simulated market that continues from ``marks`` at session time ``t0`` (the
        default symbols at round prices when there are none yet)."""
        seed = self.seed if self.seed is not None else int(datetime.now().timestamp())
        scenario = self.scenario
        funding_ms = self.funding_interval_ms

        def factory(marks: dict[str, Decimal], t0: int) -> Market:
            profile = self.bridge.profile
            symbols = {}
            for s in list(marks) or list(DEFAULT_SYMBOLS):
                inst = profile.instrument(s)
                start = marks.get(s) or START_PRICES.get(s)
                if inst is not None and start is not None:
                    symbols[s] = (start, inst.tick_size)
            simulator = Simulator(symbols, seed=seed + t0, scenario=scenario, funding_interval_ms=funding_ms)
            return OffsetMarket(simulator, t0)

        return factory

    def set_scenario(self, name: str) -> None:
        """The live market's behaviour from now on (a scripted move comes a minute later)."""
        self.scenario = name if name in SCENARIOS else "calm"
        self.settings.setValue("market/scenario", self.scenario)
        self.loop.set_market(self.market_factory())  # the next frame continues from the screen
        if self.loop.ticker_on:
            self.say(f"Market: {SCENARIOS[self.scenario]}.")

    def start_live(self) -> None:
        """A fresh 10,000 USDT account on a live simulated market."""
        self._adopt(Timeline(new_header(self.settings)), "live", None, record=True)
        self.loop.set_market(self.market_factory())
        self.loop.set_ticker(True)
        self.loop.set_playing(True)
        self.changed.emit()

    def resume_prices(self) -> None:
        """Hand every price set by hand back to the live market."""
        for symbol in self.bridge.held():
            self.bridge.release(symbol)

    # ------------------------------------------------------------------ files
    def open_path(self, path: str, symbol: str | None = None, ask: bool = True) -> bool:
        """Open a session or a market-data file ready to replay; one sentence if it cannot.

        A market-data file whose symbol cannot be told from its name, or is not an instrument of
        the profile, asks which instrument its prices are (``ask``), else says so."""
        p = Path(path)
        if not p.is_file():
            self.say(f"{path}: {'a folder, not a file' if p.is_dir() else 'no such file'}", "error")
            return False
        try:
            session = read_session(p) if looks_like_session(p) else self._market_session(p, symbol, ask)
            if session is None:
                self.say(f"{p.name} was not opened: no instrument was chosen for its prices.")
                return False
            timeline = Timeline.from_session(session)
            if len(timeline):  # ready to replay: the first moment on screen, the rest to come
                timeline.seek(int(timeline.times[0]))
        except FileProblem as exc:
            self.say(str(exc), "error")
            return False
        except ProfileError as exc:
            self.say(f"{path}: {exc}", "error")
            return False
        except (OSError, ValueError) as exc:
            self.say(f"{path}: cannot be read ({exc})", "error")
            return False
        except Exception as exc:  # a reader or engine bug: still one sentence, and the window lives
            self.say(f"{path}: cannot be opened ({type(exc).__name__}: {exc})", "error")
            return False
        self._adopt(timeline, p.name, str(p), record=False)
        self.loop.set_market(self.market_factory())
        self.loop.set_ticker(False)
        self.loop.set_playing(False)
        self._remember_folder(p)
        for warning in session.warnings:
            self.say(warning, "warning")
        self.say(f"Opened {p.name}: {len(timeline):,} inputs. Press Space to play, ← → to step.")
        self.changed.emit()
        return True

    def _market_session(self, path: Path, symbol: str | None, ask: bool) -> Session | None:
        """A market-data file as a session of price events (None if the person cancelled)."""
        profile = load_profile(profile_setting(self.settings))
        try:
            data = load_market_file(path, symbol)
        except MarketDataError as exc:
            if symbol is not None or not ask:
                raise
            # Readable once its prices are given a name? Then only the symbol was missing (and
            # if not, this raises what else is wrong with the file).
            data = load_market_file(path, "?")
            problem = str(exc)
        else:
            if data.symbol in profile.instruments:
                return market_session(data)
            unknown = f"{data.symbol} is not an instrument of the {profile.name} profile"
            if not ask:
                raise MarketDataError(path, None, unknown)
            problem = f"{path}: {unknown}"
        choice = self.ask_symbol(f"{problem}.\nWhich instrument are these prices?", list(profile.instruments))
        if choice is None or choice not in profile.instruments:
            return None
        return market_session(dataclasses.replace(data, symbol=choice))

    def save_recording(self, path: str) -> bool:
        try:
            self.bridge.timeline.save(path)
        except OSError as exc:
            self.say(f"{path}: cannot save ({exc.strerror or exc})", "error")
            return False
        self._remember_folder(Path(path), saving=True)
        self.say(f"Saved the recording to {path}")
        return True

    # ------------------------------------------------------------------ recording
    def _adopt(
        self, timeline: Timeline, name: str, path: str | None, record: bool, keep_held: bool = False
    ) -> None:
        """Show another timeline: the current recording is closed (it is complete on disk).
        ``keep_held``: prices the person holds by hand stay held (the same session under other
        rules, or a fresh account at the current prices), so the live market does not take them."""
        held = self.bridge.held() if keep_held else set()
        self.close_recording()
        self._close_unreachable(timeline)
        self._departure = timeline.departure
        self.source_name = name
        self.source_path = path
        self._last_failure = None
        self.bridge.set_timeline(timeline)
        for symbol in sorted(held):
            self.bridge.hold(symbol)
        freeze_history()  # a loaded history is long-lived: keep it out of garbage collections
        if record:
            self._start_recording(timeline)
        self.changed.emit()

    def adopt(self, timeline: Timeline, name: str) -> None:
        """Show ``timeline`` as it is, not recorded (a benchmark's or a test's own session)."""
        self._adopt(timeline, name, None, record=False)

    def _start_recording(self, timeline: Timeline) -> None:
        """Write the timeline's inputs to the recordings folder as they happen (its past first),
        so nothing is lost if the app or the machine stops."""
        if self.recordings_dir is None or timeline.recorder is not None:
            return
        path = self.recordings_dir / f"session-{datetime.now():%Y%m%d-%H%M%S-%f}.jsonl"
        try:
            recorder = Recorder(path, timeline.header)
            timeline.attach_recorder(recorder, write_existing=True)
        except (OSError, ValueError) as exc:
            self.say(f"Cannot record to {path} ({exc}); use File ▸ Save recording", "warning")
            return
        self.recorder = recorder
        self.changed.emit()

    def close_recording(self) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            try:
                recorder.close()
            except OSError as exc:
                self.say(f"The recording {recorder.path} could not be closed ({exc})", "warning")

    def sync_recording(self) -> None:
        if self.recorder is not None and not self.recorder.closed:
            try:
                self.recorder.sync()
            except (OSError, ValueError) as exc:
                self.say(f"The recording could not be written to disk ({exc})", "warning")

    def _on_submitted(self) -> None:
        """The user traded: from now on this timeline is theirs, so it is recorded. A command
        before the end made the timeline a branch in place: the original keeps its recording
        (open, for going back) and the branch gets its own."""
        tl = self.bridge.timeline
        if tl.departure is not None and tl.departure is not self._departure and tl.original is not None:
            self._departure = tl.departure
            self._origins[id(tl.original)] = (self.source_name, self.source_path)
            self.source_name, self.source_path = f"{self.source_name} (what-if)", None
            self.recorder = None  # the original's, if any: it stays open with the original
            self._start_recording(tl)
            self.changed.emit()
            self.branched.emit()
            return
        self._start_recording(tl)

    # ------------------------------------------------------------------ new timelines from this one
    def reset_account(self) -> None:
        """A fresh account at the current prices (the market carries on)."""
        old = self.bridge.timeline
        header = old.header.model_copy(update={"balance": Decimal(DEFAULT_BALANCE)})
        timeline = Timeline(header)
        for symbol, price in self.bridge.marks().items():
            timeline.submit(Price(symbol, price), 0)
        self._adopt(
            timeline,
            self.source_name if self.source_path is None else "reset",
            None,
            record=True,
            keep_held=True,
        )
        self.say(f"Account reset to {fmt.money(Decimal(DEFAULT_BALANCE))} USDT at the current prices.")

    def branch_here(self) -> None:
        """ "Trade from here": a branch at the play head that keeps the recorded market (the
        recorded prices play on, your later recorded commands are left out); the original stays
        as it is, recording included, for "back to the original"."""
        tl = self.bridge.timeline
        if tl.at_end:
            self.say("Already at the end: just trade.")
            return
        self.loop.set_playing(False)
        self._show_branch(tl.branch(keep_market=True), f"{self.source_name} (branch)")

    def _show_branch(self, branch: Timeline, name: str) -> None:
        """Put a branch of the timeline on screen, recorded on its own; the timeline it came from
        keeps its recording open (it is ``branch.original``: the user may go back to it)."""
        original = branch.original
        if original is not None and id(original) not in self._origins:
            self._origins[id(original)] = (self.source_name, self.source_path)
        if original is self.bridge.timeline:
            self.recorder = None  # the original's, if any: it stays open with the original
        else:
            self.close_recording()  # a sibling branch's: complete on disk as it was
        self.source_name, self.source_path = name, None
        self._last_failure = None
        self._departure = branch.departure
        self.bridge.set_timeline(branch)
        self._start_recording(branch)
        self.changed.emit()
        self.branched.emit()

    def back_to_original(self) -> bool:
        """Show the timeline this branch departed from, exactly as it was left there (play head,
        positions, events, charts, its recording if it had one); the branch's recording is
        closed, complete on disk."""
        tl = self.bridge.timeline
        original = tl.original
        if original is None:
            self.say("This is not a branch made here: there is no original to go back to.")
            return False
        self.loop.set_playing(False)
        name, path = self._origins.pop(id(original), (self.source_name, None))
        self._adopt(original, name, path, record=False)
        self.recorder = original.recorder  # still open if it had one (left so on branching)
        self.changed.emit()
        self.say(f"Back to the original at {fmt.clock(original.t / 1000)}; the branch's recording is kept.")
        return True

    def redo_branch(self, keep_commands: bool) -> bool:
        """The branch on screen made again from its original with (or without) the later
        recorded commands re-applied as recorded, at the same moment."""
        tl = self.bridge.timeline
        d, original = tl.departure, tl.original
        if d is None or original is None or not d.market_kept:
            return False
        self.loop.set_playing(False)
        if d.command is None:
            branch = original.branch(keep_market=True, keep_commands=keep_commands)
        else:
            branch = original.what_if(d.command, d.t, keep_commands=keep_commands)
        if tl.t > branch.t:
            branch.seek(tl.t)
        self._show_branch(branch, self.source_name)
        return True

    def _close_unreachable(self, timeline: Timeline) -> None:
        """Close the recordings of the originals behind the timeline on screen that ``timeline``
        cannot go back to (they were kept open only for going back)."""
        keep = set()
        t: Timeline | None = timeline
        while t is not None:
            keep.add(id(t))
            t = t.original
        t = self.bridge.timeline.original
        while t is not None:
            if id(t) not in keep:
                self._origins.pop(id(t), None)
                recorder = t.recorder
                if recorder is not None:
                    try:
                        recorder.close()
                    except OSError as exc:
                        self.say(f"The recording {recorder.path} could not be closed ({exc})", "warning")
            t = t.original

    def _replayed(self, header: SessionHeader, what: str) -> Timeline | None:
        """The current inputs under ``header``, at the same moment (None, and a sentence, if the
        engine cannot replay them)."""
        old = self.bridge.timeline
        try:
            timeline = Timeline(header, old.times, old.commands, path=old.path)
            timeline.seek_index(old.index)
        except ProfileError as exc:
            self.say(str(exc), "error")
            return None
        except Exception as exc:  # an engine bug: the session on screen stays as it was
            self.say(f"The inputs could not be replayed {what} ({type(exc).__name__}: {exc})", "error")
            return None
        timeline.t = old.t
        return timeline

    def _rebuild_under(self, profile: str | None = None, rules: str | None = None) -> bool:
        """The same inputs replayed under another profile or rule set, at the same moment (the
        recording, if any, starts again under the new header)."""
        old = self.bridge.timeline
        update = {k: v for k, v in (("profile", profile), ("rules", rules)) if v is not None}
        timeline = self._replayed(old.header.model_copy(update=update), "under the new rules")
        if timeline is None:
            return False
        self._adopt(
            timeline, self.source_name, self.source_path, record=old.recorder is not None, keep_held=True
        )
        rejected = [e for _, e in timeline.events if isinstance(e, Rejected)]
        if rejected:
            self.say(
                f"Under the new rules {len(rejected)} input(s) were rejected; first: "
                f"{self.bridge.describe(rejected[0])}",
                "warning",
            )
        return True

    def set_profile(self, name: str) -> None:
        if name != self.bridge.timeline.header.profile and self._rebuild_under(profile=name):
            self.settings.setValue("session/profile", name)
            self.say(
                f"Profile: {fmt.drawable(self.bridge.profile.title)}. The same inputs were replayed "
                f"under it; liquidation prices follow its brackets."
            )
        self.changed.emit()

    def set_rules(self, rules: str) -> None:
        if rules != self.bridge.timeline.header.rules and self._rebuild_under(rules=rules):
            self.settings.setValue("session/rules", rules)
            self.say(f"Rules: {rules}.")
        self.changed.emit()

    def recover(self, sentence: str, what: str) -> None:
        """A frame could not apply an input (the loop has stopped time): the session goes back to
        its last whole moment, and the sentence is shown once for each thing that failed."""
        old = self.bridge.timeline
        repeated = what == self._last_failure
        timeline = self._replayed(old.header, "to the last whole moment")
        if timeline is not None:
            self._adopt(
                timeline, self.source_name, self.source_path, record=old.recorder is not None, keep_held=True
            )
        if not repeated:
            self.say(sentence, "error")
        self._last_failure = what
