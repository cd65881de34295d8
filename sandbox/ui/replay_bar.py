"""The transport bar: play/pause, speed, step, a scrubbable timeline with liquidations marked, and
"trade from here".

It works the same for a recorded session, imported market data and the live market: the slider
spans the recording so far, dragging it rewinds (the account is restored exactly as it was then),
and any command given while not at the end starts a branch (the recording after that point is kept
in the parent timeline, not lost).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QWidget,
)

from . import format as fmt
from .bridge import SessionBridge
from .frame_loop import SPEEDS, FrameLoop, speed_text
from .theme import theme

SCALE = 10000  # slider positions across the recording


class TimelineSlider(QSlider):
    """A horizontal slider that paints a red tick at every liquidation. A click anywhere on it
    puts the handle there and starts a drag from there (a timeline, not a page-step scroll bar):
    pressed, moved and released as if the handle had been grabbed at that point."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.marks: list[int] = []  # slider values of liquidations

    def _rects(self) -> tuple[QRect, QRect]:
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        groove = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self
        )
        handle = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self
        )
        return groove, handle

    def value_at(self, x: float) -> int:
        """The value whose handle is centred at ``x`` (widget pixels)."""
        groove, handle = self._rects()
        span = max(groove.width() - handle.width(), 1)
        offset = round(x - groove.x() - handle.width() / 2)
        return QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), offset, span)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        _, handle = self._rects()
        pos = event.position()
        if event.button() == Qt.MouseButton.LeftButton and not handle.contains(pos.toPoint()):
            # Put the handle under the pointer, then let QSlider grab it there.
            self.setSliderDown(True)
            self.setSliderPosition(self.value_at(pos.x()))
            self.setSliderDown(False)
            _, handle = self._rects()
            grabbed = QMouseEvent(
                event.type(),
                QPointF(handle.center().x(), pos.y()),
                event.globalPosition(),
                event.button(),
                event.buttons(),
                event.modifiers(),
            )
            super().mousePressEvent(grabbed)
            event.setAccepted(grabbed.isAccepted())
            return
        super().mousePressEvent(event)

    def set_marks(self, marks: list[int]) -> None:
        if marks != self.marks:
            self.marks = marks
            self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.marks:
            return
        groove, handle = self._rects()
        span = groove.width() - handle.width()
        p = QPainter(self)
        pen = QPen(theme.colour("liq_mark"))
        pen.setWidth(2)
        p.setPen(pen)
        top, bottom = groove.center().y() - 7, groove.center().y() + 7
        for value in self.marks:
            x = (
                groove.x()
                + handle.width() // 2
                + QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), value, span)
            )
            p.drawLine(x, top, x, bottom)
        p.end()


