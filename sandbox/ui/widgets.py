"""Small widget helpers the panels share: number fields that read back exactly what was typed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QWidget

from ..engine.limits import MAX_MONEY

_NO_SPIN_BUTTONS = "QAbstractSpinBox::up-button, QAbstractSpinBox::down-button { width: 0px; border: none; }"


def hide_spin_buttons(box: QAbstractSpinBox) -> None:
    """A spin box that looks like a plain field (arrow keys and the wheel still step it).
    ``setButtonSymbols(NoButtons)`` would hide the text under the app's style sheet."""
    box.setStyleSheet(_NO_SPIN_BUTTONS)


def number_box(
    parent: QWidget, decimals: int = 2, suffix: str = "", maximum: float = float(MAX_MONEY)
) -> QDoubleSpinBox:
    """A right-aligned field for an amount or a quantity, read back exactly with ``typed``; it takes
    nothing beyond what the engine holds exactly (``engine.limits``)."""
    box = QDoubleSpinBox(parent)
    box.setLocale(QLocale.c())
    box.setDecimals(decimals)
    box.setRange(0, maximum)
    box.setSuffix(suffix)
    box.setKeyboardTracking(True)
    box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    hide_spin_buttons(box)
    return box


def typed(box: QDoubleSpinBox) -> Decimal:
    """The number in the field, exactly (no float round trip); 0 if it is not one."""
    try:
        return Decimal(box.cleanText().replace(",", "") or "0")
    except InvalidOperation:
        return Decimal(0)
