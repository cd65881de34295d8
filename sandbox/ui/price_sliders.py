"""One price slider per symbol: drag it and that symbol's mark moves at once.

Every move is a ``Price`` input sent through ``bridge.submit``, so it is recorded, replayed and can
liquidate like any other. While you set a price by hand the live ticker leaves that symbol alone
(``bridge.hold``); the ▶ button (or the symbol's "resume") hands it back to the market.

The slider spans ±25 % around a reference price that re-centres only when you are not dragging.
Nothing moves under a pressed handle: the "▶ resume" button keeps its room while hidden (so the
panel never widens when a drag starts), and a drag follows the pointer's movement on the screen
(``PriceSlider``), so a drag to the left can only lower the price. The price box follows the drag.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtGui import QDoubleValidator, QMouseEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine import Price
from ..engine.limits import MAX_PRICE, PLACES
from . import format as fmt
from .bridge import SessionBridge
from .theme import theme

STEPS = 2000  # slider positions across the range
SPAN = Decimal("0.25")  # the range is reference × (1 ± SPAN)
RECENTRE = Decimal("0.15")  # re-centre once the mark is this far from the reference
JUMPS = (
    ("−10%", Decimal("-0.10")),
    ("−1%", Decimal("-0.01")),
    ("+1%", Decimal("0.01")),
    ("+10%", Decimal("0.10")),
)


class PriceSlider(QSlider):
    """A horizontal slider whose drag moves the value by how far the pointer moved on the screen
    since the press, in the direction it moved.

    QSlider maps the pointer's position *in the widget* to a value: if the panel re-lays itself
    out under a pressed handle (a button appearing, a dock widening), the same pointer position
    becomes another value and the price jumps, possibly against the drag. Measured on the screen,
    a drag to the left always lowers the value, whatever the layout does meanwhile."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._anchor: tuple[float, int] | None = None  # (pointer x on the screen, value) at the press

    def _span(self) -> int:
        """Pixels the handle travels from minimum to maximum."""
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        groove = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self
        )
        handle = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self
        )
        return max(groove.width() - handle.width(), 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self._anchor = (event.globalPosition().x(), self.sliderPosition()) if self.isSliderDown() else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._anchor is None or not self.isSliderDown():
            super().mouseMoveEvent(event)
            return
        x0, value0 = self._anchor
        moved = round((event.globalPosition().x() - x0) * (self.maximum() - self.minimum()) / self._span())
        self.setSliderPosition(min(max(value0 + moved, self.minimum()), self.maximum()))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._anchor = None
        super().mouseReleaseEvent(event)


class PriceRow:
    """The controls of one symbol (a row of the grid)."""

    def __init__(self, owner: PriceSliders, symbol: str, row: int):
        self.owner = owner
        self.symbol = symbol
        self.tick = owner.bridge.instrument(symbol).tick_size
        self.reference: Decimal | None = None
        self.dragging = False
        self._state: tuple | None = None
        self._mark: Decimal | None = None
        grid: QGridLayout = owner.grid
        parent = owner.body
        self.label = QLabel(symbol, parent)
        self.label.setObjectName("sliderSymbol")
        grid.addWidget(self.label, row * 2, 0)
        self.price = QLineEdit(parent)
        self.price.setObjectName(f"price_{symbol}")
        self.price.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.price.setValidator(QDoubleValidator(0.0, float(MAX_PRICE), PLACES, self.price))
        self.price.setToolTip("type a mark price and press Enter")
        self.price.setMinimumWidth(96)
        self.price.returnPressed.connect(self._typed)
        grid.addWidget(self.price, row * 2, 1, 1, 2)
        self.resume = QToolButton(parent)
        self.resume.setObjectName(f"resume_{symbol}")
        self.resume.setText("▶ resume")
        self.resume.setToolTip("hand this symbol back to the live market")
        self.resume.clicked.connect(lambda: owner.bridge.release(symbol))
        keep = self.resume.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # showing it must not re-lay the row under the cursor
        self.resume.setSizePolicy(keep)
        self.resume.hide()
        grid.addWidget(self.resume, row * 2, 3, 1, 2)

        self.buttons: list[QToolButton] = []
        self.slider = PriceSlider(parent)
        self.slider.setObjectName(f"slider_{symbol}")
        self.slider.setRange(0, STEPS)
        self.slider.setSingleStep(1)
        self.slider.setPageStep(STEPS // 50)
        self.slider.setTracking(True)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setMinimumWidth(90)
        self.slider.setToolTip(f"drag to move the {symbol} mark price")
        self.slider.sliderPressed.connect(self._pressed)
        self.slider.sliderReleased.connect(self._released)
        self.slider.valueChanged.connect(self._moved)
        col = 0
        for text, change in JUMPS:
            b = QToolButton(parent)
            b.setText(text)
            b.setObjectName(f"jump_{symbol}_{text}")
            b.setProperty("jump", True)  # compact (the style sheets): four of them and a slider in a row
            b.setToolTip(f"move the {symbol} mark {text}")
            b.clicked.connect(lambda _=False, c=change: self.jump(c))
            self.buttons.append(b)
            if col == 2:
                grid.addWidget(self.slider, row * 2 + 1, col)
                col += 1
            grid.addWidget(b, row * 2 + 1, col)
            col += 1

    # -- the slider scale
    def _bounds(self) -> tuple[Decimal, Decimal]:
        ref = self.reference or Decimal(1)
        return ref * (1 - SPAN), ref * (1 + SPAN)

    def price_at(self, position: int) -> Decimal:
        lo, hi = self._bounds()
        return fmt.round_to_tick(lo + (hi - lo) * Decimal(position) / STEPS, self.tick)

    def position_of(self, price: Decimal) -> int:
        lo, hi = self._bounds()
        if hi <= lo:
            return STEPS // 2
        share = (price - lo) / (hi - lo)
        return int(min(max(share * STEPS, Decimal(0)), Decimal(STEPS)))

    # -- showing the mark
    def show_mark(self, mark: Decimal | None, held: bool) -> None:
        state = (mark is not None, held, theme.name)
        if state != self._state:
            self._state = state
            for w in (self.slider, self.price, *self.buttons):
                w.setEnabled(mark is not None)
            self.resume.setVisible(held)
            self.label.setStyleSheet(f"color: {theme.palette.liq};" if held else "")
            self.label.setToolTip(
                "set by hand: the live market leaves this price to you until you resume it" if held else ""
            )
        if mark is None:
            return
        if not self.price.hasFocus():  # during a drag too: the box says what the drag set
            shown = fmt.price(mark, self.tick).replace(",", "")
            if self.price.text() != shown:
                self.price.setText(shown)
        if self.dragging or mark == self._mark:
            return
        self._mark = mark
        if self.reference is None or abs(mark - self.reference) > self.reference * RECENTRE:
            self.reference = mark
        self.slider.blockSignals(True)
        self.slider.setValue(self.position_of(mark))
        self.slider.blockSignals(False)

    # -- moving the mark
    def _pressed(self) -> None:
        self.dragging = True
        self.owner.bridge.hold(self.symbol)

    def _released(self) -> None:
        self.dragging = False
        self._mark = None
        self.owner.refresh()

    def _moved(self, position: int) -> None:
        self.set_price(self.price_at(position))

    def jump(self, change: Decimal) -> None:
        mark = self.owner.bridge.mark(self.symbol)
        if mark is not None:
            self.set_price(fmt.round_to_tick(mark * (1 + change), self.tick))

    def _typed(self) -> None:
        try:
            value = Decimal(self.price.text().replace(",", "").strip())
        except InvalidOperation:
            return
        if value > 0:
            self.set_price(fmt.round_to_tick(value, self.tick))
        self.price.clearFocus()

    def set_price(self, price: Decimal) -> None:
        bridge = self.owner.bridge
        if bridge.mark(self.symbol) == price:
            return
        bridge.hold(self.symbol)
        bridge.submit(Price(self.symbol, price))


class PriceSliders(QWidget):
    """The "Prices" panel: a row per symbol that has a price; it follows ``marks_changed``."""

    def __init__(self, bridge: SessionBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("priceSliders")
        self.bridge = bridge
        self.rows: dict[str, PriceRow] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.body = QWidget(self)
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(2, 1)
        outer.addWidget(self.body)
        self.hint = QLabel("Prices appear here once the market or a file has set them.", self)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        outer.addWidget(self.hint)
        outer.addStretch(1)
        bridge.marks_changed.connect(self._marks_changed)
        bridge.reset.connect(self.rebuild)
        bridge.held_changed.connect(self._held_changed)
        theme.changed.connect(self._restyle)
        self.rebuild()

    def row(self, symbol: str) -> PriceRow:
        return self.rows[symbol]

    def rebuild(self) -> None:
        for r in self.rows.values():
            for w in (r.label, r.price, r.resume, r.slider, *r.buttons):
                w.setParent(None)
                w.deleteLater()
        self.rows.clear()
        self.refresh()

    def refresh(self, symbols: Iterable[str] | None = None) -> None:
        """Rows for every symbol with a price; each of ``symbols`` (default: all) shows its mark."""
        priced = self.bridge.chart_symbols()
        if list(self.rows) != priced:
            if priced[: len(self.rows)] != list(self.rows):  # a symbol went, or came in between
                self.rebuild()
                return
            for s in priced:
                if s not in self.rows:
                    self.rows[s] = PriceRow(self, s, len(self.rows))
            symbols = None
        self.hint.setVisible(not self.rows)
        for s in self.rows if symbols is None else symbols:
            row = self.rows.get(s)
            if row is not None:
                row.show_mark(self.bridge.mark(s), self.bridge.is_held(s))

    def _marks_changed(self, symbols: frozenset[str]) -> None:
        self.refresh(symbols)

    def _held_changed(self, symbol: str, held: bool) -> None:
        self.refresh((symbol,))

    def _restyle(self, *_: object) -> None:
        self.refresh()