class ReplayBar(QWidget):
    branch_requested = Signal()

    def __init__(self, bridge: SessionBridge, loop: FrameLoop, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("replayBar")
        self.bridge = bridge
        self.loop = loop
        self._scrubbing = False
        self._range = (0, 0)
        self._liq_key: tuple | None = None
        self._icon: str | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(6)

        self.mode = QLabel(self)
        self.mode.setObjectName("modeBadge")
        self.mode.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mode.setMinimumWidth(64)
        layout.addWidget(self.mode)

        self.back_button = self._button(
            "stepBack", theme.icon("step-back"), "step back one input (←)", loop.step_back
        )
        self.play_button = self._button("play", theme.icon("play"), "play / pause (Space)", loop.toggle_play)
        self.forward_button = self._button(
            "stepForward", theme.icon("step-forward"), "step forward one input (→)", loop.step_forward
        )
        for b in (self.back_button, self.play_button, self.forward_button):
            layout.addWidget(b)

        self.speed = QComboBox(self)
        self.speed.setObjectName("speed")
        self.speed.setToolTip("replay speed ([ slower, ] faster)")
        for s in SPEEDS:
            self.speed.addItem(speed_text(s), s)
        self.speed.setCurrentIndex(SPEEDS.index(loop.speed))
        self.speed.activated.connect(lambda i: loop.set_speed(self.speed.itemData(i)))
        layout.addWidget(self.speed)

        self.slider = TimelineSlider(self)
        self.slider.setObjectName("timelineSlider")
        self.slider.setRange(0, SCALE)
        self.slider.setToolTip("click or drag to go to that moment; red marks are liquidations")
        self.slider.sliderPressed.connect(self._scrub_start)
        self.slider.sliderMoved.connect(self._scrub)
        self.slider.sliderReleased.connect(self._scrub_end)
        self.slider.actionTriggered.connect(self._slider_action)
        layout.addWidget(self.slider, 1)

        self.time = QLabel(self)
        self.time.setObjectName("timeLabel")
        self.time.setMinimumWidth(150)
        self.time.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.time)

        self.branch_button = QToolButton(self)
        self.branch_button.setObjectName("branch")
        self.branch_button.setText("Trade from here")
        self.branch_button.setToolTip(
            "drop what follows and continue from this moment (Ctrl+B); the original recording is kept"
        )
        self.branch_button.clicked.connect(self.branch_requested.emit)
        layout.addWidget(self.branch_button)

        loop.state_changed.connect(self.refresh)
        bridge.ticked.connect(self.refresh)
        bridge.reset.connect(self.refresh)
        theme.changed.connect(self._restyle)
        self.refresh()

    def _button(self, name: str, icon, tip: str, slot) -> QToolButton:
        b = QToolButton(self)
        b.setObjectName(name)
        b.setIcon(icon)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setIconSize(QSize(20, 20))
        b.clicked.connect(slot)
        return b

    def _restyle(self, *_: object) -> None:
        self.back_button.setIcon(theme.icon("step-back"))
        self.forward_button.setIcon(theme.icon("step-forward"))
        self._icon = None
        self.slider.update()
        self.refresh()

    # -- mapping between slider values and session time
    def _time_range(self) -> tuple[int, int]:
        tl = self.bridge.timeline
        if len(tl) == 0:
            return (0, 0)
        return (int(tl.times[0]), int(tl.end_t))

    def time_at(self, value: int) -> int:
        t0, t1 = self._range
        return t0 + round((t1 - t0) * value / SCALE)

    def value_at(self, t: int) -> int:
        t0, t1 = self._range
        if t1 <= t0:
            return SCALE
        return int(min(max((t - t0) * SCALE / (t1 - t0), 0), SCALE))

    # -- scrubbing
    def _scrub_start(self) -> None:
        self._scrubbing = True
        self.loop.set_playing(False)

    def _scrub(self, value: int) -> None:
        self.loop.seek(self.time_at(value))

    def _scrub_end(self) -> None:
        self._scrubbing = False
        self.loop.seek(self.time_at(self.slider.value()), now=True)
        self.refresh()

    def _slider_action(self, action: int) -> None:
        # Clicks on the groove and keys (page/arrow) move the slider without a drag.
        if self._scrubbing or action == QSlider.SliderAction.SliderMove.value:
            return
        self.loop.set_playing(False)
        self.loop.seek(self.time_at(self.slider.sliderPosition()), now=True)

    def _liquidation_times(self) -> list[int]:
        """Where the recording liquidates, ahead of the play head too (that replays the rest of it:
        if the engine cannot, the frame loop says so when play gets there; no marks meanwhile)."""
        try:
            return self.bridge.timeline.liquidation_times()
        except Exception:
            return []

    # -- showing the state
    def refresh(self) -> None:
        tl = self.bridge.timeline
        loop = self.loop
        self._range = self._time_range()
        at_end = loop.at_end()
        branched = tl.parent is not None
        if loop.ticker_on and at_end and loop.playing:
            mode, tip = "LIVE", "the simulated market is running"
        elif loop.has_market and at_end:
            mode, tip = (
                "PAUSED",
                (
                    "time is paused (Space resumes it)"
                    if loop.ticker_on
                    else "the live market is paused (T resumes it)"
                ),
            )
        else:
            mode, tip = "REPLAY", "replaying a recording"
        if branched:
            mode, tip = mode + " · branch", tip + "; this is a branch of an earlier recording"
        if self.mode.text() != mode:
            self.mode.setText(mode)
            self.mode.setProperty("mode", mode.split()[0].lower())
            self.mode.style().unpolish(self.mode)
            self.mode.style().polish(self.mode)
            self.mode.setToolTip(tip)
        name = "pause" if loop.playing else "play"
        if self._icon != name:
            self._icon = name
            self.play_button.setIcon(theme.icon(name))
        i = SPEEDS.index(loop.speed)
        if self.speed.currentIndex() != i:
            self.speed.setCurrentIndex(i)
        has_inputs = len(tl) > 0
        self.back_button.setEnabled(tl.index > 0)
        self.forward_button.setEnabled(not at_end)
        self.slider.setEnabled(has_inputs)
        self.branch_button.setEnabled(not at_end)
        if not self._scrubbing:
            self.slider.blockSignals(True)
            self.slider.setValue(self.value_at(tl.t))
            self.slider.blockSignals(False)
        key = (id(tl), len(tl), self._range)
        if key != self._liq_key:
            self._liq_key = key
            self.slider.set_marks([self.value_at(t) for t in self._liquidation_times()])
        label = f"{fmt.clock(tl.t / 1000)} / {fmt.clock(self._range[1] / 1000)}"
        if self.time.text() != label:
            self.time.setText(label)
