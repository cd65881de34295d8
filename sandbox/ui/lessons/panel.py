"""The lesson panel: one lesson's steps, one at a time. A step shows its text and goes to its
moment (rolling the session on to it when it lies ahead). A step that asks for a prediction asks
first, then plays, then reveals:

- *where does it die?* — drag the dashed marker on the price chart (the liquidation prices on
  screen are hidden meanwhile: the chart's lines, the ghost lines, the table's column); *Play and
  see* rolls the session on (to the next step's moment) and the engine's price appears beside
  the guess;
- *how much is lost?* — type an amount; *survives?* — choose; *Play and see* rolls on to the
  moment the answer is about.

The answers are the lesson's (``Lesson.answers``: computed by replaying the session with its
twins, never written in the file), and the reveal shows the *Cross vs isolated* panel with them.
Opening another session ends the lesson.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...engine import text
from ...session.lessons import Answer, Lesson, Step
from .. import format as fmt
from ..bridge import SessionBridge
from ..charts.price_chart import PriceChart
from ..frame_loop import FrameLoop
from ..theme import theme
from .marker import PredictionMarker
from .player import LessonPlayer

GUESS_OFFSET = Decimal("0.03")  # the marker starts this far from the mark, on the losing side


class LessonPanel(QWidget):
    def __init__(
        self,
        bridge: SessionBridge,
        loop: FrameLoop,
        chart: PriceChart,
        open_session: Callable[[str], bool],
        show_twins: Callable[[], None],
        conceal: Callable[[bool], None] = lambda on: None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("lessonPanel")
        self.bridge = bridge
        self.loop = loop
        self.chart = chart
        self.open_session = open_session
        self.show_twins = show_twins
        self.conceal = conceal  # hides what would give a liquidation price away while asked
        self.lesson: Lesson | None = None
        self.index = -1
        self.revealed = False
        self.player = LessonPlayer(bridge, loop, self)
        self.player.arrived.connect(self._arrived)
        self.marker = PredictionMarker(chart, self)
        self._after_play: Callable[[], None] | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        self.title = QLabel("No lesson: Help ▸ Lessons picks one.", self)
        self.title.setObjectName("lessonTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.claim = QLabel(self)
        self.claim.setObjectName("lessonClaim")
        self.claim.setWordWrap(True)
        layout.addWidget(self.claim)
        self.counter = QLabel(self)
        self.counter.setObjectName("lessonCounter")
        layout.addWidget(self.counter)
        self.step_text = QLabel(self)
        self.step_text.setObjectName("lessonStep")
        self.step_text.setWordWrap(True)
        self.step_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.step_text)

        self.ask = QStackedWidget(self)
        self.ask.setObjectName("lessonAsk")
        empty = QWidget(self.ask)
        self.ask.addWidget(empty)
        price = QWidget(self.ask)
        pl = QVBoxLayout(price)
        pl.setContentsMargins(0, 0, 0, 0)
        self.price_hint = QLabel("Drag the dashed marker on the price chart to your guess.", price)
        self.price_hint.setWordWrap(True)
        self.guess_label = QLabel(price)
        self.guess_label.setObjectName("lessonGuess")
        pl.addWidget(self.price_hint)
        pl.addWidget(self.guess_label)
        self.ask.addWidget(price)
        loss = QWidget(self.ask)
        ll = QHBoxLayout(loss)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("I think it loses", loss))
        self.loss = QDoubleSpinBox(loss)
        self.loss.setObjectName("lessonLoss")
        self.loss.setRange(0, 1e9)
        self.loss.setDecimals(2)
        self.loss.setSingleStep(100)
        self.loss.setGroupSeparatorShown(True)
        self.loss.setSuffix(" USDT")
        ll.addWidget(self.loss, 1)
        self.ask.addWidget(loss)
        survives = QWidget(self.ask)
        sl = QHBoxLayout(survives)
        sl.setContentsMargins(0, 0, 0, 0)
        self.choice = QButtonGroup(survives)
        self.survives = QRadioButton("it survives", survives)
        self.survives.setObjectName("lessonSurvives")
        self.dies = QRadioButton("it is liquidated", survives)
        self.dies.setObjectName("lessonDies")
        for b in (self.survives, self.dies):
            self.choice.addButton(b)
            sl.addWidget(b)
        sl.addStretch(1)
        self.choice.buttonToggled.connect(lambda *_: self._update_buttons())
        self.ask.addWidget(survives)
        layout.addWidget(self.ask)

        self.reveal = QLabel(self)
        self.reveal.setObjectName("lessonReveal")
        self.reveal.setWordWrap(True)
        self.reveal.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.reveal)
        self.compare = QLabel(self)
        self.compare.setObjectName("lessonCompare")
        self.compare.setWordWrap(True)
        layout.addWidget(self.compare)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        self.back_button = QPushButton("Back", self)
        self.back_button.setObjectName("lessonBack")
        self.back_button.clicked.connect(self.back)
        self.play_button = QPushButton("Play and see", self)
        self.play_button.setObjectName("lessonPlay")
        self.play_button.setToolTip("lock in your prediction, play on and see what the engine does")
        self.play_button.clicked.connect(self.play)
        self.next_button = QPushButton("Next", self)
        self.next_button.setObjectName("lessonNext")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        self.close_button = QPushButton("End lesson", self)
        self.close_button.setObjectName("lessonEnd")
        self.close_button.clicked.connect(self.end)
        for button in (self.back_button, self.play_button, self.next_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.marker.moved.connect(self._guess_moved)
        bridge.reset.connect(self._session_changed)
        self._restyle()
        theme.changed.connect(self._restyle)
        self._update_buttons()

    # ------------------------------------------------------------------ the lesson
    def start(self, lesson: Lesson) -> bool:
        """Open the lesson's session and show its first step."""
        self.end()
        if not self.open_session(str(lesson.session_path)):
            self.title.setText(f"The lesson “{lesson.title}” could not open its session.")
            return False
        self.lesson = lesson
        self.title.setText(lesson.title)
        self.claim.setText(lesson.claim)
        self.go(0)
        return True

    def end(self) -> None:
        self.player.stop()
        self.marker.hide()
        self.conceal(False)
        self.lesson = None
        self.index = -1
        self.revealed = False
        self.title.setText("No lesson: Help ▸ Lessons picks one.")
        for label in (self.claim, self.counter, self.step_text, self.reveal, self.compare):
            label.clear()
        self.ask.setCurrentIndex(0)
        self._update_buttons()

    @property
    def step(self) -> Step | None:
        if self.lesson is None or not 0 <= self.index < len(self.lesson.steps):
            return None
        return self.lesson.steps[self.index]

    @property
    def answer(self) -> Answer | None:
        if self.lesson is None or not 0 <= self.index < len(self.lesson.answers):
            return None
        return self.lesson.answers[self.index]

    def go(self, index: int) -> None:
        lesson = self.lesson
        if lesson is None or not 0 <= index < len(lesson.steps):
            return
        forward = index > self.index
        self.index = index
        self.revealed = False
        step = lesson.steps[index]
        self.counter.setText(f"Step {index + 1} of {len(lesson.steps)}")
        self.step_text.setText(step.text)
        self.reveal.clear()
        self.compare.clear()
        self.marker.hide()
        self.conceal(False)
        self.ask.setCurrentIndex(0)
        self.choice.setExclusive(False)
        for b in (self.survives, self.dies):
            b.setChecked(False)
        self.choice.setExclusive(True)
        if step.t is not None and step.t != self.bridge.now():
            self._after_play = self._ask  # asked when the moment is on screen
            if forward and index > 0:
                self.player.play_to(step.t)  # rolls the session on to it
            else:
                self.player.jump_to(step.t)
        else:
            self._ask()
        self._update_buttons()

    def next(self) -> None:
        if self.lesson is not None and self.index + 1 < len(self.lesson.steps):
            self.go(self.index + 1)
        else:
            self.end()

    def back(self) -> None:
        if self.index > 0:
            self.go(self.index - 1)

    def _ask(self) -> None:
        """Put up the step's question (if it asks one)."""
        step, answer = self.step, self.answer
        if step is None or step.predict is None or answer is None:
            self._update_buttons()
            return
        kind = step.predict.kind
        if kind == "liquidation_price":
            symbol = answer.symbol
            assert symbol is not None
            mark = self.bridge.mark(symbol)
            twins = self.bridge.timeline.twins
            position = None
            if twins is not None and answer.position is not None:
                position = twins.twin(answer.variant).account.positions.get(answer.position)
            self.conceal(True)  # the chart's and the table's liquidation prices would tell
            if mark is not None:
                tick = self.bridge.instrument(symbol).tick_size
                below = position is None or position.sign > 0
                start = mark * (1 - GUESS_OFFSET if below else 1 + GUESS_OFFSET)
                self.marker.show_at(symbol, float(start), float(mark), tick)
            self.ask.setCurrentIndex(1)
        elif kind == "loss":
            self.loss.setValue(0)
            self.ask.setCurrentIndex(2)
        else:
            self.ask.setCurrentIndex(3)
        self._update_buttons()

    # ------------------------------------------------------------------ play and reveal
    def play_target(self) -> int | None:
        """The moment the step's answer shows: where it is about, or (for a price, which is
        asked about the moment on screen) the next step's moment."""
        step, answer, lesson = self.step, self.answer, self.lesson
        if step is None or answer is None or lesson is None or step.predict is None:
            return None
        if step.predict.kind != "liquidation_price":
            return answer.t
        later = [s.t for s in lesson.steps[self.index + 1 :] if s.t is not None]
        return later[0] if later else answer.t

    def play(self) -> None:
        target = self.play_target()
        if target is None or self.revealed:
            return
        self.marker.lock()
        self._after_play = self.show_reveal
        self.chart.follow()
        self.player.play_to(target)
        self._update_buttons()

    def _arrived(self) -> None:
        after, self._after_play = self._after_play, None
        if after is not None:
            after()
        self._update_buttons()

    def show_reveal(self) -> None:
        step, answer = self.step, self.answer
        if step is None or answer is None or step.predict is None:
            return
        self.revealed = True
        self.conceal(False)
        self.reveal.setText(answer.reveal)
        kind = step.predict.kind
        if kind == "liquidation_price":
            guess = self.marker.guess()
            self.compare.setText(self._price_comparison(guess, answer))
            value = answer.value if isinstance(answer.value, Decimal) else None
            if answer.symbol is not None:
                self.chart.set_symbol(answer.symbol)
            self.marker.show_answer(value, answer.shown)
            self._frame([float(guess), *([float(value)] if value is not None else [])])
        elif kind == "loss":
            guess_loss = Decimal(repr(self.loss.value()))
            self.compare.setText(f"Your guess: {text.money(guess_loss)} USDT; the engine: {answer.shown}.")
        else:
            said = (
                "survives"
                if self.survives.isChecked()
                else "is liquidated"
                if self.dies.isChecked()
                else None
            )
            right = said is not None and (said == "survives") == bool(answer.value)
            self.compare.setText(
                f"You said it {said}: {'right' if right else 'not this time'}."
                if said
                else "You did not choose."
            )
        self.show_twins()
        self._update_buttons()

    def _price_comparison(self, guess: Decimal, answer: Answer) -> str:
        tick = self.bridge.instrument(answer.symbol).tick_size if answer.symbol else Decimal("0.01")
        mine = text.price(guess, tick)
        if not isinstance(answer.value, Decimal):
            return f"Your guess: {mine}; the engine: {answer.shown}."
        off = fmt.pct(guess / answer.value - 1, signed=True, minus=fmt.MINUS)
        return f"Your guess: {mine}; the engine: {answer.shown} (your guess is {off} from it)."

    def _frame(self, values: list[float]) -> None:
        """Keep the guess and the answer in view (the chart stops following to do so)."""
        if self.chart.following:
            self.chart.follow_button.click()
        view = self.chart.view_box
        (_x, (y0, y1)) = view.viewRange()
        lo, hi = min([y0, *values]), max([y1, *values])
        pad = (hi - lo) * 0.05
        view.setYRange(lo - pad, hi + pad, padding=0)

    # ------------------------------------------------------------------ the rest
    def _guess_moved(self, value: float) -> None:
        if self.step is not None and self.ask.currentIndex() == 1:
            self.guess_label.setText(f"Your guess: {text.price(self.marker.guess(), self.marker.tick)}")

    def _session_changed(self) -> None:
        """Another session on screen (not one of this lesson's branches): the lesson ends."""
        lesson = self.lesson
        if lesson is None:
            return
        tl = self.bridge.timeline
        meta = tl.header.meta if isinstance(tl.header.meta, dict) else {}
        path = str(lesson.session_path)
        ours = (
            meta.get("lesson") == lesson.path.name
            or tl.path == path
            or (tl.parent is not None and tl.parent.get("file") == path)
        )
        if not ours:
            self.end()

    def _update_buttons(self) -> None:
        step = self.step
        playing = self.player.playing
        asks = step is not None and step.predict is not None
        ready = asks and not self.revealed and not playing
        if ready and step is not None and step.predict is not None and step.predict.kind == "survives":
            ready = self.survives.isChecked() or self.dies.isChecked()
        self.play_button.setVisible(asks)
        self.play_button.setEnabled(bool(ready))
        self.next_button.setEnabled(self.lesson is not None and not playing and (not asks or self.revealed))
        last = self.lesson is not None and self.index == len(self.lesson.steps) - 1
        self.next_button.setText("Finish" if last else "Next")
        self.back_button.setEnabled(self.lesson is not None and self.index > 0 and not playing)
        self.close_button.setEnabled(self.lesson is not None)

    def _restyle(self, *_: object) -> None:
        p = theme.palette
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.claim.setStyleSheet(f"color: {p.muted}; font-style: italic;")
        self.counter.setStyleSheet(f"color: {p.muted};")
        self.reveal.setStyleSheet(f"color: {p.up}; font-weight: bold;")
        self.guess_label.setStyleSheet(f"color: {p.warn};")
